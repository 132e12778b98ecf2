#include "providers/firecrawl_scrape.h"

#include <gtest/gtest.h>

#include "providers/provider_errors.h"

namespace leadscan::providers {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(FirecrawlScrapeBodyTest, AsksForRawHtmlAndLinksOfTheWholePage) {
  json body = FirecrawlScrapeBody("https://shop.test/", 20000ms, 500ms);
  EXPECT_EQ(body["url"], "https://shop.test/");
  EXPECT_EQ(body["formats"], json({"rawHtml", "links"}));
  EXPECT_EQ(body["onlyMainContent"], false);
  EXPECT_EQ(body["timeout"], 19000);  // our deadline less the margin
  EXPECT_EQ(body["waitFor"], 500);
  EXPECT_EQ(FirecrawlScrapeBody("https://a.test/", 300ms, 0ms)["timeout"], 1000);
}

TEST(ParseFirecrawlScrapeTest, ReadsThePublishedShape) {
  json answer = json::parse(R"({"success": true, "data": {
      "rawHtml": "<html><body><a href=\"/frakt\">Frakt</a></body></html>",
      "links": ["https://shop.test/frakt", "mailto:a@b.se", 7, "https://shop.test/kassa"],
      "metadata": {"statusCode": 200, "sourceURL": "https://shop.test/",
                   "url": "https://www.shop.test/", "title": "Shop"}}})");
  auto page = ParseFirecrawlScrape(answer, "https://shop.test/");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_NE(page->raw_html.find("/frakt"), std::string::npos);
  EXPECT_EQ(page->links,
            (std::vector<std::string>{"https://shop.test/frakt", "https://shop.test/kassa"}));
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->final_url, "https://www.shop.test/");
}

TEST(ParseFirecrawlScrapeTest, FinalUrlFallsBackToSourceUrlThenTheRequest) {
  json a = json::parse(R"({"success":true,"data":{"rawHtml":"x",
                           "metadata":{"sourceURL":"https://b.test/","url":"javascript:x"}}})");
  EXPECT_EQ(ParseFirecrawlScrape(a, "https://a.test/")->final_url, "https://b.test/");
  json b = json::parse(R"({"success":true,"data":{"rawHtml":"x"}})");
  auto page = ParseFirecrawlScrape(b, "https://a.test/");
  EXPECT_EQ(page->final_url, "https://a.test/");
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(page->links.empty());
}

TEST(ParseFirecrawlScrapeTest, TheSitesOwnStatusIsKept) {
  json a = json::parse(R"({"success":true,"data":{"rawHtml":"<h1>Not found</h1>",
                           "metadata":{"statusCode":404}}})");
  EXPECT_EQ(ParseFirecrawlScrape(a, "https://a.test/x")->status, 404);
}

TEST(ParseFirecrawlScrapeTest, WrongShapesAreBadResponses) {
  for (const char* text : {
           R"([])",
           R"({"success": false, "error": "Failed to scrape"})",
           R"({"success": "true", "data": {"rawHtml": "x"}})",
           R"({"success": true})",
           R"({"success": true, "data": []})",
           R"({"success": true, "data": {"markdown": "# x"}})",
           R"({"success": true, "data": {"rawHtml": 5}})",
           R"({"success": true, "data": {"rawHtml": "x", "metadata": {"statusCode": "200"}}})",
           R"({"success": true, "data": {"rawHtml": "x", "metadata": {"statusCode": 99}}})",
           R"({"success": true, "data": {"rawHtml": "x", "metadata": {"statusCode": 1.5}}})",
       }) {
    auto page = ParseFirecrawlScrape(json::parse(text), "https://a.test/");
    ASSERT_FALSE(page.ok()) << text;
    EXPECT_EQ(page.status().error_code(), kProviderBadResponse) << text;
    EXPECT_FALSE(page.status().retryable());
  }
  auto failed = ParseFirecrawlScrape(json::parse(R"({"success":false,"error":"Failed to scrape"})"),
                                     "https://a.test/");
  EXPECT_NE(failed.status().message().find("Failed to scrape"), std::string::npos);
}

TEST(ParseFirecrawlScrapeTest, LinksAreBounded) {
  json links = json::array();
  for (size_t i = 0; i < kMaxFirecrawlLinks + 100; ++i)
    links.push_back("https://a.test/p" + std::to_string(i));
  links.push_back("https://a.test/" + std::string(kMaxFirecrawlLinkBytes, 'x'));
  json a = {{"success", true}, {"data", {{"rawHtml", "x"}, {"links", links}}}};
  EXPECT_EQ(ParseFirecrawlScrape(a, "https://a.test/")->links.size(), kMaxFirecrawlLinks);
}

}  // namespace
}  // namespace leadscan::providers
