#include "search/web_search_providers.h"

#include <gtest/gtest.h>

#include "fetch/scripted_fetcher.h"
#include "providers/provider_errors.h"

namespace leadscan::search {
namespace {

constexpr char kKey[] = "secret-key+/=42";

fetch::FetchResponse Answer(int status, std::string body, fetch::Headers headers = {}) {
  fetch::FetchResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class WebSearchProvidersTest : public ::testing::Test {
 protected:
  std::unique_ptr<SearchProvider> Make(const std::string& provider, const std::string& url,
                                       const std::string& cx = "") {
    WebSearchConfig config;
    config.provider = provider;
    config.base_url = url;
    config.key = provider == "searxng" ? "" : kKey;
    config.cx = cx;
    auto p = MakeSearchProvider(config, fetcher_, clock_, nullptr);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(*p) : nullptr;
  }

  SearchQuery Query(const std::string& text, const std::string& country = "se") {
    SearchQuery q;
    q.text = text;
    q.country = country;
    q.deadline = clock_.Now() + std::chrono::seconds(10);
    return q;
  }

  common::SystemClock clock_;
  fetch::ScriptedFetcher fetcher_;
};

TEST_F(WebSearchProvidersTest, BraveAsksItsPathWithTheCountryAndReadsWebResults) {
  const std::string url =
      "https://brave.example/res/v1/web/search?q=Kaffeb%C3%B6nan%20AB&count=10"
      "&result_filter=web&country=SE";
  fetcher_.AddResponse(
      url, Answer(200, R"({"web":{"results":[{"url":"https://kaffebonan.se/","title":"K"}]}})"));
  auto brave = Make("brave", "https://brave.example/");
  ASSERT_NE(brave, nullptr);
  EXPECT_EQ(brave->name(), "brave");
  auto hits = brave->Search(Query("Kaffebönan AB"));
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].url, "https://kaffebonan.se/");
  EXPECT_EQ(fetcher_.requested(), std::vector<std::string>{url});
}

TEST_F(WebSearchProvidersTest, GoogleSendsKeyAndCxInTheQueryAndNeverQuotesTheKey) {
  const std::string base =
      "https://g.example/customsearch/v1?key=secret-key%2B%2F%3D42&cx=engine-1&q=Tepotten&num=10";
  fetcher_.AddResponse(base + "&gl=no", Answer(200, R"({"kind":"customsearch#search","items":[
                         {"link":"https://tepotten.no/","title":"Tepotten","snippet":"Te"}]})"));
  auto google = Make("google", "https://g.example", "engine-1");
  ASSERT_NE(google, nullptr);
  auto hits = google->Search(Query("Tepotten", "no"));
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  EXPECT_EQ((*hits)[0].snippet, "Te");

  // Google answers a wrong key with 400 and its own words: that is provider_auth.
  fetcher_.AddResponse(base, Answer(400, R"J({"error":{"code":400,
      "message":"API key not valid. Please pass a valid API key. (key=secret-key+/=42)",
      "errors":[{"message":"API key not valid.","domain":"global","reason":"badRequest"}],
      "status":"INVALID_ARGUMENT"}})J"));
  auto bad_key = google->Search(Query("Tepotten", ""));
  EXPECT_EQ(bad_key.status().error_code(), providers::kProviderAuth);
  EXPECT_FALSE(bad_key.status().retryable());
  EXPECT_EQ(bad_key.status().message().find(kKey), std::string::npos) << bad_key.status().message();
  EXPECT_EQ(bad_key.status().message().find("secret-key"), std::string::npos);
}

TEST_F(WebSearchProvidersTest, GoogleDailyLimitIsAQuotaAndPerMinuteIsARateLimit) {
  const std::string base = "https://g.example/customsearch/v1?key=secret-key%2B%2F%3D42&cx=c&q=";
  fetcher_.AddResponse(base + "day&num=10",
                       Answer(429, R"({"error":{"code":429,"message":"Quota exceeded for )"
                                   R"(quota metric 'Queries' and limit 'Queries per day' of )"
                                   R"(service 'customsearch.googleapis.com'",)"
                                   R"("status":"RESOURCE_EXHAUSTED"}})"));
  fetcher_.AddResponse(base + "minute&num=10",
                       Answer(429,
                              R"({"error":{"code":429,"message":"Quota exceeded for )"
                              R"(quota metric 'Queries' and limit 'Queries per minute'",)"
                              R"("status":"RESOURCE_EXHAUSTED"}})",
                              {{"retry-after", "7"}}));
  auto google = Make("google", "https://g.example", "c");
  ASSERT_NE(google, nullptr);
  auto day = google->Search(Query("day", ""));
  EXPECT_EQ(day.status().error_code(), providers::kProviderQuota);
  EXPECT_FALSE(day.status().retryable());
  auto minute = google->Search(Query("minute", ""));
  EXPECT_EQ(minute.status().error_code(), providers::kProviderRateLimited);
  EXPECT_TRUE(minute.status().retryable());
  EXPECT_NE(minute.status().message().find("retry-after=7s"), std::string::npos);
}

TEST_F(WebSearchProvidersTest, SearxngAsksForJsonAndAWrongShapeIsABadResponse) {
  fetcher_.AddResponse("http://10.0.0.5:8888/search?q=Lekladan&format=json",
                       Answer(200, R"({"query":"Lekladan","answers":[]})"));
  auto searxng = Make("searxng", "http://10.0.0.5:8888");
  ASSERT_NE(searxng, nullptr);
  auto hits = searxng->Search(Query("Lekladan"));
  EXPECT_EQ(hits.status().error_code(), providers::kProviderBadResponse);
  EXPECT_NE(hits.status().message().find("searxng"), std::string::npos);
}

TEST_F(WebSearchProvidersTest, ConfigurationProblemsAreNamed) {
  WebSearchConfig c;
  c.provider = "bing";
  EXPECT_EQ(MakeSearchProvider(c, fetcher_, clock_, nullptr).status().error_code(),
            "invalid_search_provider");
  c.provider = "brave";
  EXPECT_EQ(MakeSearchProvider(c, fetcher_, clock_, nullptr).status().error_code(),
            "missing_search_key");
  c.provider = "google";
  c.key = kKey;
  EXPECT_EQ(MakeSearchProvider(c, fetcher_, clock_, nullptr).status().error_code(),
            "missing_search_cx");
  c.provider = "searxng";
  EXPECT_EQ(MakeSearchProvider(c, fetcher_, clock_, nullptr).status().error_code(),
            "missing_search_url");
  c.base_url = "ftp://x";
  auto bad = MakeSearchProvider(c, fetcher_, clock_, nullptr);
  EXPECT_EQ(bad.status().error_code(), "invalid_provider_url");
  c.provider = "brave";
  c.base_url = "";
  EXPECT_TRUE(MakeSearchProvider(c, fetcher_, clock_, nullptr).ok());  // the public API
}

TEST(EncodeQueryValueTest, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(EncodeQueryValue("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(EncodeQueryValue("Å & B/C=1+2"), "%C3%85%20%26%20B%2FC%3D1%2B2");
  EXPECT_EQ(EncodeQueryValue(std::string("\0\xff", 2)), "%00%FF");
}

}  // namespace
}  // namespace leadscan::search
