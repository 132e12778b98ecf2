#include "http/http_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/utf8.h"
#include "http/api_token.h"
#include "http/cors_policy.h"
#include "http/request_target.h"
#include "http/static_files.h"

namespace leadscan::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// After refusing an oversized body we read (and discard) what the client is still sending, so
// it sees our 413 instead of a connection reset.
constexpr std::chrono::milliseconds kDrainTimeout{1000};
constexpr size_t kMaxDrainBytes = 4 * 1024 * 1024;
constexpr size_t kSseReadBufferBytes = 512;
constexpr size_t kFirstReadBytes = 4096;
constexpr std::string_view kServerName = "leadscan";
constexpr std::string_view kBearerPrefix = "Bearer ";
constexpr std::string_view kWwwAuthenticate = "Bearer realm=\"leadscan\"";

// Headers on every response. The web UI (static files) may load its own scripts, styles,
// images and fonts and talk to its own origin, nothing inline and nothing else; API answers
// are data, never a document. No response may be framed (clickjacking) or sniffed into HTML.
constexpr std::string_view kUiContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";
constexpr std::string_view kApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

template <typename Fields>
void SetSecurityHeaders(Fields& fields, bool ui) {
  fields.set("X-Content-Type-Options", "nosniff");
  fields.set("X-Frame-Options", "DENY");
  fields.set("Referrer-Policy", "no-referrer");
  fields.set("Content-Security-Policy", ui ? kUiContentSecurityPolicy : kApiContentSecurityPolicy);
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size())
    return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool IsApiPath(std::string_view path) {
  return path == "/api" || path.starts_with("/api/");
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// Names the first decoded part of the target that is not UTF-8 ("the path", "query parameter
// 'q'"), or "" when all are.
std::string InvalidUtf8In(const Request& request) {
  if (!common::IsValidUtf8(request.path))
    return "the request path";
  for (const auto& [key, value] : request.query) {
    if (!common::IsValidUtf8(key))
      return "a query parameter name";
    if (!common::IsValidUtf8(value))
      return "query parameter '" + key + "'";
  }
  return {};
}

Response Unauthorized(const common::Status& status) {
  Response r = Response::FromStatus(status);
  r.status = 401;
  std::string challenge(kWwwAuthenticate);
  challenge += ", error=\"invalid_token\"";
  r.WithHeader("WWW-Authenticate", challenge);
  return r;
}

}  // namespace

class Session;

// Plain coroutine functions rather than capturing lambdas: GCC 12 destroys the captures of a
// lambda coroutine handed to co_spawn twice.
asio::awaitable<void> OpenStream(std::function<void(std::shared_ptr<SseStream>)> on_stream,
                                 std::shared_ptr<SseStream> stream, std::string route) {
  try {
    on_stream(stream);
  } catch (const std::exception& e) {
    spdlog::error("http: event stream handler for {} threw: {}", route, e.what());
    stream->Abort();
  } catch (...) {
    spdlog::error("http: event stream handler for {} threw", route);
    stream->Abort();
  }
  co_return;
}

// What the server knows before reading a body: a built-in endpoint, or the router's match and,
// for a route that is not public, either the principal (set on the Request) or the refusal.
struct Prepared {
  bool builtin = false;
  Router::Match match;
  std::optional<Response> refusal;
};

struct HttpServer::Impl {
  Impl(ServerOptions opts, const Router& r, Authenticator* auth, common::Clock& c,
       common::Metrics& m)
      : options(std::move(opts)),
        router(r),
        authenticator(auth),
        clock(c),
        metrics(m),
        cors(options.cors_origins),
        limiter(options.rate_limit, c) {
    if (!options.static_dir.empty())
      static_files.emplace(options.static_dir);
    metrics.DefineCounter("http_requests_total", "HTTP requests answered, by route and status.");
    metrics.DefineHistogram("http_request_duration_seconds",
                            "Time from a request's last byte to its response, by route.");
    metrics.DefineGauge("http_open_connections", "Open client connections.");
    metrics.DefineGauge("http_open_event_streams", "Open Server-Sent Events streams.");
    metrics.DefineGauge("http_idle_connections",
                        "Keep-alive connections waiting for their next request.");
  }

  // Routing and authentication from the request line and headers alone (no body yet). Runs on
  // the handler pool (the authenticator may block). Never throws.
  Prepared Prepare(Request& request);

  // Prepare (unless done already), then the handler; catch-all: an exception is a 500.
  Response Process(Request& request, std::optional<Prepared> prepared,
                   std::chrono::steady_clock::time_point start);

  Response Dispatch(Request& request, Prepared& prepared);

  Response Builtin(Request& request);

  // CORS headers and the request metrics of an answered request. Never throws.
  void Record(const Request& request, Response& response,
              std::chrono::steady_clock::time_point start);

