#include "analysis/analyzer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "common/clock.h"
#include "detect/detector.h"
#include "detect/rule_set.h"
#include "detect/test_util.h"
#include "fetch/charset.h"
#include "fetch/errors.h"
#include "fetch/scripted_fetcher.h"

namespace leadscan::analysis {
namespace {

using detect::testing_util::kCategories;
using detect::testing_util::TestDir;
using detect::testing_util::WriteFile;

// Rules that copy a site's bytes into findings: header and cookie values as evidence and
// versions, an attribute of the HTML, the page title.
constexpr const char* kEchoRules = R"({
  "Ray": {"cats": [1], "headers": {"cf-ray": "(.+)\\;version:\\1"}},
  "Served": {"cats": [1], "headers": {"server": "(.+)\\;version:\\1"}},
  "Sess": {"cats": [1], "cookies": {"sess": "(.+)\\;version:\\1"}},
  "Shop": {"cats": [6], "html": "data-shop=\"([^\"]+)\"\\;version:\\1"},
  "Titled": {"cats": [1], "html": "<title>([^<]+)\\;version:\\1"},
  "Gen": {"cats": [1], "meta": {"generator": "(.+)\\;version:\\1"}}
})";

class AnalyzerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = TestDir();
    WriteFile(dir, "categories.json", kCategories);
    WriteFile(dir, "technologies.json", kEchoRules);
    auto rs = detect::RuleSet::Load({dir});
    ASSERT_TRUE(rs.ok()) << rs.status().ToString();
    detector_ = std::make_unique<detect::Detector>(*rs);
    analyzer_ = std::make_unique<Analyzer>(fetcher_, *detector_, clock_);
  }

  // A home page whose every string carries `junk` (bytes that need not be UTF-8).
  void AddJunkHome(const std::string& junk) {
    fetch::FetchResponse r;
    r.final_url = "https://junk.example/" + junk;
    r.status = 200;
    r.content_type = "text/html";
    r.charset = "UTF-8";
    r.headers = {{"cf-ray", junk},
                 {"server", "nginx" + junk},
                 {"set-cookie", "sess=" + junk + "; path=/"},
                 {"x-" + junk, junk}};
    r.body = "<html><head><title>T" + junk + "</title><meta name=\"generator\" content=\"G" + junk +
             "\"></head><body><div data-shop=\"S" + junk + "\">" + junk + "</div><a href=\"/frakt" +
             junk + "\">Frakt " + junk + "</a></body></html>";
    fetcher_.AddResponse("https://junk.example/", r);
  }

  fetch::ScriptedFetcher fetcher_;
  common::FakeClock clock_;
  std::unique_ptr<detect::Detector> detector_;
  std::unique_ptr<Analyzer> analyzer_;
};

