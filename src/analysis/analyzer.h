// Analyzer: analyses one lead — normalise the target, fetch the home page (https, then http),
// discover and fetch commerce pages, detect, and sort findings into the result fields of SPEC
// §6. Holds references to a Fetcher and a RuleSet owned by the caller (cli). Analyze() blocks
// the calling thread and is safe to call from many threads at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis_result.h"
#include "analysis/analysis_type.h"
#include "analysis/page_discovery.h"
#include "common/clock.h"
#include "common/result.h"
#include "detect/finding.h"
#include "detect/page.h"
#include "fetch/fetcher.h"

namespace leadscan::detect {
class Detector;
class SiteDetection;
}  // namespace leadscan::detect

namespace leadscan::render {
class Renderer;
}  // namespace leadscan::render

namespace leadscan::analysis {

// The seam the batch runner and the API analyse leads through; Analyzer is the real one.
// On a site with no sign of a shop (SiteKind::kUnknown), a brand named only in running text
// is a mention, not a provider the site uses: news, blogs and guides name PayPal or PostNord in
// prose. Moves such findings, and what they alone imply, to `set_aside`, unless the text names
// three or more (a list of options: a shop's terms page). Markup, scripts, icons and headers
// still count (docs/decisions/site-kind.md).
void SetAsideMentions(AnalysisResult* result);

class LeadAnalyzer {
 public:
  virtual ~LeadAnalyzer() = default;

  // Analyses `target` (a domain or URL as a user typed it); see Analyzer::Analyze. Blocks;
  // thread-safe.
  virtual common::Result<AnalysisResult> Analyze(
      std::string_view target, AnalysisType type, const AnalysisConfig& config,
      std::shared_ptr<std::atomic<bool>> cancel = nullptr) = 0;
};

class Analyzer final : public LeadAnalyzer {
 public:
  Analyzer(fetch::Fetcher& fetcher, const detect::Detector& detector, common::Clock& clock);

  // Analyses `target` (a domain or URL as a user typed it). A failure of the home page (or an
  // invalid target) is returned as a Status with the fetch's stable error_code and whether a
  // retry may help; problems of secondary pages land in the result's `errors`. `cancel`, when
  // set by another thread, aborts transfers in flight and returns `cancelled`.
  common::Result<AnalysisResult> Analyze(
      std::string_view target, AnalysisType type, const AnalysisConfig& config,
      std::shared_ptr<std::atomic<bool>> cancel = nullptr) override;

  // Renders home pages in `renderer` (owned by the caller, outliving this analyzer) as the
  // config's render mode says; without one, `always` reports renderer_unavailable. Call before
  // the first Analyze.
  void SetRenderer(render::Renderer* renderer) { renderer_ = renderer; }

  // The page source for leads whose config says use_firecrawl (providers::FirecrawlFetcher,
  // owned by the caller and outliving this analyzer): their pages come from it instead of the
  // fetcher, and their evidence and `pages` say "firecrawl". Without one, use_firecrawl falls
  // back to the fetcher and reports firecrawl_unavailable. Call before the first Analyze.
  void SetFirecrawl(fetch::Fetcher* pages) { firecrawl_ = pages; }

  // Detection only, over pages already in hand (saved pages, `--html`/`--pages`).
  AnalysisResult AnalyzePages(std::vector<detect::PageInput> pages, AnalysisType type) const;

 private:
  common::Result<AnalysisResult> AnalyzeLead(std::string_view target, AnalysisType type,
                                             const AnalysisConfig& config,
                                             std::shared_ptr<std::atomic<bool>> cancel);

  // Fetches every candidate at once and waits for all; results in the candidates' order.
  std::vector<std::pair<LinkCandidate, fetch::FetchResult>> FetchAll(
      fetch::Fetcher& source, const std::vector<LinkCandidate>& chosen,
      std::chrono::milliseconds timeout, int64_t max_body_bytes,
      const std::shared_ptr<std::atomic<bool>>& cancel);

  // Judges the site kind over the pages detection saw and sets the commerce findings of a site
  // that is no shop aside.
  void JudgeSite(const detect::SiteDetection& site_detection, AnalysisResult* result) const;

  // Renders the home page and adds it to detection; problems of the page land in
  // result->errors. Fails (the lead fails) with renderer_crashed (retryable) when the tab or
  // browser crashed or hung, and with `cancelled`.
  // The page's budgets come from `config`, capped by the lead's `time_left` and what its byte
  // budget has left after `*bytes_used`; the bytes the browser loaded are added to it.
  common::Status RenderHome(const std::string& url, const std::string& why,
                            const AnalysisConfig& config, std::chrono::milliseconds time_left,
                            int64_t* bytes_used, const std::shared_ptr<std::atomic<bool>>& cancel,
                            detect::SiteDetection* site_detection, AnalysisResult* result,
                            const std::function<bool()>& expired) const;

  // Checkout probing in the browser (checkout_probe.h) for a shop no HTTP cart mechanism fits:
  // renders the first page read that shows an add-to-cart control (else the home page), clicks
  // the control, then opens the cart and the checkout in the same browser context (the pages
  // read name them, else links found after the click), on this site only and as robots.txt
  // allows. The pages the browser showed join detection (roles product, cart, checkout) and
  // `pages` (reasons "checkout probe (browser): ..."). Fails like RenderHome.
  common::Status ProbeCheckoutInBrowser(fetch::Fetcher& source, const AnalysisConfig& config,
                                        std::chrono::milliseconds time_left, int64_t* bytes_used,
                                        const std::shared_ptr<std::atomic<bool>>& cancel,
                                        detect::SiteDetection* site_detection,
                                        AnalysisResult* result,
                                        const std::function<bool()>& expired) const;

  fetch::Fetcher& fetcher_;
  const detect::Detector& detector_;
  render::Renderer* renderer_ = nullptr;
  fetch::Fetcher* firecrawl_ = nullptr;
  std::vector<std::string> js_chains_;  // every global the rules' js patterns name
  common::Clock& clock_;
  // Registrable domains of the commerce providers the rules know (their `website`): a lead on
  // one of them is the provider's own site.
  std::set<std::string, std::less<>> provider_domains_;
};

}  // namespace leadscan::analysis