  Response Authorize(Request& request, const RouteOptions& route_options, bool* ok);

  asio::awaitable<void> AcceptLoop();

  asio::awaitable<void> RefuseBusy(tcp::socket socket, std::string_view code,
                                   std::string_view message);

  // Connections waiting for a request header, per client address (slowloris). `enforce`: refuse
  // (false) when the address or the server is at its cap; later requests on an open
  // connection are counted without a check.
  bool BeginUnfinished(const std::string& address, bool enforce);
  void EndUnfinished(const std::string& address);

  // Idle keep-alive connections per client address; false when at the cap (close instead).
  bool BeginIdle(const std::string& address);
  void EndIdle(const std::string& address);

  // Event streams per principal and in total; false when a cap is reached (`*code` says which).
  bool OpenStream(const std::string& principal, std::string* code);
  void CloseStream(const std::string& principal);

  // The most connections a hog class (streams, unfinished requests) may hold server-wide.
  int HogCap() const {
    return std::max(1, options.max_connections - std::max(0, options.reserved_connections));
  }

  void Unregister(Session* session);

  ServerOptions options;
  const Router& router;
  Authenticator* authenticator;
  common::Clock& clock;
  common::Metrics& metrics;
  CorsPolicy cors;
  std::optional<StaticFiles> static_files;
  RateLimiter limiter;

  std::mutex readiness_mu;
  ReadinessCheck readiness;

  std::mutex caps_mu;
  std::unordered_map<std::string, int> unfinished_by_address;
  int unfinished_total = 0;
  std::unordered_map<std::string, int> idle_by_address;
  int idle_total = 0;
  std::unordered_map<std::string, int> streams_by_principal;
  int streams_total = 0;

  std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;

  std::atomic<bool> stopping{false};
  std::atomic<uint16_t> port{0};
  bool running = false;

  // Declared last so they are destroyed first: pending handlers hold Sessions that refer back
  // to the members above.
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<asio::strand<asio::io_context::executor_type>> acceptor_strand;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::thread_pool> handler_pool;
  std::vector<std::thread> io_threads;
};

// One client connection: reads requests, runs them on the handler pool, writes responses;
// becomes an SSE pump when a handler asks for it. Everything runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)), wake_timer_(stream_.get_executor()) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      address_ = endpoint.address().to_string();
      remote_ = address_ + ":" + std::to_string(endpoint.port());
    }
  }

  // Set by the accept loop once the first request was counted as unfinished.
  void MarkUnfinished() { unfinished_ = true; }

  asio::any_io_executor executor() { return stream_.get_executor(); }

  asio::awaitable<void> Run();

  // Called on the strand when the server stops: idle connections close now, event streams
  // end, busy ones finish their response and then close.
  void OnStop() {
    if (sse_) {
      sse_->Abort();
    } else if (idle_) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.socket().close(ec);
    }
  }

  void ForceClose() {
    beast::error_code ec;
    stream_.socket().close(ec);
    if (sse_)
      sse_->Abort();
  }

 private:
  static asio::awaitable<Response> ProcessOnPool(HttpServer::Impl& server, Request& request,
                                                 std::optional<Prepared> prepared,
                                                 std::chrono::steady_clock::time_point start);

  static asio::awaitable<Prepared> PrepareOnPool(HttpServer::Impl& server, Request& request);

  asio::awaitable<bool> Serve();

  asio::awaitable<void> WriteError(int status, std::string_view code, std::string_view message,
                                   unsigned version);

  asio::awaitable<bool> WriteResponse(Response& response, const Request& request, unsigned version,
                                      bool keep_alive);

  asio::awaitable<void> PumpEvents(Response& response, const Request& request, unsigned version);

  asio::awaitable<void> WatchClient(std::shared_ptr<SseStream> stream);

  asio::awaitable<void> Drain();

  HttpServer::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  asio::steady_timer wake_timer_;
  std::string remote_;
  std::string address_;      // client IP, the key of the per-address cap
  bool unfinished_ = false;  // counted in the server's unfinished requests
  bool served_one_ = false;  // a request header was read on this connection
  bool idle_ = true;
  std::shared_ptr<SseStream> sse_;
};

asio::awaitable<void> Session::Run() {
  try {
    while (!server_.stopping.load()) {
      if (!co_await Serve())
        break;
    }
  } catch (const std::exception& e) {
    spdlog::error("http: connection {} failed: {}", remote_, e.what());
  }
  if (unfinished_)
    server_.EndUnfinished(address_);
  unfinished_ = false;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
  server_.Unregister(this);
}

