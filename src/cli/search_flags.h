// The domain-search settings (`leadscan domain find`, serve, worker): which web-search API,
// its base URL, key, Google's cx, its limits and the finder's threshold; and DomainSearchSetup,
// the wiring they turn into (a provider fetcher, the provider, the DomainFinder). Start-up
// only; the finder is thread-safe.
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
#include "search/domain_finder.h"
#include "search/search_provider.h"

namespace leadscan::cli {

struct SearchFlags {
  std::string provider;  // brave | google | searxng; empty: no domain search
  std::string url;       // empty: the provider's public API
  std::string key;
  std::string cx;
  double per_second = 1;    // calls started per second by this process (0: no limit)
  int64_t daily_quota = 0;  // calls per UTC day by this process (0: no limit)
  int min_confidence = search::kDefaultMinConfidence;
  std::string country;      // default country of batch searches ("" none)
  int64_t cache_days = 30;  // how long a stored search is reused (0: never)
};

// Registers --search-provider, --search-url, --search-key, --search-cx,
// --search-per-second, --search-daily-quota, --search-min-confidence, --search-country and
// --search-cache-days on `app` (each also LEADSCAN_<NAME>).
void AddSearchFlags(CLI::App& app, SearchFlags* flags);

class DomainSearchSetup {
 public:
  // nullptr (no error) when flags.provider is empty. Fails with the provider's configuration
  // errors (invalid_search_provider, missing_search_key, missing_search_cx, missing_search_url,
  // invalid_provider_url) or the provider fetcher's. `page_fetcher` reads candidates' home pages;
  // it, the clock, metrics and cache (both may be null) must outlive the setup.
  static common::Result<std::unique_ptr<DomainSearchSetup>> Create(
      const SearchFlags& flags, const fetch::FetchOptions& page_options,
      const std::vector<std::string>& provider_allow_net, fetch::Fetcher& page_fetcher,
      common::Clock& clock, common::Metrics* metrics, search::DomainSearchCache* cache);

  search::DomainFinder& finder() { return *finder_; }

  const std::string& default_country() const { return default_country_; }

 private:
  DomainSearchSetup() = default;

  // Built in this order, destroyed the other way round.
  std::unique_ptr<fetch::CurlFetcher> http_;
  std::unique_ptr<search::SearchProvider> provider_;
  std::unique_ptr<search::DomainFinder> finder_;
  std::string default_country_;
};

}  // namespace leadscan::cli
