#include "cli/provider_flags.h"

namespace leadscan::cli {

void AddProviderFlags(CLI::App& app, ProviderFlags* flags) {
  const std::string group = "Providers";
  app.add_option("--provider-allow-net", flags->provider_allow_net,
                 "Open an address range for provider calls only (CIDR, optionally CIDR:PORT), "
                 "e.g. a self-hosted Firecrawl; repeatable")
      ->group(group);
  app.add_option("--firecrawl-url", flags->firecrawl_url,
                 "Base URL of Firecrawl's API (a self-hosted Firecrawl works the same way)")
      ->capture_default_str()
      ->group(group);
  app.add_option("--firecrawl-key", flags->firecrawl_key,
                 "Firecrawl API key; empty: use_firecrawl falls back to plain HTTP. Prefer the "
                 "environment (LEADSCAN_FIRECRAWL_KEY): a flag shows in the process list")
      ->group(group);
  app.add_option("--firecrawl-per-second", flags->firecrawl_per_second,
                 "Firecrawl calls started per second by this process (0: no limit)")
      ->check(CLI::Range(0.0, 10000.0))
      ->capture_default_str()
      ->group(group);
  app.add_option("--firecrawl-daily-quota", flags->firecrawl_daily_quota,
                 "Firecrawl calls per UTC day by this process (0: no limit)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40))
      ->capture_default_str()
      ->group(group);
  app.add_option("--firecrawl-wait-for-ms", flags->firecrawl_wait_for_ms,
                 "Firecrawl's waitFor: extra wait before it reads a page (ms)")
      ->check(CLI::Range(int64_t{0}, int64_t{60000}))
      ->capture_default_str()
      ->group(group);
}

common::Result<std::unique_ptr<Providers>> Providers::Create(
    const ProviderFlags& flags, const fetch::FetchOptions& page_options,
    fetch::Fetcher& page_fetcher, common::Clock& clock, common::Metrics* metrics) {
  std::unique_ptr<Providers> p(new Providers());
  if (flags.firecrawl_key.empty())
    return p;
  auto http = fetch::CurlFetcher::Create(
      providers::ProviderFetchOptions(page_options, flags.provider_allow_net), clock);
  if (!http.ok())
    return http.status();
  p->http_ = std::move(*http);
  providers::ProviderConfig config;
  config.name = providers::kFirecrawlName;
  config.base_url = flags.firecrawl_url;
  config.secrets = {flags.firecrawl_key};
  config.limits.per_second = flags.firecrawl_per_second;
  config.limits.daily_quota = flags.firecrawl_daily_quota;
  auto client = providers::ProviderClient::Create(config, *p->http_, clock, metrics);
  if (!client.ok())
    return client.status();
  p->firecrawl_client_ = std::move(*client);
  providers::FirecrawlOptions options;
  options.key = flags.firecrawl_key;
  options.wait_for = std::chrono::milliseconds(flags.firecrawl_wait_for_ms);
  options.check_robots = !page_options.ignore_robots;
  options.robots_token = page_options.robots_token;
  p->firecrawl_pages_ = std::make_unique<providers::FirecrawlFetcher>(
      *p->firecrawl_client_, page_fetcher, clock, std::move(options));
  return p;
}

}  // namespace leadscan::cli
