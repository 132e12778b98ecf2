#include "fetch/errors.h"

#include <curl/curl.h>

#include <charconv>
#include <string>

namespace leadscan::fetch {

using common::Status;
using common::StatusCode;

namespace {

struct CodeInfo {
  std::string_view code;
  StatusCode category;
  bool retryable;
};

// Retryable: what a later attempt may well fix (SPEC §4: timeouts, resets, 5xx, 429).
constexpr CodeInfo kCodes[] = {
    {kInvalidUrl, StatusCode::kInvalidArgument, false},
    {kBlockedAddress, StatusCode::kPermissionDenied, false},
    {kBlockedProtocol, StatusCode::kPermissionDenied, false},
    {kRobotsDisallowed, StatusCode::kPermissionDenied, false},
    {kNotHtml, StatusCode::kInvalidArgument, false},
    {kBodyTooLarge, StatusCode::kResourceExhausted, false},
    {kTooManyRedirects, StatusCode::kUnavailable, false},
    {kBadContentEncoding, StatusCode::kUnavailable, false},
    {kCancelled, StatusCode::kCancelled, false},
    {kBotChallenge, StatusCode::kPermissionDenied, false},
    {kHeadersTooLarge, StatusCode::kResourceExhausted, false},
    {kInvalidResponse, StatusCode::kUnavailable, false},
    {kDnsNotFound, StatusCode::kNotFound, false},
    {kDnsError, StatusCode::kUnavailable, true},
    {kConnectRefused, StatusCode::kUnavailable, true},
    {kConnectTimeout, StatusCode::kDeadlineExceeded, true},
    {kTlsError, StatusCode::kUnavailable, false},
    {kTimeout, StatusCode::kDeadlineExceeded, true},
    {kConnectionReset, StatusCode::kUnavailable, true},
    {kFetchError, StatusCode::kUnavailable, false},
    {kHttp401, StatusCode::kUnauthenticated, false},
    {kHttp403, StatusCode::kPermissionDenied, false},
    {kHttp404, StatusCode::kNotFound, false},
    {kHttp410, StatusCode::kNotFound, false},
    {kHttp429, StatusCode::kResourceExhausted, true},
    {kHttp4xx, StatusCode::kInvalidArgument, false},
    {kHttp5xx, StatusCode::kUnavailable, true},
    {kHttp3xx, StatusCode::kUnavailable, false},
};

constexpr std::string_view kRetryAfterTag = "retry-after=";

}  // namespace

Status FetchError(std::string_view code, std::string message) {
  for (const CodeInfo& info : kCodes) {
    if (info.code == code) {
      return Status::Error(info.category, std::string(code), std::move(message), info.retryable);
    }
  }
  return Status::Error(StatusCode::kUnavailable, std::string(code), std::move(message), false);
}

Status StatusFromCurl(int curl_code, std::string_view detail, bool connected,
                      std::string_view url) {
  auto code = static_cast<CURLcode>(curl_code);
  std::string text = std::string(url) + ": " +
                     (detail.empty() ? std::string(curl_easy_strerror(code)) : std::string(detail));
  auto has = [&](std::string_view needle) { return detail.find(needle) != std::string_view::npos; };
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      // curl does not tell NXDOMAIN from SERVFAIL; a name that does not resolve is permanent.
      return FetchError(kDnsNotFound, text);
    case CURLE_COULDNT_CONNECT:
      return FetchError(kConnectRefused, text);
    case CURLE_OPERATION_TIMEDOUT:
      if (has("Resolving timed out"))
        return FetchError(kDnsError, text);
      // "... with N bytes received": the transfer phase, on a connection that may have been
      // reused (then curl reports no connect time of its own).
      if (has("bytes received"))
        return FetchError(kTimeout, text);
      if (!connected || has("Connection timed out"))
        return FetchError(kConnectTimeout, text);
      return FetchError(kTimeout, text);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      return FetchError(kTlsError, text);
    case CURLE_TOO_MANY_REDIRECTS:
      return FetchError(kTooManyRedirects, text);
    case CURLE_FILESIZE_EXCEEDED:
      return FetchError(kBodyTooLarge, text);
    case CURLE_BAD_CONTENT_ENCODING:
      return FetchError(kBadContentEncoding, text);
    case CURLE_UNSUPPORTED_PROTOCOL:
      // curl says this both for a scheme it may not use (a redirect to ftp:) and for an answer
      // that is not HTTP (HTTP/0.9, an unsupported version in the status line).
      if (has("HTTP") || has("status line"))
        return FetchError(kInvalidResponse, text);
      return FetchError(kBlockedProtocol, text);
    case CURLE_WEIRD_SERVER_REPLY:
      return FetchError(kInvalidResponse, text);
    case CURLE_URL_MALFORMAT:
      return FetchError(kInvalidUrl, text);
    case CURLE_RECV_ERROR:
    case CURLE_WRITE_ERROR:
      // A malformed chunked body is the server's fault and permanent, not a dropped connection.
      if (has("chunk"))
        return FetchError(kInvalidResponse, text);
      if (has("header") || has("Header"))
        return FetchError(kHeadersTooLarge, text);
      return FetchError(kConnectionReset, text);
    case CURLE_OUT_OF_MEMORY:
      // libcurl 7.88 reports a response header line over its 100 KiB limit this way.
      return FetchError(kHeadersTooLarge, text);
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return FetchError(kConnectionReset, text);
    case CURLE_ABORTED_BY_CALLBACK:
      return FetchError(kCancelled, text);
    default:
      return FetchError(kFetchError, text);
  }
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  if (value.empty())
    return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    int64_t secs = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
    if (ec != std::errc() || end != value.data() + value.size())
      return std::nullopt;
    return std::chrono::seconds(secs);
  }
  std::string text(value);
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0)
    return std::nullopt;
  auto delta = std::chrono::system_clock::from_time_t(when) - now;
  if (delta.count() < 0)
    return std::chrono::seconds(0);
  return std::chrono::duration_cast<std::chrono::seconds>(delta);
}

