// Firecrawl as a page source against the stand-in of tests/fakenet (firecrawl_standin.h): the
// request it sends, the page it hands to the analyzer, one test per error code, robots.txt,
// the address guard, and that the key appears in no error text. Loopback only.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/analyzer.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "detect/detector.h"
#include "detect/rule_set.h"
#include "fake_internet.h"
#include "fetch/curl_fetcher.h"
#include "fetch/errors.h"
#include "firecrawl_standin.h"
#include "providers/firecrawl_fetcher.h"
#include "providers/firecrawl_scrape.h"
#include "providers/provider_client.h"
#include "providers/provider_errors.h"

namespace leadscan::providers {
namespace {

using namespace std::chrono_literals;
using fakenet::FakeInternet;

// Distinctive: no error text, log line or result may contain it.
constexpr char kSecretTail[] = "Zq7-SECRET-tail-93xv";

std::string Key(std::string_view prefix) {
  return std::string(prefix) + "-" + kSecretTail;
}

class FirecrawlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fakenet::Options opts;
    opts.sites_dir = fakenet::DefaultSitesDir();
    auto net = FakeInternet::Start(opts);
    ASSERT_TRUE(net.ok()) << net.status().ToString();
    net_ = std::move(net).value().release();
  }

  static void TearDownTestSuite() {
    delete net_;
    net_ = nullptr;
  }

  // Our own fetcher: every site through --connect-to to the fake internet.
  static fetch::FetchOptions PageOptions() {
    fetch::FetchOptions o;
    o.allow_net = {"127.0.0.1/32:" + std::to_string(net_->http_port()),
                   "127.0.0.1/32:" + std::to_string(net_->https_port())};
    o.connect_to = net_->ConnectToRules();
    o.ca_file = net_->ca_file();
    o.politeness_delay = 0ms;
    return o;
  }

  static std::string BaseUrl() { return "http://127.0.0.1:" + std::to_string(net_->http_port()); }

  // Wires page fetcher, provider fetcher, client and page source for `key`.
  void Wire(const std::string& key, fetch::FetchOptions page = PageOptions(),
            std::vector<std::string> provider_allow_net = {}, ProviderLimits limits = {}) {
    firecrawl_.reset();
    client_.reset();
    http_.reset();
    own_.reset();
    auto own = fetch::CurlFetcher::Create(page, clock_);
    ASSERT_TRUE(own.ok()) << own.status().ToString();
    own_ = std::move(*own);
    auto http = fetch::CurlFetcher::Create(ProviderFetchOptions(page, provider_allow_net), clock_);
    ASSERT_TRUE(http.ok()) << http.status().ToString();
    http_ = std::move(*http);
    ProviderConfig config;
    config.name = kFirecrawlName;
    config.base_url = BaseUrl();
    config.secrets = {key};
    config.limits = limits;
    auto client = ProviderClient::Create(config, *http_, clock_, &metrics_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    FirecrawlOptions options;
    options.key = key;
    options.wait_for = 250ms;
    firecrawl_ = std::make_unique<FirecrawlFetcher>(*client_, *own_, clock_, options);
  }

  fetch::FetchResult Scrape(const std::string& url, std::chrono::milliseconds timeout = 10s) {
    fetch::FetchRequest req;
    req.url = url;
    req.timeout = timeout;
    req.reason = "home";
    return firecrawl_->Fetch(req);
  }

  static void ExpectNoKey(const common::Status& s) {
    EXPECT_EQ(s.message().find(kSecretTail), std::string::npos) << s.message();
  }

  static FakeInternet* net_;
  common::SystemClock clock_;
  common::Metrics metrics_;
  std::unique_ptr<fetch::CurlFetcher> own_;
  std::unique_ptr<fetch::CurlFetcher> http_;
  std::unique_ptr<ProviderClient> client_;
  std::unique_ptr<FirecrawlFetcher> firecrawl_;
};

FakeInternet* FirecrawlTest::net_ = nullptr;

TEST_F(FirecrawlTest, ScrapesAPageAndSendsThePublishedRequest) {
  Wire(Key("fc-ok"));
  const int before = net_->FirecrawlCalls();
  auto page = Scrape("https://kaffebonan.test/");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(net_->FirecrawlCalls(), before + 1);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->final_url, "https://kaffebonan.test/");
  EXPECT_EQ(page->via, "firecrawl");
  EXPECT_EQ(page->source, "firecrawl");
  EXPECT_EQ(page->reason, "home");
  EXPECT_NE(page->body.find("cdn.shopify.com"), std::string::npos);
  EXPECT_FALSE(page->links.empty());
  nlohmann::json sent = nlohmann::json::parse(net_->LastFirecrawlBody());
  EXPECT_EQ(sent["url"], "https://kaffebonan.test/");
  EXPECT_EQ(sent["formats"], nlohmann::json({"rawHtml", "links"}));
  EXPECT_EQ(sent["onlyMainContent"], false);
  EXPECT_EQ(sent["waitFor"], 250);
  EXPECT_GT(sent["timeout"].get<int64_t>(), 5000);
  EXPECT_LE(sent["timeout"].get<int64_t>(), 9000);
  EXPECT_EQ(metrics_.Value(kProviderCallsCounter, {{"provider", "firecrawl"}, {"outcome", "ok"}}),
            1);
}

