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

TEST(PageDiscoveryTest, RoleOfAUrlIsTheRoleItsPathWouldGiveALink) {
  EXPECT_EQ(RoleOfUrl("https://bamboobrush.se/policies/shipping-policy.html"), PageRole::kShipping);
  EXPECT_EQ(RoleOfUrl("https://shop.se/kassa"), PageRole::kCheckout);
  EXPECT_EQ(RoleOfUrl("https://shop.fi/toimitustavat"), PageRole::kShipping);
  EXPECT_EQ(RoleOfUrl("https://shop.fi/toimitusehdot"), PageRole::kTerms);
  EXPECT_EQ(RoleOfUrl("https://shop.se/"), PageRole::kHome);
  EXPECT_EQ(RoleOfUrl("https://shop.se"), PageRole::kHome);
  EXPECT_EQ(RoleOfUrl("https://shop.se/products/blue-mug"), PageRole::kOther);
  EXPECT_EQ(RoleOfUrl("not a url"), PageRole::kOther);
  // Other languages of Europe: fr, es, it, nl, pl, ro, tr, hu.
  EXPECT_EQ(RoleOfUrl("https://boutique.fr/livraison"), PageRole::kShipping);
  EXPECT_EQ(RoleOfUrl("https://tienda.es/formas-de-pago"), PageRole::kPayment);
  EXPECT_EQ(RoleOfUrl("https://negozio.it/pagamenti"), PageRole::kPayment);
  EXPECT_EQ(RoleOfUrl("https://negozio.it/spedizioni"), PageRole::kShipping);
  EXPECT_EQ(RoleOfUrl("https://winkel.nl/verzending"), PageRole::kShipping);
  EXPECT_EQ(RoleOfUrl("https://sklep.pl/dostawa"), PageRole::kShipping);
  EXPECT_EQ(RoleOfUrl("https://magazin.ro/plata-livrare"), PageRole::kPayment);
  EXPECT_EQ(RoleOfUrl("https://magaza.com.tr/kapida-odeme"), PageRole::kPayment);
  EXPECT_EQ(RoleOfUrl("https://bolt.hu/aszf"), PageRole::kTerms);
  // A word inside another one is no role: silver rings are not a payment page.
  EXPECT_EQ(RoleOfUrl("https://joyas.es/anillos-de-plata"), PageRole::kOther);
}

TEST(PageDiscoveryTest, SameSiteIgnoresWwwAndCase) {
  EXPECT_TRUE(SameSite("www.Shop.se", "shop.se"));
  EXPECT_TRUE(SameSite("shop.se", "WWW.shop.se"));
  EXPECT_FALSE(SameSite("cdn.shop.se", "shop.se"));
  EXPECT_FALSE(SameSite("", "shop.se"));
}

// A sitemap on the same host but another port was fetched: the port counts, defaults aside.
TEST(PageDiscoveryTest, AnotherPortIsAnotherSiteButADefaultPortIsNot) {
  EXPECT_EQ(SiteOf("https://www.Shop.se/x"), "shop.se");
  EXPECT_EQ(SiteOf("https://shop.se:443/"), "shop.se");
  EXPECT_EQ(SiteOf("http://shop.se:80/"), "shop.se");
  EXPECT_EQ(SiteOf("https://shop.se:8443/"), "shop.se:8443");
  EXPECT_EQ(SiteOf("http://shop.se:443/"), "shop.se:443");
  EXPECT_TRUE(SameSite(SiteOf("https://shop.se:443/sitemap.xml"), SiteOf("https://shop.se/")));
  EXPECT_TRUE(SameSite(SiteOf("http://shop.se/sitemap.xml"), SiteOf("https://shop.se/")));
  EXPECT_FALSE(SameSite(SiteOf("https://shop.se:8443/sitemap.xml"), SiteOf("https://shop.se/")));
  EXPECT_TRUE(
      SameSite(SiteOf("https://shop.se:8443/sitemap.xml"), SiteOf("https://shop.se:8443/")));

  const std::string home =
      "<a href=\"https://shop.se:8080/frakt\">Frakt</a><a href=\"/kopvillkor\">Villkor</a>";
  auto ranked = RankCommercePages(home, "https://shop.se/", SiteOf("https://shop.se/"), "",
                                  {"https://shop.se:8080/leverans", "https://shop.se:443/retur"});
  for (const auto& c : ranked)
    EXPECT_EQ(c.url.find(":8080"), std::string::npos) << c.url;
  ASSERT_FALSE(ranked.empty());
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
  auto opencart = RankCommercePages("", "https://butik.se/", "butik.se", "opencart");
  ASSERT_EQ(opencart.size(), 2u);
  EXPECT_EQ(opencart[0].url, "https://butik.se/index.php?route=checkout/cart");
  EXPECT_EQ(opencart[0].role, PageRole::kCart);
}

