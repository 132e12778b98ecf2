// The three web-search APIs a domain search can use, each a SearchProvider on the shared
// providers::ProviderClient (address guard, deadline, bounded answer, shared error codes,
// per-second limit and daily quota, keys redacted):
//   brave   — Brave Search API: GET {base}/res/v1/web/search?q=..&country=..&count=..,
//             header X-Subscription-Token; answer web.results[] (url, title, description).
//   google  — Google Programmable Search JSON API: GET {base}/customsearch/v1?key=..&cx=..&q=..
//             &num=..&gl=..; answer items[] (link, title, snippet). Google closes this API to
//             new customers and ends it for existing ones on 1 January 2027.
//   searxng — a self-hosted SearXNG: GET {base}/search?q=..&format=json; answer results[] (url,
//             title, content). No key.
// Thread-safe; Search blocks.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"
#include "fetch/fetcher.h"
#include "providers/provider_client.h"
#include "search/search_provider.h"

namespace leadscan::search {

// The public APIs' base URLs (operators override them with --search-url).
inline constexpr char kBraveDefaultUrl[] = "https://api.search.brave.com";
inline constexpr char kGoogleDefaultUrl[] = "https://www.googleapis.com";

struct WebSearchConfig {
  std::string provider;  // "brave", "google" or "searxng"
  std::string base_url;  // empty: the provider's public API (SearXNG has none: required)
  std::string key;       // Brave's subscription token, Google's API key; unused by SearXNG
  std::string cx;        // Google's search engine id
  providers::ProviderLimits limits;
};

// The provider names accepted by --search-provider.
const std::vector<std::string_view>& SearchProviderNames();

// Builds the provider. Fails with invalid_search_provider (unknown name), missing_search_key
// (Brave or Google without a key), missing_search_cx (Google without cx), missing_search_url
// (SearXNG without a base URL) or the client's invalid_provider_url; messages never quote the
// key. `fetcher` (a provider fetcher, see providers::ProviderFetchOptions), `clock` and
// `metrics` (may be null) must outlive the provider.
common::Result<std::unique_ptr<SearchProvider>> MakeSearchProvider(const WebSearchConfig& config,
                                                                   fetch::Fetcher& fetcher,
                                                                   common::Clock& clock,
                                                                   common::Metrics* metrics);

// `value` percent-encoded for a query string (RFC 3986 unreserved characters kept, UTF-8 bytes
// and everything else as %XX).
std::string EncodeQueryValue(std::string_view value);

// Google's own way of saying a key is wrong or a daily quota is spent, read from the client's
// error: 400 "API key not valid" -> provider_auth; 429 or 403 about a per-day limit ->
// provider_quota. Anything else is returned as it is.
common::Status RefineGoogleError(const common::Status& status);

}  // namespace leadscan::search
