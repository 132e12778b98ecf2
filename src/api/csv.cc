#include "api/csv.h"

#include <map>

#include "common/utf8.h"

namespace leadscan::api {
namespace {

std::string Trim(std::string s) {
  size_t a = s.find_first_not_of(" \t");
  size_t b = s.find_last_not_of(" \t");
  if (a == std::string::npos)
    return {};
  return s.substr(a, b - a + 1);
}

// Chooses ';' when the header line has more semicolons than commas outside quotes. Quotes are
// read as ParseCsv reads them: one opens a quoted field only at the start of a field (blanks
// aside), "" inside is a quote, and a quote anywhere else is a character (so a stray one does
// not hide the header's separators).
char DetectDelimiter(std::string_view text) {
  int commas = 0;
  int semis = 0;
  bool quoted = false;
  bool field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"')
          ++i;
        else
          quoted = false;
      }
      continue;
    }
    if (c == '\n')
      break;
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',' || c == ';') {
      ++(c == ',' ? commas : semis);
      field_started = false;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      field_started = true;
    }
  }
  return semis > commas ? ';' : ',';
}

// What a spreadsheet may run as a formula (OWASP CSV injection): a cell starting with = + - @,
// with TAB, CR or LF (Excel and LibreOffice skip those and still see the formula behind
// them), or with a full-width = or + (U+FF1D, U+FF0B), which some spreadsheets fold to ASCII.
bool LooksLikeFormula(std::string_view cell) {
  if (cell.empty())
    return false;
  constexpr std::string_view kTriggers = "=+-@\t\r\n";
  if (kTriggers.find(cell.front()) != std::string_view::npos)
    return true;
  size_t first = cell.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return false;
  std::string_view rest = cell.substr(first);
  return rest.front() == '=' || rest.front() == '+' || rest.front() == '-' || rest.front() == '@' ||
         rest.starts_with("\xEF\xBC\x9D") || rest.starts_with("\xEF\xBC\x8B");
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
  // Every cell must be UTF-8 before it can become a lead, a log line or a stored value; say
  // exactly which one is not.
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t col = 0; col < rows[r].fields.size(); ++col) {
      auto bad = common::FindInvalidUtf8(rows[r].fields[col]);
      if (!bad)
        continue;
      std::string where = r == 0 ? "the header row" : "row " + std::to_string(r);
      std::string column = "column " + std::to_string(col + 1);
      if (r > 0 && col < rows.front().fields.size() &&
          common::IsValidUtf8(rows.front().fields[col]))
        column += " (" + Trim(rows.front().fields[col]) + ")";
      return common::Status::InvalidArgument(
          "invalid_utf8", "invalid UTF-8 in " + where + " (line " + std::to_string(rows[r].line) +
                              "), " + column + ", at byte " + std::to_string(*bad) +
                              " of the cell; save the file as UTF-8");
    }
  }
  for (auto& h : rows.front().fields)
    table.header.push_back(Trim(h));
  table.rows.assign(std::make_move_iterator(rows.begin() + 1), std::make_move_iterator(rows.end()));
  return table;
}

std::string LeadColumnRole(std::string header) {
  for (char& c : header)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, std::string> kRoles = {{"company_name", "company_name"},
                                                            {"company", "company_name"},
                                                            {"name", "company_name"},
                                                            {"företag", "company_name"},
                                                            {"foretag", "company_name"},
                                                            {"företagsnamn", "company_name"},
                                                            {"namn", "company_name"},
                                                            {"domain", "domain"},
                                                            {"website", "domain"},
                                                            {"url", "domain"},
                                                            {"domän", "domain"},
                                                            {"doman", "domain"},
                                                            {"webbplats", "domain"},
                                                            {"hemsida", "domain"},
                                                            {"webbadress", "domain"},
                                                            {"id", "id"}};
  auto it = kRoles.find(header);
  return it == kRoles.end() ? std::string() : it->second;
}

std::string JoinFindingNames(const nlohmann::json& field) {
  std::string out;
  auto add = [&](const nlohmann::json& f) {
    if (!f.is_object())
      return;
    const std::string name = f.value("name", "");
    if (name.empty())
      return;
    if (!out.empty())
      out += "; ";
    out += name;
  };
  if (field.is_array()) {
    for (const auto& f : field)
      add(f);
  } else {
    add(field);
  }
  return out;
}

std::string CsvLine(const std::vector<std::string>& fields, char delimiter) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0)
      out.push_back(delimiter);
    std::string f = fields[i];
    if (LooksLikeFormula(f))
      f = "'" + f;
    // Both separators are quoted, whichever this file uses: ParseCsv picks the delimiter by
    // counting unquoted ',' and ';' in the header, so a bare one in a header cell could make
    // the file read back with the other.
    bool quote = f.find_first_of(std::string("\"\r\n,;") + delimiter) != std::string::npos;
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
