// HttpServer: the Boost.Beast HTTP/1.1 server behind `leadscan serve`. IO threads run the
// connections (keep-alive, explicit limits); a separate handler pool runs routing, auth and the
// route handlers, which may block. Built-in routes: /healthz, /readyz, /metrics; CORS
// preflights; static files at / with SPA fallback. The Router, Authenticator, Clock and Metrics
// are owned by the caller and must outlive the server. Listen/Stop are called from one thread;
// port() is thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "http/authenticator.h"
#include "http/rate_limiter.h"
#include "http/router.h"
#include "http/sse_stream.h"

namespace leadscan::http {

class Session;

// The GET (and HEAD) paths the server answers itself, before the router: /healthz, /readyz,
// /metrics. Public; the API document describes them beside the router's routes.
const std::vector<std::string_view>& BuiltinGetPaths();

struct ServerOptions {
  static constexpr size_t kDefaultMaxBodyBytes = 16 * 1024 * 1024;  // CSV imports
  static constexpr size_t kDefaultMaxHeaderBytes = 16 * 1024;
  // Until a request is authenticated (public routes, static files, unknown paths) its body may
  // not exceed this; protected routes are authenticated from the headers before the body is read.
  static constexpr size_t kDefaultMaxUnauthenticatedBodyBytes = 64 * 1024;

  int io_threads = 2;
  int handler_threads = 8;
  size_t max_body_bytes = kDefaultMaxBodyBytes;      // larger bodies: 413 payload_too_large
  size_t max_header_bytes = kDefaultMaxHeaderBytes;  // larger header block: 431
  size_t max_unauthenticated_body_bytes = kDefaultMaxUnauthenticatedBodyBytes;  // else 413
  std::chrono::milliseconds read_timeout{30000};   // header + body of one request
  std::chrono::milliseconds idle_timeout{60000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30000};  // one response (not SSE as a whole)
  int max_connections = 1024;                      // beyond: 503 and close
  // From accept (first request) or from the first byte (later requests) to the end of the
  // header block; slower clients are closed (slowloris).
  std::chrono::milliseconds header_timeout{10000};
  // Connections of one client address still waiting for their request header; beyond: 503
  // too_many_unfinished_requests at accept.
  int max_unfinished_per_address = 32;
  // Idle keep-alive connections of one address; beyond, a connection is closed after its
  // response instead of waiting (the client reconnects). Server-wide they share the cap of
  // the other hog classes (max_connections - reserved_connections).
  int max_idle_per_address = 256;
  // Slots that event streams and unfinished requests never take, so health checks and
  // ordinary requests still get a connection: each of those classes is capped at
  // max_connections - reserved_connections server-wide.
  int reserved_connections = 64;
  int max_streams_per_principal = 16;                      // beyond: 429 too_many_streams
  std::chrono::milliseconds stream_idle_timeout{600000};   // no event (heartbeats aside): close
  std::chrono::milliseconds stream_max_lifetime{3600000};  // any stream closes after this
  std::chrono::milliseconds stop_grace{10000};     // Stop waits this long for in-flight work
  std::vector<std::string> cors_origins;           // exact origins; "*" for any
  std::string static_dir;                          // "" serves no files
  std::chrono::milliseconds sse_heartbeat{15000};  // ": heartbeat" comment interval
  SseStream::Options sse;
  RateLimitOptions rate_limit;
};

class HttpServer {
 public:
  // Readiness check for /readyz: ok -> 200, error -> 503 with the error object. Called on a
  // handler thread; may block briefly (a database ping).
  using ReadinessCheck = std::function<common::Status()>;

  // `authenticator` may be null: then every non-public /api route answers 401.
  HttpServer(ServerOptions options, const Router& router, Authenticator* authenticator,
             common::Clock& clock, common::Metrics& metrics);

  // Stops (as Stop) if still running.
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void SetReadinessCheck(ReadinessCheck check);

  // Binds "HOST:PORT" ("127.0.0.1:8080", "[::1]:0", "0.0.0.0:8080"; port 0 picks a free one)
  // and starts the IO threads and handler pool. Returns at once. Fails with invalid_listen
  // (bad text) or listen_failed (address in use, permission).
  common::Status Listen(std::string_view host_port);

  // The bound port (after Listen), else 0.
  uint16_t port() const;

  // Graceful stop: stops accepting, closes idle keep-alive connections and SSE streams, lets
  // in-flight requests finish (up to stop_grace), then joins all threads. Blocks. Idempotent.
  void Stop();

 private:
  friend class Session;  // a connection, defined in http_server.cc
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leadscan::http
