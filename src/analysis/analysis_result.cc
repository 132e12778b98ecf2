#include "analysis/analysis_result.h"

#include "fetch/charset.h"

namespace leadscan::analysis {
namespace {

// Every string of a result came from outside (a site's headers, URLs, pages, error texts of
// its transfers) or was cut from such bytes; this is the one place they become JSON, so this
// is where they are made valid UTF-8 (invalid sequences -> U+FFFD), and dump() never throws.
std::string S(const std::string& s) {
  return fetch::ToValidUtf8(s);
}

nlohmann::json Strings(const std::vector<std::string>& list) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : list)
    out.push_back(S(s));
  return out;
}

nlohmann::json FindingsToJson(const std::vector<detect::Finding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : findings)
    out.push_back(FindingToJson(f));
  return out;
}

}  // namespace

std::string_view EvidenceOrigin(const detect::Evidence& evidence) {
  if (evidence.source != "browser")
    return "http";
  const std::string_view field = evidence.field;
  if (field.starts_with("js."))
    return "js";
  if (field == "xhr" || field.starts_with("xhr.") || field.starts_with("headers.") ||
      field.starts_with("cookies."))
    return "network";
  return "dom";
}

nlohmann::json FindingToJson(const detect::Finding& finding) {
  nlohmann::json evidence = nlohmann::json::array();
  for (const auto& e : finding.evidence) {
    nlohmann::json one = {{"page", S(e.page)},
                          {"field", S(e.field)},
                          {"matched", S(e.matched)},
                          {"origin", EvidenceOrigin(e)}};
    if (!e.source.empty())
      one["source"] = S(e.source);  // "browser": the rendered DOM, a JS global or the network
    evidence.push_back(std::move(one));
  }
  nlohmann::json out = {
      {"name", S(finding.name)},
      {"slug", S(finding.slug)},
      {"categories", Strings(finding.categories)},
      {"confidence", finding.confidence},
      {"version", finding.version.empty() ? nlohmann::json() : nlohmann::json(S(finding.version))},
      {"evidence", std::move(evidence)}};
  if (!finding.formerly.empty())
    out["formerly"] = Strings(finding.formerly);
  return out;
}

nlohmann::json AnalysisResult::ToJson() const {
  nlohmann::json pages_json = nlohmann::json::array();
  for (const auto& p : pages) {
    nlohmann::json page = {{"url", S(p.url)}, {"status", p.status}, {"bytes", p.bytes},
                           {"ms", p.ms},      {"via", S(p.via)},    {"reason", S(p.reason)}};
    if (!p.error_code.empty())
      page["error_code"] = S(p.error_code);
    pages_json.push_back(std::move(page));
  }
  nlohmann::json errors_json = nlohmann::json::array();
  for (const auto& e : errors) {
    nlohmann::json err = {{"code", S(e.code)}, {"message", S(e.message)}};
    if (!e.url.empty())
      err["url"] = S(e.url);
    errors_json.push_back(std::move(err));
  }
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& r : site.reasons)
    reasons.push_back(S(r));
  nlohmann::json set_aside_json = nlohmann::json::array();
  for (const auto& [field, finding] : set_aside) {
    nlohmann::json f = FindingToJson(finding);
    f["field"] = field;
    set_aside_json.push_back(std::move(f));
  }
  nlohmann::json out = {
      {"domain", S(domain)},
      {"final_url", S(final_url)},
      {"analysis_type", AnalysisTypeName(type)},
      {"pages", std::move(pages_json)},
      {"ecommerce_platform",
       ecommerce_platform ? FindingToJson(*ecommerce_platform) : nlohmann::json()},
      {"technologies", FindingsToJson(technologies)},
      {"checkout_solutions", FindingsToJson(checkout_solutions)},
      {"payment_methods", FindingsToJson(payment_methods)},
      {"carriers", FindingsToJson(carriers)},
      {"shipping_software", FindingsToJson(shipping_software)},
      {"site_kind", {{"kind", SiteKindName(site.kind)}, {"reasons", std::move(reasons)}}},
      {"set_aside", std::move(set_aside_json)},
      {"errors", std::move(errors_json)}};
  if (render) {
    out["render"] = {
        {"mode", render->mode},
        {"rendered", render->rendered},
        {"reason", S(render->reason)},
        {"error_code",
         render->error_code.empty() ? nlohmann::json() : nlohmann::json(S(render->error_code))}};
  }
  return out;
}

}  // namespace leadscan::analysis
