// Fuzz target: lead CSV files (api::ParseCsv as the import route and `leadscan batch` read
// them, cli::FindLeadColumns and Cell) and the CSV the service writes (api::CsvLine): what is
// parsed, written out and parsed again gives the same cells (a formula cell gains its
// leading apostrophe). Input: the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/csv.h"
#include "cli/lead_csv.h"
#include "common/utf8.h"
#include "fuzz_check.h"

namespace {

bool SameCell(const std::string& original, const std::string& again) {
  return again == original || again == "'" + original;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace api = leadscan::api;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto table = api::ParseCsv(in);
  if (!table.ok()) {
    FUZZ_CHECK(table.status().error_code() == "invalid_csv" ||
               table.status().error_code() == "invalid_utf8");
    FUZZ_CHECK(leadscan::common::IsValidUtf8(table.status().message()));
    return 0;
  }
  FUZZ_CHECK(table->delimiter == ',' || table->delimiter == ';');
  auto columns = leadscan::cli::FindLeadColumns(*table);
  for (const auto& row : table->rows) {
    FUZZ_CHECK(row.line >= 2);
    for (const auto& cell : row.fields)
      FUZZ_CHECK(leadscan::common::IsValidUtf8(cell));
    (void)leadscan::cli::Cell(row, columns.company_name);
    (void)leadscan::cli::Cell(row, columns.domain);
  }
  for (const auto& h : table->header)
    (void)api::LeadColumnRole(h);

  // Written with a BOM, as spreadsheets save UTF-8: a first header cell that starts with
  // U+FEFF must not be taken for one.
  std::string written = "\xEF\xBB\xBF" + api::CsvLine(table->header, table->delimiter);
  // A header with a quote inside a cell is ambiguous ('x;"a,b"' is two cells with ';' and
  // three with ','): the delimiter is a guess there, and the round trip is not promised.
  for (const auto& h : table->header) {
    if (h.find('"') != std::string::npos)
      return 0;
  }
  for (const auto& row : table->rows)
    written += api::CsvLine(row.fields, table->delimiter);
  auto again = api::ParseCsv(written);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->delimiter == table->delimiter);
  FUZZ_CHECK(again->header.size() == table->header.size());
  for (size_t i = 0; i < table->header.size(); ++i) {
    // Header cells are trimmed on reading; a formula cell's apostrophe stays in front.
    FUZZ_CHECK(SameCell(table->header[i], again->header[i]));
  }
  FUZZ_CHECK(again->rows.size() == table->rows.size());
  for (size_t r = 0; r < table->rows.size(); ++r) {
    const auto& a = table->rows[r].fields;
    const auto& b = again->rows[r].fields;
    FUZZ_CHECK(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i)
      FUZZ_CHECK(SameCell(a[i], b[i]));
  }
  return 0;
}
