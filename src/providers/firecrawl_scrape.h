// Firecrawl's scrape API as a page source: the request body leadscan sends to
// POST {base}/v1/scrape and the reading of its answer ({"success": true, "data": {"rawHtml",
// "links", "metadata": {"statusCode", "sourceURL", "url"}}}). Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::providers {

inline constexpr char kFirecrawlName[] = "firecrawl";  // provider name, page source, metric label
inline constexpr char kFirecrawlDefaultUrl[] = "https://api.firecrawl.dev";
inline constexpr char kFirecrawlScrapePath[] = "/v1/scrape";
// At most this many of data.links are kept, each at most kMaxFirecrawlLinkBytes long.
inline constexpr size_t kMaxFirecrawlLinks = 5000;
inline constexpr size_t kMaxFirecrawlLinkBytes = 4096;
// Firecrawl is asked to give up this long before our own deadline, so its answer (even a
// timeout) arrives while we still wait; never below kMinFirecrawlTimeout.
inline constexpr std::chrono::milliseconds kFirecrawlTimeoutMargin{1000};
inline constexpr std::chrono::milliseconds kMinFirecrawlTimeout{1000};

// The JSON body for one page: url, formats ["rawHtml", "links"], onlyMainContent false,
// timeout (the page's budget less the margin, ms) and waitFor (ms).
nlohmann::json FirecrawlScrapeBody(std::string_view url, std::chrono::milliseconds budget,
                                   std::chrono::milliseconds wait_for);

struct FirecrawlPage {
  std::string raw_html;
  std::vector<std::string> links;  // absolute http(s) URLs, bounded as above
  int status = 200;                // the site's HTTP status (metadata.statusCode)
  std::string final_url;           // metadata.url, else metadata.sourceURL, else requested_url
};

// Reads a parsed scrape answer. Fails with provider_bad_response when success is not true
// (quoting the answer's error), data or data.rawHtml is missing or not a string, or
// metadata.statusCode is there but not an integer in 100..599. Links that are not strings,
// not http(s) or too long are skipped; a final URL that is not http(s) falls back to the next.
common::Result<FirecrawlPage> ParseFirecrawlScrape(const nlohmann::json& answer,
                                                   std::string_view requested_url);

}  // namespace leadscan::providers
