// ProviderClient: the one way leadscan calls a provider's HTTP JSON API (Firecrawl, web
// search). It sends each call through a Fetcher (a CurlFetcher made with ProviderFetchOptions:
// address guard, bounded answer, no robots.txt, no redirects), under the provider's limiter,
// within an absolute deadline, maps every failure to the codes of provider_errors.h and
// removes the provider's secrets from every text it hands out or logs. Thread-safe; Call
// blocks the calling thread. Owns its limiter; the fetcher, clock and metrics are the caller's.
//
// How a provider uses it:
//
//   ProviderConfig config;
//   config.name = "brave";                       // metric label and message prefix
//   config.base_url = "https://search.example";  // operator's setting
//   config.secrets = {key};                      // never leaves in any text
//   config.limits = {.per_second = 1, .daily_quota = 2000};
//   auto client = ProviderClient::Create(config, provider_fetcher, clock, &metrics);
//   ProviderRequest req;
//   req.path = "/res/v1/web/search?q=" + query_percent_encoded;
//   req.headers = {{"x-subscription-token", key}};
//   req.deadline = clock.Now() + std::chrono::seconds(10);
//   auto answer = (*client)->Call(req);          // Result<ProviderResponse>
//   if (!answer.ok()) return answer.status();    // provider_auth, provider_quota, ...
//   const nlohmann::json& body = answer->body;   // parsed, depth-bounded, valid UTF-8
//   // read the fields; a missing one is ProviderError(kProviderBadResponse, ...)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"
#include "fetch/fetch_options.h"
#include "fetch/fetcher.h"
#include "providers/provider_limiter.h"
#include "providers/secret_redactor.h"

namespace leadscan::providers {

// A provider's answer is read up to this size (Firecrawl's rawHtml of a large page, escaped).
inline constexpr int64_t kDefaultMaxResponseBytes = 16LL * 1024 * 1024;
// Provider calls in flight at once, all providers of one fetcher (ProviderFetchOptions).
inline constexpr int kProviderMaxConcurrent = 64;
// Counter of calls by provider and outcome ("ok" or an error code of provider_errors.h).
inline constexpr char kProviderCallsCounter[] = "leadscan_provider_calls_total";

struct ProviderConfig {
  std::string name;      // "firecrawl", "brave", ...: a closed set (it is a metric label)
  std::string base_url;  // http(s)://host[:port][/prefix]; a trailing '/' is dropped
  std::vector<std::string> secrets;  // API keys and the like, removed from every text
  ProviderLimits limits;
  int64_t max_response_bytes = kDefaultMaxResponseBytes;
};

struct ProviderRequest {
  std::string method = "GET";  // GET or POST
  std::string path;            // appended to base_url: "/v1/scrape", "/search?q=..."
  fetch::Headers headers;      // names lower-case; secrets here are fine, they are never logged
  std::optional<nlohmann::json> body;  // sent as application/json (POST)
  common::TimePoint deadline;          // absolute, on the client's clock; required
  std::shared_ptr<std::atomic<bool>> cancel;
};

struct ProviderResponse {
  int status = 0;
  nlohmann::json body;  // the parsed JSON answer
  double ms = 0;        // time of the HTTP call (not the wait for the limiter)
};

// The fetch options of a provider fetcher, derived from the page fetcher's: the same address
// guard openings (plus `provider_allow_net`, which opens addresses for provider calls only),
// name mapping, CA file, User-Agent and connect timeout; no robots.txt, no politeness gap, no
// low-speed abort (a scrape may think for many seconds before its first byte), no redirects,
// answers bounded by kDefaultMaxResponseBytes.
fetch::FetchOptions ProviderFetchOptions(const fetch::FetchOptions& page_options,
                                         const std::vector<std::string>& provider_allow_net);

class ProviderClient {
 public:
  // Fails with invalid_provider_url when base_url is not an absolute http(s) URL, or
  // invalid_provider_limits for a negative limit.
  static common::Result<std::unique_ptr<ProviderClient>> Create(ProviderConfig config,
                                                                fetch::Fetcher& fetcher,
                                                                common::Clock& clock,
                                                                common::Metrics* metrics);

  // One call: waits for the limiter, sends the request, parses a 2xx answer as JSON. Fails
  // with the codes of provider_errors.h (or cancelled); every message is redacted and valid
  // UTF-8. Blocks until the answer, the deadline or a cancel.
  common::Result<ProviderResponse> Call(const ProviderRequest& request);

  // `text` without this provider's secrets.
  std::string Redact(std::string_view text) const { return redactor_.Redact(text); }

  const std::string& name() const { return config_.name; }

  const std::string& base_url() const { return config_.base_url; }

  ProviderLimiter& limiter() { return limiter_; }

 private:
  ProviderClient(ProviderConfig config, fetch::Fetcher& fetcher, common::Clock& clock,
                 common::Metrics* metrics);

  common::Result<ProviderResponse> CallOnce(const ProviderRequest& request);

  const ProviderConfig config_;
  fetch::Fetcher& fetcher_;
  common::Clock& clock_;
  common::Metrics* metrics_;
  const SecretRedactor redactor_;
  ProviderLimiter limiter_;
};

}  // namespace leadscan::providers