TEST_F(FirecrawlTest, TheSitesOwnErrorStatusFailsLikeOurOwnFetch) {
  Wire(Key("fc-ok"));
  auto page = Scrape("https://kaffebonan.test/no-such-page");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().error_code(), fetch::kHttp404);
  EXPECT_NE(page.status().message().find("firecrawl"), std::string::npos);
}

TEST_F(FirecrawlTest, Unauthorized401IsProviderAuthNotRetried) {
  Wire(Key("fc-401"));
  auto page = Scrape("https://kaffebonan.test/");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().error_code(), kProviderAuth);
  EXPECT_FALSE(page.status().retryable());
  // The stand-in quotes the key in its error text; it reaches us redacted.
  EXPECT_NE(page.status().message().find("Invalid token [redacted]"), std::string::npos)
      << page.status().message();
  ExpectNoKey(page.status());
}

TEST_F(FirecrawlTest, Forbidden403IsProviderAuthNotRetried) {
  Wire(Key("fc-403"));
  auto page = Scrape("https://kaffebonan.test/");
  EXPECT_EQ(page.status().error_code(), kProviderAuth);
  EXPECT_FALSE(page.status().retryable());
  ExpectNoKey(page.status());
}

TEST_F(FirecrawlTest, PaymentRequired402IsProviderQuotaNotRetried) {
  Wire(Key("fc-402"));
  auto page = Scrape("https://kaffebonan.test/");
  EXPECT_EQ(page.status().error_code(), kProviderQuota);
  EXPECT_FALSE(page.status().retryable());
  EXPECT_NE(page.status().message().find("Insufficient credits"), std::string::npos);
  ExpectNoKey(page.status());
}

TEST_F(FirecrawlTest, TooManyRequests429IsRetryableWithTheRetryAfterOfTheAnswer) {
  Wire(Key("fc-429"));
  auto first = Scrape("https://kaffebonan.test/products/brygghuset-mellanrost");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().error_code(), kProviderRateLimited);
  EXPECT_TRUE(first.status().retryable());
  ASSERT_TRUE(fetch::RetryAfter(first.status()).has_value()) << first.status().message();
  EXPECT_EQ(fetch::RetryAfter(first.status())->count(), fakenet::kFirecrawlRetryAfterSeconds);
  ExpectNoKey(first.status());
  auto again = Scrape("https://kaffebonan.test/products/brygghuset-mellanrost");
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(FirecrawlTest, ServerError500IsRetryableUnavailable) {
  Wire(Key("fc-500"));
  auto first = Scrape("https://kaffebonan.test/policies/shipping-policy");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().error_code(), kProviderUnavailable);
  EXPECT_TRUE(first.status().retryable());
  ExpectNoKey(first.status());
  EXPECT_TRUE(Scrape("https://kaffebonan.test/policies/shipping-policy").ok());
}

TEST_F(FirecrawlTest, ATimeoutIsRetryableUnavailableWithinTheBudget) {
  Wire(Key("fc-timeout"));
  const auto start = std::chrono::steady_clock::now();
  auto page = Scrape("https://kaffebonan.test/", 1500ms);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().error_code(), kProviderUnavailable);
  EXPECT_TRUE(page.status().retryable());
  EXPECT_LT(took, 5s);  // the absolute deadline holds (1.5 s plus robots.txt and slack)
  ExpectNoKey(page.status());
}

TEST_F(FirecrawlTest, MalformedJsonIsABadResponse) {
  Wire(Key("fc-malformed"));
  auto page = Scrape("https://kaffebonan.test/");
  EXPECT_EQ(page.status().error_code(), kProviderBadResponse);
  EXPECT_FALSE(page.status().retryable());
  ExpectNoKey(page.status());
}

