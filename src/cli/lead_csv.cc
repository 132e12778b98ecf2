#include "cli/lead_csv.h"

#include <map>

#include "common/ascii.h"

namespace leadscan::cli {

LeadColumns FindLeadColumns(const api::CsvTable& table) {
  LeadColumns cols;
  for (size_t i = 0; i < table.header.size(); ++i) {
    std::string role = api::LeadColumnRole(table.header[i]);
    if (role == "company_name" && cols.company_name < 0)
      cols.company_name = static_cast<int>(i);
    if (role == "domain" && cols.domain < 0)
      cols.domain = static_cast<int>(i);
    if (common::AsciiLower(table.header[i]) == "country" && cols.country < 0)
      cols.country = static_cast<int>(i);
  }
  return cols;
}

std::string Cell(const api::CsvRow& row, int column) {
  if (column < 0 || column >= static_cast<int>(row.fields.size()))
    return {};
  const std::string& v = row.fields[static_cast<size_t>(column)];
  size_t a = v.find_first_not_of(" \t");
  size_t b = v.find_last_not_of(" \t");
  return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
}

}  // namespace leadscan::cli
