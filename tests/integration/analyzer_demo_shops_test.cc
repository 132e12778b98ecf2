// The analysis core end to end: a real CurlFetcher and our rules against the demo shops on the
// fake internet. Each shop's expected findings come from tests/fakenet/sites/expected.json
// (labelled by hand, with the proving line in its README.md).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/analyzer.h"
#include "common/clock.h"
#include "detect/detector.h"
#include "fake_internet.h"
#include "fetch/curl_fetcher.h"

namespace leadscan::analysis {
namespace {

class AnalyzerDemoShopsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fakenet::Options opts;
    opts.sites_dir = fakenet::DefaultSitesDir();
    auto net = fakenet::FakeInternet::Start(opts);
    ASSERT_TRUE(net.ok()) << net.status().ToString();
    net_ = std::move(net).value().release();
    auto rules = detect::RuleSet::Load({LEADSCAN_SOURCE_RULES_DIR});
    ASSERT_TRUE(rules.ok()) << rules.status().ToString();
    rules_ = new std::shared_ptr<const detect::RuleSet>(*rules);
    std::ifstream in(opts.sites_dir + "/expected.json");
    expected_ = new nlohmann::json(nlohmann::json::parse(in));
  }

  static void TearDownTestSuite() {
    delete net_;
    delete rules_;
    delete expected_;
  }

  void SetUp() override {
    fetch::FetchOptions o;
    o.allow_net = {"127.0.0.1/32:" + std::to_string(net_->http_port()),
                   "127.0.0.1/32:" + std::to_string(net_->https_port())};
    o.connect_to = net_->ConnectToRules();
    o.ca_file = net_->ca_file();
    o.politeness_delay = std::chrono::milliseconds(0);
    auto f = fetch::CurlFetcher::Create(o, clock_);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    fetcher_ = std::move(f).value();
    detector_ = std::make_unique<detect::Detector>(*rules_);
    analyzer_ = std::make_unique<Analyzer>(*fetcher_, *detector_, clock_);
  }

  static std::set<std::string> Names(const std::vector<detect::Finding>& findings) {
    std::set<std::string> out;
    for (const auto& f : findings)
      out.insert(f.name);
    return out;
  }

  static fakenet::FakeInternet* net_;
  static std::shared_ptr<const detect::RuleSet>* rules_;
  static nlohmann::json* expected_;
  common::SystemClock clock_;
  std::unique_ptr<fetch::CurlFetcher> fetcher_;
  std::unique_ptr<detect::Detector> detector_;
  std::unique_ptr<Analyzer> analyzer_;
};

fakenet::FakeInternet* AnalyzerDemoShopsTest::net_ = nullptr;
std::shared_ptr<const detect::RuleSet>* AnalyzerDemoShopsTest::rules_ = nullptr;
nlohmann::json* AnalyzerDemoShopsTest::expected_ = nullptr;

TEST_F(AnalyzerDemoShopsTest, FullAnalysisFindsEachShopsPlatformCheckoutAndCarriers) {
  AnalysisConfig config;
  config.max_pages = 8;
  int expected_total = 0;
  int found_total = 0;
  for (const auto& [host, want] : (*expected_)["sites"].items()) {
    auto result = analyzer_->Analyze(host, AnalysisType::kFullAnalysis, config);
    ASSERT_TRUE(result.ok()) << host << ": " << result.status().ToString();
    EXPECT_EQ(result->domain, host);
    ASSERT_TRUE(result->ecommerce_platform.has_value()) << host;
    EXPECT_EQ(result->ecommerce_platform->name, want["ecommerce_platform"].get<std::string>())
        << host;
    EXPECT_GE(result->pages.size(), 2u) << host << ": discovery fetched no commerce page";
    std::set<std::string> got;
    for (const auto* field : {&result->checkout_solutions, &result->payment_methods,
                              &result->carriers, &result->shipping_software}) {
      for (const auto& n : Names(*field))
        got.insert(n);
    }
    for (const char* field : {"checkout_solutions", "carriers", "shipping_software"}) {
      for (const auto& name : want[field]) {
        ++expected_total;
        if (got.count(name.get<std::string>()) != 0) {
          ++found_total;
        } else {
          ADD_FAILURE() << host << ": missing " << field << " " << name;
        }
      }
    }
    for (const auto& name : want["must_not"]) {
      EXPECT_EQ(got.count(name.get<std::string>()), 0u) << host << ": must not report " << name;
    }
    for (const auto& f : result->carriers) {
      ASSERT_FALSE(f.evidence.empty()) << host << " " << f.name;
      EXPECT_FALSE(f.evidence.front().page.empty());
      EXPECT_FALSE(f.evidence.front().matched.empty());
    }
  }
  EXPECT_GT(expected_total, 30);
  EXPECT_EQ(found_total, expected_total);
}

