// FirecrawlFetcher: a page source (fetch::Fetcher) whose pages come from Firecrawl's scrape
// API through a ProviderClient; the analyzer uses it for leads with use_firecrawl. Page
// requests (FetchKind::kPage) become scrape calls, each on a thread of its own (a scrape takes
// seconds; a lead's pages go in parallel); text and raw requests (robots.txt, sitemaps) go to
// our own fetcher. Before a page is scraped its site's robots.txt is read with our own fetcher
// (cached per origin): a path it disallows is not scraped (robots_disallowed); a robots.txt we
// cannot read does not stop Firecrawl. Thread-safe; the destructor waits for scrapes in flight.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "fetch/fetcher.h"
#include "fetch/robots.h"
#include "providers/provider_client.h"

namespace leadscan::providers {

struct FirecrawlOptions {
  std::string key;                        // API key: sent as "Authorization: Bearer <key>"
  std::chrono::milliseconds wait_for{0};  // waitFor: extra wait before Firecrawl reads the page
  bool check_robots = true;               // read the site's robots.txt first (--ignore-robots)
  std::string robots_token = "leadscan";  // our product token in robots.txt
  size_t robots_cache_entries = 4096;     // origins remembered
  std::chrono::minutes robots_ttl{60};
};

class FirecrawlFetcher final : public fetch::Fetcher {
 public:
  // `client` (configured with the key among its secrets), `own` and `clock` must outlive this.
  FirecrawlFetcher(ProviderClient& client, fetch::Fetcher& own, common::Clock& clock,
                   FirecrawlOptions options);
  ~FirecrawlFetcher() override;

  FirecrawlFetcher(const FirecrawlFetcher&) = delete;
  FirecrawlFetcher& operator=(const FirecrawlFetcher&) = delete;

  // kPage: scrapes request.url within request.timeout (cancel honoured) and answers like a
  // fetched page: status, final_url, body (rawHtml), links, via and source "firecrawl"; a
  // site status >= 300 fails with the http_* code as our own fetch would; Firecrawl's own
  // failures carry the provider codes. Other kinds go to the own fetcher.
  void FetchAsync(fetch::FetchRequest request, fetch::FetchCallback done) override;

  // Blocking form of one page scrape (what each thread of FetchAsync runs).
  fetch::FetchResult Scrape(const fetch::FetchRequest& request);

 private:
  // Whether robots.txt lets us have `url` (true when it cannot be read).
  bool RobotsAllow(const std::string& url, const fetch::FetchRequest& request);

  struct RobotsEntry {
    std::optional<fetch::RobotsTxt> rules;  // empty: could not be read (allow)
    common::TimePoint fetched_at;
  };

  ProviderClient& client_;
  fetch::Fetcher& own_;
  common::Clock& clock_;
  const FirecrawlOptions options_;

  std::mutex mu_;
  std::condition_variable idle_cv_;
  int in_flight_ = 0;                          // guarded by mu_
  std::map<std::string, RobotsEntry> robots_;  // guarded by mu_
  std::deque<std::string> robots_order_;       // guarded by mu_; oldest first
};

}  // namespace leadscan::providers
