// AnalysisResult: what one lead's analysis found, in the JSON shape of SPEC §6 (stable field
// names). Plain data.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis_type.h"
#include "analysis/site_kind.h"
#include "detect/finding.h"

namespace leadscan::analysis {

struct PageRecord {
  std::string url;         // final URL
  int status = 0;          // HTTP status, 0 when no response
  int64_t bytes = 0;       // body bytes after decoding
  double ms = 0;           // fetch time
  std::string via;         // "https", "http", "saved", "browser"
  std::string reason;      // why it was fetched: "home", "link path /frakt", ...
  std::string error_code;  // when the fetch failed
};

// Whether the lead's home page was also rendered in the browser, and why (or why not).
struct RenderDecision {
  std::string mode;        // the mode in force: "auto", "always", "never"
  bool rendered = false;   // a rendered page was added to detection
  std::string reason;      // "auto: script shell (12 characters of text)", "render never", ...
  std::string error_code;  // the render was tried and failed with this code ("" = it did not)
};

struct AnalysisError {
  std::string code;     // stable error code
  std::string message;  // human text
  std::string url;      // the page concerned, if any
};

struct AnalysisResult {
  std::string domain;     // normalised host that was analysed
  std::string final_url;  // home page after redirects
  AnalysisType type = AnalysisType::kFullAnalysis;
  std::vector<PageRecord> pages;
  std::optional<detect::Finding> ecommerce_platform;
  std::vector<detect::Finding> technologies;
  std::vector<detect::Finding> checkout_solutions;
  std::vector<detect::Finding> payment_methods;
  std::vector<detect::Finding> carriers;
  std::vector<detect::Finding> shipping_software;
  std::vector<AnalysisError> errors;
  // What kind of site the pages show, and why; commerce findings count only on a shop or an
  // unknown site (docs/decisions/site-kind.md).
  SiteJudgement site;
  // Commerce findings on a site that is no shop (a provider's own site, documentation, an
  // article): kept apart with the field they would have gone to, never counted.
  std::vector<std::pair<std::string, detect::Finding>> set_aside;
  // Set by Analyzer::Analyze (absent for saved pages): JSON `render`.
  std::optional<RenderDecision> render;

  nlohmann::json ToJson() const;
};

// A finding as JSON; each evidence item carries `origin`: "http" (a page fetched over HTTP),
// "dom" (the rendered page's DOM), "js" (a JavaScript global) or "network" (what the browser
// saw on the wire: XHR/fetch requests, the document's headers, the context's cookies).
nlohmann::json FindingToJson(const detect::Finding& finding);

// The origin of one evidence item (see FindingToJson).
std::string_view EvidenceOrigin(const detect::Evidence& evidence);

}  // namespace leadscan::analysis
