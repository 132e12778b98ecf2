// The analysis flags `analyze` and `batch` share (--type, --rules, --only-rules, --timeout,
// --concurrency and the fetch flags) and LiveAnalysis, the wiring they turn into: clock, curl
// fetcher, detector and analyzer, owned together. LiveAnalysis::Analyze is thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
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
  int64_t timeout_ms = 20000;
  int concurrency = 64;
  // auto | always | never (analysis_config.render); commands without --render never render.
  std::string render = "never";
  fetch::FetchOptions fetch_options;
};

// Registers --type, --rules, --only-rules, --timeout, --concurrency (described with
// `concurrency_help`) and the fetch flags on `app`; values land in `*flags`.
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

  // Analyses one domain or URL; blocks until done or the per-input time budget is spent.
  common::Result<analysis::AnalysisResult> Analyze(const std::string& input);

 private:
  LiveAnalysis(analysis::AnalysisType type, std::unique_ptr<common::Clock> clock,
               std::unique_ptr<fetch::Fetcher> fetcher,
               std::shared_ptr<const detect::RuleSet> rules, int64_t timeout_ms);

  analysis::AnalysisType type_;
  std::unique_ptr<common::Clock> clock_;  // before fetcher_: it outlives the fetcher
  std::unique_ptr<fetch::Fetcher> fetcher_;
  detect::Detector detector_;
  analysis::Analyzer analyzer_;
  analysis::AnalysisConfig config_;
  std::unique_ptr<render::Renderer> renderer_;  // Chromium starts on the first render
};

// The JSON line of an input that failed: input, domain (normalised, or null), error {code,
// message, retryable}.
nlohmann::json FailureJson(const std::string& input, const common::Status& s);

}  // namespace leadscan::cli
