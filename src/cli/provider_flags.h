// The provider settings the commands that analyse share (analyze, batch, serve, worker):
// address openings for provider calls only and Firecrawl's base URL, key and limits; and
// Providers, the wiring they turn into. Start-up only; Providers' page source is thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"
#include "fetch/curl_fetcher.h"
#include "fetch/fetch_options.h"
#include "providers/firecrawl_fetcher.h"
#include "providers/firecrawl_scrape.h"
#include "providers/provider_client.h"

namespace leadscan::cli {

struct ProviderFlags {
  std::vector<std::string> provider_allow_net;  // CIDR[:PORT] opened for provider calls only
  std::string firecrawl_url = providers::kFirecrawlDefaultUrl;
  std::string firecrawl_key;  // empty: Firecrawl is not configured
  double firecrawl_per_second = 0;
  int64_t firecrawl_daily_quota = 0;
  int64_t firecrawl_wait_for_ms = 0;
};

// Registers --provider-allow-net, --firecrawl-url, --firecrawl-key, --firecrawl-per-second,
// --firecrawl-daily-quota and --firecrawl-wait-for-ms (each also LEADSCAN_<NAME>).
void AddProviderFlags(CLI::App& app, ProviderFlags* flags);

// The providers of one process: the provider fetcher and, when a Firecrawl key is set,
// Firecrawl's client and page source. The page fetcher, clock and metrics must outlive it.
class Providers {
 public:
  // Fails with invalid_provider_url / invalid_provider_limits / the provider fetcher's option
  // errors (invalid_allow_net ...).
  static common::Result<std::unique_ptr<Providers>> Create(const ProviderFlags& flags,
                                                           const fetch::FetchOptions& page_options,
                                                           fetch::Fetcher& page_fetcher,
                                                           common::Clock& clock,
                                                           common::Metrics* metrics);

  // Firecrawl's page source for Analyzer::SetFirecrawl; null without a key.
  fetch::Fetcher* firecrawl() const { return firecrawl_pages_.get(); }

 private:
  Providers() = default;

  // Declared in the order they are built; destroyed the other way round (the page source waits
  // for its scrapes, then the client, then the fetcher that carries the calls).
  std::unique_ptr<fetch::CurlFetcher> http_;
  std::unique_ptr<providers::ProviderClient> firecrawl_client_;
  std::unique_ptr<providers::FirecrawlFetcher> firecrawl_pages_;
};

}  // namespace leadscan::cli