TEST_F(AnalyzerDemoShopsTest, TechAnalysisStaysOnTheHomePageAndLeavesCommerceFieldsEmpty) {
  auto result = analyzer_->Analyze("https://tradgardsboden.test/", AnalysisType::kTechAnalysis,
                                   AnalysisConfig{});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->pages.size(), 1u);
  ASSERT_TRUE(result->ecommerce_platform.has_value());
  EXPECT_EQ(result->ecommerce_platform->name, "WooCommerce");
  EXPECT_FALSE(result->technologies.empty());
  EXPECT_TRUE(result->carriers.empty());
  EXPECT_TRUE(result->checkout_solutions.empty());
}

TEST_F(AnalyzerDemoShopsTest, FailuresCarryStableCodesAndUnavailableProvidersAreNoted) {
  auto bad = analyzer_->Analyze("not a domain", AnalysisType::kFullAnalysis, AnalysisConfig{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), "invalid_url");
  auto missing =
      analyzer_->Analyze("not-found.hostile.test", AnalysisType::kTechAnalysis, AnalysisConfig{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().error_code(), "http_404");
  EXPECT_FALSE(missing.status().retryable());
  AnalysisConfig config;
  config.use_puppeteer = true;
  config.use_firecrawl = true;
  auto ok = analyzer_->Analyze("kaffebonan.test", AnalysisType::kEcommerceDetection, config);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  std::set<std::string> codes;
  for (const auto& e : ok->errors)
    codes.insert(e.code);
  EXPECT_EQ(codes.count("renderer_unavailable"), 1u);
  EXPECT_EQ(codes.count("firecrawl_unavailable"), 1u);
  EXPECT_EQ(ok->ecommerce_platform->name, "Shopify");
}

// sybutiken.test links no shipping page; robots.txt names a sitemap index whose page sitemap
// lists /fraktinformation/, the only page that names the carriers.
TEST_F(AnalyzerDemoShopsTest, ShippingPageListedOnlyInTheSitemapIsFetchedAndSaysWhy) {
  auto result =
      analyzer_->Analyze("sybutiken.test", AnalysisType::kCarrierDetection, AnalysisConfig{});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::map<std::string, std::string> reasons;
  for (const auto& p : result->pages) {
    if (p.reason.rfind("sitemap", 0) == 0) {
      EXPECT_TRUE(p.error_code.empty()) << p.url << " " << p.error_code;
    }
    reasons[p.url] = p.reason;
  }
  EXPECT_EQ(reasons["https://sybutiken.test/sitemap_index.xml"], "sitemap (robots.txt)");
  EXPECT_EQ(reasons["https://sybutiken.test/page-sitemap.xml"],
            "sitemap (index https://sybutiken.test/sitemap_index.xml)");
  EXPECT_EQ(reasons.count("https://sybutiken.test/product-sitemap.xml"), 0u);
  EXPECT_EQ(reasons["https://sybutiken.test/fraktinformation/"], "sitemap /fraktinformation/");
  EXPECT_EQ(Names(result->carriers), (std::set<std::string>{"Budbee", "DHL", "PostNord"}));
  for (const auto& f : result->carriers) {
    ASSERT_FALSE(f.evidence.empty()) << f.name;
    EXPECT_EQ(f.evidence.front().page, "https://sybutiken.test/fraktinformation/") << f.name;
  }
  EXPECT_LE(static_cast<int>(result->pages.size()), AnalysisConfig{}.max_pages);
}

TEST_F(AnalyzerDemoShopsTest, SitemapCountsAgainstThePageBudget) {
  AnalysisConfig config;
  config.max_pages = 2;  // home + one page: no room for a sitemap and what it would find
  auto small = analyzer_->Analyze("sybutiken.test", AnalysisType::kCarrierDetection, config);
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->pages.size(), 2u);
  for (const auto& p : small->pages)
    EXPECT_EQ(p.reason.find("sitemap"), std::string::npos) << p.url;
  EXPECT_TRUE(small->carriers.empty());
  config.max_pages = 3;  // home + the sitemap index; its page sitemap would leave no page over
  auto three = analyzer_->Analyze("sybutiken.test", AnalysisType::kCarrierDetection, config);
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  EXPECT_EQ(three->pages.size(), 3u);
  for (const auto& p : three->pages)
    EXPECT_NE(p.url, "https://sybutiken.test/page-sitemap.xml");
  EXPECT_TRUE(three->carriers.empty());
}

