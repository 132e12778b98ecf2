#include "fetch/errors.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

namespace leadscan::fetch {
namespace {

const auto kNow = std::chrono::system_clock::from_time_t(1'700'000'000);

TEST(FetchErrorsTest, HttpStatusesMapToStableCodesAndRetryAdvice) {
  EXPECT_FALSE(HttpStatusError(200, "u", "", kNow).has_value());
  EXPECT_EQ(HttpStatusError(404, "u", "", kNow)->error_code(), "http_404");
  EXPECT_FALSE(HttpStatusError(404, "u", "", kNow)->retryable());
  EXPECT_EQ(HttpStatusError(403, "u", "", kNow)->error_code(), "http_403");
  EXPECT_EQ(HttpStatusError(418, "u", "", kNow)->error_code(), "http_4xx");
  auto s429 = HttpStatusError(429, "u", "2", kNow);
  EXPECT_EQ(s429->error_code(), "http_429");
  EXPECT_TRUE(s429->retryable());
  EXPECT_EQ(RetryAfter(*s429), std::chrono::seconds(2));
  auto s503 = HttpStatusError(503, "u", "Wed, 15 Nov 2023 00:00:00 GMT", kNow);
  EXPECT_EQ(s503->error_code(), "http_5xx");
  EXPECT_TRUE(s503->retryable());
  ASSERT_TRUE(RetryAfter(*s503).has_value());
  EXPECT_GT(RetryAfter(*s503)->count(), 0);
  EXPECT_FALSE(RetryAfter(*HttpStatusError(500, "u", "", kNow)).has_value());
}

TEST(FetchErrorsTest, RetryAfterParsesSecondsAndDates) {
  EXPECT_EQ(ParseRetryAfter(" 120 ", kNow), std::chrono::seconds(120));
  EXPECT_EQ(ParseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", kNow), std::chrono::seconds(0));
  EXPECT_FALSE(ParseRetryAfter("soon", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("12x", kNow).has_value());
}

TEST(FetchErrorsTest, CurlFailuresMapToStableCodes) {
  struct Case {
    CURLcode rc;
    const char* detail;
    bool connected;
    const char* code;
    bool retryable;
  };

  const Case cases[] = {
      {CURLE_COULDNT_RESOLVE_HOST, "Could not resolve host: x.invalid", false, "dns_not_found",
       false},
      {CURLE_OPERATION_TIMEDOUT, "Resolving timed out after 5000 ms", false, "dns_error", true},
      {CURLE_COULDNT_CONNECT, "Failed to connect", false, "connect_refused", true},
      {CURLE_OPERATION_TIMEDOUT, "Connection timed out after 10001 ms", false, "connect_timeout",
       true},
      {CURLE_OPERATION_TIMEDOUT, "Operation timed out after 20000 ms", true, "timeout", true},
      {CURLE_OPERATION_TIMEDOUT, "Operation too slow", true, "timeout", true},
      {CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem", true, "tls_error", false},
      {CURLE_SSL_CONNECT_ERROR, "", true, "tls_error", false},
      {CURLE_TOO_MANY_REDIRECTS, "", true, "too_many_redirects", false},
      {CURLE_FILESIZE_EXCEEDED, "", true, "body_too_large", false},
      {CURLE_RECV_ERROR, "Connection reset by peer", true, "connection_reset", true},
      {CURLE_PARTIAL_FILE, "", true, "connection_reset", true},
      {CURLE_GOT_NOTHING, "", true, "connection_reset", true},
      {CURLE_BAD_CONTENT_ENCODING, "", true, "bad_content_encoding", false},
      {CURLE_UNSUPPORTED_PROTOCOL, "", true, "blocked_protocol", false},
      {CURLE_UNSUPPORTED_PROTOCOL, "Protocol \"ftp\" not supported or disabled in libcurl", true,
       "blocked_protocol", false},
      {CURLE_UNSUPPORTED_PROTOCOL, "Received HTTP/0.9 when not allowed", true, "invalid_response",
       false},
      {CURLE_UNSUPPORTED_PROTOCOL, "Unsupported HTTP/1 subversion in response", true,
       "invalid_response", false},
      {CURLE_WEIRD_SERVER_REPLY, "Invalid status line", true, "invalid_response", false},
      {CURLE_RECV_ERROR, "Illegal or missing hexadecimal sequence in chunked-encoding", true,
       "invalid_response", false},
  };
  for (const Case& c : cases) {
    auto s = StatusFromCurl(c.rc, c.detail, c.connected, "https://x.test/");
    EXPECT_EQ(s.error_code(), c.code) << c.rc << " " << c.detail;
    EXPECT_EQ(s.retryable(), c.retryable) << c.code;
    EXPECT_NE(s.message().find("https://x.test/"), std::string::npos);
  }
}

TEST(FetchErrorsTest, EveryNamedCodeHasItsRetryAdvice) {
  EXPECT_FALSE(FetchError(kBlockedAddress, "").retryable());
  EXPECT_FALSE(FetchError(kRobotsDisallowed, "").retryable());
  EXPECT_FALSE(FetchError(kNotHtml, "").retryable());
  EXPECT_FALSE(FetchError(kInvalidUrl, "").retryable());
  EXPECT_FALSE(FetchError(kDnsNotFound, "").retryable());
  EXPECT_TRUE(FetchError(kDnsError, "").retryable());
  EXPECT_TRUE(FetchError(kConnectionReset, "").retryable());
  EXPECT_FALSE(FetchError(kInvalidResponse, "").retryable());
  EXPECT_EQ(FetchError(kCancelled, "").code(), common::StatusCode::kCancelled);
}

}  // namespace
}  // namespace leadscan::fetch
