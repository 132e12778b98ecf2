#include "search/domain_finder.h"

#include <gtest/gtest.h>

#include <map>

#include "fetch/errors.h"
#include "fetch/scripted_fetcher.h"

namespace leadscan::search {
namespace {

using common::Result;
using common::Status;
using Json = nlohmann::json;

common::TimePoint T0() {
  return common::TimePoint(std::chrono::seconds(1780000000));
}

class ScriptedProvider final : public SearchProvider {
 public:
  std::string_view name() const override { return "brave"; }

  Result<std::vector<SearchHit>> Search(const SearchQuery& query) override {
    queries.push_back(query);
    if (!failure.ok())
      return failure;
    return hits;
  }

  void Add(const std::string& url, const std::string& title, const std::string& snippet = "") {
    SearchHit h;
    h.url = url;
    h.title = title;
    h.snippet = snippet;
    h.rank = static_cast<int>(hits.size());
    hits.push_back(h);
  }

  std::vector<SearchHit> hits;
  Status failure;
  std::vector<SearchQuery> queries;
};

class MemoryCache final : public DomainSearchCache {
 public:
  Result<std::optional<Json>> Get(const std::string& key, const std::string& country,
                                  common::TimePoint newer_than) override {
    auto it = rows.find(key + "|" + country);
    if (it == rows.end() || it->second.first < newer_than)
      return std::optional<Json>();
    return std::optional<Json>(it->second.second);
  }

  Status Put(const std::string& key, const std::string& country, const std::string&,
             const Json& search) override {
    rows[key + "|" + country] = {search_time, search};
    return Status::Ok();
  }

  common::TimePoint search_time = T0();
  std::map<std::string, std::pair<common::TimePoint, Json>> rows;
};

std::string Page(const std::string& title, const std::string& body) {
  return "<html><head><title>" + title + "</title></head><body><p>" + body + "</p></body></html>";
}

class DomainFinderTest : public ::testing::Test {
 protected:
  DomainFinderTest() : finder_(provider_, fetcher_, clock_, &cache_) {}

  void StandardHits() {
    provider_.Add("https://www.allabolag.se/5560000001/kaffebonan-ab", "Kaffebönan AB - Allabolag",
                  "Kaffebönan AB, org.nr 556000-0001");
    provider_.Add("https://se.linkedin.com/company/kaffebonan", "Kaffebönan AB | LinkedIn");
    provider_.Add("https://kaffebonan-recensioner.se/", "Kaffebönan? Recensioner av kaffe");
    provider_.Add("https://www.kaffebonan.se/om-oss", "Om oss – Kaffebönan",
                  "Kaffebönan rostar kaffe i Örebro");
    provider_.Add("https://www.hitta.se/kaffebönan", "Kaffebönan AB - Hitta.se");
    fetcher_.AddPage("https://kaffebonan-recensioner.se/",
                     Page("Kafferecensioner", "Vi recenserar kaffe från hela landet."));
    fetcher_.AddPage("https://kaffebonan.se/",
                     Page("Kaffebönan – nyrostat kaffe", "Välkommen till oss."));
  }

