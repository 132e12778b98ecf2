#include "analysis/analysis_type.h"

#include <gtest/gtest.h>

namespace leadscan::analysis {
namespace {

TEST(AnalysisTypeTest, ParsesTheFiveSeedTypes) {
  for (auto name : AllAnalysisTypeNames()) {
    auto t = ParseAnalysisType(name);
    ASSERT_TRUE(t.ok()) << name;
    EXPECT_EQ(AnalysisTypeName(*t), name);
  }
  auto bad = ParseAnalysisType("seo_analysis");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), "invalid_job_type");
  EXPECT_EQ(bad.status().field(), "job_type");
  EXPECT_NE(bad.status().message().find("carrier_detection"), std::string::npos);
  auto other_field = ParseAnalysisType("x", "analysis_type");
  EXPECT_EQ(other_field.status().field(), "analysis_type");
}

TEST(AnalysisTypeTest, TypesSayWhatTheyNeed) {
  EXPECT_TRUE(WantsTechnologies(AnalysisType::kTechAnalysis));
  EXPECT_FALSE(WantsCommercePages(AnalysisType::kTechAnalysis));
  EXPECT_TRUE(WantsCheckout(AnalysisType::kCheckoutScraping));
  EXPECT_TRUE(WantsCarriers(AnalysisType::kCheckoutScraping));
  EXPECT_FALSE(WantsTechnologies(AnalysisType::kEcommerceDetection));
  EXPECT_TRUE(WantsPlatform(AnalysisType::kEcommerceDetection));
  EXPECT_TRUE(WantsCarriers(AnalysisType::kCarrierDetection));
  EXPECT_FALSE(WantsCheckout(AnalysisType::kCarrierDetection));
  EXPECT_TRUE(WantsCheckout(AnalysisType::kFullAnalysis));
  EXPECT_TRUE(WantsTechnologies(AnalysisType::kFullAnalysis));
}

TEST(AnalysisConfigTest, AcceptsSeedKeysAndRejectsUnknownOnesByName) {
  auto ok = ParseAnalysisConfig(
      nlohmann::json::parse(R"({"use_firecrawl": true, "use_puppeteer": true, "timeout": 20000})"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->use_firecrawl);
  EXPECT_EQ(ok->timeout.count(), 20000);
  auto defaults = ParseAnalysisConfig(nlohmann::json());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->timeout, kDefaultLeadTimeout);

  auto unknown = ParseAnalysisConfig(nlohmann::json::parse(R"({"use_selenium": true})"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().error_code(), "invalid_analysis_config");
  EXPECT_NE(unknown.status().message().find("use_selenium"), std::string::npos);
  EXPECT_EQ(unknown.status().field(), "analysis_config.use_selenium");

  auto wrong_type = ParseAnalysisConfig(nlohmann::json::parse(R"({"timeout": "fast"})"));
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().field(), "analysis_config.timeout");
  auto out_of_range = ParseAnalysisConfig(nlohmann::json::parse(R"({"timeout": -5})"));
  EXPECT_FALSE(out_of_range.ok());
  auto huge = ParseAnalysisConfig(nlohmann::json::parse(R"({"max_pages": 18446744073709551615})"));
  EXPECT_FALSE(huge.ok());
  auto not_object = ParseAnalysisConfig(nlohmann::json::parse("[1]"));
  EXPECT_FALSE(not_object.ok());
}

}  // namespace

TEST(AnalysisConfigTest, RenderModeDefaultsToAutoAndUsePuppeteerMeansAlways) {
  auto defaults = ParseAnalysisConfig(nlohmann::json());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->EffectiveRender(), RenderMode::kAuto);
  auto never = ParseAnalysisConfig(nlohmann::json::parse(R"({"render": "never"})"));
  ASSERT_TRUE(never.ok());
  EXPECT_EQ(never->EffectiveRender(), RenderMode::kNever);
  EXPECT_EQ(never->ToJson()["render"], "never");
  auto seed = ParseAnalysisConfig(nlohmann::json::parse(R"({"use_puppeteer": true})"));
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(seed->EffectiveRender(), RenderMode::kAlways);
  auto bad = ParseAnalysisConfig(nlohmann::json::parse(R"({"render": "sometimes"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "analysis_config.render");
  auto wrong_type = ParseAnalysisConfig(nlohmann::json::parse(R"({"render": true})"));
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().field(), "analysis_config.render");
}

