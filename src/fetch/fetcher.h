// Fetcher: the seam for getting web pages. The real one (CurlFetcher) drives libcurl's multi
// interface on its own thread; tests use ScriptedFetcher or a real CurlFetcher against the
// fake internet on loopback. Implementations are thread-safe: any thread may call Fetch or
// FetchAsync at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace leadscan::fetch {

using Headers = std::vector<std::pair<std::string, std::string>>;  // names lower-case

// What the caller wants back. kPage: an HTML document decoded to UTF-8 (anything else fails
// with not_html). kText: any body decoded to UTF-8 as text (robots.txt, sitemaps). kRaw: the
// bytes as received (after Content-Encoding), no decoding, any content type.
enum class FetchKind { kPage, kText, kRaw };

struct FetchRequest {
  std::string url;  // absolute http(s) URL; see NormalizeTarget for user input
  Headers headers;  // extra request headers
  // Whole transfer, redirects included (not the wait in queues or for robots.txt); 0: default.
  std::chrono::milliseconds timeout{20000};
  // At most this many body bytes (decoded, and compressed); 0: the fetcher's configured limit,
  // which is also a ceiling: a larger value here does not raise it.
  int64_t max_body_bytes = 0;
  bool check_robots = true;  // obey robots.txt (unless disabled globally)
  // Set to true by another thread to abort the transfer; the result is then `cancelled`.
  std::shared_ptr<std::atomic<bool>> cancel;
  std::string reason;  // why this page is fetched ("home", "link: /frakt"); echoed back
  FetchKind kind = FetchKind::kPage;
  // A POST of `body` (webhook deliveries) when set; a GET otherwise. A POST is never
  // redirected to a GET: set follow_redirects false and read a 3xx as an answer.
  bool post = false;
  std::string body;
  bool follow_redirects = true;
  // False: a final status >= 300 is handed back as a response (status set, body read) instead
  // of failing with http_4xx / http_5xx; the caller judges it.
  bool fail_on_http_error = true;
};

struct FetchResponse {
  std::string url;        // as requested
  std::string final_url;  // after redirects
  // Every URL that answered with a redirect, in order: the requested URL first, final_url not.
  std::vector<std::string> redirects;
  int status = 0;
  std::string http_version;  // "1.1", "2"
  Headers headers;           // final response's headers, names lower-case, in order
  std::string content_type;  // media type only, lower-case ("text/html")
  std::string charset;       // the charset the body was decoded from ("windows-1252")
  std::string body;          // decoded to UTF-8 for text types; raw bytes otherwise
  int64_t wire_bytes = 0;    // bytes received (compressed)
  double ms = 0;             // wall time of the whole fetch
  std::string remote_ip;     // address actually connected to
  std::string cert_issuer;   // TLS certificate issuer (organisation), when https
  std::string reason;        // copied from the request
  // FetchHome: "https" or "http", the scheme the answer came over, and why https was given up
  // ("tls_error: ..."), empty when it was not.
  std::string via;
  std::string fallback_reason;
};

// Every failure is a Status whose error_code is one of the stable codes in fetch/errors.h
// (dns_not_found, connect_refused, tls_error, timeout, http_404, ...) and whose retryable()
// says whether a later try may succeed. HTTP error statuses are failures too.
using FetchResult = common::Result<FetchResponse>;
using FetchCallback = std::function<void(FetchResult)>;

// `result` with every string made valid UTF-8 (invalid sequences -> U+FFFD): URLs, redirects,
// header names and values, the other response fields, the body unless `kind` is kRaw, and a
// failure's message. Fetchers apply it to everything they hand out, so bytes from a site
// never leave the fetcher as invalid UTF-8.
FetchResult WithValidUtf8(FetchResult result, FetchKind kind);

// `status` with its message made valid UTF-8 (error texts quote URLs and server bytes).
common::Status WithValidUtf8(const common::Status& status);

class Fetcher {
 public:
  virtual ~Fetcher() = default;

  // Starts a fetch and returns at once; `done` runs exactly once, on a fetcher thread, and
  // must not block for long.
  virtual void FetchAsync(FetchRequest request, FetchCallback done) = 0;

  // Blocks the calling thread until the fetch finishes.
  FetchResult Fetch(FetchRequest request);
};

}  // namespace leadscan::fetch
