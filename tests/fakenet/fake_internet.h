// FakeInternet: a loopback HTTP and HTTPS server that hosts many sites by Host name and TLS
// SNI — demo shops from a sites folder, the pages of the shared corpus, generated benchmark
// hosts and hostile behaviours (see tests/fakenet/README.md). Test infrastructure only: it
// owns its threads and a temporary folder with the test CA; all public methods are
// thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::fakenet {

struct Options {
  std::string sites_dir;              // <sites_dir>/<host>/... static files; empty: no static sites
  std::string corpus_dir;             // folder with MANIFEST.tsv; empty: no corpus pages
  std::string address = "127.0.0.1";  // listen address; must be loopback
  uint16_t http_port = 0;             // 0: any free port
  uint16_t https_port = 0;            // 0: any free port
  int threads = 2;                    // server threads
};

// Host names of the hostile behaviours; README.md says what each does and what a client
// should report.
inline constexpr std::string_view kRedirectLoopHost = "redirect-loop.hostile.test";
inline constexpr std::string_view kRedirectChainHost = "redirect-chain.hostile.test";
inline constexpr std::string_view kSlowDripHost = "slow-drip.hostile.test";
inline constexpr std::string_view kEndlessBodyHost = "endless-body.hostile.test";
inline constexpr std::string_view kHugeBodyHost = "huge-body.hostile.test";
inline constexpr std::string_view kGzipBombHost = "gzip-bomb.hostile.test";
inline constexpr std::string_view kImagePngHost = "image-png.hostile.test";
inline constexpr std::string_view kOctetStreamHost = "octet-stream.hostile.test";
inline constexpr std::string_view kUntrustedCaHost = "untrusted-ca.hostile.test";
inline constexpr std::string_view kSelfSignedHost = "self-signed.hostile.test";
inline constexpr std::string_view kExpiredCertHost = "expired-cert.hostile.test";
inline constexpr std::string_view kWrongNameCertHost = "wrong-name-cert.hostile.test";
inline constexpr std::string_view kTooManyRequestsHost = "too-many-requests.hostile.test";
inline constexpr std::string_view kUnavailableHost = "unavailable.hostile.test";
inline constexpr std::string_view kFlakyHost = "flaky.hostile.test";
inline constexpr std::string_view kRobotsDisallowHost = "robots-disallow.hostile.test";
inline constexpr std::string_view kCp1252MetaHost = "cp1252-meta.hostile.test";
inline constexpr std::string_view kCp1252HeaderHost = "cp1252-header.hostile.test";
inline constexpr std::string_view kCp1252UndeclaredHost = "cp1252-undeclared.hostile.test";
inline constexpr std::string_view kRedirectToLoopbackHost = "redirect-loopback.hostile.test";
inline constexpr std::string_view kRedirectToMetadataHost = "redirect-metadata.hostile.test";
inline constexpr std::string_view kRedirectToMappedHost = "redirect-mapped.hostile.test";
inline constexpr std::string_view kNotFoundHost = "not-found.hostile.test";
inline constexpr std::string_view kServerErrorHost = "server-error.hostile.test";
inline constexpr std::string_view kResetMidBodyHost = "reset-mid-body.hostile.test";
inline constexpr std::string_view kHangHost = "hang.hostile.test";
inline constexpr std::string_view kHugeHeaderHost = "huge-header.hostile.test";
inline constexpr std::string_view kBinaryHtmlHost = "binary-html.hostile.test";
inline constexpr std::string_view kTruncatedGzipHost = "truncated-gzip.hostile.test";
inline constexpr std::string_view kCorruptGzipHost = "corrupt-gzip.hostile.test";
inline constexpr std::string_view kBadUtf8Host = "bad-utf8.hostile.test";
inline constexpr std::string_view kDeflateStallHost = "deflate-stall.hostile.test";
inline constexpr std::string_view kGzipStallHost = "gzip-stall.hostile.test";
inline constexpr std::string_view kDeepNestingHost = "deep-nesting.hostile.test";
inline constexpr std::string_view kUnclosedAnchorsHost = "unclosed-anchors.hostile.test";
inline constexpr std::string_view kSlowRobotsHost = "slow-robots.hostile.test";
// Bot protection in front of a site (README: "Bot challenges").
inline constexpr std::string_view kCloudflareChallengeHost = "cloudflare-challenge.hostile.test";
inline constexpr std::string_view kDataDomeChallengeHost = "datadome-challenge.hostile.test";
inline constexpr std::string_view kBrowserChallengeHost = "browser-challenge.hostile.test";
inline constexpr std::string_view kHttp09Host = "http09.hostile.test";
inline constexpr std::string_view kBadStatusLineHost = "bad-status-line.hostile.test";
inline constexpr std::string_view kBadChunkHost = "bad-chunk.hostile.test";

