#include "fetch/bot_challenge.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file_read.h"

namespace leadscan::fetch {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string> VendorOf(int status, const Headers& headers, std::string_view body) {
  auto c = DetectBotChallenge(status, headers, body);
  if (!c)
    return std::nullopt;
  return c->vendor;
}

// Challenge and block pages shaped like each service's (written for this test: the structure
// and the marker strings, not any service's page).
TEST(BotChallengeTest, RecognisesEachServicesChallengePage) {
  struct Case {
    const char* vendor;
    int status;
    Headers headers;
    std::string body;
  };

  const std::vector<Case> cases = {
      {"Cloudflare",
       403,
       {{"server", "cloudflare"}, {"cf-mitigated", "challenge"}},
       "<html></html>"},
      {"Cloudflare",
       403,
       {{"server", "cloudflare"}},
       "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title></head><body>"
       "<noscript>Enable JavaScript and cookies to continue</noscript><script>(function(){"
       "window._cf_chl_opt={cvId:'3',cZone:'shop.example',cType:'managed'};var a=document."
       "createElement('script');a.src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?"
       "ray=8abc';document.head.appendChild(a);}());</script></body></html>"},
      {"Cloudflare",
       403,
       {},
       "<html><head><title>Attention Required! | Cloudflare</title></head><body><div "
       "id=\"cf-error-details\"><h1>Sorry, you have been blocked</h1></div></body></html>"},
      {"Cloudflare",
       403,
       {},
       "<title>Access denied | shop.example used Cloudflare to restrict access</title>"},
      {"Akamai",
       403,
       {{"server", "AkamaiGHost"}},
       "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\nYou "
       "don't have permission to access \"http&#58;&#47;&#47;shop&#46;example&#47;\" on this "
       "server.<P>\nReference&#32;&#35;18&#46;1&#46;2&#46;3\n<P>https&#58;&#47;&#47;errors&#46;"
       "edgesuite&#46;net&#47;18&#46;1</P>\n</BODY>\n</HTML>\n"},
      {"Akamai",
       428,
       {},
       "<html><head><title>shop.example</title><script src=\"/_sec/cp_challenge/"
       "ak-challenge-4-3.js\"></script></head><body><div id=\"sec-if-cpt-container\"></div>"
       "</body></html>"},
      {"DataDome",
       403,
       {{"x-datadome", "protected"}},
       "<html><head><title>shop.example</title></head><body><p id=\"cmsg\">Please enable JS "
       "and disable any ad blocker</p><script>var dd={'rt':'c','cid':'AHrl','t':'fe','host':"
       "'geo.captcha-delivery.com'}</script><script src=\"https://ct.captcha-delivery.com/c.js\">"
       "</script></body></html>"},
      {"PerimeterX (HUMAN)",
       403,
       {},
       "<html><head><title>Access to this page has been denied</title></head><body><script>"
       "window._pxAppId='PXab12cd34';</script><div id=\"px-captcha\"></div><p>Press &amp; Hold "
       "to confirm you are a human (and not a bot).</p></body></html>"},
      {"Imperva (Incapsula)",
       200,
       {},
       "<html style=\"height:100%\"><head><META NAME=\"ROBOTS\" CONTENT=\"NOINDEX, NOFOLLOW\">"
       "</head><body style=\"margin:0px;height:100%\"><iframe id=\"main-iframe\" "
       "src=\"/_Incapsula_Resource?SWUDNSAI=31&xinfo=1-2-0&incident_id=9-8\" frameborder=0 "
       "width=\"100%\" height=\"100%\">Request unsuccessful. Incapsula incident ID: 9-8</iframe>"
       "</body></html>"},
      {"Imperva",
       405,
       {},
       "<!DOCTYPE html><html><head><title>Pardon Our Interruption</title></head><body><p>As "
       "you were browsing something about your browser made us think you were a bot.</p>"
       "</body></html>"},
      {"Kasada",
       429,
       {},
       "<html><head></head><body><script>window.KPSDK={};KPSDK.now=typeof performance!=="
       "'undefined'?performance.now.bind(performance):Date.now;</script><script src=\"/149e/"
       "ips.js?tkrm_alpekz_s1.3=1\"></script></body></html>"},
      {"AWS WAF",
       202,
       {},
       "<html><head><script>window.gokuProps={\"key\":\"AQIDAHj\",\"iv\":\"CgAB\"};</script>"
       "<script src=\"https://a1b2c3.edge.sdk.awswaf.com/a1b2c3/challenge.js\"></script>"
       "</head><body><div id=\"challenge-container\"></div></body></html>"},
      {"DDoS-Guard", 403, {}, "<html><head><title>DDoS-Guard</title></head><body></body></html>"},
      {"Sucuri",
       200,
       {},
       "<html><head><title>You are being redirected...</title><script>var s={},u,c,U,r,i,l=0,"
       "a,e=eval,w=String.fromCharCode,sucuri_cloudproxy_js='',S='cz0iMTIi';</script></head>"
       "</html>"},
      {"Vercel", 429, {{"x-vercel-mitigated", "Challenge "}}, ""},
  };
  for (const Case& c : cases) {
    auto found = DetectBotChallenge(c.status, c.headers, c.body);
    ASSERT_TRUE(found.has_value()) << c.vendor << ": " << c.body.substr(0, 80);
    EXPECT_EQ(found->vendor, c.vendor) << found->marker;
    EXPECT_FALSE(found->marker.empty());
  }
  auto header = DetectBotChallenge(403, {{"cf-mitigated", "challenge"}}, "");
  ASSERT_TRUE(header);
  EXPECT_EQ(header->marker, "header cf-mitigated: challenge");
}

// Ordinary pages of sites behind these services carry their scripts, cookies and headers; none
// of that is a challenge.
TEST(BotChallengeTest, OrdinaryPagesOfProtectedSitesAreNotChallenges) {
  struct Case {
    const char* what;
    int status;
    Headers headers;
    std::string body;
  };

  const std::vector<Case> cases = {
      {"Cloudflare JS detections on a shop page",
       200,
       {{"server", "cloudflare"}, {"cf-ray", "8abc-ARN"}},
       "<html><head><title>Kaffe &amp; te</title></head><body><h1>Just a moment, we are "
       "brewing</h1><script>(function(){var a=document.createElement('script');a.src="
       "'/cdn-cgi/challenge-platform/scripts/jsd/main.js';document.body.appendChild(a);})();"
       "</script></body></html>"},
      {"Turnstile widget on a contact form",
       200,
       {},
       "<form><div class=\"cf-turnstile\" data-sitekey=\"0x4AAA\"></div></form><script "
       "src=\"https://challenges.cloudflare.com/turnstile/v0/api.js\"></script>"},
      {"cf-mitigated other than challenge", 200, {{"cf-mitigated", "none"}}, "<html></html>"},
      {"DataDome tag",
       200,
       {{"x-datadome", "protected"}},
       "<script src=\"https://js.datadome.co/tags.js\" async></script><h1>Shop</h1>"},
      {"PerimeterX sensor",
       200,
       {},
       "<script>(function(){window._pxAppId='PXab12cd34';var p=document.createElement('script');"
       "p.src='//client.perimeterx.net/PXab12cd34/main.min.js';})();</script>"},
      {"Incapsula script",
       200,
       {{"x-iinfo", "1-2-3"}},
       "<script src=\"/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3\"></script>"},
      {"Akamai edge, ordinary page",
       200,
       {{"server", "AkamaiGHost"}},
       "<html><head><title>Access denied to archived orders? Read our FAQ</title></head></html>"},
      {"KPSDK named on a 200 page", 200, {}, "<script>window.KPSDK={};</script>"},
      {"a page about bot protection",
       200,
       {},
       "<p>Our shop is protected by Cloudflare, DataDome and PerimeterX (HUMAN). If you see "
       "'Just a moment...' or 'Pardon our interruption', wait.</p>"},
  };
  for (const Case& c : cases) {
    auto found = DetectBotChallenge(c.status, c.headers, c.body);
    EXPECT_FALSE(found.has_value()) << c.what << ": " << found->vendor << " " << found->marker;
  }
}

TEST(BotChallengeTest, LooksOnlyAtTheStartOfALongPage) {
  std::string page = "<html><body>" + std::string(kMaxChallengeScanBytes, 'x') +
                     "<script>window._cf_chl_opt={}</script></body></html>";
  EXPECT_FALSE(DetectBotChallenge(200, {}, page).has_value());
  page =
      "<html><head><TITLE>Just a moment...</TITLE><script src=\"/CDN-CGI/challenge-platform/"
      "h/g/orchestrate\"></script></head></html>";
  EXPECT_EQ(VendorOf(503, {}, page), "Cloudflare");  // markers are matched without case
}

// No real page of the corpora (1,150 pages of shops, news and company sites) nor any demo
// shop is taken for a challenge.
TEST(BotChallengeTest, NoRealPageIsTakenForAChallenge) {
  const char* root = std::getenv("LEADSCAN_SOURCE_DIR");
  ASSERT_NE(root, nullptr);
  namespace fs = std::filesystem;
  int pages = 0;
  std::string hits;
  for (const char* dir : {"tests/corpus/pages", "tests/eval/real/pages", "tests/fakenet/sites"}) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(fs::path(root) / dir, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!it->is_regular_file() ||
          !(name.ends_with(".gz") || name.ends_with(".html") || name.ends_with(".htm")))
        continue;
      ++pages;
      auto page = common::ReadFileInflated(it->path().string(), 64 << 20);
      ASSERT_TRUE(page.ok()) << page.status().message();
      if (auto c = DetectBotChallenge(200, {}, *page))
        hits += it->path().string() + ": " + c->vendor + " " + c->marker + "\n";
    }
  }
  EXPECT_GT(pages, 1000);
  EXPECT_EQ(hits, "");
}

}  // namespace
}  // namespace leadscan::fetch
