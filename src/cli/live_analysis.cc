#include "cli/live_analysis.h"

#include "cli/fetch_flags.h"
#include "cli/rules_location.h"
#include "fetch/curl_fetcher.h"
#include "fetch/target.h"
#include "providers/provider_errors.h"

namespace leadscan::cli {

void AddAnalysisFlags(CLI::App& app, AnalysisFlags* flags, const std::string& concurrency_help) {
  app.add_option("--type", flags->type,
                 "tech_analysis, checkout_scraping, full_analysis, ecommerce_detection or "
                 "carrier_detection")
      ->capture_default_str();
  app.add_option("--rules", flags->rules, "Add rule files or folders to ours (repeatable)")
      ->check(CLI::ExistingPath);
  app.add_option("--only-rules", flags->only_rules,
                 "Use only these rule files or folders (repeatable)")
      ->check(CLI::ExistingPath);
  AddRulesCacheFlag(app, &flags->rules_cache);
  app.add_option("--timeout", flags->timeout_ms, "Time budget per input in ms")
      ->check(CLI::Range(int64_t{1000}, int64_t{600000}))
      ->capture_default_str();
  app.add_option("--concurrency", flags->concurrency, concurrency_help)
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_flag("--use-firecrawl", flags->use_firecrawl,
               "Read pages through Firecrawl's scrape API (needs --firecrawl-key; without one, "
               "plain HTTP and a firecrawl_unavailable note)");
  app.add_option("--probe-checkout", flags->probe_checkout,
                 "auto (checkout_scraping only), on or off: put one product in the cart through "
                 "the platform's cart (Shopify, WooCommerce) and read the cart and checkout "
                 "pages (analysis_config.probe_checkout)")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  AddFetchFlags(app, &flags->fetch_options);
  AddProviderFlags(app, &flags->providers);
}

void AddRenderFlag(CLI::App& app, AnalysisFlags* flags) {
  flags->render = "auto";
  app.add_option("--render", flags->render,
                 "Render the home page in headless Chromium: auto (a script shell, or no "
                 "platform found over HTTP), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
}

render::RenderOptions RenderOptionsFor(const fetch::FetchOptions& fetch_options, int tabs) {
  // The browser gets the same guard, name mapping and CA as curl.
  render::RenderOptions ro;
  ro.allow_net = fetch_options.allow_net;
  ro.resolve = fetch_options.resolve;
  ro.connect_to = fetch_options.connect_to;
  ro.ca_file = fetch_options.ca_file;
  ro.user_agent = fetch_options.user_agent;
  ro.max_tabs = tabs;
  ro.politeness = fetch_options.politeness_delay;
  return ro;
}

common::Result<std::unique_ptr<LiveAnalysis>> LiveAnalysis::Create(const AnalysisFlags& flags) {
  auto type = analysis::ParseAnalysisType(flags.type, "type");
  if (!type.ok())
    return type.status();
  auto rules = LoadRules(flags.rules, flags.only_rules, flags.rules_cache);
  if (!rules.ok())
    return rules.status();
  // The fetcher keeps a reference to the clock, so the clock is made first and dies last.
  auto clock = std::make_unique<common::SystemClock>();
  auto fetcher = fetch::CurlFetcher::Create(flags.fetch_options, *clock);
  if (!fetcher.ok())
    return fetcher.status();
  auto mode = analysis::ParseRenderMode(flags.render, "render");
  if (!mode.ok())
    return mode.status();
  std::unique_ptr<render::Renderer> renderer;
  if (*mode != analysis::RenderMode::kNever) {
    auto r = render::Renderer::Create(RenderOptionsFor(flags.fetch_options));
    if (!r.ok())
      return r.status();
    renderer = std::move(*r);
  }
  auto providers = Providers::Create(flags.providers, flags.fetch_options, **fetcher, *clock,
                                     /*metrics=*/nullptr);
  if (!providers.ok())
    return providers.status();
  auto live = std::unique_ptr<LiveAnalysis>(
      new LiveAnalysis(*type, std::move(clock), std::move(*fetcher), *rules, flags.timeout_ms));
  live->providers_ = std::move(*providers);
  live->analyzer_.SetFirecrawl(live->providers_->firecrawl());
  live->config_.use_firecrawl = flags.use_firecrawl;
  if (flags.probe_checkout != "auto")
    live->config_.probe_checkout = flags.probe_checkout == "on";
  live->config_.render = *mode;
  live->renderer_ = std::move(renderer);
  live->analyzer_.SetRenderer(live->renderer_.get());
  return live;
}

LiveAnalysis::LiveAnalysis(analysis::AnalysisType type, std::unique_ptr<common::Clock> clock,
                           std::unique_ptr<fetch::Fetcher> fetcher,
                           std::shared_ptr<const detect::RuleSet> rules, int64_t timeout_ms)
    : type_(type),
      clock_(std::move(clock)),
      fetcher_(std::move(fetcher)),
      detector_(std::move(rules)),
      analyzer_(*fetcher_, detector_, *clock_) {
  config_.timeout = std::chrono::milliseconds(timeout_ms);
}

common::Result<analysis::AnalysisResult> LiveAnalysis::Analyze(const std::string& input) {
  const bool firecrawl = config_.use_firecrawl && providers_->firecrawl() != nullptr;
  if (firecrawl && firecrawl_quota_spent_.load()) {
    return providers::ProviderError(providers::kProviderQuota, firecrawl_quota_message_);
  }
  auto result = analyzer_.Analyze(input, type_, config_);
  if (firecrawl && !result.ok() && result.status().error_code() == providers::kProviderQuota) {
    std::lock_guard<std::mutex> lock(quota_mu_);
    if (!firecrawl_quota_spent_.load()) {
      firecrawl_quota_message_ =
          "not sent to Firecrawl: an earlier input of this run got " + result.status().message();
      firecrawl_quota_spent_.store(true);
    }
  }
  return result;
}

nlohmann::json FailureJson(const std::string& input, const common::Status& s) {
  nlohmann::json out = {
      {"input", input},
      {"error",
       {{"code", s.error_code()}, {"message", s.message()}, {"retryable", s.retryable()}}}};
  auto target = fetch::NormalizeTarget(input);
  out["domain"] = target.ok() ? nlohmann::json(target->host) : nlohmann::json();
  return out;
}

}  // namespace leadscan::cli