  common::FakeClock clock_{T0()};
  ScriptedProvider provider_;
  fetch::ScriptedFetcher fetcher_;
  MemoryCache cache_;
  DomainFinder finder_;
};

TEST_F(DomainFinderTest, PicksTheCompanysOwnSiteOverDirectoriesAndDecoys) {
  StandardHits();
  auto found = finder_.Find("Kaffebönan AB", "se");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->domain, "kaffebonan.se");
  EXPECT_GE(found->confidence, kDefaultMinConfidence);
  EXPECT_EQ(found->provider, "brave");
  EXPECT_FALSE(found->cached);
  ASSERT_FALSE(found->candidates.empty());
  const DomainCandidate& first = found->candidates.front();
  EXPECT_TRUE(first.chosen);
  EXPECT_EQ(first.host, "kaffebonan.se");
  EXPECT_EQ(first.home_page, "title");
  EXPECT_EQ(first.score, found->confidence);
  std::map<std::string, DomainCandidate> by_host;
  for (const auto& c : found->candidates)
    by_host[c.host] = c;
  EXPECT_EQ(by_host["allabolag.se"].skipped, "business directory");
  EXPECT_EQ(by_host["se.linkedin.com"].skipped, "social network");
  EXPECT_EQ(by_host["hitta.se"].skipped, "business directory");
  EXPECT_EQ(by_host["kaffebonan-recensioner.se"].home_page, "silent");
  EXPECT_FALSE(by_host["kaffebonan-recensioner.se"].chosen);
  EXPECT_LT(by_host["kaffebonan-recensioner.se"].score, found->confidence);
  // Directories are never fetched; only the two candidates' home pages are.
  for (const std::string& url : fetcher_.requested()) {
    EXPECT_TRUE(url == "https://kaffebonan.se/" || url == "https://kaffebonan-recensioner.se/")
        << url;
  }
  EXPECT_EQ(provider_.queries.size(), 1u);
  EXPECT_EQ(provider_.queries[0].text, "Kaffebönan AB");
  EXPECT_EQ(provider_.queries[0].country, "se");
  // The JSON names every field the CLI prints.
  Json j = found->ToJson();
  EXPECT_EQ(j["domain"], "kaffebonan.se");
  EXPECT_EQ(j["provider"], "brave");
  EXPECT_TRUE(j["candidates"][0].contains("url"));
  EXPECT_TRUE(j["candidates"][0].contains("title"));
  EXPECT_TRUE(j["candidates"][0].contains("score"));
  EXPECT_TRUE(j["candidates"][0]["why"].is_array());
}

TEST_F(DomainFinderTest, NoSiteThatNamesTheCompanyMeansNoDomain) {
  provider_.Add("https://www.allabolag.se/1", "Kaffebönan AB - Allabolag");
  provider_.Add("https://kaffebonan-recensioner.se/", "Kaffebönan? Recensioner");
  fetcher_.AddPage("https://kaffebonan-recensioner.se/", Page("Kafferecensioner", "Om kaffe."));
  auto found = finder_.Find("Kaffebönan AB", "se");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_FALSE(found->found());
  EXPECT_EQ(found->confidence, 0);
  EXPECT_EQ(found->candidates.size(), 2u);
  EXPECT_TRUE(found->ToJson()["domain"].is_null());
}

TEST_F(DomainFinderTest, ASiteBelowTheThresholdIsACandidateButNotTheDomain) {
  // A weak name match whose page names the company only in its body text.
  provider_.Add("https://rosteriet-orebro.se/", "Rosteriet");
  fetcher_.AddPage("https://rosteriet-orebro.se/", Page("Rosteriet", "Vi var förr Kaffebönan."));
  DomainFinderOptions strict;
  strict.min_confidence = 90;
  DomainFinder finder(provider_, fetcher_, clock_, nullptr, strict);
  auto found = finder.Find("Kaffebönan AB", "se");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->found());
  EXPECT_GT(found->confidence, 0);
  EXPECT_LT(found->confidence, 90);
  EXPECT_TRUE(found->candidates[0].chosen);
  EXPECT_EQ(found->candidates[0].home_page, "body text");
}

TEST_F(DomainFinderTest, TheCountrysTopLevelDomainWinsBetweenTwoOwnSites) {
  provider_.Add("https://kaffebonan.no/", "Kaffebönan");
  provider_.Add("https://kaffebonan.se/", "Kaffebönan");
  fetcher_.AddPage("https://kaffebonan.no/", Page("Kaffebönan Norge", ""));
  fetcher_.AddPage("https://kaffebonan.se/", Page("Kaffebönan", ""));
  auto se = finder_.Find("Kaffebönan AB", "se");
  ASSERT_TRUE(se.ok());
  EXPECT_EQ(se->domain, "kaffebonan.se");
  auto no = finder_.Find("Kaffebönan AS", "no");
  ASSERT_TRUE(no.ok());
  EXPECT_EQ(no->domain, "kaffebonan.no");
}

