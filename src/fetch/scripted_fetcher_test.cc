#include "fetch/scripted_fetcher.h"

#include <gtest/gtest.h>

#include "fetch/errors.h"
#include "fetch/site_fetch.h"
#include "fetch/target.h"

namespace leadscan::fetch {
namespace {

TEST(ScriptedFetcherTest, AnswersFromTheScriptAndRecordsRequests) {
  ScriptedFetcher f;
  f.AddPage("https://example.se/", "<html>hej</html>");
  f.AddError("https://example.se/x", FetchError(kTimeout, "slow"));
  FetchRequest req;
  req.url = "https://example.se/";
  req.reason = "home";
  auto ok = f.Fetch(req);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body, "<html>hej</html>");
  EXPECT_EQ(ok->reason, "home");
  req.url = "https://example.se/x";
  EXPECT_EQ(f.Fetch(req).status().error_code(), "timeout");
  req.url = "https://example.se/unknown";
  EXPECT_EQ(f.Fetch(req).status().error_code(), "http_404");
  EXPECT_EQ(f.requested().size(), 3u);
  EXPECT_EQ(f.RequestCount("https://example.se/"), 1);
}

TEST(ScriptedFetcherTest, FailFirstThenSucceeds) {
  ScriptedFetcher f;
  f.AddPage("http://a.se/", "ok");
  f.FailFirst("http://a.se/", FetchError(kHttp5xx, "503"), 2);
  FetchRequest req;
  req.url = "http://a.se/";
  EXPECT_FALSE(f.Fetch(req).ok());
  EXPECT_FALSE(f.Fetch(req).ok());
  EXPECT_TRUE(f.Fetch(req).ok());
}

TEST(FetchHomeTest, FallsBackToHttpOnlyWhenHttpsCannotConnectOrTlsFails) {
  ScriptedFetcher f;
  f.AddError("https://shop.se/", FetchError(kTlsError, "bad cert"));
  f.AddPage("http://shop.se/", "<html>plain</html>");
  auto target = NormalizeTarget("shop.se");
  ASSERT_TRUE(target.ok());
  auto home = FetchHome(f, *target);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_EQ(home->via, "http");
  EXPECT_NE(home->fallback_reason.find("tls_error"), std::string::npos);

  ScriptedFetcher g;
  g.AddError("https://shop.se/", FetchError(kHttp404, "HTTP 404"));
  g.AddPage("http://shop.se/", "<html>plain</html>");
  auto not_found = FetchHome(g, *target);
  EXPECT_EQ(not_found.status().error_code(), "http_404");
  EXPECT_EQ(g.RequestCount("http://shop.se/"), 0);

  ScriptedFetcher h;
  h.AddPage("https://shop.se/", "<html>tls</html>");
  auto direct = FetchHome(h, *target);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->via, "https");
  EXPECT_EQ(direct->fallback_reason, "");
}

TEST(FetchRobotsTest, ParsesBodyAndTreats4xxAsAllowAll) {
  ScriptedFetcher f;
  FetchResponse r;
  r.status = 200;
  r.body = "User-agent: *\nDisallow: /cart\nSitemap: https://a.se/sitemap.xml\n";
  f.AddResponse("https://a.se/robots.txt", r);
  auto robots = FetchRobots(f, "https://a.se/", "leadscan");
  ASSERT_TRUE(robots.ok());
  EXPECT_FALSE(robots->rules.IsAllowed("/cart"));
  ASSERT_EQ(robots->sitemaps.size(), 1u);
  auto missing = FetchRobots(f, "https://b.se", "leadscan");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->rules.IsAllowed("/cart"));
  f.AddError("https://c.se/robots.txt", FetchError(kHttp5xx, "503"));
  EXPECT_EQ(FetchRobots(f, "https://c.se", "leadscan").status().error_code(), "http_5xx");
}

}  // namespace
}  // namespace leadscan::fetch
