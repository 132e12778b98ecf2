#include "providers/provider_errors.h"

#include <gtest/gtest.h>

#include "common/utf8.h"
#include "fetch/errors.h"

namespace leadscan::providers {
namespace {

const auto kNow = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 20000);

TEST(ProviderHttpErrorTest, SuccessIsNoError) {
  EXPECT_FALSE(ProviderHttpError("firecrawl", 200, "", "", kNow).has_value());
  EXPECT_FALSE(ProviderHttpError("firecrawl", 204, "", "", kNow).has_value());
}

TEST(ProviderHttpErrorTest, AuthFailuresAreProviderAuthAndNotRetried) {
  for (int status : {401, 403}) {
    auto s = ProviderHttpError("firecrawl", status, "Unauthorized: Invalid token", "", kNow);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->error_code(), kProviderAuth) << status;
    EXPECT_FALSE(s->retryable());
    EXPECT_NE(s->message().find("Invalid token"), std::string::npos);
    EXPECT_EQ(s->message().rfind("firecrawl: HTTP ", 0), 0u);
  }
}

TEST(ProviderHttpErrorTest, PaymentRequiredIsProviderQuotaAndNotRetried) {
  auto s = ProviderHttpError("firecrawl", 402, "Insufficient credits", "30", kNow);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->error_code(), kProviderQuota);
  EXPECT_FALSE(s->retryable());
}

TEST(ProviderHttpErrorTest, TooManyRequestsIsRetryableWithRetryAfter) {
  auto s = ProviderHttpError("brave", 429, "", "7", kNow);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->error_code(), kProviderRateLimited);
  EXPECT_TRUE(s->retryable());
  ASSERT_TRUE(fetch::RetryAfter(*s).has_value());
  EXPECT_EQ(fetch::RetryAfter(*s)->count(), 7);
  auto without = ProviderHttpError("brave", 429, "", "", kNow);
  EXPECT_FALSE(fetch::RetryAfter(*without).has_value());
}

TEST(ProviderHttpErrorTest, ServerErrorsAndRequestTimeoutAreRetryableUnavailable) {
  for (int status : {500, 502, 503, 504, 408}) {
    auto s = ProviderHttpError("firecrawl", status, "", "", kNow);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->error_code(), kProviderUnavailable) << status;
    EXPECT_TRUE(s->retryable()) << status;
  }
  auto s = ProviderHttpError("firecrawl", 503, "", "2", kNow);
  EXPECT_EQ(fetch::RetryAfter(*s)->count(), 2);
}

TEST(ProviderHttpErrorTest, OtherClientErrorsAreRejectedAndRedirectsBadResponses) {
  auto bad_request = ProviderHttpError("firecrawl", 400, "URL not supported", "", kNow);
  EXPECT_EQ(bad_request->error_code(), kProviderRejected);
  EXPECT_FALSE(bad_request->retryable());
  auto redirect = ProviderHttpError("firecrawl", 302, "", "", kNow);
  EXPECT_EQ(redirect->error_code(), kProviderBadResponse);
  EXPECT_FALSE(redirect->retryable());
}

TEST(ProviderTransportErrorTest, TransientFailuresAreRetryablePermanentOnesAreNot) {
  auto timeout = ProviderTransportError("firecrawl", fetch::FetchError(fetch::kTimeout, "slow"));
  EXPECT_EQ(timeout.error_code(), kProviderUnavailable);
  EXPECT_TRUE(timeout.retryable());
  auto reset =
      ProviderTransportError("firecrawl", fetch::FetchError(fetch::kConnectRefused, "refused"));
  EXPECT_TRUE(reset.retryable());
  auto blocked =
      ProviderTransportError("firecrawl", fetch::FetchError(fetch::kBlockedAddress, "10.0.0.1"));
  EXPECT_EQ(blocked.error_code(), kProviderUnavailable);
  EXPECT_FALSE(blocked.retryable());
  EXPECT_NE(blocked.message().find("--provider-allow-net"), std::string::npos);
  auto dns = ProviderTransportError("firecrawl", fetch::FetchError(fetch::kDnsNotFound, "x"));
  EXPECT_FALSE(dns.retryable());
  auto big = ProviderTransportError("firecrawl", fetch::FetchError(fetch::kBodyTooLarge, "x"));
  EXPECT_EQ(big.error_code(), kProviderBadResponse);
  auto cancelled = ProviderTransportError("firecrawl", fetch::FetchError(fetch::kCancelled, "x"));
  EXPECT_EQ(cancelled.error_code(), "cancelled");
}

TEST(ErrorDetailTest, ReadsTheProvidersExplanation) {
  EXPECT_EQ(ErrorDetail(R"({"success":false,"error":"Payment required"})"), "Payment required");
  EXPECT_EQ(ErrorDetail(R"({"error":{"code":403,"message":"API key not valid"}})"),
            "API key not valid");
  EXPECT_EQ(ErrorDetail("<html>Bad gateway</html>"), "<html>Bad gateway</html>");
  EXPECT_EQ(ErrorDetail(""), "");
}

TEST(ErrorDetailTest, IsBoundedAndValidUtf8) {
  const std::string body = std::string(1000, 'x') + "\xff\xfe";
  std::string d = ErrorDetail(body, 50);
  EXPECT_LE(d.size(), 53u);
  EXPECT_EQ(d.substr(0, 50), std::string(50, 'x'));
  std::string bad = ErrorDetail("ab\xff\xc0 cd");
  EXPECT_EQ(bad.find('\xff'), std::string::npos);
}

// Found by the firecrawl fuzz target: repairing after the cut turned each stray byte into a
// three-byte U+FFFD, three times past the bound.
TEST(ErrorDetailTest, StrayBytesDoNotGrowPastTheBound) {
  std::string d = ErrorDetail(std::string(400, '\xff'), 50);
  EXPECT_LE(d.size(), 53u);
  EXPECT_TRUE(common::IsValidUtf8(d));
  // A cut inside a character backs off to its start.
  std::string swedish;
  for (int i = 0; i < 100; ++i)
    swedish += "\xc3\xa5";  // å
  d = ErrorDetail(swedish, 51);
  EXPECT_TRUE(common::IsValidUtf8(d));
  EXPECT_EQ(d, swedish.substr(0, 50) + "...");
}

}  // namespace
}  // namespace leadscan::providers