TEST_F(FirecrawlTest, APathRobotsTxtDisallowsIsNotScraped) {
  Wire(Key("fc-ok"));
  const int before = net_->FirecrawlCalls();
  auto page = Scrape("https://robots-disallow.hostile.test/page");
  EXPECT_EQ(page.status().error_code(), fetch::kRobotsDisallowed);
  EXPECT_EQ(net_->FirecrawlCalls(), before);
}

// The provider fetcher keeps the address guard: loopback is refused unless opened, and
// --provider-allow-net opens it for provider calls without opening it for pages.
TEST_F(FirecrawlTest, TheAddressGuardAppliesAndProviderAllowNetOpensOnlyProviderCalls) {
  fetch::FetchOptions closed = PageOptions();
  closed.allow_net.clear();
  Wire(Key("fc-ok"), closed);
  auto refused = Scrape("https://kaffebonan.test/");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().error_code(), kProviderUnavailable);
  EXPECT_FALSE(refused.status().retryable());
  EXPECT_NE(refused.status().message().find("blocked_address"), std::string::npos);

  Wire(Key("fc-ok"), closed, {"127.0.0.1/32:" + std::to_string(net_->http_port())});
  auto page = Scrape("https://kaffebonan.test/");
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  fetch::FetchRequest direct;
  direct.url = "https://kaffebonan.test/";
  EXPECT_EQ(own_->Fetch(direct).status().error_code(), fetch::kBlockedAddress);
}

TEST_F(FirecrawlTest, TheDailyQuotaSettingStopsCallsBeforeTheProvider) {
  Wire(Key("fc-ok"), PageOptions(), {}, {.per_second = 0, .daily_quota = 1});
  EXPECT_TRUE(Scrape("https://kaffebonan.test/").ok());
  const int before = net_->FirecrawlCalls();
  auto page = Scrape("https://kaffebonan.test/");
  EXPECT_EQ(page.status().error_code(), kProviderQuota);
  EXPECT_EQ(net_->FirecrawlCalls(), before);
  EXPECT_EQ(metrics_.Value(kQuotaRemainingGauge, {{"provider", "firecrawl"}}), 0);
}

// The whole analysis through Firecrawl while our own fetcher cannot reach the shop at all (its
// name resolves to a refused documentation address): every page comes from the stand-in.
TEST_F(FirecrawlTest, AnalyzerFindsTheShopThroughFirecrawlAlone) {
  fetch::FetchOptions page = PageOptions();
  page.connect_to.clear();
  page.resolve = {"kaffebonan.test:443:192.0.2.10", "kaffebonan.test:80:192.0.2.10"};
  Wire(Key("fc-ok"), page);
  auto rules = detect::RuleSet::Load({std::string(std::getenv("LEADSCAN_SOURCE_DIR")) + "/rules"});
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  detect::Detector detector(*rules);
  analysis::Analyzer analyzer(*own_, detector, clock_);
  analysis::AnalysisConfig config;
  config.use_firecrawl = true;
  config.timeout = 20s;
  // Without the page source the shop cannot be read at all.
  auto plain = analyzer.Analyze("kaffebonan.test", analysis::AnalysisType::kFullAnalysis, config);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.status().error_code(), fetch::kBlockedAddress);
  analyzer.SetFirecrawl(firecrawl_.get());
  auto result = analyzer.Analyze("kaffebonan.test", analysis::AnalysisType::kFullAnalysis, config);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  nlohmann::json json = result->ToJson();
  ASSERT_TRUE(json["ecommerce_platform"].is_object()) << json.dump();
  EXPECT_EQ(json["ecommerce_platform"]["name"], "Shopify");
  EXPECT_EQ(json["ecommerce_platform"]["evidence"][0]["source"], "firecrawl");
  bool postnord = false;
  for (const auto& c : json["carriers"])
    postnord = postnord || c["name"] == "PostNord";
  EXPECT_TRUE(postnord) << json["pages"].dump();
  for (const auto& p : json["pages"]) {
    if (p.value("error_code", "").empty() && p["via"] != "firecrawl")
      ADD_FAILURE() << "a page not from firecrawl: " << p.dump();
  }
  EXPECT_EQ(json.dump().find(kSecretTail), std::string::npos);
}

}  // namespace
}  // namespace leadscan::providers
