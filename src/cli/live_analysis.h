// The analysis flags `analyze` and `batch` share (--type, --rules, --only-rules, --timeout,
// --concurrency and the fetch flags) and LiveAnalysis, the wiring they turn into: clock, curl
// fetcher, detector and analyzer, owned together. LiveAnalysis::Analyze is thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "cli/provider_flags.h"
#include "common/clock.h"
#include "common/result.h"
#include "detect/detector.h"
#include "fetch/fetch_options.h"
#include "fetch/fetcher.h"
#include "render/renderer.h"

namespace leadscan::cli {

struct AnalysisFlags {
  std::string type = "full_analysis";
  std::vector<std::string> rules;
  std::vector<std::string> only_rules;
  std::string rules_cache;  // --rules-cache
  int64_t timeout_ms = 20000;
  int concurrency = 64;
  // auto | always | never (analysis_config.render); commands without --render never render.
  std::string render = "never";
  bool use_firecrawl = false;           // analysis_config.use_firecrawl
  std::string probe_checkout = "auto";  // auto | on | off (analysis_config.probe_checkout)
  fetch::FetchOptions fetch_options;
  ProviderFlags providers;
};

// Registers --type, --rules, --only-rules, --timeout, --concurrency (described with
// `concurrency_help`), --use-firecrawl, the fetch flags and the provider flags on `app`; values
// land in `*flags`.
void AddAnalysisFlags(CLI::App& app, AnalysisFlags* flags, const std::string& concurrency_help);

// Registers --render on `app` (only commands that wire a renderer offer it).
void AddRenderFlag(CLI::App& app, AnalysisFlags* flags);

// The renderer's options for a process whose curl fetcher has `fetch_options`: the same address
// guard, name mapping, CA file and User-Agent, and `tabs` pages at once.
render::RenderOptions RenderOptionsFor(const fetch::FetchOptions& fetch_options,
                                       int tabs = render::kDefaultMaxTabs);

class LiveAnalysis {
 public:
  // Parses the type, loads the rules and starts the fetcher. Fails with the first problem
  // (invalid type, unreadable rules, fetcher options).
  static common::Result<std::unique_ptr<LiveAnalysis>> Create(const AnalysisFlags& flags);

  // Analyses one domain or URL; blocks until done or the per-input time budget is spent. Once
  // Firecrawl has answered provider_quota (402), later inputs fail with it at once.
  common::Result<analysis::AnalysisResult> Analyze(const std::string& input);

 private:
  LiveAnalysis(analysis::AnalysisType type, std::unique_ptr<common::Clock> clock,
               std::unique_ptr<fetch::Fetcher> fetcher,
               std::shared_ptr<const detect::RuleSet> rules, int64_t timeout_ms);

  analysis::AnalysisType type_;
  std::unique_ptr<common::Clock> clock_;  // before fetcher_: it outlives the fetcher
  std::unique_ptr<fetch::Fetcher> fetcher_;
  std::unique_ptr<Providers> providers_;  // after fetcher_: its page source reads through it
  detect::Detector detector_;
  analysis::Analyzer analyzer_;
  analysis::AnalysisConfig config_;
  std::unique_ptr<render::Renderer> renderer_;  // Chromium starts on the first render
  std::mutex quota_mu_;
  std::atomic<bool> firecrawl_quota_spent_{false};
  std::string firecrawl_quota_message_;  // written once, before the flag is set
};

// The JSON line of an input that failed: input, domain (normalised, or null), error {code,
// message, retryable}.
nlohmann::json FailureJson(const std::string& input, const common::Status& s);

}  // namespace leadscan::cli