// One request/response exchange. Returns whether to keep the connection for another.
asio::awaitable<bool> Session::Serve() {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
  parser.body_limit(server_.options.max_body_bytes);

  idle_ = true;
  if (served_one_ && buffer_.size() == 0) {
    // Keep-alive: wait up to idle_timeout for the next request to start, unless this address
    // (or the server) already holds its share of idle connections.
    if (!server_.BeginIdle(address_))
      co_return false;
    stream_.expires_after(server_.options.idle_timeout);
    auto [wec, wn] = co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), kTuple);
    server_.EndIdle(address_);
    if (wec)
      co_return false;
    buffer_.commit(wn);
  }
  if (!unfinished_) {
    server_.BeginUnfinished(address_, false);
    unfinished_ = true;
  }
  // The header block must be complete within header_timeout of its start (of accept for the
  // first request): a client dripping bytes cannot hold the connection.
  stream_.expires_after(server_.options.header_timeout);
  auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, kTuple);
  idle_ = false;
  served_one_ = true;
  server_.EndUnfinished(address_);
  unfinished_ = false;
  const unsigned version = parser.get().version() ? parser.get().version() : 11;
  if (ec == bhttp::error::header_limit) {
    co_await WriteError(431, "header_too_large", "request header block is too large", version);
    co_return false;
  }
  if (ec == bhttp::error::body_limit) {
    co_await WriteError(
        413, "payload_too_large",
        "request body exceeds " + std::to_string(server_.options.max_body_bytes) + " bytes",
        version);
    co_await Drain();
    co_return false;
  }
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
      ec == asio::error::bad_descriptor || ec == asio::error::eof) {
    co_return false;
  }
  if (ec) {
    co_await WriteError(400, "bad_request", "malformed HTTP request", version);
    co_return false;
  }

  // Everything but the body: the target, the query, the headers.
  Request request;
  request.method = std::string(parser.get().method_string());
  request.target = std::string(parser.get().target());
  // One normalised path decides routing, authentication and static files.
  auto parsed_target = ParseRequestTarget(request.method, request.target);
  if (!parsed_target.ok()) {
    co_await WriteError(400, parsed_target.status().error_code(), parsed_target.status().message(),
                        version);
    co_return false;
  }
  request.path = std::move(parsed_target->path);
  if (!parsed_target->query.empty())
    request.query = ParseQuery(parsed_target->query);
  // Path and query reach handlers, logs and store queries: they must be UTF-8 once decoded.
  if (std::string where = InvalidUtf8In(request); !where.empty()) {
    co_await WriteError(400, "invalid_utf8", "invalid UTF-8 in " + where, version);
    co_return false;
  }
  for (const auto& field : parser.get()) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.remote_address = remote_;
  const bool client_keep_alive = parser.get().keep_alive();

  // Route and authenticate from the headers alone, before a byte of the body is read: an
  // unauthenticated client cannot make us buffer megabytes.
  std::optional<Prepared> prepared;
  if (!parser.is_done()) {
    prepared = co_await asio::co_spawn(server_.handler_pool->get_executor(),
                                       PrepareOnPool(server_, request), asio::use_awaitable);
  }
  if (prepared && prepared->refusal) {
    Response refusal = std::move(*prepared->refusal);
    server_.Record(request, refusal, std::chrono::steady_clock::now());
    const bool body_pending = !parser.is_done();
    bool keep_alive = client_keep_alive && !body_pending && !server_.stopping.load();
    bool written = co_await WriteResponse(refusal, request, version, keep_alive);
    if (body_pending) {
      co_await Drain();
      co_return false;
    }
    co_return written&& keep_alive;
  }

  if (!parser.is_done()) {
    // Bodies of callers without a principal (public routes, static files, unknown paths) get
    // the small limit; authenticated ones the full one.
    const size_t limit = request.principal
                             ? server_.options.max_body_bytes
                             : std::min(server_.options.max_body_bytes,
                                        server_.options.max_unauthenticated_body_bytes);
    parser.body_limit(limit);
    // Beast checks Content-Length against the limit only while parsing the header.
    if (auto length = parser.content_length(); length && *length > limit) {
      co_await WriteError(413, "payload_too_large",
                          "request body exceeds " + std::to_string(limit) + " bytes", version);
      co_await Drain();
      co_return false;
    }
    auto expect = parser.get()[bhttp::field::expect];
    if (StartsWithIgnoreCase(expect, "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
      stream_.expires_after(server_.options.write_timeout);
      auto [wec, wn] = co_await bhttp::async_write(stream_, cont, kTuple);
      if (wec)
        co_return false;
    }
    stream_.expires_after(server_.options.read_timeout);
    auto [bec, bn] = co_await bhttp::async_read(stream_, buffer_, parser, kTuple);
    if (bec == bhttp::error::body_limit) {
      co_await WriteError(413, "payload_too_large",
                          "request body exceeds " + std::to_string(limit) + " bytes", version);
      co_await Drain();
      co_return false;
    }
    if (bec)
      co_return false;
  }
  stream_.expires_never();
  request.body = std::move(parser.get().body());
  auto start = std::chrono::steady_clock::now();

  Response response = co_await asio::co_spawn(
      server_.handler_pool->get_executor(),
      ProcessOnPool(server_, request, std::move(prepared), start), asio::use_awaitable);

  if (response.on_stream) {
    // One caller cannot hold every slot with event streams: per principal and in total.
    const std::string owner =
        request.principal ? "p:" + request.principal->token_key : "a:" + address_;
    std::string refusal_code;
    if (!server_.OpenStream(owner, &refusal_code)) {
      Response refusal =
          refusal_code == "too_many_streams"
              ? Response::Error(429, refusal_code, "too many event streams open for this caller")
              : Response::Error(503, refusal_code, "the server is at its event stream limit");
      refusal.WithHeader("Retry-After", "5");
      server_.Record(request, refusal, start);
      co_await WriteResponse(refusal, request, version, false);
      co_return false;
    }
    co_await PumpEvents(response, request, version);
    server_.CloseStream(owner);
    co_return false;
  }
  bool keep_alive = client_keep_alive && !server_.stopping.load();
  bool written = co_await WriteResponse(response, request, version, keep_alive);
  co_return written&& keep_alive;
}

