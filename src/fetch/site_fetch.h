// Site-level helpers on top of any Fetcher: the home page of a normalised target with the
// https -> http fallback, and a site's robots.txt with its Sitemap: lines. Stateless; they
// block the calling thread (never call them from a fetcher callback).
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "fetch/fetcher.h"
#include "fetch/robots.h"
#include "fetch/target.h"

namespace leadscan::fetch {

// Fetches target.urls in order: a bare domain is tried as https:// and, only when that fails
// to connect or its TLS fails (connect_refused, connect_timeout, tls_error, connection_reset),
// as http://. The response's `via` says which scheme answered and `fallback_reason` why https
// was given up. `base` supplies timeout, headers, cancel flag and the like (its url is
// ignored). base.timeout is one budget for all attempts together, measured on `clock` (the
// system clock when null): the http attempt gets only what https left, and none when nothing
// is left (timeout). On failure returns the last attempt's Status (https's when http fails the
// same way is less telling, so the http one is returned; the message names both).
FetchResult FetchHome(Fetcher& fetcher, const Target& target, FetchRequest base = {},
                      common::Clock* clock = nullptr);

// True for the error codes after which FetchHome tries plain http.
bool ShouldFallBackToHttp(const common::Status& https_failure);

struct RobotsFile {
  std::string url;
  int status = 0;    // HTTP status of robots.txt (0 when it could not be fetched)
  std::string body;  // UTF-8 text when status is 2xx
  RobotsTxt rules;   // what it means for our product token
  std::vector<std::string> sitemaps;
};

// GETs <origin>/robots.txt as text (origin: "https://example.se" or with a port). 2xx parses
// the body; 4xx means allow all; 5xx / 429 / network failures are returned as the Status.
common::Result<RobotsFile> FetchRobots(Fetcher& fetcher, const std::string& origin,
                                       const std::string& product_token, FetchRequest base = {});

}  // namespace leadscan::fetch
