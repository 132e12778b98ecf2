// CSV as Swedish spreadsheets write it: a header row, comma or semicolon separators (detected
// from the header), double-quoted fields with "" escapes and embedded newlines, UTF-8 with or
// without BOM, CRLF or LF. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::api {

struct CsvRow {
  int line = 0;  // 1-based line number where the row starts (the header is line 1)
  std::vector<std::string> fields;
};

struct CsvTable {
  char delimiter = ',';
  std::vector<std::string> header;  // trimmed
  std::vector<CsvRow> rows;         // blank lines skipped
};

// Fails with invalid_csv (line named) on an unterminated quote or an empty document, and with
// invalid_utf8 naming the row (1-based, the header is not counted), its line and the column
// (number and header name) of the first cell that is not valid UTF-8.
common::Result<CsvTable> ParseCsv(std::string_view text);

// One CSV line (with "\r\n"), quoting cells with a quote, a line break, ',' or ';' (either
// separator, so what is written reads back with the same delimiter). Cells that a spreadsheet would
// run as a formula get a leading apostrophe: =, +, -, @, TAB, CR or LF first, or =, +, -, @ or a
// full-width = or + after leading blanks. Every CSV the service writes goes through here.
std::string CsvLine(const std::vector<std::string>& fields, char delimiter = ',');

// The field a lead import's header names ("company_name", "domain" or "id"), in Swedish and
// English spellings, case-insensitive; "" for any other column (kept as an extra).
std::string LeadColumnRole(std::string header);

// The names of a finding (an object) or of a list of findings, in order, joined with "; ":
// one CSV cell per result field. Entries without a name are left out.
std::string JoinFindingNames(const nlohmann::json& field);

}  // namespace leadscan::api