asio::awaitable<void> Session::WriteError(int status, std::string_view code,
                                          std::string_view message, unsigned version) {
  Response response = Response::Error(status, code, message);
  Request none;
  server_.metrics.Increment(
      "http_requests_total",
      {{"method", "-"}, {"route", "rejected"}, {"status", std::to_string(status)}});
  co_await WriteResponse(response, none, version, false);
}

asio::awaitable<bool> Session::WriteResponse(Response& response, const Request& request,
                                             unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), version};
  res.set(bhttp::field::server, kServerName);
  if (!response.content_type.empty())
    res.set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value))
      continue;
    res.insert(name, value);
  }
  SetSecurityHeaders(res, request.route == "static");
  res.keep_alive(keep_alive);
  bool bodiless = response.status == 204 || response.status == 304 ||
                  (response.status >= 100 && response.status < 200);
  if (bodiless) {
    res.erase(bhttp::field::content_type);
  } else if (request.method == "HEAD") {
    res.content_length(response.body.size());
  } else {
    res.body() = std::move(response.body);
    res.prepare_payload();
  }
  stream_.expires_after(server_.options.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream_, res, kTuple);
  stream_.expires_never();
  co_return !ec;
}

asio::awaitable<void> Session::Drain() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(kDrainTimeout);
  char scratch[4096];
  size_t drained = 0;
  while (drained < kMaxDrainBytes) {
    auto [rec, n] = co_await stream_.async_read_some(asio::buffer(scratch), kTuple);
    if (rec)
      break;
    drained += n;
  }
  stream_.expires_never();
}

asio::awaitable<void> Session::PumpEvents(Response& response, const Request& request,
                                          unsigned version) {
  auto stream = std::make_shared<SseStream>(server_.options.sse);
  sse_ = stream;
  server_.metrics.Add("http_open_event_streams", {}, 1);
  std::weak_ptr<Session> weak = weak_from_this();
  auto strand = stream_.get_executor();
  stream->SetWaker([weak, strand] {
    asio::post(strand, [weak] {
      if (auto self = weak.lock())
        self->wake_timer_.cancel();
    });
  });

  bhttp::response<bhttp::empty_body> head{bhttp::status::ok, version};
  head.set(bhttp::field::server, kServerName);
  head.set(bhttp::field::content_type, "text/event-stream; charset=utf-8");
  head.set(bhttp::field::cache_control, "no-cache");
  head.set("X-Accel-Buffering", "no");
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value))
      continue;
    head.insert(name, value);
  }
  SetSecurityHeaders(head, false);
  // The body runs until the connection closes: no length, no chunking, Connection: close.
  head.keep_alive(false);
  bhttp::response_serializer<bhttp::empty_body> serializer{head};
  stream_.expires_after(server_.options.write_timeout);
  auto [hec, hn] = co_await bhttp::async_write_header(stream_, serializer, kTuple);
  stream_.expires_never();

  if (!hec) {
    // The handler's on_stream may block (it registers the stream); run it off the IO thread.
    std::function<void(std::shared_ptr<SseStream>)> on_stream = std::move(response.on_stream);
    std::string route = request.route;
    co_await asio::co_spawn(server_.handler_pool->get_executor(),
                            OpenStream(std::move(on_stream), stream, std::move(route)),
                            asio::use_awaitable);

    asio::co_spawn(strand, WatchClient(stream), asio::detached);
    auto interval = server_.options.sse_heartbeat;
    const auto opened = std::chrono::steady_clock::now();
    const auto end_of_life = opened + server_.options.stream_max_lifetime;
    auto last_event = opened;
    auto next_heartbeat = opened + interval;
    if (server_.stopping.load())
      stream->Abort();
    while (true) {
      std::string out;
      stream->TakeFrames(&out);
      auto now = std::chrono::steady_clock::now();
      if (!out.empty())
        last_event = now;
      // Streams end: after stream_max_lifetime, or after stream_idle_timeout without an event
      // (heartbeats do not count); an EventSource reconnects when it still wants them.
      if (now >= end_of_life || now >= last_event + server_.options.stream_idle_timeout)
        stream->Abort();
      bool closed = stream->closed();
      if (!closed && now >= next_heartbeat) {
        out += ": heartbeat\n\n";
        next_heartbeat = now + interval;
      }
      if (!out.empty()) {
        stream_.expires_after(server_.options.write_timeout);
        auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(out), kTuple);
        stream_.expires_never();
        if (wec) {
          stream->Abort();
          break;
        }
        continue;
      }
      if (closed)
        break;
      wake_timer_.expires_at(std::min(
          {next_heartbeat, end_of_life, last_event + server_.options.stream_idle_timeout}));
      co_await wake_timer_.async_wait(kTuple);
    }
  }
  stream->Abort();
  stream->SetWaker(nullptr);
  server_.metrics.Add("http_open_event_streams", {}, -1);
}

