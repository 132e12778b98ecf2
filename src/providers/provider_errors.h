// The stable error codes every provider (Firecrawl, web search) fails with, and the one mapping
// from a provider API's HTTP answer or transport failure to them, so all providers retry and
// report alike (docs/decisions/providers.md). Stateless; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace leadscan::providers {

// 401 / 403: the key is missing, wrong or revoked. Not retryable.
inline constexpr std::string_view kProviderAuth = "provider_auth";
// 402, or the daily quota set for the provider is spent. Not retryable.
inline constexpr std::string_view kProviderQuota = "provider_quota";
// 429, or the per-second limit would make the call start after its deadline. Retryable; the
// message carries the provider's Retry-After as fetch::RetryAfter reads it.
inline constexpr std::string_view kProviderRateLimited = "provider_rate_limited";
// 5xx, 408, timeouts, dropped connections: retryable. A provider that cannot be reached for a
// reason a retry will not change (the address guard refused it, its name does not resolve, its
// TLS fails) gets this code too, not retryable.
inline constexpr std::string_view kProviderUnavailable = "provider_unavailable";
// An answer that is not what the provider's API promises: a body that is not JSON, a success
// without the fields the provider needs, an answer over the size bound, a redirect. Not
// retryable.
inline constexpr std::string_view kProviderBadResponse = "provider_bad_response";
// Any other 4xx: the provider refused this request (an URL it does not scrape, a bad query).
// Not retryable.
inline constexpr std::string_view kProviderRejected = "provider_rejected";

// A Status for `code` with its category and retryable() ("provider_unavailable" takes
// `retryable` from the caller; the others have a fixed answer).
common::Status ProviderError(std::string_view code, std::string message, bool retryable = false);

// The failure for a provider's HTTP `status` (nullopt for 2xx). `provider` names it in the
// message ("firecrawl: HTTP 402: <detail>"); `detail` is the provider's own explanation
// (already redacted); `retry_after` the raw Retry-After header ("" when absent), turned into
// seconds against `now` and tagged into the message for 429 and 5xx.
std::optional<common::Status> ProviderHttpError(std::string_view provider, int status,
                                                std::string_view detail,
                                                std::string_view retry_after,
                                                std::chrono::system_clock::time_point now);

// The failure for a call whose transfer failed (`fetch_failure` has a fetch/errors.h code).
// `cancelled` stays `cancelled`; a body over the bound is provider_bad_response; everything
// else is provider_unavailable, retryable unless a retry cannot help (see above).
common::Status ProviderTransportError(std::string_view provider,
                                      const common::Status& fetch_failure);

// The provider's explanation in an error body: the "error", "message" or "detail" string of a
// JSON object (nested {"error": {"message": ...}} too), else the body's first bytes; at most
// `max_chars` bytes, valid UTF-8. Never fails.
std::string ErrorDetail(std::string_view body, size_t max_chars = 300);

}  // namespace leadscan::providers
