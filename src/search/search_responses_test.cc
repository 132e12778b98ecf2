#include "search/search_responses.h"

#include <gtest/gtest.h>

namespace leadscan::search {
namespace {

TEST(BraveResultsTest, ReadsWebResultsAsPlainText) {
  auto hits = ParseBraveBody(R"({
    "type": "search",
    "query": {"original": "Kaffebönan AB"},
    "web": {"type": "search", "results": [
      {"title": "Kaffeb&ouml;nan AB - Allabolag", "url": "https://www.allabolag.se/5560000000",
       "description": "Org.nr 556000-0000. <strong>Kaffebönan</strong> AB"},
      "not an object",
      {"title": "no url"},
      {"title": "ftp", "url": "ftp://kaffebonan.se/"},
      {"title": "Kaffebönan", "url": "https://kaffebonan.se/", "description": "Rosteri",
       "extra_snippets": ["x"], "profile": {"name": "x"}}
    ]}})");
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].url, "https://www.allabolag.se/5560000000");
  EXPECT_EQ((*hits)[0].title, "Kaffebönan AB - Allabolag");
  EXPECT_EQ((*hits)[0].snippet, "Org.nr 556000-0000. Kaffebönan AB");
  EXPECT_EQ((*hits)[0].rank, 0);
  EXPECT_EQ((*hits)[1].url, "https://kaffebonan.se/");
  EXPECT_EQ((*hits)[1].rank, 4);  // the skipped entries kept their places
}

TEST(BraveResultsTest, EmptyAnswersAndWrongShapes) {
  EXPECT_TRUE(ParseBraveBody(R"({"type":"search","query":{"original":"x"}})")->empty());
  EXPECT_TRUE(ParseBraveBody(R"({"web":{"results":null}})")->empty());
  EXPECT_EQ(ParseBraveBody(R"({"web":[]})").status().error_code(), kSearchBadResponse);
  EXPECT_EQ(ParseBraveBody(R"({"web":{"results":{}}})").status().error_code(), kSearchBadResponse);
  EXPECT_EQ(ParseBraveBody("[]").status().error_code(), kSearchBadResponse);
  EXPECT_EQ(ParseBraveBody("<html>502</html>").status().error_code(), kSearchBadResponse);
  EXPECT_EQ(ParseBraveBody("").status().error_code(), kSearchBadResponse);
  EXPECT_FALSE(ParseBraveBody("").status().retryable());
  EXPECT_EQ(ParseBraveBody(std::string(10000, '[')).status().error_code(), kSearchBadResponse);
}

TEST(GoogleResultsTest, ReadsItemsAndTellsNoResultsFromAForeignBody) {
  auto hits = ParseGoogleBody(R"({
    "kind": "customsearch#search",
    "items": [
      {"kind": "customsearch#result", "title": "Kaffebönan", "link": "https://kaffebonan.se/",
       "displayLink": "kaffebonan.se", "snippet": "Rosteri i\nÖrebro."},
      {"title": "no link", "snippet": "x"}
    ]})");
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].url, "https://kaffebonan.se/");
  EXPECT_EQ((*hits)[0].snippet, "Rosteri i Örebro.");
  // No `items` is Google's way of saying nothing matched.
  auto none =
      ParseGoogleBody(R"({"kind":"customsearch#search","searchInformation":{"totalResults":"0"}})");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(ParseGoogleBody(R"({"hello":"world"})").status().error_code(), kSearchBadResponse);
  EXPECT_EQ(ParseGoogleBody(R"({"kind":"x","items":"many"})").status().error_code(),
            kSearchBadResponse);
}

TEST(SearxngResultsTest, ReadsResultsAndRequiresTheList) {
  auto hits = ParseSearxngBody(R"({"query":"Kaffebönan","number_of_results":0,
    "results":[{"url":"http://kaffebonan.se/","title":"Kaffebönan","content":"Rosteri",
                "engine":"duckduckgo","score":1.0}],"answers":[],"suggestions":[]})");
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].title, "Kaffebönan");
  EXPECT_EQ((*hits)[0].snippet, "Rosteri");
  EXPECT_EQ(ParseSearxngBody(R"({"query":"x"})").status().error_code(), kSearchBadResponse);
  EXPECT_EQ(ParseSearxngBody(R"({"results":1})").status().error_code(), kSearchBadResponse);
}

TEST(SearchResultsTest, HitsAndTextsAreBounded) {
  std::string body = R"({"results":[)";
  for (int i = 0; i < 200; ++i) {
    if (i)
      body += ",";
    body += R"({"url":"https://site)" + std::to_string(i) + R"(.se/","title":")" +
            std::string(5000, 'x') + R"("})";
  }
  body += "]}";
  auto hits = ParseSearxngBody(body);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), kMaxSearchHits);
  EXPECT_LE((*hits)[0].title.size(), kMaxHitTextBytes);
  auto long_url = ParseSearxngBody(R"({"results":[{"url":"https://x.se/)" +
                                   std::string(kMaxHitUrlBytes, 'a') + R"("}]})");
  ASSERT_TRUE(long_url.ok());
  EXPECT_TRUE(long_url->empty());
}

TEST(PlainTextTest, DecodesEntitiesCollapsesSpaceAndCutsAtACharacter) {
  EXPECT_EQ(PlainText("<b>A&amp;B</b>&nbsp;&nbsp; c&#229;&#xE4;"), "A&B cåä");
  EXPECT_EQ(PlainText("&#0; &#xD800; &#1114112; &bogus; &"), "&#0; &#xD800; &#1114112; &bogus; &");
  EXPECT_EQ(PlainText("åååå", 5), "åå");  // 5 bytes would split the third å
  EXPECT_EQ(PlainText("a\x01\x7f"
                      "b"),
            "ab");
  // Bytes that are not UTF-8 become U+FFFD (three bytes each) and the bound still holds (the
  // brave/google/searxng fuzz targets' invariant found it past the bound).
  const std::string bad(1000, '\xff');
  EXPECT_LE(PlainText(bad, 200).size(), 200u);
  EXPECT_EQ(PlainText(bad, 6), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_LE(ProviderErrorText(bad).size(), 300u);
}

TEST(ProviderErrorTextTest, QuotesTheProvidersOwnWords) {
  EXPECT_EQ(ProviderErrorText(R"({"type":"ErrorResponse","error":{"id":"x","status":401,
      "code":"SUBSCRIPTION_TOKEN_INVALID","detail":"The provided subscription token is invalid."}})"),
            "SUBSCRIPTION_TOKEN_INVALID: The provided subscription token is invalid.");
  EXPECT_EQ(
      ProviderErrorText(
          R"({"error":{"code":429,"message":"Quota exceeded for quota metric 'Queries' and limit 'Queries per day'","errors":[{"message":"x","domain":"global","reason":"rateLimitExceeded"}],"status":"RESOURCE_EXHAUSTED"}})"),
      "RESOURCE_EXHAUSTED: rateLimitExceeded: Quota exceeded for quota metric 'Queries' and "
      "limit 'Queries per day'");
  EXPECT_EQ(ProviderErrorText("<html><body>Bad Gateway</body></html>"), "Bad Gateway");
  EXPECT_EQ(ProviderErrorText(""), "");
  EXPECT_LE(ProviderErrorText(std::string(100000, 'z')).size(), 200u);
}

}  // namespace
}  // namespace leadscan::search