// Reads (and ignores) whatever the client sends on an event stream; a read error means the
// client went away.
asio::awaitable<void> Session::WatchClient(std::shared_ptr<SseStream> stream) {
  auto self = shared_from_this();
  char scratch[kSseReadBufferBytes];
  while (!stream->closed()) {
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(scratch), kTuple);
    if (ec)
      break;
  }
  stream->Abort();
}

asio::awaitable<Response> Session::ProcessOnPool(HttpServer::Impl& server, Request& request,
                                                 std::optional<Prepared> prepared,
                                                 std::chrono::steady_clock::time_point start) {
  co_return server.Process(request, std::move(prepared), start);
}

asio::awaitable<Prepared> Session::PrepareOnPool(HttpServer::Impl& server, Request& request) {
  co_return server.Prepare(request);
}

const std::vector<std::string_view>& BuiltinGetPaths() {
  static const std::vector<std::string_view> kPaths = {"/healthz", "/readyz", "/metrics"};
  return kPaths;
}

namespace {

// The endpoints the server answers itself, before the router.
bool IsBuiltin(const Request& request) {
  if (CorsPolicy::IsPreflight(request) || request.path == "*")
    return true;
  if (request.method != "GET" && request.method != "HEAD")
    return false;
  for (std::string_view path : BuiltinGetPaths()) {
    if (request.path == path)
      return true;
  }
  return false;
}

// Metric label for a method: a closed set, whatever the client sends.
std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known)
      return known;
  }
  return "other";
}

Response InternalError() {
  return Response::Error(500, "internal", "internal server error");
}

}  // namespace