std::optional<Status> HttpStatusError(int status, std::string_view url,
                                      std::string_view retry_after,
                                      std::chrono::system_clock::time_point now) {
  if (status < 300)
    return std::nullopt;
  std::string message = "HTTP " + std::to_string(status) + " from " + std::string(url);
  std::string_view code;
  switch (status) {
    case 401:
      code = kHttp401;
      break;
    case 403:
      code = kHttp403;
      break;
    case 404:
      code = kHttp404;
      break;
    case 410:
      code = kHttp410;
      break;
    case 429:
      code = kHttp429;
      break;
    default:
      code = status >= 500 ? kHttp5xx : status >= 400 ? kHttp4xx : kHttp3xx;
  }
  if (code == kHttp429 || code == kHttp5xx) {
    if (auto secs = ParseRetryAfter(retry_after, now)) {
      message += " (" + std::string(kRetryAfterTag) + std::to_string(secs->count()) + "s)";
    }
  }
  return FetchError(code, std::move(message));
}

std::optional<std::chrono::seconds> RetryAfter(const Status& status) {
  // Provider failures (src/providers: provider_rate_limited, provider_unavailable) carry the
  // same tag, so retries of provider calls honour the provider's Retry-After too.
  if (status.error_code() != kHttp429 && status.error_code() != kHttp5xx &&
      !status.error_code().starts_with("provider_")) {
    return std::nullopt;
  }
  const std::string& m = status.message();
  size_t at = m.rfind(kRetryAfterTag);
  if (at == std::string::npos)
    return std::nullopt;
  const char* begin = m.data() + at + kRetryAfterTag.size();
  int64_t secs = 0;
  auto [end, ec] = std::from_chars(begin, m.data() + m.size(), secs);
  if (ec != std::errc() || end == begin)
    return std::nullopt;
  return std::chrono::seconds(secs);
}

}  // namespace leadscan::fetch