TEST(PageDiscoveryTest, ParsesSitemapLocsAndSkipsImageLocs) {
  auto map = ParseSitemap(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
      "xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n"
      "<url><loc> https://shop.se/fraktinformation </loc><lastmod>2026-01-01</lastmod></url>\n"
      "<url><LOC>https://shop.se/s?a=1&amp;b=2</LOC>"
      "<image:image><image:loc>https://cdn.shop.se/a.jpg</image:loc></image:image></url>\n"
      "<url><loc><![CDATA[https://shop.se/villkor]]></loc></url>\n"
      "<url><location>x</location><loc></loc></url>\n"
      "</urlset>");
  EXPECT_FALSE(map.is_index);
  ASSERT_EQ(map.urls.size(), 3u);
  EXPECT_EQ(map.urls[0], "https://shop.se/fraktinformation");
  EXPECT_EQ(map.urls[1], "https://shop.se/s?a=1&b=2");
  EXPECT_EQ(map.urls[2], "https://shop.se/villkor");
  EXPECT_EQ(ParseSitemap("<urlset><url><loc>a</loc></url><url><loc>b</loc></url>", 1).urls.size(),
            1u);
  EXPECT_TRUE(ParseSitemap("<html><body>not found</body></html>").urls.empty());
  EXPECT_TRUE(ParseSitemap("<urlset><url><loc>https://shop.se/cut").urls.empty());
}

TEST(PageDiscoveryTest, SitemapIndexPicksThePageSitemap) {
  auto index = ParseSitemap(
      "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
      "<sitemap><loc>https://shop.se/wp-sitemap-posts-post-1.xml</loc></sitemap>"
      "<sitemap><loc>https://shop.se/wp-sitemap-posts-product-1.xml</loc></sitemap>"
      "<sitemap><loc>https://shop.se/wp-sitemap-posts-page-1.xml</loc></sitemap>"
      "</sitemapindex>");
  EXPECT_TRUE(index.is_index);
  ASSERT_EQ(index.urls.size(), 3u);
  EXPECT_EQ(PickPageSitemap(index.urls), "https://shop.se/wp-sitemap-posts-page-1.xml");
  EXPECT_EQ(PickPageSitemap({"https://s.se/sitemap_products_1.xml?from=1&to=9",
                             "https://s.se/sitemap_pages_1.xml?from=1&to=9"}),
            "https://s.se/sitemap_pages_1.xml?from=1&to=9");
  EXPECT_EQ(PickPageSitemap({"https://s.se/product-sitemap.xml", "https://s.se/cms-sitemap.xml"}),
            "https://s.se/cms-sitemap.xml");
  EXPECT_EQ(PickPageSitemap({"https://s.se/1_sv_0_sitemap.xml"}),
            "https://s.se/1_sv_0_sitemap.xml");
  EXPECT_EQ(PickPageSitemap({}), "");
}

TEST(PageDiscoveryTest, RanksSitemapInformationPagesButNotProductsOrOtherSites) {
  const std::string home = "<a href=\"/kopvillkor\">Köpvillkor</a>";
  std::vector<std::string> sitemap = {
      "https://shop.se/",
      "https://shop.se/kopvillkor",
      "https://www.shop.se/fraktinformation",
      "https://shop.se/produkt/fraktfri-kanna",
      "https://shop.se/blogs/news/fri-frakt-i-sommar",
      "https://shop.se/a/b/c/d/frakt",
      "https://other.se/leverans",
      "https://shop.se/om-oss",
  };
  auto ranked = RankCommercePages(home, "https://shop.se/", "shop.se", "", sitemap);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].url, "https://shop.se/kopvillkor");
  EXPECT_EQ(ranked[0].reason, "link path /kopvillkor");
  EXPECT_EQ(ranked[1].url, "https://www.shop.se/fraktinformation");
  EXPECT_EQ(ranked[1].role, PageRole::kShipping);
  EXPECT_EQ(ranked[1].reason, "sitemap /fraktinformation");
}

TEST(PageDiscoveryTest, RanksLinksAPageSourceListedByPath) {
  const std::string home = "<a href=\"/kopvillkor\">Köpvillkor</a>";
  std::vector<std::string> listed = {"https://shop.se/kopvillkor", "https://shop.se/leverans",
                                     "https://other.se/frakt", "https://shop.se/om-oss",
                                     "https://shop.se/"};
  auto ranked = RankCommercePages(home, "https://shop.se/", "shop.se", "", {}, listed);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].reason, "link path /kopvillkor");  // the HTML's own link keeps its reason
  EXPECT_EQ(ranked[1].url, "https://shop.se/leverans");
  EXPECT_EQ(ranked[1].role, PageRole::kShipping);
  EXPECT_EQ(ranked[1].reason, "listed link /leverans");
}

}  // namespace
}  // namespace leadscan::analysis
