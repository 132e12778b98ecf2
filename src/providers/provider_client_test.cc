#include "providers/provider_client.h"

#include <gtest/gtest.h>

#include <mutex>

#include "fetch/errors.h"
#include "providers/provider_errors.h"

namespace leadscan::providers {
namespace {

using namespace std::chrono_literals;

constexpr char kKey[] = "fc-UNIT-7h3k3y";

// Answers every request with one programmed result and keeps the last request.
class OneAnswerFetcher final : public fetch::Fetcher {
 public:
  void FetchAsync(fetch::FetchRequest request, fetch::FetchCallback done) override {
    fetch::FetchResult result = answer;
    {
      std::lock_guard<std::mutex> lock(mu);
      last = request;
      ++calls;
    }
    done(std::move(result));
  }

  fetch::FetchResult answer = fetch::FetchError(fetch::kFetchError, "not programmed");
  std::mutex mu;
  fetch::FetchRequest last;
  int calls = 0;
};

fetch::FetchResponse Answer(int status, std::string body, fetch::Headers headers = {}) {
  fetch::FetchResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class ProviderClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<ProviderClient> Client(ProviderLimits limits = {}) {
    ProviderConfig config;
    config.name = "firecrawl";
    config.base_url = "http://127.0.0.1:9/";
    config.secrets = {kKey};
    config.limits = limits;
    auto c = ProviderClient::Create(config, fetcher_, clock_, &metrics_);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }

  ProviderRequest Post() {
    ProviderRequest req;
    req.method = "POST";
    req.path = "/v1/scrape";
    req.headers = {{"authorization", std::string("Bearer ") + kKey}};
    req.body = nlohmann::json{{"url", "https://shop.test/"}};
    req.deadline = clock_.Now() + 5s;
    return req;
  }

  common::FakeClock clock_{common::TimePoint{} + std::chrono::days(20000)};
  common::Metrics metrics_;
  OneAnswerFetcher fetcher_;
};

TEST_F(ProviderClientTest, SendsAPostWithJsonAndParsesTheAnswer) {
  fetcher_.answer = Answer(200, R"({"success":true,"data":{"rawHtml":"<p>hi</p>"}})");
  auto client = Client();
  auto r = client->Call(Post());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body["data"]["rawHtml"], "<p>hi</p>");
  const fetch::FetchRequest& sent = fetcher_.last;
  EXPECT_EQ(sent.url, "http://127.0.0.1:9/v1/scrape");
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(nlohmann::json::parse(sent.body)["url"], "https://shop.test/");
  EXPECT_TRUE(sent.any_status);
  EXPECT_FALSE(sent.follow_redirects);
  EXPECT_FALSE(sent.check_robots);
  EXPECT_EQ(sent.kind, fetch::FetchKind::kRaw);
  EXPECT_EQ(sent.max_body_bytes, kDefaultMaxResponseBytes);
  EXPECT_EQ(sent.timeout, 5000ms);  // the deadline's rest
  bool json_type = false;
  for (const auto& [k, v] : sent.headers)
    json_type = json_type || (k == "content-type" && v == "application/json");
  EXPECT_TRUE(json_type);
  EXPECT_EQ(metrics_.Value(kProviderCallsCounter, {{"provider", "firecrawl"}, {"outcome", "ok"}}),
            1);
}

TEST_F(ProviderClientTest, MapsStatusesToProviderCodes) {
  auto client = Client();

  struct Case {
    int status;
    std::string code;
    bool retryable;
  };

  for (const Case& c :
       {Case{401, "provider_auth", false}, Case{403, "provider_auth", false},
        Case{402, "provider_quota", false}, Case{429, "provider_rate_limited", true},
        Case{500, "provider_unavailable", true}, Case{400, "provider_rejected", false}}) {
    fetcher_.answer =
        Answer(c.status, R"({"success":false,"error":"nope"})", {{"retry-after", "3"}});
    auto r = client->Call(Post());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().error_code(), c.code) << c.status;
    EXPECT_EQ(r.status().retryable(), c.retryable) << c.status;
    EXPECT_NE(r.status().message().find("nope"), std::string::npos);
  }
  fetcher_.answer = Answer(429, "{}", {{"retry-after", "3"}});
  EXPECT_EQ(fetch::RetryAfter(client->Call(Post()).status())->count(), 3);
}

