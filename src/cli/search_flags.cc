#include "cli/search_flags.h"

#include <cctype>

#include "common/ascii.h"
#include "providers/provider_client.h"
#include "search/web_search_providers.h"

namespace leadscan::cli {

void AddSearchFlags(CLI::App& app, SearchFlags* flags) {
  const std::string group = "Domain search";
  app.add_option("--search-provider", flags->provider,
                 "Web-search API that finds the website of a lead without one: brave, google or "
                 "searxng (empty: none)")
      ->check(CLI::IsMember({"", "brave", "google", "searxng"}))
      ->group(group);
  app.add_option("--search-url", flags->url,
                 "Base URL of the search API (default: the provider's public API; required for "
                 "searxng)")
      ->group(group);
  app.add_option("--search-key", flags->key,
                 "API key (Brave subscription token, Google API key). Prefer the environment "
                 "(LEADSCAN_SEARCH_KEY): a flag shows in the process list")
      ->group(group);
  app.add_option("--search-cx", flags->cx, "Google Programmable Search Engine id (cx)")
      ->group(group);
  app.add_option("--search-per-second", flags->per_second,
                 "Search calls started per second by this process (0: no limit)")
      ->check(CLI::Range(0.0, 10000.0))
      ->capture_default_str()
      ->group(group);
  app.add_option("--search-daily-quota", flags->daily_quota,
                 "Search calls per UTC day by this process (0: no limit)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40))
      ->capture_default_str()
      ->group(group);
  app.add_option("--search-min-confidence", flags->min_confidence,
                 "Lowest score (0-100) at which a found site is taken as the lead's domain")
      ->check(CLI::Range(0, 100))
      ->capture_default_str()
      ->group(group);
  app.add_option("--search-country", flags->country,
                 "Country of batch searches when the lead and the job name none (se, no, dk, "
                 "fi, ...)")
      ->group(group);
  app.add_option("--search-cache-days", flags->cache_days,
                 "Days a stored search result is reused (0: always search again)")
      ->check(CLI::Range(int64_t{0}, int64_t{3650}))
      ->capture_default_str()
      ->group(group);
}

common::Result<std::unique_ptr<DomainSearchSetup>> DomainSearchSetup::Create(
    const SearchFlags& flags, const fetch::FetchOptions& page_options,
    const std::vector<std::string>& provider_allow_net, fetch::Fetcher& page_fetcher,
    common::Clock& clock, common::Metrics* metrics, search::DomainSearchCache* cache) {
  if (flags.provider.empty())
    return std::unique_ptr<DomainSearchSetup>();
  const std::string country = common::AsciiLower(flags.country);
  if (!country.empty() &&
      (country.size() != 2 || !std::isalpha(static_cast<unsigned char>(country[0])) ||
       !std::isalpha(static_cast<unsigned char>(country[1])))) {
    return common::Status::InvalidArgument(
        "invalid_country", "--search-country must be a two-letter code such as se", "country");
  }
  std::unique_ptr<DomainSearchSetup> setup(new DomainSearchSetup());
  setup->default_country_ = country;
  auto http = fetch::CurlFetcher::Create(
      providers::ProviderFetchOptions(page_options, provider_allow_net), clock);
  if (!http.ok())
    return http.status();
  setup->http_ = std::move(*http);
  search::WebSearchConfig config;
  config.provider = flags.provider;
  config.base_url = flags.url;
  config.key = flags.key;
  config.cx = flags.cx;
  config.limits.per_second = flags.per_second;
  config.limits.daily_quota = flags.daily_quota;
  auto provider = search::MakeSearchProvider(config, *setup->http_, clock, metrics);
  if (!provider.ok())
    return provider.status();
  setup->provider_ = std::move(*provider);
  search::DomainFinderOptions options;
  options.min_confidence = flags.min_confidence;
  options.cache_ttl = std::chrono::hours(24 * flags.cache_days);
  setup->finder_ = std::make_unique<search::DomainFinder>(*setup->provider_, page_fetcher, clock,
                                                          cache, options);
  return setup;
}

}  // namespace leadscan::cli