TEST_F(DomainFinderTest, AHomePageThatFailsOrRedirectsToADirectoryIsNotChosen) {
  provider_.Add("https://kaffebonan.se/", "Kaffebönan");
  provider_.Add("https://kaffebonan.nu/", "Kaffebönan");
  fetcher_.AddError("https://kaffebonan.se/", fetch::FetchError(fetch::kHttp5xx, "HTTP 503"));
  fetcher_.AddError("http://kaffebonan.se/", fetch::FetchError(fetch::kHttp5xx, "HTTP 503"));
  fetch::FetchResponse moved;
  moved.status = 200;
  moved.final_url = "https://www.facebook.com/kaffebonan";
  moved.content_type = "text/html";
  moved.body = Page("Kaffebönan | Facebook", "");
  fetcher_.AddResponse("https://kaffebonan.nu/", moved);
  auto found = finder_.Find("Kaffebönan AB", "se");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->found());
  std::map<std::string, DomainCandidate> by_url;
  for (const auto& c : found->candidates)
    by_url[c.url] = c;
  EXPECT_EQ(by_url["https://kaffebonan.se/"].home_page, "error: http_5xx");
  EXPECT_EQ(by_url["https://kaffebonan.nu/"].skipped, "social network");
}

TEST_F(DomainFinderTest, ResultsAreCachedPerNameAndCountry) {
  StandardHits();
  ASSERT_TRUE(finder_.Find("Kaffebönan AB", "se").ok());
  // Another spelling of the same company and country comes from the cache.
  auto again = finder_.Find("KAFFEBÖNAN i Göteborg AB", "SE");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->cached);
  EXPECT_EQ(again->domain, "kaffebonan.se");
  EXPECT_EQ(again->company_name, "KAFFEBÖNAN i Göteborg AB");
  EXPECT_EQ(provider_.queries.size(), 1u);
  // Another country is another search.
  ASSERT_TRUE(finder_.Find("Kaffebönan AB", "no").ok());
  EXPECT_EQ(provider_.queries.size(), 2u);
  // A stored search older than the TTL is not used.
  clock_.Advance(kDefaultCacheTtl + std::chrono::hours(1));
  auto late = finder_.Find("Kaffebönan AB", "se");
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->cached);
  EXPECT_EQ(provider_.queries.size(), 3u);
}

TEST_F(DomainFinderTest, StoredSearchesRoundTripThroughJson) {
  StandardHits();
  auto found = finder_.Find("Kaffebönan AB", "se");
  ASSERT_TRUE(found.ok());
  auto back = DomainSearch::FromJson(found->ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), found->ToJson());
  EXPECT_EQ(DomainSearch::FromJson(Json{{"company_name", 1}}).status().error_code(),
            "invalid_domain_search");
  EXPECT_FALSE(DomainSearch::FromJson(Json::array()).ok());
}

TEST_F(DomainFinderTest, ProviderErrorsPassThroughAndASpentQuotaPausesSearching) {
  provider_.failure =
      Status::Error(common::StatusCode::kUnauthenticated, "provider_auth", "brave: HTTP 401");
  EXPECT_EQ(finder_.Find("Kaffebönan AB", "se").status().error_code(), "provider_auth");
  provider_.failure = Status::Error(common::StatusCode::kResourceExhausted, "provider_quota",
                                    "brave: HTTP 402: quota");
  EXPECT_EQ(finder_.Find("Kaffebönan AB", "se").status().error_code(), "provider_quota");
  EXPECT_EQ(provider_.queries.size(), 2u);
  provider_.failure = Status::Ok();
  StandardHits();
  auto paused = finder_.Find("Tepotten HB", "se");
  EXPECT_EQ(paused.status().error_code(), "provider_quota");
  EXPECT_EQ(provider_.queries.size(), 2u);  // not asked
  clock_.Advance(kQuotaPause + std::chrono::seconds(1));
  EXPECT_TRUE(finder_.Find("Tepotten HB", "se").ok());
  EXPECT_EQ(provider_.queries.size(), 3u);
}

TEST_F(DomainFinderTest, BadNamesAndCountriesAreRefusedBeforeAnySearch) {
  EXPECT_EQ(finder_.Find("  --  ", "se").status().error_code(), "invalid_company_name");
  EXPECT_EQ(finder_.Find(std::string(400, 'a'), "se").status().error_code(),
            "invalid_company_name");
  EXPECT_EQ(finder_.Find("Kaffebönan AB", "swe").status().error_code(), "invalid_country");
  EXPECT_EQ(finder_.Find("Kaffebönan AB", "s1").status().error_code(), "invalid_country");
  EXPECT_TRUE(provider_.queries.empty());
}

}  // namespace
}  // namespace leadscan::search