TEST_F(ProviderClientTest, MalformedJsonIsABadResponse) {
  auto client = Client();
  for (const char* body : {"{\"success\":tru", "", "<html>gateway</html>", "[[[[[[[[[["}) {
    fetcher_.answer = Answer(200, body);
    auto r = client->Call(Post());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().error_code(), kProviderBadResponse) << body;
    EXPECT_FALSE(r.status().retryable());
  }
  std::string deep(1000, '[');
  fetcher_.answer = Answer(200, deep);
  EXPECT_EQ(client->Call(Post()).status().error_code(), kProviderBadResponse);
}

TEST_F(ProviderClientTest, InvalidUtf8InTheAnswerIsReplacedNotFatal) {
  auto client = Client();
  fetcher_.answer = Answer(200, "{\"data\":\"a\xff\xfe b\"}");
  auto r = client->Call(Post());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body["data"], "a\xEF\xBF\xBD\xEF\xBF\xBD b");
}

TEST_F(ProviderClientTest, TheKeyNeverAppearsInAnError) {
  auto client = Client();
  // A provider that echoes the key in its error, a transport error quoting a URL with it.
  fetcher_.answer = Answer(401, std::string(R"({"error":"Invalid token )") + kKey + "\"}");
  auto r = client->Call(Post());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find(kKey), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("[redacted]"), std::string::npos);
  fetcher_.answer = fetch::FetchError(
      fetch::kTimeout, std::string("http://127.0.0.1:9/v1/scrape?key=") + kKey + ": timed out");
  r = client->Call(Post());
  EXPECT_EQ(r.status().error_code(), kProviderUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(r.status().message().find(kKey), std::string::npos) << r.status().message();
}

TEST_F(ProviderClientTest, ASpentDeadlineOrQuotaNeverReachesTheProvider) {
  auto client = Client({.per_second = 0, .daily_quota = 1});
  fetcher_.answer = Answer(200, "{}");
  ProviderRequest late = Post();
  late.deadline = clock_.Now();
  auto r = client->Call(late);
  EXPECT_EQ(r.status().error_code(), kProviderUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(fetcher_.calls, 0);
  EXPECT_TRUE(client->Call(Post()).ok());
  EXPECT_EQ(client->Call(Post()).status().error_code(), kProviderQuota);
  EXPECT_EQ(fetcher_.calls, 1);
  auto cancel = std::make_shared<std::atomic<bool>>(true);
  ProviderRequest cancelled = Post();
  cancelled.cancel = cancel;
  EXPECT_EQ(client->Call(cancelled).status().error_code(), "cancelled");
}

TEST(ProviderClientCreateTest, RefusesABaseUrlThatIsNotHttp) {
  common::FakeClock clock;
  OneAnswerFetcher fetcher;
  for (const char* url : {"", "api.firecrawl.dev", "ftp://x", "http://", "http://a b"}) {
    ProviderConfig config;
    config.name = "firecrawl";
    config.base_url = url;
    auto c = ProviderClient::Create(config, fetcher, clock, nullptr);
    EXPECT_EQ(c.status().error_code(), "invalid_provider_url") << url;
  }
  ProviderConfig secret_in_url;
  secret_in_url.name = "google";
  secret_in_url.base_url = "nope?key=SECRETKEY";
  secret_in_url.secrets = {"SECRETKEY"};
  auto c = ProviderClient::Create(secret_in_url, fetcher, clock, nullptr);
  EXPECT_EQ(c.status().message().find("SECRETKEY"), std::string::npos);
}

TEST(ProviderFetchOptionsTest, KeepsTheGuardAndDropsPagePoliteness) {
  fetch::FetchOptions page;
  page.allow_net = {"127.0.0.1/32"};
  page.connect_to = {"::127.0.0.1:8080"};
  page.ca_file = "/tmp/ca.pem";
  fetch::FetchOptions o = ProviderFetchOptions(page, {"10.1.2.3/32:3002"});
  EXPECT_EQ(o.allow_net, (std::vector<std::string>{"127.0.0.1/32", "10.1.2.3/32:3002"}));
  EXPECT_EQ(o.connect_to, page.connect_to);
  EXPECT_EQ(o.ca_file, page.ca_file);
  EXPECT_TRUE(o.ignore_robots);
  EXPECT_EQ(o.politeness_delay.count(), 0);
  EXPECT_EQ(o.low_speed_bytes_per_sec, 0);
  EXPECT_EQ(o.max_redirects, 0);
  EXPECT_EQ(o.max_body_bytes, kDefaultMaxResponseBytes);
}

}  // namespace
}  // namespace leadscan::providers
