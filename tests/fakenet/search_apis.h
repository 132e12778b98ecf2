// Stand-ins of the web-search APIs on the fake internet — Brave Search, Google Programmable
// Search and SearXNG — speaking their published request and answer shapes, with the sites a
// search finds: business directories (named only, never served), the company's own site (a
// demo shop of the sites folder) and decoys whose home pages do not name the company. Error
// answers are asked for with the query text ("error-401", ...). See README.md, section
// "Web-search APIs". Pure routing; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "router.h"

namespace leadscan::fakenet {

inline constexpr std::string_view kBraveApiHost = "brave.search-api.test";
inline constexpr std::string_view kGoogleApiHost = "google.search-api.test";
inline constexpr std::string_view kSearxngApiHost = "searxng.search-api.test";

// The only credentials the stand-ins accept.
inline constexpr std::string_view kBraveTestKey = "brave-test-key-4f1c9e";
inline constexpr std::string_view kGoogleTestKey = "google-test-key-8a27d3";
inline constexpr std::string_view kGoogleTestCx = "fakenet-engine-1";

// Decoy sites: any host ending in this suffix ("kaffebonan-recensioner.test") answers a review
// page that names no company.
inline constexpr std::string_view kDecoySuffix = "-recensioner.test";

// Retry-After of the stand-ins' 429 answers, in seconds.
inline constexpr int kSearchRetryAfterSeconds = 2;

// True when `host` is a demo shop of the sites folder (the company's own site).
using SiteExists = std::function<bool(const std::string& host)>;

// Answers a request to one of the three API hosts or to a decoy host; false for any other.
bool RouteSearchApis(const Request& request, const SiteExists& site_exists, Reply& reply);

}  // namespace leadscan::fakenet