// The result says whether the home page was rendered and why (or why not), also when this
// process has no browser.
TEST_F(AnalyzerTest, TheResultSaysWhyItRenderedOrWhyNot) {
  auto page = [&](const std::string& host, const std::string& body) {
    fetch::FetchResponse r;
    r.final_url = "https://" + host + "/";
    r.status = 200;
    r.content_type = "text/html";
    r.body = body;
    fetcher_.AddResponse("https://" + host + "/", r);
  };
  const std::string text(400, 'x');
  page("shell.example", "<html><body><div id=app></div><script src=/app.js></script></body>");
  page("shop.example", "<html><body><div data-shop=\"Butik\">" + text + "</div></body></html>");
  page("plain.example", "<html><body><p>" + text + "</p></body></html>");
  auto decide = [&](const std::string& host, AnalysisType type, const char* config) {
    auto c = ParseAnalysisConfig(nlohmann::json::parse(config));
    EXPECT_TRUE(c.ok());
    auto r = analyzer_->Analyze(host, type, *c);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->render.has_value());
    return r->ToJson()["render"];
  };
  auto always = decide("shell.example", AnalysisType::kTechAnalysis, R"({"render": "always"})");
  EXPECT_EQ(always["mode"], "always");
  EXPECT_EQ(always["rendered"], false);
  EXPECT_EQ(always["reason"], "render always; not rendered: no browser in this process");
  EXPECT_EQ(always["error_code"], nullptr);
  EXPECT_EQ(
      decide("shell.example", AnalysisType::kTechAnalysis, R"({"use_puppeteer": true})")["reason"],
      "use_puppeteer; not rendered: no browser in this process");
  EXPECT_EQ(decide("shell.example", AnalysisType::kTechAnalysis, "{}")["reason"],
            "auto: script shell (0 characters of text); not rendered: no browser in this process");
  EXPECT_EQ(decide("shop.example", AnalysisType::kTechAnalysis, "{}")["reason"],
            "auto: not needed (400 characters of text; the HTTP page names its platform, Shop)");
  EXPECT_EQ(decide("plain.example", AnalysisType::kEcommerceDetection, "{}")["reason"],
            "auto: no platform in the HTTP page (400 characters of text); not rendered: no "
            "browser in this process");
  EXPECT_EQ(decide("plain.example", AnalysisType::kCarrierDetection, "{}")["reason"],
            "auto: not needed (400 characters of text; carrier_detection looks for no platform)");
  auto never = decide("shell.example", AnalysisType::kTechAnalysis, R"({"render": "never"})");
  EXPECT_EQ(never["mode"], "never");
  EXPECT_EQ(never["reason"], "render never");
}

TEST(EvidenceOriginTest, NamesWhereEachMatchCameFrom) {
  EXPECT_EQ(EvidenceOrigin({"u", "html", "x", ""}), "http");
  EXPECT_EQ(EvidenceOrigin({"u", "js.Shopify.shop", "x", ""}), "http");  // no browser: http
  EXPECT_EQ(EvidenceOrigin({"u", "js.Shopify.shop", "x", "browser"}), "js");
  EXPECT_EQ(EvidenceOrigin({"u", "xhr", "x", "browser"}), "network");
  EXPECT_EQ(EvidenceOrigin({"u", "headers.server", "x", "browser"}), "network");
  EXPECT_EQ(EvidenceOrigin({"u", "cookies._shopify_y", "x", "browser"}), "network");
  EXPECT_EQ(EvidenceOrigin({"u", "text", "x", "browser"}), "dom");
  EXPECT_EQ(EvidenceOrigin({"u", "scriptSrc", "x", "browser"}), "dom");
  detect::Finding f;
  f.name = "N";
  f.evidence = {{"u", "js.a", "1", "browser"}, {"u", "html", "2", ""}};
  const nlohmann::json j = FindingToJson(f);
  EXPECT_EQ(j["evidence"][0]["origin"], "js");
  EXPECT_EQ(j["evidence"][0]["source"], "browser");
  EXPECT_EQ(j["evidence"][1]["origin"], "http");
  EXPECT_FALSE(j["evidence"][1].contains("source"));
}