TEST(AnalysisConfigTest, FindDomainAndSearchCountry) {
  auto defaults = ParseAnalysisConfig(nlohmann::json::object());
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->find_domain.has_value());  // the server's default decides
  EXPECT_EQ(defaults->search_country, "");
  EXPECT_FALSE(defaults->ToJson().contains("find_domain"));
  auto on = ParseAnalysisConfig(
      nlohmann::json::parse(R"({"find_domain": false, "search_country": "NO"})"));
  ASSERT_TRUE(on.ok()) << on.status().ToString();
  EXPECT_EQ(on->find_domain, false);
  EXPECT_EQ(on->search_country, "no");
  EXPECT_EQ(on->ToJson()["find_domain"], false);
  EXPECT_EQ(on->ToJson()["search_country"], "no");
  for (const char* bad : {R"({"find_domain": "yes"})", R"({"search_country": "swe"})",
                          R"({"search_country": 46})", R"({"search_country": "s1"})"}) {
    auto r = ParseAnalysisConfig(nlohmann::json::parse(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().error_code(), "invalid_analysis_config");
    EXPECT_EQ(r.status().field().rfind("analysis_config.", 0), 0u) << bad;
  }
}

TEST(AnalysisConfigTest, RenderBudgetsHaveDefaultsAndAreChecked) {
  auto defaults = ParseAnalysisConfig(nlohmann::json());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->render_navigation_timeout, kDefaultRenderNavigationTimeout);
  EXPECT_EQ(defaults->render_timeout, kDefaultRenderTimeout);
  EXPECT_EQ(defaults->render_max_requests, kDefaultRenderMaxRequests);
  EXPECT_EQ(defaults->render_max_bytes, kDefaultRenderMaxBytes);

  auto set = ParseAnalysisConfig(nlohmann::json::parse(
      R"({"render_navigation_timeout": 5000, "render_timeout": 8000,
          "render_max_requests": 40, "render_max_bytes": 1048576})"));
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->render_navigation_timeout.count(), 5000);
  EXPECT_EQ(set->render_timeout.count(), 8000);
  EXPECT_EQ(set->render_max_requests, 40);
  EXPECT_EQ(set->render_max_bytes, 1048576);
  const nlohmann::json round = set->ToJson();
  EXPECT_EQ(round["render_timeout"], 8000);
  auto again = ParseAnalysisConfig(round);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->render_max_requests, 40);

  struct Bad {
    const char* json;
    const char* field;
  };

  for (const Bad& b : std::vector<Bad>{
           {R"({"render_navigation_timeout": 999})", "analysis_config.render_navigation_timeout"},
           {R"({"render_timeout": 300001})", "analysis_config.render_timeout"},
           {R"({"render_timeout": "25s"})", "analysis_config.render_timeout"},
           {R"({"render_max_requests": 0})", "analysis_config.render_max_requests"},
           {R"({"render_max_requests": 2.5})", "analysis_config.render_max_requests"},
           {R"({"render_max_bytes": 1024})", "analysis_config.render_max_bytes"},
           {R"({"render_max_bytes": null})", "analysis_config.render_max_bytes"},
           {R"({"render_block_images": false})", "analysis_config.render_block_images"},
           // The load is part of the page's time.
           {R"({"render_navigation_timeout": 20000, "render_timeout": 10000})",
            "analysis_config.render_navigation_timeout"},
       }) {
    auto r = ParseAnalysisConfig(nlohmann::json::parse(b.json));
    ASSERT_FALSE(r.ok()) << b.json;
    EXPECT_EQ(r.status().error_code(), "invalid_analysis_config") << b.json;
    EXPECT_EQ(r.status().field(), b.field) << b.json << ": " << r.status().ToString();
  }
  // The message of an unknown key names the budgets among the known keys.
  auto unknown = ParseAnalysisConfig(nlohmann::json::parse(R"({"render_budget": 1})"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("render_max_bytes"), std::string::npos);
}

TEST(AnalysisConfigTest, ProbeCheckoutDefaultsToCheckoutScrapingOnly) {
  auto defaults = ParseAnalysisConfig(nlohmann::json::object());
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->ProbesCheckout(AnalysisType::kCheckoutScraping));
  EXPECT_FALSE(defaults->ProbesCheckout(AnalysisType::kFullAnalysis));
  EXPECT_FALSE(defaults->ToJson().contains("probe_checkout"));
  auto on = ParseAnalysisConfig(nlohmann::json::parse(R"({"probe_checkout": true})"));
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(on->ProbesCheckout(AnalysisType::kTechAnalysis));
  EXPECT_EQ(on->ToJson()["probe_checkout"], true);
  auto off = ParseAnalysisConfig(nlohmann::json::parse(R"({"probe_checkout": false})"));
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->ProbesCheckout(AnalysisType::kCheckoutScraping));
  auto bad = ParseAnalysisConfig(nlohmann::json::parse(R"({"probe_checkout": "yes"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "analysis_config.probe_checkout");
}

}  // namespace leadscan::analysis
