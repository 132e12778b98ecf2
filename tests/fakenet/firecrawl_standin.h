// FirecrawlStandIn: Firecrawl's scrape API (POST /v1/scrape) on the fake internet, speaking
// the published shape, for the tests of the Firecrawl page source. It "scrapes" the fake
// internet's own sites (following redirects) and answers {"success": true, "data": {"rawHtml",
// "links", "metadata": {"statusCode", "sourceURL", "url", "title"}}}. The API key picks an
// error case (README.md, "Firecrawl"). Test infrastructure only; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "router.h"

namespace leadscan::fakenet {

// The host names the stand-in answers on besides loopback addresses ("localhost",
// "127.0.0.1", "[::1]"), so a base URL http://127.0.0.1:<http_port> reaches it.
inline constexpr std::string_view kFirecrawlHost = "api.firecrawl.test";
inline constexpr std::string_view kFirecrawlScrapePath = "/v1/scrape";
// Key prefixes that pick an error case; any other key starting with "fc-" is served.
inline constexpr std::string_view kFirecrawlKey401 = "fc-401";
inline constexpr std::string_view kFirecrawlKey403 = "fc-403";
inline constexpr std::string_view kFirecrawlKey402 = "fc-402";
inline constexpr std::string_view kFirecrawlKey429 = "fc-429";  // first call per URL only
inline constexpr std::string_view kFirecrawlKey500 = "fc-500";  // first call per URL only
inline constexpr std::string_view kFirecrawlKeyHang = "fc-timeout";
inline constexpr std::string_view kFirecrawlKeyMalformed = "fc-malformed";
inline constexpr int kFirecrawlRetryAfterSeconds = 1;

class FirecrawlStandIn {
 public:
  // `fetch` answers the stand-in's own GETs of the sites it scrapes (the Router's Route).
  explicit FirecrawlStandIn(std::function<Reply(const Request&)> fetch);

  // Whether `request` is a scrape call this stand-in answers.
  static bool Handles(const Request& request);

  Reply Serve(const Request& request);

  // Scrape calls received (every key, every outcome), and the body of the last one.
  int Calls() const;
  std::string LastBody() const;

 private:
  Reply Scrape(const std::string& url);

  std::function<Reply(const Request&)> fetch_;
  mutable std::mutex mu_;
  int calls_ = 0;                    // guarded by mu_
  std::string last_body_;            // guarded by mu_
  std::map<std::string, int> seen_;  // key case + url -> calls; guarded by mu_
};

}  // namespace leadscan::fakenet