// A header like `cf-ray: \xff\xfe` used to reach the result as it was, and json::dump() threw
// type_error.316 in a worker thread.
TEST_F(AnalyzerTest, InvalidUtf8FromTheSiteBecomesReplacementCharactersInTheResult) {
  AddJunkHome("\xff\xfe");
  auto result = analyzer_->Analyze("junk.example", AnalysisType::kFullAnalysis, {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  nlohmann::json json = result->ToJson();
  std::string text;
  ASSERT_NO_THROW(text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
  EXPECT_NE(text.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
  EXPECT_EQ(json["final_url"], "https://junk.example/\xEF\xBF\xBD\xEF\xBF\xBD");
  bool ray = false;
  for (const auto& t : json["technologies"]) {
    if (t["name"] == "Ray") {
      ray = true;
      EXPECT_EQ(t["version"], "\xEF\xBF\xBD\xEF\xBF\xBD");
      EXPECT_EQ(t["evidence"][0]["matched"], "\xEF\xBF\xBD\xEF\xBF\xBD");
    }
  }
  EXPECT_TRUE(ray) << text;
}

// Property: whatever bytes a site sends in its headers, cookies, URL and page, the result
// dumps as strict JSON.
TEST_F(AnalyzerTest, AnyBytesFromTheSiteGiveAResultThatDumpsAsStrictJson) {
  std::mt19937 rng(20261205);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(1, 24);
  for (int round = 0; round < 200; ++round) {
    std::string junk;
    for (int i = length(rng); i > 0; --i) {
      char c = static_cast<char>(byte(rng));
      junk += (c == '\r' || c == '\n' || c == '\0') ? '\x80' : c;
    }
    AddJunkHome(junk);
    auto result = analyzer_->Analyze("junk.example", AnalysisType::kFullAnalysis, {});
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    std::string text;
    ASSERT_NO_THROW(
        text = result->ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::strict))
        << "round " << round;
    EXPECT_TRUE(fetch::IsValidUtf8(text));
  }
}

TEST_F(AnalyzerTest, AFailureMessageWithInvalidBytesIsMadeValidUtf8) {
  fetcher_.AddError("https://junk.example/",
                    fetch::FetchError(fetch::kHttp404, "HTTP 404 from https://junk.example/\xff"));
  auto result = analyzer_->Analyze("junk.example", AnalysisType::kTechAnalysis, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().error_code(), "http_404");
  EXPECT_TRUE(fetch::IsValidUtf8(result.status().message())) << result.status().message();
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += s;
  return out;
}

// robots.txt may name a sitemap anywhere; one on the same host but another port is another
// site and is not fetched (a default port written out is the same site).
TEST_F(AnalyzerTest, ASitemapOnAnotherPortIsNotFetched) {
  for (const std::string port : {":8443", ":443"}) {
    fetch::ScriptedFetcher f;
    const std::string sitemap = "https://ports.example" + port + "/sitemap.xml";
    f.AddPage("https://ports.example/", "<html><body><a href=\"/kassa\">Kassa</a></body></html>");
    fetch::FetchResponse robots;
    robots.status = 200;
    robots.content_type = "text/plain";
    robots.body = "User-agent: *\nAllow: /\nSitemap: " + sitemap + "\n";
    f.AddResponse("https://ports.example/robots.txt", robots);
    f.AddResponse(sitemap, [] {
      fetch::FetchResponse r;
      r.status = 200;
      r.content_type = "application/xml";
      r.body = "<urlset><url><loc>https://ports.example/frakt</loc></url></urlset>";
      return r;
    }());
    Analyzer analyzer(f, *detector_, clock_);
    auto result = analyzer.Analyze("ports.example", AnalysisType::kFullAnalysis, {});
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(f.RequestCount(sitemap), port == ":443" ? 1 : 0) << port;
  }
}

// Generous: only a quadratic parse (minutes before the HTML bounds) goes over it.
constexpr auto kPathologicalCeiling = std::chrono::seconds(10);

// 200,000 nested <div> (1.2 MB) took over 90 s in modest's tree builder; 100,000 unclosed
// <a><div> pairs 71 s. Both are cut at the nesting limit, and the result says so.
TEST_F(AnalyzerTest, PathologicallyNestedHomePagesAreCutAndSaySo) {
  const std::vector<std::pair<std::string, std::string>> pages = {
      {"deep.example", "<html><body>" + Repeat("<div>", 200000) + "deep</body></html>"},
      {"anchors.example", "<html><body>" + Repeat("<a><div>", 100000) + "</body></html>"}};
  for (const auto& [host, html] : pages) {
    fetcher_.AddPage("https://" + host + "/", html);
    const auto start = std::chrono::steady_clock::now();
    auto result = analyzer_->Analyze(host, AnalysisType::kFullAnalysis, {});
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_LT(took, kPathologicalCeiling) << host;
    bool noted = false;
    for (const auto& e : result->errors) {
      if (e.code == "html_truncated" && e.url == "https://" + host + "/") {
        noted = true;
        EXPECT_NE(e.message.find("nesting deeper than 512"), std::string::npos) << e.message;
      }
    }
    EXPECT_TRUE(noted) << result->ToJson().dump();
  }
}

// A fetcher that takes a scripted time per URL on a FakeClock, answering every page (or
// failing as scripted). Like a real one it gives up at the request's timeout: a URL scripted
// to take longer advances the clock by the timeout only and fails with `timeout`.
class SlowFetcher final : public fetch::Fetcher {
 public:
  explicit SlowFetcher(common::FakeClock& clock) : clock_(clock) {}

  void Take(const std::string& url, std::chrono::milliseconds t,
            common::Status fail = common::Status::Ok()) {
    took_[url] = t;
    fail_[url] = std::move(fail);
  }

  // The latest moment any request was allowed to run until.
  common::TimePoint latest_end() const { return latest_end_; }

  void FetchAsync(fetch::FetchRequest req, fetch::FetchCallback done) override {
    latest_end_ = std::max(latest_end_, clock_.Now() + req.timeout);
    auto it = took_.find(req.url);
    if (it != took_.end()) {
      if (it->second > req.timeout) {
        clock_.Advance(req.timeout);
        done(fetch::FetchError(fetch::kTimeout, req.url + " timed out"));
        return;
      }
      clock_.Advance(it->second);
      if (!fail_[req.url].ok()) {
        done(fail_[req.url]);
        return;
      }
    }
    if (req.url.ends_with("/robots.txt")) {
      done(fetch::FetchError(fetch::kHttp404, "no robots.txt"));
      return;
    }
    fetch::FetchResponse r;
    r.url = r.final_url = req.url;
    r.status = 200;
    r.content_type = "text/html";
    r.body =
        "<html><body><title>S</title><a href=\"/frakt\">Frakt</a>"
        "<a href=\"/kassa\">Kassa</a><div data-shop=\"" +
        req.url + "\"></div></body></html>";
    done(std::move(r));
  }

 private:
  common::FakeClock& clock_;
  std::map<std::string, std::chrono::milliseconds> took_;
  std::map<std::string, common::Status> fail_;
  common::TimePoint latest_end_{};
};

// https accepts and stays silent until the connect timeout, then http drips: the http attempt
// used to start a fresh budget (30 s for a lead with 20 s).
TEST_F(AnalyzerTest, TheHttpFallbackGetsOnlyWhatHttpsLeftOfTheLeadsBudget) {
  SlowFetcher slow(clock_);
  slow.Take("https://silent.example/", std::chrono::milliseconds(10000),
            fetch::FetchError(fetch::kConnectTimeout, "silent"));
  slow.Take("http://silent.example/", std::chrono::milliseconds(60000));
  Analyzer analyzer(slow, *detector_, clock_);
  AnalysisConfig config;
  config.timeout = std::chrono::milliseconds(20000);
  const auto start = clock_.Now();
  auto result = analyzer.Analyze("silent.example", AnalysisType::kFullAnalysis, config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().error_code(), "timeout");
  EXPECT_LE(clock_.Now() - start, config.timeout);
  EXPECT_LE(slow.latest_end(), start + config.timeout);
}

// Every page, sitemap and robots.txt request of a lead runs within the lead's one deadline.
TEST_F(AnalyzerTest, NoRequestOfALeadOutlivesItsDeadline) {
  SlowFetcher slow(clock_);
  slow.Take("https://slow.example/", std::chrono::milliseconds(8000));
  slow.Take("https://slow.example/frakt", std::chrono::milliseconds(60000));
  slow.Take("https://slow.example/kassa", std::chrono::milliseconds(60000));
  Analyzer analyzer(slow, *detector_, clock_);
  AnalysisConfig config;
  config.timeout = std::chrono::milliseconds(20000);
  config.max_pages = 2;  // one page after home: this double runs requests one after the other
  const auto start = clock_.Now();
  auto result = analyzer.Analyze("slow.example", AnalysisType::kFullAnalysis, config);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_LE(slow.latest_end(), start + config.timeout);
  EXPECT_LE(clock_.Now() - start, config.timeout);
}

TEST_F(AnalyzerTest, AHomePageThatArrivesAfterTheDeadlineFailsTheLeadWithTimeout) {
  SlowFetcher slow(clock_);
  slow.Take("https://late.example/", std::chrono::milliseconds(25000));
  Analyzer analyzer(slow, *detector_, clock_);
  AnalysisConfig config;
  config.timeout = std::chrono::milliseconds(20000);
  auto result = analyzer.Analyze("late.example", AnalysisType::kFullAnalysis, config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().error_code(), "timeout");
}

TEST_F(AnalyzerTest, PagesThatArriveAfterTheDeadlineAreNotAnalysedAndTheResultSaysSo) {
  SlowFetcher slow(clock_);
  slow.Take("https://late.example/frakt", std::chrono::milliseconds(25000));
  Analyzer analyzer(slow, *detector_, clock_);
  AnalysisConfig config;
  config.timeout = std::chrono::milliseconds(20000);
  auto result = analyzer.Analyze("late.example", AnalysisType::kFullAnalysis, config);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  bool timeout = false;
  for (const auto& e : result->errors)
    timeout = timeout || e.code == "timeout";
  EXPECT_TRUE(timeout) << result->ToJson().dump();
  for (const auto& t : result->technologies) {
    if (t.name == "Shop") {
      for (const auto& ev : t.evidence)
        EXPECT_EQ(ev.page, "https://late.example/") << "a late page was analysed";
    }
  }
}

}  // namespace
}  // namespace leadscan::analysis

namespace leadscan::analysis {
namespace {

// A page source that answers as providers::FirecrawlFetcher does (source "firecrawl", links
// listed beside the HTML), from a script.
fetch::FetchResponse FirecrawlPage(std::string html, std::vector<std::string> links = {}) {
  fetch::FetchResponse r;
  r.status = 200;
  r.content_type = "text/html";
  r.body = std::move(html);
  r.via = "firecrawl";
  r.source = "firecrawl";
  r.links = std::move(links);
  return r;
}

TEST_F(AnalyzerTest, UseFirecrawlReadsPagesFromThePageSourceAndSaysSo) {
  fetch::ScriptedFetcher firecrawl;
  firecrawl.AddResponse(
      "https://fc.example/",
      FirecrawlPage("<html><head><title>Home</title></head><body data-x><div data-shop=\"Fc\">"
                    "</div></body></html>",
                    {"https://fc.example/fraktvillkor", "https://elsewhere.example/frakt"}));
  firecrawl.AddResponse("https://fc.example/fraktvillkor",
                        FirecrawlPage("<html><head><title>Frakt</title></head></html>"));
  analyzer_->SetFirecrawl(&firecrawl);
  AnalysisConfig config;
  config.use_firecrawl = true;
  auto result = analyzer_->Analyze("fc.example", AnalysisType::kFullAnalysis, config);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  nlohmann::json json = result->ToJson();
  // Our own fetcher was never asked; the listed link (not in the HTML) was followed.
  EXPECT_TRUE(fetcher_.requested().empty());
  EXPECT_EQ(firecrawl.RequestCount("https://fc.example/fraktvillkor"), 1);
  EXPECT_EQ(firecrawl.RequestCount("https://elsewhere.example/frakt"), 0);
  ASSERT_GE(json["pages"].size(), 2u);
  EXPECT_EQ(json["pages"][0]["via"], "firecrawl");
  EXPECT_EQ(json["pages"][1]["reason"], "listed link /fraktvillkor");
  bool shop = false;
  for (const auto& t : json["technologies"]) {
    if (t["name"] != "Shop")
      continue;
    shop = true;
    EXPECT_EQ(t["evidence"][0]["source"], "firecrawl");
  }
  EXPECT_TRUE(shop) << json.dump();
  for (const auto& e : json["errors"])
    EXPECT_NE(e["code"], "firecrawl_unavailable");
}

TEST_F(AnalyzerTest, UseFirecrawlWithoutAPageSourceFallsBackAndSaysSo) {
  fetcher_.AddPage("https://plain.example/", "<html><div data-shop=\"P\"></div></html>");
  AnalysisConfig config;
  config.use_firecrawl = true;
  auto result = analyzer_->Analyze("plain.example", AnalysisType::kTechAnalysis, config);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  nlohmann::json json = result->ToJson();
  EXPECT_EQ(json["pages"][0]["via"], "https");
  ASSERT_FALSE(json["errors"].empty());
  EXPECT_EQ(json["errors"][0]["code"], "firecrawl_unavailable");
}

TEST_F(AnalyzerTest, APageSourceFailureOfTheHomePageFailsTheLeadWithItsCode) {
  fetch::ScriptedFetcher firecrawl;
  firecrawl.AddError("https://q.example/",
                     common::Status::Error(common::StatusCode::kResourceExhausted, "provider_quota",
                                           "firecrawl: HTTP 402", false));
  analyzer_->SetFirecrawl(&firecrawl);
  AnalysisConfig config;
  config.use_firecrawl = true;
  auto result = analyzer_->Analyze("q.example", AnalysisType::kFullAnalysis, config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().error_code(), "provider_quota");
  EXPECT_TRUE(fetcher_.requested().empty());
  // Without use_firecrawl the same analyzer uses its own fetcher.
  fetcher_.AddPage("https://q.example/", "<html></html>");
  EXPECT_TRUE(analyzer_->Analyze("q.example", AnalysisType::kFullAnalysis, {}).ok());
}

detect::Finding Found(const std::string& name, std::vector<detect::Evidence> evidence) {
  detect::Finding f;
  f.name = name;
  f.evidence = std::move(evidence);
  return f;
}

TEST(SetAsideMentionsTest, ABrandNamedOnlyInProseIsAMentionWithWhatItImplies) {
  AnalysisResult r;
  r.payment_methods.push_back(
      Found("PayPal", {{"https://news.example/", "text.words", "partnered with PayPal", ""}}));
  r.checkout_solutions.push_back(Found("PayPal Checkout", {{"", "implies", "PayPal", ""}}));
  r.carriers.push_back(Found("PostNord", {{"https://news.example/", "html", "postnord.svg", ""}}));
  SetAsideMentions(&r);
  EXPECT_TRUE(r.payment_methods.empty());
  EXPECT_TRUE(r.checkout_solutions.empty());
  ASSERT_EQ(r.carriers.size(), 1u);  // markup, not prose: kept
  ASSERT_EQ(r.set_aside.size(), 2u);
  EXPECT_EQ(r.set_aside[0].first, "payment_methods");
  EXPECT_EQ(r.set_aside[1].second.name, "PayPal Checkout");
}

TEST(SetAsideMentionsTest, ThreeProvidersListedInTheTextAreATermsPageAndStay) {
  AnalysisResult r;
  for (const char* name : {"Visa", "Mastercard", "Swish"})
    r.payment_methods.push_back(
        Found(name, {{"https://s.example/", "text", "Visa, Mastercard", ""}}));
  SetAsideMentions(&r);
  EXPECT_EQ(r.payment_methods.size(), 3u);
  EXPECT_TRUE(r.set_aside.empty());
}

TEST(SetAsideMentionsTest, APlatformWithMarkupEvidenceStaysWhatsoeverTheProse) {
  AnalysisResult r;
  r.ecommerce_platform =
      Found("Shopify", {{"https://s.example/", "text.words", "Shopify", ""},
                        {"https://s.example/", "scriptSrc", "cdn.shopify.com", ""}});
  r.carriers.push_back(Found("DHL", {{"https://s.example/", "text.words", "DHL", ""}}));
  SetAsideMentions(&r);
  EXPECT_TRUE(r.ecommerce_platform.has_value());
  EXPECT_TRUE(r.carriers.empty());
}

}  // namespace
}  // namespace leadscan::analysis