// Sizes the tests and the README rely on.
inline constexpr int kRedirectChainLength = 30;
inline constexpr int64_t kHugeBodyBytes = 50LL * 1024 * 1024;
inline constexpr int64_t kGzipBombInflatedBytes = 2LL * 1024 * 1024 * 1024;
inline constexpr int kFlakyFailures = 2;             // 503s per path before the 200
inline constexpr int kDeepNestingDivs = 200000;      // nested <div>s of deep-nesting
inline constexpr int kUnclosedAnchorPairs = 100000;  // <a><div> pairs of unclosed-anchors
inline constexpr std::chrono::milliseconds kSlowRobotsDelay{1500};  // each answer of slow-robots

// Generated benchmark host number n: "site-<n>.bench.test".
std::string BenchHost(int n);

// The sites folder of this source tree ($LEADSCAN_SOURCE_DIR/tests/fakenet/sites), or "" when
// the variable is unset.
std::string DefaultSitesDir();

// The page corpus: $LEADSCAN_CORPUS_DIR, else $LEADSCAN_SOURCE_DIR/tests/corpus when it
// holds MANIFEST.tsv, else "".
std::string DefaultCorpusDir();

class FakeInternet {
 public:
  // Generates the test CA, loads the sites folder and the corpus manifest, binds both ports
  // and starts the server threads. Fails with a Status when a folder cannot be read, the
  // address is not loopback or a port cannot be bound. Blocks only for that set-up.
  static common::Result<std::unique_ptr<FakeInternet>> Start(Options options);

  FakeInternet(const FakeInternet&) = delete;
  FakeInternet& operator=(const FakeInternet&) = delete;
  ~FakeInternet();  // Stop()s and removes the temporary folder

  const std::string& address() const;
  uint16_t http_port() const;
  uint16_t https_port() const;

  // Path of the PEM file with the test CA certificate (in a temporary folder owned by this
  // object); trust it to verify every leaf the server presents for a name it serves.
  const std::string& ca_file() const;
  const std::string& ca_pem() const;

  // curl-style --connect-to rules that send every host's port 80 and 443 to this server:
  // {":80:127.0.0.1:<http_port>", ":443:127.0.0.1:<https_port>"}.
  std::vector<std::string> ConnectToRules() const;

  // Requests received so far for host (lower-case, no port) and request target (path plus
  // query exactly as sent, e.g. "/robots.txt"), over http and https together.
  int RequestCount(std::string_view host, std::string_view target) const;

  // Requests received so far for host, any target.
  int RequestCount(std::string_view host) const;

  // Requests received so far, all hosts.
  int64_t TotalRequests() const;

  // The Firecrawl stand-in (README.md, "Firecrawl"; base URL http://127.0.0.1:<http_port>):
  // scrape calls received, and the JSON body of the last one.
  int FirecrawlCalls() const;
  std::string LastFirecrawlBody() const;
  // Serves the static site of `host` from its variant `name` (its _variants/<name>/ files over
  // the site's own) from now on; "" goes back to the site itself. False when no static site
  // serves host or it has no such variant. The same as a request for /_fakenet/variant/<name>.
  bool SetSiteVariant(const std::string& host, const std::string& name);

  // Closes the listeners and every connection (including hanging and streaming ones) and
  // joins the server threads. Idempotent; blocks until the threads have ended.
  void Stop();

 private:
  struct Impl;

  explicit FakeInternet(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace leadscan::fakenet
