// The pure parts of webhooks: signatures, payloads, the retry schedule and the URL policy.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "store/store.h"
#include "webhooks/payload.h"
#include "webhooks/retry_schedule.h"
#include "webhooks/signature.h"
#include "webhooks/url_policy.h"

namespace leadscan::webhooks {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

common::TimePoint T0() {
  return *store::ParseTime("2026-01-05T10:00:00Z");
}

TEST(SignatureTest, HmacMatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // An empty key is a key too (RFC 2104 pads it with zeros).
  EXPECT_EQ(HmacSha256Hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(SignatureTest, HeaderIsPrefixedHexAndVerifies) {
  const std::string body = R"({"event":"job.completed"})";
  const std::string header = SignatureHeaderValue("s3cret-s3cret-s3cret", body);
  ASSERT_EQ(header.rfind("sha256=", 0), 0u);
  EXPECT_EQ(header.size(), 7u + 64u);
  EXPECT_TRUE(VerifySignature("s3cret-s3cret-s3cret", body, header));
  std::string upper = header;
  for (size_t i = 7; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  EXPECT_TRUE(VerifySignature("s3cret-s3cret-s3cret", body, upper));
  EXPECT_FALSE(VerifySignature("another-secret-xx", body, header));
  EXPECT_FALSE(VerifySignature("s3cret-s3cret-s3cret", body + " ", header));
  EXPECT_FALSE(VerifySignature("s3cret-s3cret-s3cret", body, header.substr(7)));
  EXPECT_FALSE(VerifySignature("s3cret-s3cret-s3cret", body, header.substr(0, header.size() - 1)));
  EXPECT_FALSE(VerifySignature("s3cret-s3cret-s3cret", body, "sha1=" + header.substr(7)));
}

TEST(PayloadTest, BodyHasTheDocumentedKeysInOrder) {
  Json data = {{"job_id", "j1"}, {"successful_count", 3}};
  std::string body = BuildPayloadBody("job.completed", "e1", T0() + 123456us, data);
  EXPECT_EQ(body, R"({"event":"job.completed","id":"e1","created_at":"2026-01-05T10:00:00Z",)"
                  R"("data":{"job_id":"j1","successful_count":3}})");
  Json parsed = Json::parse(body);
  EXPECT_EQ(parsed["data"], data);
  // The same inputs give the same bytes (every retry is signed over the same body).
  EXPECT_EQ(body, BuildPayloadBody("job.completed", "e1", T0() + 123456us, data));
}

TEST(PayloadTest, InvalidUtf8InDataBecomesReplacementCharacters) {
  Json data = {{"name", std::string("Caf\xe9")}};
  std::string body = BuildPayloadBody("lead.changed", "e2", T0(), data);
  Json parsed = Json::parse(body);  // throws on invalid UTF-8
  EXPECT_EQ(parsed["data"]["name"], "Caf\xef\xbf\xbd");
}

TEST(PayloadTest, RequestIsSignedOverItsBodyWithTheDocumentedHeaders) {
  store::ClaimedDelivery claimed;
  claimed.url = "https://hooks.example.com/leadscan";
  claimed.secret = "0123456789abcdef";
  claimed.delivery.id = "d-1";
  claimed.delivery.event_id = "e-1";
  claimed.delivery.event = "job.completed";
  claimed.delivery.event_created_at = T0();
  claimed.delivery.data = {{"job_id", "j"}};
  DeliveryRequest r = BuildDeliveryRequest(claimed);
  EXPECT_EQ(r.url, claimed.url);
  std::map<std::string, std::string> headers(r.headers.begin(), r.headers.end());
  EXPECT_EQ(headers["Content-Type"], "application/json");
  EXPECT_EQ(headers["X-Leadscan-Event"], "job.completed");
  EXPECT_EQ(headers["X-Leadscan-Delivery"], "d-1");
  EXPECT_TRUE(VerifySignature("0123456789abcdef", r.body, headers["X-Leadscan-Signature"]));
  EXPECT_EQ(Json::parse(r.body)["id"], "e-1");
}

TEST(PayloadTest, KnownEventsAreTheStoresEvents) {
  EXPECT_TRUE(IsKnownEvent("job.completed"));
  EXPECT_TRUE(IsKnownEvent("lead.changed"));
  EXPECT_FALSE(IsKnownEvent("job.created"));
  EXPECT_FALSE(IsKnownEvent(""));
  EXPECT_EQ(KnownEvents().size(), 2u);
}

TEST(RetryScheduleTest, BackoffDoublesUpToTheCap) {
  RetrySchedule s;
  EXPECT_EQ(s.Backoff(1), 30s);
  EXPECT_EQ(s.Backoff(2), 60s);
  EXPECT_EQ(s.Backoff(3), 120s);
  EXPECT_EQ(s.Backoff(7), 1920s);
  EXPECT_EQ(s.Backoff(8), std::chrono::milliseconds(1h));  // 3840 s, capped
  EXPECT_EQ(s.Backoff(9), std::chrono::milliseconds(1h));
  EXPECT_EQ(s.Backoff(500), std::chrono::milliseconds(1h));
}

TEST(RetryScheduleTest, JitterTakesOffAtMostHalf) {
  RetrySchedule s;
  const auto now = T0() + 1min;
  EXPECT_EQ(*s.Next(2, T0(), now, 0.0), now + 60s);
  EXPECT_EQ(*s.Next(2, T0(), now, 0.5), now + 45s);
  auto latest_jitter = *s.Next(2, T0(), now, 0.999999);
  EXPECT_GE(latest_jitter, now + 30s);
  EXPECT_LT(latest_jitter, now + 31s);
}

TEST(RetryScheduleTest, RetryAfterIsHonouredButCapped) {
  RetrySchedule s;
  const auto now = T0();
  EXPECT_EQ(*s.Next(1, T0(), now, 0.0, 300s), now + 300s);
  EXPECT_EQ(*s.Next(1, T0(), now, 0.0, 5s), now + 30s);  // never sooner than the backoff
  EXPECT_EQ(*s.Next(1, T0(), now, 0.0, std::chrono::seconds(86400 * 3)), now + 1h);
}

TEST(RetryScheduleTest, TriesForADayThenGivesUp) {
  RetrySchedule s;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  common::TimePoint now = T0();
  int attempts = 0;
  std::optional<common::TimePoint> next = now;
  common::TimePoint last_attempt = now;
  while (next) {
    now = *next;
    last_attempt = now;
    ++attempts;
    ASSERT_LT(attempts, 200) << "the schedule never ends";
    next = s.Next(attempts, T0(), now, unit(rng));
    if (next) {
      EXPECT_GT(*next, now);
      EXPECT_LE(*next, T0() + 24h);
    }
  }
  // The last attempt is on the deadline, a day after the delivery was created.
  EXPECT_EQ(last_attempt, T0() + 24h);
  EXPECT_GT(attempts, 20);
  EXPECT_LT(attempts, 60);
  EXPECT_FALSE(s.Next(1, T0(), T0() + 25h, 0.0).has_value());
}

WebhookUrlPolicy::Resolver FakeDns(std::map<std::string, std::vector<std::string>> table) {
  return [table](const std::string& host) -> common::Result<std::vector<fetch::IpAddress>> {
    auto it = table.find(host);
    if (it == table.end())
      return common::Status::InvalidArgument("unresolvable_host", host + " does not resolve");
    std::vector<fetch::IpAddress> out;
    for (const auto& a : it->second)
      out.push_back(*fetch::IpAddress::Parse(a));
    return out;
  };
}

TEST(UrlPolicyTest, PublicHttpAndHttpsUrlsPassNormalised) {
  auto policy = WebhookUrlPolicy::Create({}, FakeDns({{"hooks.example.com", {"93.184.216.34"}}}));
  ASSERT_TRUE(policy.ok());
  auto ok = policy->Check("https://Hooks.Example.com/leadscan?x=1");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, "https://hooks.example.com/leadscan?x=1");
  EXPECT_TRUE(policy->Check("http://hooks.example.com:8080/").ok());
  EXPECT_TRUE(policy->Check("http://93.184.216.34/hook").ok());
}

TEST(UrlPolicyTest, RefusesWhatIsNotAPublicHttpUrl) {
  auto policy =
      WebhookUrlPolicy::Create({}, FakeDns({{"intranet.example.com", {"10.0.0.7"}},
                                            {"mixed.example.com", {"93.184.216.34", "127.0.0.1"}},
                                            {"hooks.example.com", {"93.184.216.34"}}}));
  ASSERT_TRUE(policy.ok());
  auto code = [&](std::string_view url) {
    auto r = policy->Check(url);
    EXPECT_FALSE(r.ok()) << url;
    if (r.ok())
      return std::string("ok");
    EXPECT_EQ(r.status().field(), "url") << url;
    return r.status().error_code();
  };
  EXPECT_EQ(code("ftp://hooks.example.com/"), "invalid_url");
  EXPECT_EQ(code("hooks.example.com/x"), "invalid_url");
  EXPECT_EQ(code("https://user:pw@hooks.example.com/"), "invalid_url");
  EXPECT_EQ(code("https://"), "invalid_url");
  EXPECT_EQ(code("https://hooks.example.com/" + std::string(3000, 'a')), "invalid_url");
  EXPECT_EQ(code("http://127.0.0.1:8080/hook"), "blocked_address");
  EXPECT_EQ(code("http://169.254.169.254/latest/meta-data"), "blocked_address");
  EXPECT_EQ(code("https://intranet.example.com/"), "blocked_address");
  EXPECT_EQ(code("https://mixed.example.com/"), "blocked_address");
  EXPECT_EQ(code("https://nowhere.example.com/"), "unresolvable_host");
}

TEST(UrlPolicyTest, AllowNetOpensARangeAndPortAsForFetching) {
  auto policy = WebhookUrlPolicy::Create({"127.0.0.1/32:8080"}, FakeDns({}));
  ASSERT_TRUE(policy.ok());
  EXPECT_TRUE(policy->Check("http://127.0.0.1:8080/hook").ok());
  EXPECT_EQ(policy->Check("http://127.0.0.1:8081/hook").status().error_code(), "blocked_address");
  EXPECT_FALSE(WebhookUrlPolicy::Create({"not-a-cidr"}).ok());
}

}  // namespace
}  // namespace leadscan::webhooks
