#include "analysis/analyzer.h"

#include <gtest/gtest.h>

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
    r.body = "<html><head><title>T" + junk + "</title><meta name=\"generator\" content=\"G" +
             junk + "\"></head><body><div data-shop=\"S" + junk + "\">" + junk +
             "</div><a href=\"/frakt" + junk + "\">Frakt " + junk + "</a></body></html>";
    fetcher_.AddResponse("https://junk.example/", r);
  }

  fetch::ScriptedFetcher fetcher_;
  common::FakeClock clock_;
  std::unique_ptr<detect::Detector> detector_;
  std::unique_ptr<Analyzer> analyzer_;
};

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

}  // namespace
}  // namespace leadscan::analysis
