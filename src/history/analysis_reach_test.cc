#include "history/analysis_reach.h"

#include <gtest/gtest.h>

namespace leadscan::history {
namespace {

Json Page(const std::string& url, int status, const std::string& reason,
          const std::string& error_code = "", const std::string& via = "https") {
  Json p = {{"url", url}, {"status", status}, {"bytes", 100},
            {"ms", 5.0},  {"via", via},       {"reason", reason}};
  if (!error_code.empty())
    p["error_code"] = error_code;
  return p;
}

TEST(PageKeyTest, IgnoresSchemeWwwPortFragmentAndTrailingSlash) {
  EXPECT_EQ(PageKey("https://www.Shop.TEST/kassa/#top"), "shop.test/kassa");
  EXPECT_EQ(PageKey("http://shop.test:8080/kassa"), "shop.test/kassa");
  EXPECT_EQ(PageKey("https://shop.test"), "shop.test/");
  EXPECT_EQ(PageKey("https://shop.test/"), "shop.test/");
  EXPECT_EQ(PageKey("https://shop.test/?"), "shop.test/");
  EXPECT_EQ(PageKey("https://shop.test/p?id=1#x"), "shop.test/p?id=1");
  EXPECT_EQ(PageKey("https://shop.test/Kassa"), "shop.test/Kassa");  // paths keep their case
  EXPECT_EQ(PageKey("https://shop.test/", true), "browser:shop.test/");
  EXPECT_EQ(PageKey(""), "");
}

TEST(EvidencePagesTest, NamesEachPageOnceAndTellsBrowserEvidenceApart) {
  Json evidence = Json::array({{{"page", "https://shop.test/"}, {"field", "html"}},
                               {{"page", "http://shop.test"}, {"field", "headers.server"}},
                               {{"page", "https://shop.test/"}, {"source", "browser"}},
                               {{"field", "text"}},
                               "not an object"});
  EXPECT_EQ(EvidencePages(evidence), (std::set<std::string>{"shop.test/", "browser:shop.test/"}));
  EXPECT_TRUE(EvidencePages(Json()).empty());
}

TEST(FieldsOfTypeTest, FollowsTheFiveAnalysisTypes) {
  EXPECT_EQ(FieldsOfType("tech_analysis"),
            (std::vector<std::string>{"ecommerce_platform", "technologies"}));
  EXPECT_EQ(FieldsOfType("carrier_detection"),
            (std::vector<std::string>{"carriers", "shipping_software"}));
  EXPECT_EQ(FieldsOfType("ecommerce_detection"), (std::vector<std::string>{"ecommerce_platform"}));
  EXPECT_EQ(FieldsOfType("checkout_scraping").size(), 4u);
  EXPECT_EQ(FieldsOfType("full_analysis"), FindingFields());
  EXPECT_EQ(FieldsOfType("something else"), FindingFields());
  EXPECT_TRUE(IsFindingField("carriers"));
  EXPECT_FALSE(IsFindingField("carrier"));
}

TEST(ReachOfTest, SortsPagesIntoReachedAndLost) {
  Json result = {
      {"analysis_type", "checkout_scraping"},
      {"pages", Json::array({Page("https://shop.test/", 200, "home"),
                             Page("https://shop.test/kassa", 200, "link path /kassa"),
                             Page("https://shop.test/frakt", 0, "link path /frakt", "timeout"),
                             Page("https://shop.test/villkor", 404, "link text villkor"),
                             Page("https://shop.test/stor", 200, "link path /stor"),
                             Page("https://shop.test/", 200, "rendered (auto)", "", "browser")})},
      {"errors",
       Json::array(
           {{{"code", "timeout"}, {"message", "x"}, {"url", "https://shop.test/frakt"}},
            {{"code", "html_truncated"}, {"message", "cut"}, {"url", "https://shop.test/stor"}},
            {{"code", "https_fallback"}, {"message", "tls"}, {"url", "https://shop.test/"}},
            {{"code", "render_budget"},
             {"message", "rendering: budget"},
             {"url", "https://shop.test/"}}})},
      {"set_aside", Json::array({{{"name", "Klarna Checkout"}, {"field", "checkout_solutions"}}})}};
  AnalysisReach reach = ReachOf(result, "");
  EXPECT_EQ(reach.fields, FieldsOfType("checkout_scraping"));
  EXPECT_FALSE(reach.partial);
  EXPECT_TRUE(reach.home_reached);  // https_fallback says nothing about what was read
  EXPECT_EQ(reach.reached, (std::set<std::string>{"shop.test/", "shop.test/kassa"}));
  EXPECT_EQ(reach.unreached, (std::set<std::string>{"shop.test/frakt", "shop.test/villkor",
                                                    "shop.test/stor", "browser:shop.test/"}));
  EXPECT_EQ(reach.set_aside.count({"checkout_solutions", "Klarna Checkout"}), 1u);
  EXPECT_TRUE(reach.Covers("carriers"));
  EXPECT_FALSE(reach.Covers("technologies"));
}

TEST(ReachOfTest, ATimeoutWithoutAPageMakesTheAnalysisPartial) {
  Json result = {
      {"pages", Json::array({Page("https://shop.test/", 200, "home")})},
      {"errors",
       Json::array({{{"code", "timeout"}, {"message", "2 fetched page(s) were not analysed"}}})}};
  AnalysisReach reach = ReachOf(result, "full_analysis");
  EXPECT_TRUE(reach.partial);
  EXPECT_TRUE(reach.home_reached);
}

TEST(ReachOfTest, AFailedRenderingLosesOnlyTheBrowserPage) {
  Json result = {{"pages", Json::array({Page("https://shop.test/", 200, "home"),
                                        Page("https://shop.test/", 0, "rendered (render always)",
                                             "browser_crashed", "browser")})},
                 {"errors", Json::array({{{"code", "browser_crashed"},
                                          {"message", "rendering: the browser went away"},
                                          {"url", "https://shop.test/"}}})}};
  AnalysisReach reach = ReachOf(result, "tech_analysis");
  EXPECT_TRUE(reach.home_reached);
  EXPECT_EQ(reach.reached, (std::set<std::string>{"shop.test/"}));
  EXPECT_EQ(reach.unreached, (std::set<std::string>{"browser:shop.test/"}));
}

TEST(ReachOfTest, AResultWithoutPagesReachedNothing) {
  AnalysisReach reach = ReachOf({{"domain", "shop.test"}}, "full_analysis");
  EXPECT_FALSE(reach.home_reached);
  EXPECT_TRUE(reach.reached.empty());
  EXPECT_EQ(reach.fields, FindingFields());
  AnalysisReach odd = ReachOf(Json("not an object"), "");
  EXPECT_FALSE(odd.home_reached);
  AnalysisReach wrong_types =
      ReachOf({{"pages", "x"}, {"errors", 5}, {"set_aside", {{"a", 1}}}}, "tech_analysis");
  EXPECT_TRUE(wrong_types.reached.empty());
}

TEST(ReachOfTest, WithoutAHomeReasonTheFirstPageIsHome) {
  Json result = {{"pages", Json::array({Page("https://shop.test/", 200, ""),
                                        Page("https://shop.test/kassa", 200, "")})}};
  EXPECT_TRUE(ReachOf(result, "").home_reached);
  Json lost_home = {{"pages", Json::array({Page("https://shop.test/", 503, "home"),
                                           Page("https://shop.test/kassa", 200, "x")})}};
  EXPECT_FALSE(ReachOf(lost_home, "").home_reached);
}

}  // namespace
}  // namespace leadscan::history