Prepared HttpServer::Impl::Prepare(Request& request) {
  Prepared prepared;
  try {
    if (IsBuiltin(request)) {
      prepared.builtin = true;
      return prepared;
    }
    prepared.match = router.Find(request.method, request.path);
    const Router::Route* route = prepared.match.route;
    if (route == nullptr)
      return prepared;
    request.route = route->pattern;
    request.params = prepared.match.params;
    // Authentication follows the route, never the spelling of the path: every route that is
    // not public needs a principal.
    if (!route->options.is_public) {
      bool ok = false;
      Response refusal = Authorize(request, route->options, &ok);
      if (!ok) {
        prepared.refusal = std::move(refusal);
      } else if (!request.principal) {
        spdlog::error("http: {} {} authorised without a principal", request.method, request.path);
        prepared.refusal = InternalError();
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("http: routing {} {} failed: {}", request.method, request.path, e.what());
    prepared.refusal = InternalError();
  } catch (...) {
    spdlog::error("http: routing {} {} failed with a non-standard exception", request.method,
                  request.path);
    prepared.refusal = InternalError();
  }
  return prepared;
}

Response HttpServer::Impl::Process(Request& request, std::optional<Prepared> prepared,
                                   std::chrono::steady_clock::time_point start) {
  Response response;
  try {
    Prepared p = prepared ? std::move(*prepared) : Prepare(request);
    response = p.refusal ? std::move(*p.refusal) : Dispatch(request, p);
  } catch (const std::exception& e) {
    spdlog::error("http: {} {} failed: {}", request.method, request.path, e.what());
    response = InternalError();
  } catch (...) {
    spdlog::error("http: {} {} failed with a non-standard exception", request.method, request.path);
    response = InternalError();
  }
  Record(request, response, start);
  return response;
}

void HttpServer::Impl::Record(const Request& request, Response& response,
                              std::chrono::steady_clock::time_point start) {
  if (response.status < 100 || response.status > 599) {
    spdlog::error("http: {} {} answered invalid status {}", request.method, request.path,
                  response.status);
    response = InternalError();
  }
  try {
    if (!CorsPolicy::IsPreflight(request))
      cors.Decorate(request, &response);
    // Every label value comes from a closed set: route patterns and fixed words, known methods.
    std::string route = request.route.empty() ? "unmatched" : request.route;
    metrics.Increment("http_requests_total", {{"method", std::string(MethodLabel(request.method))},
                                              {"route", route},
                                              {"status", std::to_string(response.status)}});
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics.Observe("http_request_duration_seconds", {{"route", route}}, seconds);
    spdlog::debug("http: {} {} {} {} {:.1f}ms", request.remote_address, request.method,
                  request.path, response.status, seconds * 1000);
  } catch (const std::exception& e) {
    spdlog::error("http: recording {} {} failed: {}", request.method, request.path, e.what());
  }
}

Response HttpServer::Impl::Dispatch(Request& request, Prepared& prepared) {
  if (prepared.builtin)
    return Builtin(request);
  Router::Match& match = prepared.match;
  if (match.route != nullptr) {
    if (!match.route->options.is_public && !request.principal) {
      spdlog::error("http: {} {} reached its handler without a principal", request.method,
                    request.path);
      return InternalError();
    }
    return match.route->handler(request);
  }
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (!match.allowed_methods.empty()) {
    request.route = "method_not_allowed";
    std::string allow;
    for (const auto& m : match.allowed_methods)
      allow += (allow.empty() ? "" : ", ") + m;
    return Response::Error(405, "method_not_allowed",
                           "method " + request.method + " is not allowed here")
        .WithHeader("Allow", allow);
  }
  if (!IsApiPath(request.path) && get && static_files) {
    request.route = "static";
    return static_files->Serve(request);
  }
  return Response::Error(404, "not_found", "no route for " + request.method + " " + request.path);
}

Response HttpServer::Impl::Builtin(Request& request) {
  if (CorsPolicy::IsPreflight(request)) {
    request.route = "preflight";
    return cors.Preflight(request);
  }
  if (request.path == "*") {
    request.route = "options_asterisk";
    return Response::NoContent().WithHeader("Allow",
                                            "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
  }
  if (request.path == "/healthz") {
    request.route = "/healthz";
    return Response::Json(200, {{"status", "ok"}});
  }
  if (request.path == "/readyz") {
    request.route = "/readyz";
    ReadinessCheck check;
    {
      std::lock_guard lock(readiness_mu);
      check = readiness;
    }
    common::Status status = check ? check() : common::Status::Ok();
    if (!status.ok()) {
      Response r = Response::FromStatus(status);
      r.status = 503;
      return r;
    }
    return Response::Json(200, {{"status", "ready"}});
  }
  request.route = "/metrics";
  return Response::Text(200, metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
}

Response HttpServer::Impl::Authorize(Request& request, const RouteOptions& route_options,
                                     bool* ok) {
  *ok = false;
  auto header = request.Header("Authorization");
  std::string_view token;
  if (header && StartsWithIgnoreCase(*header, kBearerPrefix)) {
    token = header->substr(kBearerPrefix.size());
  } else if (auto query_token = request.Query("access_token");
             !header && route_options.token_in_query && query_token) {
    token = *query_token;
  } else {
    Response r = Response::Error(401, "missing_token", "Authorization: Bearer <token> required");
    r.WithHeader("WWW-Authenticate", std::string(kWwwAuthenticate));
    return r;
  }
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  if (token.empty() || authenticator == nullptr) {
    return Unauthorized(common::Status::Error(common::StatusCode::kUnauthenticated, "invalid_token",
                                              "token not accepted"));
  }
  common::Result<Principal> principal = authenticator->Authenticate(token);
  if (!principal.ok()) {
    if (principal.status().code() == common::StatusCode::kUnauthenticated) {
      return Unauthorized(principal.status());
    }
    spdlog::warn("http: authentication could not run: {}", principal.status().ToString());
    Response r = Response::FromStatus(principal.status());
    if (r.status < 500)
      r.status = 503;
    return r;
  }
  Principal p = std::move(principal).value();
  if (p.token_key.empty())
    p.token_key = HashApiToken(token);
  if (route_options.admin_only && p.role != Role::kAdmin) {
    return Response::Error(403, "forbidden", "this endpoint is for admins");
  }
  RateLimiter::Decision decision = limiter.Take(p.token_key);
  if (!decision.allowed) {
    return Response::Error(429, "rate_limited", "too many requests for this token")
        .WithHeader("Retry-After", std::to_string(decision.retry_after_seconds));
  }
  request.principal = std::move(p);
  *ok = true;
  return {};
}

void HttpServer::Impl::Unregister(Session* session) {
  std::lock_guard lock(sessions_mu);
  sessions.erase(session);
  metrics.Set("http_open_connections", {}, static_cast<double>(sessions.size()));
  sessions_cv.notify_all();
}

bool HttpServer::Impl::BeginUnfinished(const std::string& address, bool enforce) {
  std::lock_guard lock(caps_mu);
  int& mine = unfinished_by_address[address];
  if (enforce && (mine >= options.max_unfinished_per_address || unfinished_total >= HogCap())) {
    if (mine == 0)
      unfinished_by_address.erase(address);
    return false;
  }
  ++mine;
  ++unfinished_total;
  return true;
}

void HttpServer::Impl::EndUnfinished(const std::string& address) {
  std::lock_guard lock(caps_mu);
  auto it = unfinished_by_address.find(address);
  if (it == unfinished_by_address.end())
    return;
  --unfinished_total;
  if (--it->second <= 0)
    unfinished_by_address.erase(it);
}

bool HttpServer::Impl::BeginIdle(const std::string& address) {
  std::lock_guard lock(caps_mu);
  int& mine = idle_by_address[address];
  if (mine >= options.max_idle_per_address || idle_total >= HogCap()) {
    if (mine == 0)
      idle_by_address.erase(address);
    return false;
  }
  ++mine;
  ++idle_total;
  metrics.Set("http_idle_connections", {}, static_cast<double>(idle_total));
  return true;
}

void HttpServer::Impl::EndIdle(const std::string& address) {
  std::lock_guard lock(caps_mu);
  auto it = idle_by_address.find(address);
  if (it == idle_by_address.end())
    return;
  --idle_total;
  metrics.Set("http_idle_connections", {}, static_cast<double>(idle_total));
  if (--it->second <= 0)
    idle_by_address.erase(it);
}

bool HttpServer::Impl::OpenStream(const std::string& principal, std::string* code) {
  std::lock_guard lock(caps_mu);
  int& mine = streams_by_principal[principal];
  if (mine >= options.max_streams_per_principal || streams_total >= HogCap()) {
    *code = mine >= options.max_streams_per_principal ? "too_many_streams" : "stream_limit";
    if (mine == 0)
      streams_by_principal.erase(principal);
    return false;
  }
  ++mine;
  ++streams_total;
  return true;
}

void HttpServer::Impl::CloseStream(const std::string& principal) {
  std::lock_guard lock(caps_mu);
  auto it = streams_by_principal.find(principal);
  if (it == streams_by_principal.end())
    return;
  --streams_total;
  if (--it->second <= 0)
    streams_by_principal.erase(it);
}

asio::awaitable<void> HttpServer::Impl::RefuseBusy(tcp::socket socket, std::string_view code,
                                                   std::string_view message) {
  beast::tcp_stream stream(std::move(socket));
  bhttp::response<bhttp::string_body> res{bhttp::status::service_unavailable, 11};
  res.set(bhttp::field::server, kServerName);
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::retry_after, "1");
  SetSecurityHeaders(res, false);
  res.body() = Response::Error(503, code, message).body;
  res.keep_alive(false);
  res.prepare_payload();
  stream.expires_after(options.write_timeout);
  co_await bhttp::async_write(stream, res, kTuple);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

asio::awaitable<void> HttpServer::Impl::AcceptLoop() {
  while (!stopping.load()) {
    asio::any_io_executor strand = asio::make_strand(ioc);
    auto [ec, socket] = co_await acceptor->async_accept(strand, kTuple);
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted || !acceptor->is_open())
        break;
      // Out of descriptors and the like: keep serving the connections we have.
      spdlog::warn("http: accept failed: {}", ec.message());
      asio::steady_timer pause(co_await asio::this_coro::executor);
      pause.expires_after(std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    std::shared_ptr<Session> session;
    {
      std::lock_guard lock(sessions_mu);
      if (static_cast<int>(sessions.size()) >= options.max_connections) {
        asio::co_spawn(strand,
                       RefuseBusy(std::move(socket), "too_many_connections",
                                  "server is at its connection limit"),
                       asio::detached);
        continue;
      }
      beast::error_code rec;
      auto endpoint = socket.remote_endpoint(rec);
      const std::string address = rec ? std::string() : endpoint.address().to_string();
      if (!BeginUnfinished(address, true)) {
        asio::co_spawn(strand,
                       RefuseBusy(std::move(socket), "too_many_unfinished_requests",
                                  "too many connections from this address are still sending "
                                  "their request"),
                       asio::detached);
        continue;
      }
      session = std::make_shared<Session>(*this, std::move(socket));
      session->MarkUnfinished();
      sessions.emplace(session.get(), session);
      metrics.Set("http_open_connections", {}, static_cast<double>(sessions.size()));
    }
    asio::co_spawn(session->executor(), session->Run(), [session](std::exception_ptr e) {
      if (e)
        spdlog::error("http: connection coroutine ended with an exception");
    });
  }
}

HttpServer::HttpServer(ServerOptions options, const Router& router, Authenticator* authenticator,
                       common::Clock& clock, common::Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, authenticator, clock, metrics)) {}

HttpServer::~HttpServer() {
  Stop();
}

void HttpServer::SetReadinessCheck(ReadinessCheck check) {
  std::lock_guard lock(impl_->readiness_mu);
  impl_->readiness = std::move(check);
}

uint16_t HttpServer::port() const {
  return impl_->port.load();
}

common::Status HttpServer::Listen(std::string_view host_port) {
  Impl& s = *impl_;
  if (s.running)
    return common::Status::Conflict("already_listening", "server is running");
  std::string host;
  std::string port_text;
  if (!host_port.empty() && host_port.front() == '[') {
    size_t close = host_port.find(']');
    if (close == std::string_view::npos || close + 1 >= host_port.size() ||
        host_port[close + 1] != ':') {
      return common::Status::InvalidArgument("invalid_listen", "expected [IPv6]:PORT", "listen");
    }
    host = std::string(host_port.substr(1, close - 1));
    port_text = std::string(host_port.substr(close + 2));
  } else {
    size_t colon = host_port.rfind(':');
    if (colon == std::string_view::npos) {
      return common::Status::InvalidArgument("invalid_listen", "expected HOST:PORT", "listen");
    }
    host = std::string(host_port.substr(0, colon));
    port_text = std::string(host_port.substr(colon + 1));
  }
  int port_number = -1;
  try {
    size_t used = 0;
    port_number = std::stoi(port_text, &used);
    if (used != port_text.size())
      port_number = -1;
  } catch (const std::exception&) {
    port_number = -1;
  }
  if (port_number < 0 || port_number > 65535) {
    return common::Status::InvalidArgument("invalid_listen", "port must be 0..65535", "listen");
  }

  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    tcp::resolver resolver(s.ioc);
    auto results = resolver.resolve(host, port_text, ec);
    if (ec || results.empty()) {
      return common::Status::InvalidArgument("invalid_listen", "cannot resolve " + host, "listen");
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, static_cast<uint16_t>(port_number));

  s.acceptor_strand.emplace(asio::make_strand(s.ioc));
  s.acceptor = std::make_unique<tcp::acceptor>(*s.acceptor_strand);
  auto fail = [&](const char* what) {
    std::string message = std::string(what) + " " + std::string(host_port) + ": " + ec.message();
    s.acceptor.reset();
    return common::Status::Error(common::StatusCode::kUnavailable, "listen_failed", message);
  };
  s.acceptor->open(endpoint.protocol(), ec);
  if (ec)
    return fail("open");
  s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec)
    return fail("set_option");
  s.acceptor->bind(endpoint, ec);
  if (ec)
    return fail("bind");
  s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail("listen");
  s.port = s.acceptor->local_endpoint(ec).port();

  s.stopping = false;
  s.running = true;
  s.handler_pool = std::make_unique<asio::thread_pool>(std::max(1, s.options.handler_threads));
  s.work.emplace(s.ioc.get_executor());
  asio::co_spawn(*s.acceptor_strand, s.AcceptLoop(), [](std::exception_ptr e) {
    if (e)
      spdlog::error("http: accept loop ended with an exception");
  });
  for (int i = 0; i < std::max(1, s.options.io_threads); ++i) {
    s.io_threads.emplace_back([&s] { s.ioc.run(); });
  }
  spdlog::info("http: listening on {}:{}", address.to_string(), s.port.load());
  return common::Status::Ok();
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  if (!s.running)
    return;
  s.running = false;
  s.stopping = true;
  asio::post(*s.acceptor_strand, [&s] {
    beast::error_code ec;
    s.acceptor->close(ec);
  });

  auto each_session = [&s](auto action) {
    std::lock_guard lock(s.sessions_mu);
    for (auto& [raw, weak] : s.sessions) {
      if (auto session = weak.lock()) {
        asio::post(session->executor(), [session, action] { action(*session); });
      }
    }
  };
  each_session([](Session& session) { session.OnStop(); });
  {
    std::unique_lock lock(s.sessions_mu);
    bool drained =
        s.sessions_cv.wait_for(lock, s.options.stop_grace, [&s] { return s.sessions.empty(); });
    if (!drained) {
      spdlog::warn("http: {} connections still busy after the stop grace period; closing them",
                   s.sessions.size());
    }
  }
  each_session([](Session& session) { session.ForceClose(); });
  {
    std::unique_lock lock(s.sessions_mu);
    s.sessions_cv.wait_for(lock, std::chrono::seconds(1), [&s] { return s.sessions.empty(); });
  }
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.io_threads)
    t.join();
  s.io_threads.clear();
  s.handler_pool->join();
  s.port = 0;
}

}  // namespace leadscan::http
