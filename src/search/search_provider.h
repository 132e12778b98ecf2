// SearchProvider: the seam a domain search asks a web-search API through. The real ones are
// BraveSearch, GoogleSearch and SearxngSearch (web_search_providers.h) on the shared provider
// client; tests may script one. Implementations are thread-safe; Search blocks.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "search/search_responses.h"

namespace leadscan::search {

struct SearchQuery {
  std::string text;            // what to search for (the company name as given)
  std::string country;         // ISO 3166 alpha-2, lower-case ("se"); empty: the provider's default
  int count = 10;              // hits wanted (providers cap it: Google 10, Brave 20)
  common::TimePoint deadline;  // absolute, on the provider's clock
  std::shared_ptr<std::atomic<bool>> cancel;  // may be null
};

class SearchProvider {
 public:
  virtual ~SearchProvider() = default;

  // "brave", "google" or "searxng" (recorded with every result).
  virtual std::string_view name() const = 0;

  // The provider's hits for the query, best first. Fails with the provider error codes
  // (provider_auth, provider_quota, provider_rate_limited, provider_unavailable,
  // provider_bad_response, provider_rejected) or cancelled; messages never carry a key.
  virtual common::Result<std::vector<SearchHit>> Search(const SearchQuery& query) = 0;
};

}  // namespace leadscan::search
