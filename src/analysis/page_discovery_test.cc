#include "analysis/page_discovery.h"

#include <gtest/gtest.h>

namespace leadscan::analysis {
namespace {

TEST(PageDiscoveryTest, ExtractsLinksWithDecodedTextAndIgnoresNonAnchors) {
  auto links = ExtractLinks(
      "<abbr>x</abbr><a class=\"n\" href=\"/frakt\">Frakt &amp; <b>leverans</b></a>"
      "<A HREF='/k%C3%B6pvillkor'>K&ouml;pvillkor</A><a name=x>no href</a>"
      "<a href=/kassa>Till kassan");
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].href, "/frakt");
  EXPECT_EQ(links[0].text, "Frakt & leverans");
  EXPECT_EQ(links[1].href, "/k%C3%B6pvillkor");
  EXPECT_EQ(links[1].text, "Köpvillkor");
  EXPECT_EQ(links[2].href, "/kassa");
}

TEST(PageDiscoveryTest, ResolvesRelativeUrlsAndRejectsOtherSchemes) {
  EXPECT_EQ(ResolveUrl("https://shop.se/a/b", "../frakt#top"), "https://shop.se/frakt");
  EXPECT_EQ(ResolveUrl("https://shop.se/", "//cdn.shop.se/x"), "https://cdn.shop.se/x");
  EXPECT_EQ(ResolveUrl("https://shop.se/", "HTTP://Shop.se/x"), "http://Shop.se/x");
  EXPECT_EQ(ResolveUrl("https://shop.se/", "javascript:void(0)"), "");
  EXPECT_EQ(ResolveUrl("https://shop.se/", "mailto:a@b.se"), "");
  EXPECT_EQ(ResolveUrl("https://shop.se/", "http://[bad"), "");
}

TEST(PageDiscoveryTest, RanksCommercePagesInNordicLanguagesSameSiteOnly) {
  std::string html =
      "<a href=\"/om-oss\">Om oss</a>"
      "<a href=\"/info/fraktinformation\">Leveransinfo</a>"
      "<a href=\"https://www.shop.se/k%C3%B6pvillkor\">Villkor</a>"
      "<a href=\"https://other.se/frakt\">Frakt hos andra</a>"
      "<a href=\"/sivu/toimitusehdot\">Toimitusehdot</a>"
      "<a href=\"/kundvagn\">Kundvagn</a>"
      "<a href=\"/versand\">Versand</a>";
  auto ranked = RankCommercePages(html, "https://shop.se/", "shop.se", "");
  ASSERT_GE(ranked.size(), 5u);
  EXPECT_EQ(ranked[0].url, "https://shop.se/info/fraktinformation");
  EXPECT_EQ(ranked[0].role, PageRole::kShipping);
  for (const auto& c : ranked) {
    EXPECT_EQ(c.url.find("other.se"), std::string::npos) << c.url;
    EXPECT_EQ(c.url.find("om-oss"), std::string::npos) << c.url;
  }
  bool saw_terms = false;
  for (const auto& c : ranked) {
    if (c.url == "https://www.shop.se/k%C3%B6pvillkor") {
      saw_terms = true;
      EXPECT_EQ(c.role, PageRole::kTerms);
    }
  }
  EXPECT_TRUE(saw_terms);
}

TEST(PageDiscoveryTest, AddsKnownPlatformPaths) {
  auto ranked = RankCommercePages("<p>no links</p>", "https://butik.se/", "butik.se", "shopify");
  ASSERT_EQ(ranked.size(), 3u);
  bool policy = false;
  for (const auto& c : ranked) {
    if (c.url == "https://butik.se/policies/shipping-policy") {
      policy = true;
      EXPECT_EQ(c.role, PageRole::kShipping);
      EXPECT_NE(c.reason.find("shopify"), std::string::npos);
    }
  }
  EXPECT_TRUE(policy);
}

}  // namespace
}  // namespace leadscan::analysis