TEST_F(AnalyzerDemoShopsTest, SitemapIsLeftAloneWhenTheHomePageLinksShippingAndTerms) {
  auto result =
      analyzer_->Analyze("tradgardsboden.test", AnalysisType::kCarrierDetection, AnalysisConfig{});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  for (const auto& p : result->pages)
    EXPECT_EQ(p.reason.find("sitemap"), std::string::npos) << p.url;
  EXPECT_EQ(net_->RequestCount("tradgardsboden.test", "/wp-sitemap.xml"), 0);
}

TEST_F(AnalyzerDemoShopsTest, CancelAbortsTheAnalysis) {
  auto cancel = std::make_shared<std::atomic<bool>>(true);
  auto r =
      analyzer_->Analyze("kaffebonan.test", AnalysisType::kFullAnalysis, AnalysisConfig{}, cancel);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error_code(), "cancelled");
}

// Hostile pages over real HTTP: deep or unclosed nesting is cut before the parser and noted;
// bytes that are not UTF-8 in headers, cookies and the page leave a result that dumps as strict
// JSON.
TEST_F(AnalyzerDemoShopsTest, HostilePagesGiveAResultThatSaysWhatWasCutAndDumpsAsStrictJson) {
  for (std::string_view host : {fakenet::kDeepNestingHost, fakenet::kUnclosedAnchorsHost}) {
    auto result = analyzer_->Analyze(host, AnalysisType::kFullAnalysis, {});
    ASSERT_TRUE(result.ok()) << host << ": " << result.status().ToString();
    bool noted = false;
    for (const auto& e : result->errors)
      noted = noted || e.code == "html_truncated";
    EXPECT_TRUE(noted) << result->ToJson().dump();
  }
  auto bad = analyzer_->Analyze(fakenet::kBadUtf8Host, AnalysisType::kFullAnalysis, {});
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  EXPECT_NO_THROW(
      (void)bad->ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
}

// leadscan analyze wires --max-body-bytes into the fetcher, and the analyzer asks for the
// lead's 16 MiB byte budget per page: the fetcher's limit must still hold.
TEST_F(AnalyzerDemoShopsTest, TheFetchersBodyLimitHoldsAgainstTheLeadsLargerByteBudget) {
  fetch::FetchOptions o;
  o.allow_net = {"127.0.0.1/32:" + std::to_string(net_->http_port()),
                 "127.0.0.1/32:" + std::to_string(net_->https_port())};
  o.connect_to = net_->ConnectToRules();
  o.ca_file = net_->ca_file();
  o.politeness_delay = std::chrono::milliseconds(0);
  o.max_body_bytes = 64 * 1024;
  auto f = fetch::CurlFetcher::Create(o, clock_);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Analyzer analyzer(**f, *detector_, clock_);
  AnalysisConfig config;
  ASSERT_GT(config.max_bytes, o.max_body_bytes);
  auto result = analyzer.Analyze(fakenet::kEndlessBodyHost, AnalysisType::kTechAnalysis, config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().error_code(), "body_too_large");
  EXPECT_NE(result.status().message().find("65536"), std::string::npos)
      << result.status().message();
}

}  // namespace
}  // namespace leadscan::analysis
