// Router: decides the fake internet's answer to one request — static site, corpus page,
// generated bench page or hostile behaviour — without touching sockets. The server session
// carries out the Reply. Thread-safe: Route may run on many threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace leadscan::fakenet {

struct Request {
  std::string method;  // "GET", "HEAD", ...
  std::string host;    // lower-case, port stripped
  std::string target;  // path and query as sent
  bool https = false;
  bool accepts_gzip = false;
  std::string authorization;  // the Authorization header (the Firecrawl stand-in reads it)
  std::string body;           // request body (POST)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case, in order
};

// How the session sends the reply. Everything except kNormal streams or misbehaves.
enum class ReplyMode {
  kNormal,        // status, headers and body, then keep-alive as the client asked
  kSlowDrip,      // headers (chunked), then one body byte per second until the client leaves
  kEndlessBody,   // headers (chunked), then chunks forever
  kHugeBody,      // headers with Content-Length: stream_bytes, then that many bytes
  kResetMidBody,  // headers with Content-Length: stream_bytes, then body, then TCP reset
  kHang,          // never answer; hold the connection until the client leaves
  kRaw,           // body is the whole answer, status line and headers included; then close
  kDelayed,       // wait delay, then as kNormal
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Reply {
  ReplyMode mode = ReplyMode::kNormal;
  int status = 200;
  HeaderList headers;  // in order; Content-Length is added by the session
  std::string body;
  std::shared_ptr<const std::string> shared_body;  // used instead of body when set (large)
  int64_t stream_bytes = 0;  // kHugeBody: body length; kResetMidBody: announced length
  // kEndlessBody: after body (its first chunk), these bytes as one chunk, forever (default:
  // filler text).
  std::string repeat;
  std::chrono::milliseconds delay{0};  // kDelayed
};

class StaticSites;
class Corpus;
class FirecrawlStandIn;

class Router {
 public:
  // Loads the sites folder and the corpus manifest; empty paths disable them.
  static common::Result<std::unique_ptr<Router>> Create(const std::string& sites_dir,
                                                        const std::string& corpus_dir);
  ~Router();

  // The http port is needed for the redirects to 127.0.0.1:<port>.
  void set_http_port(uint16_t port) { http_port_ = port; }

  // Counts the request and decides the reply. Never fails: problems become 4xx/5xx replies.
  Reply Route(const Request& request);

  int RequestCount(std::string_view host, std::string_view target) const;
  int RequestCount(std::string_view host) const;

  int64_t TotalRequests() const { return total_requests_.load(); }

  // The Firecrawl stand-in (firecrawl_standin.h).
  const FirecrawlStandIn& firecrawl() const { return *firecrawl_; }

  // StaticSites::SetVariant; false without static sites.
  bool SetSiteVariant(const std::string& host, const std::string& name) const;

 private:
  Router() = default;

  // Counts and returns how many requests (this one included) host+target has had.
  int Count(const std::string& host, const std::string& target);

  // Add-to-cart requests of a shop with a cart (StaticSites::HasCart): Shopify's POST
  // /cart/add.js and WooCommerce's ?add-to-cart=N set the cart cookie. False: not one.
  bool RouteCart(const Request& request, Reply& reply);
  // Whether the request carries the cart cookie.
  static bool InCart(const Request& request);
  bool RouteHostile(const Request& request, int count, Reply& reply);
  std::shared_ptr<const std::string> GzipBomb();

  std::unique_ptr<StaticSites> sites_;
  std::unique_ptr<Corpus> corpus_;
  std::unique_ptr<FirecrawlStandIn> firecrawl_;
  std::atomic<uint16_t> http_port_{0};
  std::atomic<int64_t> total_requests_{0};
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, int, std::less<>>, std::less<>>
      counts_;  // host -> target -> requests; guarded by mu_
  std::once_flag bomb_once_;
  std::shared_ptr<const std::string> bomb_;
};

// The generated page of bench host number n for path (deterministic; 30-60 KB).
std::string GenerateBenchPage(int n, std::string_view path);

}  // namespace leadscan::fakenet
