// FetchOptions: every knob of CurlFetcher with its default as a named constant. Plain data,
// copied into the fetcher at construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace leadscan::fetch {

inline constexpr int kDefaultMaxConcurrent = 256;  // transfers in flight, all hosts
inline constexpr int kDefaultMaxPerHost = 2;       // transfers in flight to one host
inline constexpr std::chrono::milliseconds kDefaultPoliteness{250};  // gap between starts/host
inline constexpr int kDefaultMaxRedirects = 10;
inline constexpr std::chrono::milliseconds kDefaultConnectTimeout{10000};
inline constexpr std::chrono::milliseconds kDefaultTimeout{20000};  // when a request says 0
inline constexpr int64_t kDefaultMaxBodyBytes = 5LL * 1024 * 1024;  // after decompression
inline constexpr int64_t kDefaultLowSpeedBytesPerSec = 1024;        // slower than this ...
inline constexpr std::chrono::seconds kDefaultLowSpeedTime{5};      // ... for this long aborts
inline constexpr int64_t kMaxRobotsBytes = 512 * 1024;              // RFC 9309 asks for >= 500 KiB
inline constexpr size_t kDefaultRobotsCacheEntries = 4096;          // origins remembered
inline constexpr std::chrono::hours kDefaultRobotsTtl{24};
inline constexpr int64_t kMaxHeaderBytes = 256 * 1024;  // all response headers of one answer
inline constexpr char kDefaultUserAgent[] =
    "leadscan/0.1 (+https://leadscan.example/bot; site analysis for sales leads)";
inline constexpr char kRobotsProductToken[] = "leadscan";

struct FetchOptions {
  int max_concurrent = kDefaultMaxConcurrent;
  int max_per_host = kDefaultMaxPerHost;
  std::chrono::milliseconds politeness_delay = kDefaultPoliteness;  // 0: none
  int max_redirects = kDefaultMaxRedirects;
  std::chrono::milliseconds connect_timeout = kDefaultConnectTimeout;
  std::chrono::milliseconds default_timeout = kDefaultTimeout;
  int64_t max_body_bytes = kDefaultMaxBodyBytes;
  int64_t low_speed_bytes_per_sec = kDefaultLowSpeedBytesPerSec;  // 0: no low-speed abort
  std::chrono::seconds low_speed_time = kDefaultLowSpeedTime;
  std::string user_agent = kDefaultUserAgent;
  std::string robots_token = kRobotsProductToken;  // product token matched in robots.txt
  bool ignore_robots = false;
  size_t robots_cache_entries = kDefaultRobotsCacheEntries;
  std::chrono::seconds robots_ttl = kDefaultRobotsTtl;

  // Address guard: ranges opened on purpose, "CIDR" or "CIDR:PORT" ("127.0.0.1/32:8443",
  // "::1/128:8443"); a bare address means a single host. See address_guard.h.
  std::vector<std::string> allow_net;
  // curl's --resolve "HOST:PORT:ADDRESS[,ADDRESS]" and --connect-to
  // "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT" (empty HOST or PORT matches any).
  std::vector<std::string> resolve;
  std::vector<std::string> connect_to;
  std::string ca_file;  // PEM file of extra trusted CAs, added to the system ones
  bool http2 = true;    // offer HTTP/2 (ALPN) on https
};

}  // namespace leadscan::fetch
