// The stable error codes of fetch failures and the one place that turns a code into a Status
// with its category and retry advice. Callers compare Status::error_code() against these
// constants; the strings never change once published. Stateless; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace leadscan::fetch {

// Input and policy (never retryable).
inline constexpr std::string_view kInvalidUrl = "invalid_url";  // not an http(s) URL / domain
inline constexpr std::string_view kBlockedAddress = "blocked_address";      // address guard refused
inline constexpr std::string_view kBlockedProtocol = "blocked_protocol";    // redirect to ftp: etc.
inline constexpr std::string_view kRobotsDisallowed = "robots_disallowed";  // robots.txt says no
inline constexpr std::string_view kNotHtml = "not_html";  // a page fetch got an image, binary...
inline constexpr std::string_view kBodyTooLarge = "body_too_large";  // body (or inflated) > limit
inline constexpr std::string_view kTooManyRedirects = "too_many_redirects";
inline constexpr std::string_view kBadContentEncoding = "bad_content_encoding";  // broken gzip
inline constexpr std::string_view kHeadersTooLarge = "headers_too_large";        // response headers
// The server does not speak HTTP as it must: no or a malformed status line (HTTP/0.9), a
// malformed chunk size. A broken server, not a broken connection: not retryable.
inline constexpr std::string_view kInvalidResponse = "invalid_response";
inline constexpr std::string_view kCancelled = "cancelled";  // FetchRequest::cancel was set
// A bot-protection challenge, captcha or block page answered instead of the site
// (bot_challenge.h); never analysed as the site. Not retryable: trying again soon meets it again.
inline constexpr std::string_view kBotChallenge = "bot_challenge";

// Name resolution.
inline constexpr std::string_view kDnsNotFound = "dns_not_found";  // the name does not resolve
inline constexpr std::string_view kDnsError = "dns_error";         // resolver timed out (transient)

// Connection and transfer.
inline constexpr std::string_view kConnectRefused = "connect_refused";  // RST / unreachable
inline constexpr std::string_view kConnectTimeout = "connect_timeout";  // no TCP/TLS in time
inline constexpr std::string_view kTlsError = "tls_error";  // handshake or certificate failed
inline constexpr std::string_view kTimeout = "timeout";     // total time or low-speed abort
inline constexpr std::string_view kConnectionReset = "connection_reset";  // dropped mid-way
inline constexpr std::string_view kFetchError = "fetch_error";  // any other transport failure

// HTTP answers that are failures. 404, 401, 403, 410 and 429 have their own codes; other 4xx
// are http_4xx and every 5xx is http_5xx (the message names the exact status). 429 and 5xx are
// retryable and carry Retry-After when the server sent one (see RetryAfter below).
inline constexpr std::string_view kHttp401 = "http_401";
inline constexpr std::string_view kHttp403 = "http_403";
inline constexpr std::string_view kHttp404 = "http_404";
inline constexpr std::string_view kHttp410 = "http_410";
inline constexpr std::string_view kHttp429 = "http_429";
inline constexpr std::string_view kHttp4xx = "http_4xx";
inline constexpr std::string_view kHttp5xx = "http_5xx";
inline constexpr std::string_view kHttp3xx = "http_3xx";  // a redirect without a usable target

// A Status for `code` with the category and retryable() the table in errors.cc gives it.
common::Status FetchError(std::string_view code, std::string message);

// The failure for a final HTTP status >= 300 (nullopt when `status` is a success).
// `retry_after` is the raw Retry-After header value ("120" or an HTTP date), "" when absent;
// `now` turns a date into seconds.
std::optional<common::Status> HttpStatusError(int status, std::string_view url,
                                              std::string_view retry_after,
                                              std::chrono::system_clock::time_point now);

// The Status for a failed libcurl transfer: `curl_code` is the CURLcode, `detail` curl's error
// buffer, `connected` whether a TCP connection was made before the failure. Covers transport
// failures only; guard, body-limit and cancel outcomes are decided by the caller first.
common::Status StatusFromCurl(int curl_code, std::string_view detail, bool connected,
                              std::string_view url);

// Parses a Retry-After value (delta-seconds or IMF-fixdate) relative to `now`; nullopt when
// it is neither. A date in the past gives 0.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now);

// The Retry-After a http_429 / http_5xx Status carries (stored in its message as
// "retry-after=<seconds>s"), or nullopt. A provider_* Status (src/providers) carries it the
// same way.
std::optional<std::chrono::seconds> RetryAfter(const common::Status& status);

}  // namespace leadscan::fetch
