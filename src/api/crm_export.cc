#include "api/crm_export.h"

#include <date/date.h>

#include <algorithm>
#include <map>
#include <optional>

namespace leadscan::api {
namespace {

struct FieldColumn {
  const char* field;
  const char* header;
};

// The finding columns; the names are custom fields / properties in both CRMs (created once with
// these labels, docs/crm-export.md).
constexpr FieldColumn kFindingColumns[] = {
    {"ecommerce_platform", "E-commerce platform"}, {"checkout_solutions", "Checkout solutions"},
    {"payment_methods", "Payment methods"},        {"carriers", "Carriers"},
    {"shipping_software", "Shipping software"},    {"technologies", "Technologies"}};

// The main findings, whose first and last seen dates get columns of their own.
constexpr FieldColumn kSeenColumns[] = {{"ecommerce_platform", "E-commerce platform"},
                                        {"checkout_solutions", "Checkout"},
                                        {"carriers", "Carriers"}};

std::string Day(common::TimePoint t) {
  return date::format("%F", date::floor<date::days>(t));
}

struct FieldSummary {
  std::vector<std::string> names;
  std::optional<common::TimePoint> first_seen;
  std::optional<common::TimePoint> last_seen;
};

}  // namespace

const std::vector<std::string>& CrmHeader() {
  static const std::vector<std::string> kHeader = [] {
    std::vector<std::string> h = {"Name", "Domain", "Website"};
    for (const auto& c : kFindingColumns)
      h.push_back(c.header);
    for (const auto& c : kSeenColumns) {
      h.push_back(std::string(c.header) + " first seen");
      h.push_back(std::string(c.header) + " last seen");
    }
    h.push_back("Last analysed");
    h.push_back("Leadscan ID");
    return h;
  }();
  return kHeader;
}

std::vector<std::string> CrmRow(const store::Lead& lead,
                                const std::vector<store::FindingPresence>& presence) {
  std::map<std::string, FieldSummary> fields;
  for (const auto& p : presence) {
    if (p.lead_id != lead.id || !p.present())
      continue;
    FieldSummary& f = fields[p.field];
    f.names.push_back(p.name);
    if (!f.first_seen || p.first_seen < *f.first_seen)
      f.first_seen = p.first_seen;
    if (!f.last_seen || p.last_seen > *f.last_seen)
      f.last_seen = p.last_seen;
  }
  std::vector<std::string> row = {lead.company_name, lead.domain,
                                  lead.domain.empty() ? "" : "https://" + lead.domain};
  for (const auto& c : kFindingColumns) {
    auto& names = fields[c.field].names;
    std::sort(names.begin(), names.end());
    std::string joined;
    for (const auto& n : names)
      joined += (joined.empty() ? "" : "; ") + n;
    row.push_back(joined);
  }
  for (const auto& c : kSeenColumns) {
    const FieldSummary& f = fields[c.field];
    row.push_back(f.first_seen ? Day(*f.first_seen) : "");
    row.push_back(f.last_seen ? Day(*f.last_seen) : "");
  }
  row.push_back(lead.findings.last_analyzed_at ? Day(*lead.findings.last_analyzed_at) : "");
  row.push_back(lead.id);
  return row;
}

}  // namespace leadscan::api
