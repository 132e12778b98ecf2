#include "analysis/analysis_result.h"

namespace leadscan::analysis {
namespace {

nlohmann::json FindingsToJson(const std::vector<detect::Finding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : findings)
    out.push_back(FindingToJson(f));
  return out;
}

}  // namespace

nlohmann::json FindingToJson(const detect::Finding& finding) {
  nlohmann::json evidence = nlohmann::json::array();
  for (const auto& e : finding.evidence) {
    evidence.push_back({{"page", e.page}, {"field", e.field}, {"matched", e.matched}});
  }
  nlohmann::json out = {
      {"name", finding.name},
      {"slug", finding.slug},
      {"categories", finding.categories},
      {"confidence", finding.confidence},
      {"version", finding.version.empty() ? nlohmann::json() : nlohmann::json(finding.version)},
      {"evidence", std::move(evidence)}};
  if (!finding.formerly.empty())
    out["formerly"] = finding.formerly;
  return out;
}

nlohmann::json AnalysisResult::ToJson() const {
  nlohmann::json pages_json = nlohmann::json::array();
  for (const auto& p : pages) {
    nlohmann::json page = {{"url", p.url}, {"status", p.status}, {"bytes", p.bytes},
                           {"ms", p.ms},   {"via", p.via},       {"reason", p.reason}};
    if (!p.error_code.empty())
      page["error_code"] = p.error_code;
    pages_json.push_back(std::move(page));
  }
  nlohmann::json errors_json = nlohmann::json::array();
  for (const auto& e : errors) {
    nlohmann::json err = {{"code", e.code}, {"message", e.message}};
    if (!e.url.empty())
      err["url"] = e.url;
    errors_json.push_back(std::move(err));
  }
  return {{"domain", domain},
          {"final_url", final_url},
          {"analysis_type", AnalysisTypeName(type)},
          {"pages", std::move(pages_json)},
          {"ecommerce_platform",
           ecommerce_platform ? FindingToJson(*ecommerce_platform) : nlohmann::json()},
          {"technologies", FindingsToJson(technologies)},
          {"checkout_solutions", FindingsToJson(checkout_solutions)},
          {"payment_methods", FindingsToJson(payment_methods)},
          {"carriers", FindingsToJson(carriers)},
          {"shipping_software", FindingsToJson(shipping_software)},
          {"errors", std::move(errors_json)}};
}

}  // namespace leadscan::analysis
