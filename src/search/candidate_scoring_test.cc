#include "search/candidate_scoring.h"

#include <gtest/gtest.h>

namespace leadscan::search {
namespace {

double Domain(const std::string& company, const std::string& host) {
  return DomainNameSimilarity(NormaliseCompanyName(company), host).value;
}

TEST(DomainNameSimilarityTest, EqualNamesScoreOneWhateverTheSpelling) {
  EXPECT_DOUBLE_EQ(Domain("Kaffebönan AB", "www.kaffebonan.se"), 1.0);
  EXPECT_DOUBLE_EQ(Domain("Kaffebönan AB", "kaffe-bonan.se"), 1.0);
  EXPECT_DOUBLE_EQ(Domain("Kaffebönan i Göteborg AB", "kaffebonan.se"), 1.0);
  EXPECT_DOUBLE_EQ(Domain("Åhléns AB", "aahlens.dk"), 1.0);
  EXPECT_DOUBLE_EQ(Domain("Allt i Bygg AB", "alltibygg.se"), 1.0);
  EXPECT_DOUBLE_EQ(Domain("Kaffebönan AB", "shop.kaffebonan.co.uk"), 1.0);
  auto why = DomainNameSimilarity(NormaliseCompanyName("Kaffebönan AB"), "kaffebonan.se").why;
  EXPECT_EQ(why, "domain name equals the company name");
}

TEST(DomainNameSimilarityTest, PartialMatchesScoreBelowEqualOnes) {
  const double contains = Domain("Kaffebönan AB", "kaffebonanorebro.se");
  EXPECT_GT(contains, 0.8);
  EXPECT_LT(contains, 1.0);
  EXPECT_DOUBLE_EQ(Domain("Hennes & Mauritz AB", "hm.com"), 0.7);
  const double one_word = Domain("Nordvind Studio AB", "nordvind.se");
  EXPECT_GT(one_word, 0.6);  // "nordvind" is in "nordvindstudio"
  EXPECT_LT(one_word, 1.0);
  EXPECT_LT(Domain("Kaffebönan AB", "allmanna-recensioner.se"), 0.3);
  EXPECT_LT(Domain("Kaffebönan AB", "xyz.se"), 0.1);
  EXPECT_DOUBLE_EQ(Domain("!!!", "kaffebonan.se"), 0.0);
}

TEST(TextNameSimilarityTest, PhraseScoresOneAndWordsScoreTheirShare) {
  CompanyName name = NormaliseCompanyName("Nordvind Studio AB");
  EXPECT_DOUBLE_EQ(TextNameSimilarity(name, "Nordvind Studio – kläder från Göteborg").value, 1.0);
  EXPECT_DOUBLE_EQ(TextNameSimilarity(name, "Studio Nordvind").value, 1.0 * 2 / 2);
  EXPECT_DOUBLE_EQ(TextNameSimilarity(name, "En studio i stan").value, 0.5);
  EXPECT_DOUBLE_EQ(TextNameSimilarity(name, "").value, 0.0);
  EXPECT_DOUBLE_EQ(
      TextNameSimilarity(NormaliseCompanyName("Smørrebrød A/S"), "SMOERREBROED i byen").value, 1.0);
}

TEST(CountryTldPointsTest, OwnCountryGainsOtherCountryLosesGenericIsNeutral) {
  std::string why;
  EXPECT_EQ(CountryTldPoints("kaffebonan.se", "se", &why), kCountryTldPoints);
  EXPECT_EQ(why, ".se is the country's domain");
  EXPECT_EQ(CountryTldPoints("kaffebonan.no", "se", &why), -kCountryTldPoints);
  EXPECT_EQ(why, ".no is another country's domain");
  EXPECT_EQ(CountryTldPoints("kaffebonan.com", "se", &why), 0);
  EXPECT_EQ(why, "");
  EXPECT_EQ(CountryTldPoints("kaffebonan.nu", "se", &why), 0);
  EXPECT_EQ(CountryTldPoints("kaffebonan.eu", "fi", &why), 0);
  EXPECT_EQ(CountryTldPoints("shop.co.uk", "gb", &why), kCountryTldPoints);
  EXPECT_EQ(CountryTldPoints("KAFFEBONAN.SE.", "SE", &why), kCountryTldPoints);
  EXPECT_EQ(CountryTldPoints("kaffebonan.se", "", &why), 0);
  EXPECT_EQ(CountryTldPoints("localhost", "se", &why), 0);
}

TEST(HomePageTextTest, ReadsTitleSiteNameAndVisibleText) {
  const std::string html =
      "<!DOCTYPE html><html><head><TITLE>Kaffeb&ouml;nan &amp; Co &#x2013; rosteri</TITLE>"
      "<meta name=\"viewport\" content=\"width=device-width\">"
      "<meta property='og:site_name' content='Kaffebönan'>"
      "<script>var title = '<title>not this</title>';</script><style>p{}</style></head>"
      "<body><!-- <p>hidden comment</p> --><h1>Välkommen</h1><p>Vi rostar   kaffe.</p>"
      "</body></html>";
  HomePageText t = ExtractHomePageText(html);
  EXPECT_EQ(t.title, "Kaffebönan & Co \u2013 rosteri");
  EXPECT_EQ(t.site_name, "Kaffebönan");
  EXPECT_EQ(t.body_text, "Välkommen Vi rostar kaffe.");
}

TEST(HomePageTextTest, BrokenAndHugeHtmlStaysBounded) {
  HomePageText open_title = ExtractHomePageText("<title>" + std::string(100000, 'x'));
  EXPECT_LE(open_title.title.size(), 300u);
  HomePageText open_tag = ExtractHomePageText("<p>text<div class=\"never closed");
  EXPECT_EQ(open_tag.body_text, "text");
  HomePageText big = ExtractHomePageText("<p>" + std::string(5 * 1024 * 1024, 'a') + "</p>");
  EXPECT_LE(big.body_text.size(), kMaxHomeBodyTextBytes);
  HomePageText bad = ExtractHomePageText("<title>Bad \xff\xfe bytes</title>");
  EXPECT_EQ(bad.title, "Bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

TEST(HomePageNamesCompanyTest, TitleSiteNameBodyOrNothing) {
  CompanyName name = NormaliseCompanyName("Kaffebönan i Göteborg AB");
  EXPECT_EQ(WhereHomePageNamesCompany(name, {"Kaffebönan – rosteri", "", ""}), "title");
  EXPECT_EQ(WhereHomePageNamesCompany(name, {"KAFFEBÖNAN.se", "", ""}), "title");
  EXPECT_EQ(WhereHomePageNamesCompany(name, {"Hem", "Kaffebönan", ""}), "og:site_name");
  EXPECT_EQ(WhereHomePageNamesCompany(name, {"Hem", "", "Välkommen till Kaffebönan i Örebro"}),
            "body text");
  EXPECT_EQ(WhereHomePageNamesCompany(
                name, {"Kaffe på nätet", "Kafferecensioner", "Vi recenserar kaffe och bönor"}),
            "");
  // Words run together count in the title, not across the words of a long body text.
  EXPECT_EQ(WhereHomePageNamesCompany(name, {"Kaffe Bönan", "", ""}), "title");
  EXPECT_EQ(WhereHomePageNamesCompany(name, {"", "", "drick kaffe bönan"}), "");
}

}  // namespace
}  // namespace leadscan::search
