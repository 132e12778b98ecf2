#include "api/csv.h"

namespace leadscan::api {
namespace {

std::string Trim(std::string s) {
  size_t a = s.find_first_not_of(" \t");
  size_t b = s.find_last_not_of(" \t");
  if (a == std::string::npos)
    return {};
  return s.substr(a, b - a + 1);
}

// Chooses ';' when the header line has more semicolons than commas outside quotes.
char DetectDelimiter(std::string_view text) {
  int commas = 0;
  int semis = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"')
      quoted = !quoted;
    if (quoted)
      continue;
    if (c == '\n')
      break;
    if (c == ',')
      ++commas;
    if (c == ';')
      ++semis;
  }
  return semis > commas ? ';' : ',';
}

}  // namespace

common::Result<CsvTable> ParseCsv(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF")
    text.remove_prefix(3);
  CsvTable table;
  table.delimiter = DetectDelimiter(text);
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  int line = 1;
  row.line = 1;
  int quote_line = 0;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_row = [&] {
    end_field();
    bool blank = row.fields.size() == 1 && Trim(row.fields[0]).empty();
    if (!blank)
      rows.push_back(std::move(row));
    row = CsvRow{};
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n')
          ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
      quote_line = line;
    } else if (c == table.delimiter) {
      end_field();
    } else if (c == '\r') {
      continue;
    } else if (c == '\n') {
      end_row();
      ++line;
      row.line = line;
    } else {
      field.push_back(c);
      if (c != ' ' && c != '\t')
        field_started = true;
    }
  }
  if (quoted) {
    return common::Status::InvalidArgument(
        "invalid_csv", "unterminated quoted field starting on line " + std::to_string(quote_line));
  }
  if (!field.empty() || !row.fields.empty())
    end_row();
  if (rows.empty()) {
    return common::Status::InvalidArgument("invalid_csv", "the CSV has no header row");
  }
  for (auto& h : rows.front().fields)
    table.header.push_back(Trim(h));
  table.rows.assign(std::make_move_iterator(rows.begin() + 1), std::make_move_iterator(rows.end()));
  return table;
}

std::string CsvLine(const std::vector<std::string>& fields, char delimiter) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0)
      out.push_back(delimiter);
    std::string f = fields[i];
    if (!f.empty() && (f[0] == '=' || f[0] == '+' || f[0] == '-' || f[0] == '@'))
      f = "'" + f;
    bool quote = f.find_first_of(std::string("\"\r\n") + delimiter) != std::string::npos;
    if (!quote) {
      out += f;
      continue;
    }
    out.push_back('"');
    for (char c : f) {
      if (c == '"')
        out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out += "\r\n";
  return out;
}

}  // namespace leadscan::api
