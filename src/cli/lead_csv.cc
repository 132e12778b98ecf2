#include "cli/lead_csv.h"

#include <map>

namespace leadscan::cli {

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

LeadColumns FindLeadColumns(const api::CsvTable& table) {
  LeadColumns cols;
  for (size_t i = 0; i < table.header.size(); ++i) {
    std::string role = LeadColumnRole(table.header[i]);
    if (role == "company_name" && cols.company_name < 0)
      cols.company_name = static_cast<int>(i);
    if (role == "domain" && cols.domain < 0)
      cols.domain = static_cast<int>(i);
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

std::string SafeCsvLine(const std::vector<std::string>& fields) {
  std::vector<std::string> safe = fields;
  for (auto& f : safe) {
    if (!f.empty() && (f[0] == '\t' || f[0] == '\r'))
      f = "'" + f;
  }
  return api::CsvLine(safe);
}

}  // namespace leadscan::cli
