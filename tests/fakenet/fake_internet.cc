#include "fake_internet.h"

#include <openssl/ssl.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "common/status.h"
#include "router.h"
#include "test_ca.h"

namespace leadscan::fakenet {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using common::Status;
using std::chrono_literals::operator""s;

constexpr auto kReadTimeout = 30s;       // waiting for a request, keep-alive idle included
constexpr auto kHandshakeTimeout = 10s;  // TLS handshake
constexpr auto kWriteTimeout = 60s;      // one write; a client that stops reading is dropped
constexpr auto kShutdownTimeout = 2s;    // TLS close_notify exchange
constexpr auto kDripInterval = 1s;       // slow drip: one byte per interval
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);  // after a failed accept
constexpr size_t kHeaderLimit = 16 * 1024;
constexpr uint64_t kRequestBodyLimit = 1024 * 1024;
constexpr size_t kStreamChunkBytes = 64 * 1024;
constexpr size_t kCoalesceBytes = 8 * 1024;      // bodies up to this go out with their headers
constexpr size_t kStreamPieceBytes = 16 * 1024;  // least bytes per chunk of an endless body
constexpr int kMaxConnections = 20000;
constexpr int kMaxThreads = 64;
constexpr const char* kNoSniName = "localhost";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "Example.se:8080" -> "example.se"; "[::1]:80" -> "[::1]".
std::string HostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t end = host.find(']');
    return Lower(end == std::string_view::npos ? host : host.substr(0, end + 1));
  }
  return Lower(host.substr(0, host.find(':')));
}

CertKind CertKindFor(std::string_view name) {
  if (name == kUntrustedCaHost)
    return CertKind::kUntrustedCa;
  if (name == kSelfSignedHost)
    return CertKind::kSelfSigned;
  if (name == kExpiredCertHost)
    return CertKind::kExpired;
  if (name == kWrongNameCertHost)
    return CertKind::kWrongName;
  return CertKind::kValid;
}

const std::string& Filler() {
  static const std::string filler = [] {
    std::string s;
    while (s.size() < kStreamChunkBytes)
      s += "<p>fakenet filler text, more of it.</p>\n";
    s.resize(kStreamChunkBytes);
    return s;
  }();
  return filler;
}

std::string HeaderBlock(const Reply& reply, std::optional<int64_t> content_length,
                        bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " ";
  out += std::string_view(http::obsolete_reason(http::int_to_status(reply.status)));
  out += "\r\n";
  for (const auto& [name, value] : reply.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (content_length) {
    out += "Content-Length: " + std::to_string(*content_length) + "\r\n";
  } else {
    out += "Transfer-Encoding: chunked\r\n";
  }
  if (!keep_alive)
    out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

}  // namespace

struct FakeInternet::Impl {
  Options options;
  std::unique_ptr<TestCa> ca;
  std::unique_ptr<Router> router;
  std::string temp_dir;
  std::string ca_file;
  uint16_t http_port = 0;
  uint16_t https_port = 0;
  ssl::context ssl_ctx{ssl::context::tls_server};
  std::optional<asio::io_context> ioc;
  std::optional<tcp::acceptor> http_acceptor;
  std::optional<tcp::acceptor> https_acceptor;
  std::vector<std::thread> threads;
  std::atomic<int> connections{0};
  std::mutex stop_mu;
  bool stopped = false;  // guarded by stop_mu

  static int CertCallback(SSL* ssl, void* arg);
  Status Listen(tcp::acceptor& acceptor, uint16_t port, uint16_t& bound);
  asio::awaitable<void> AcceptLoop(tcp::acceptor& acceptor, bool https);
  asio::awaitable<void> ServePlain(tcp::socket socket);
  asio::awaitable<void> ServeTls(tcp::socket socket);
  template <class Stream>
  asio::awaitable<void> ServeHttp(Stream& stream, bool https, const std::string& sni);
  template <class Stream>
  asio::awaitable<bool> Write(Stream& stream, asio::const_buffer buffer);
  template <class Stream>
  asio::awaitable<bool> Send(Stream& stream, const Reply& reply, bool head, bool keep_alive);
  void StopNow();
};

int FakeInternet::Impl::CertCallback(SSL* ssl, void* arg) {
  auto* impl = static_cast<Impl*>(arg);
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  std::string name = sni != nullptr && *sni != '\0' ? Lower(sni) : std::string(kNoSniName);
  X509Ptr cert = impl->ca->Leaf(name, CertKindFor(name));
  if (cert == nullptr)
    return 0;
  if (SSL_use_certificate(ssl, cert.get()) != 1)
    return 0;
  if (SSL_use_PrivateKey(ssl, impl->ca->leaf_key()) != 1)
    return 0;
  return 1;
}

Status FakeInternet::Impl::Listen(tcp::acceptor& acceptor, uint16_t port, uint16_t& bound) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec)
    return Status::InvalidArgument("invalid_address", "bad listen address", "address");
  tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(endpoint, ec);
  if (!ec)
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Error(
        common::StatusCode::kUnavailable, "listen_failed",
        "cannot listen on " + options.address + ":" + std::to_string(port) + ": " + ec.message());
  }
  bound = acceptor.local_endpoint(ec).port();
  return Status::Ok();
}

asio::awaitable<void> FakeInternet::Impl::AcceptLoop(tcp::acceptor& acceptor, bool https) {
  for (;;) {
    tcp::socket socket(asio::make_strand(*ioc));
    boost::system::error_code ec;
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open())
      co_return;
    if (ec) {
      // Out of descriptors and the like: pause instead of spinning on the same error.
      asio::steady_timer pause(acceptor.get_executor(), kAcceptRetryDelay);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (connections.load() >= kMaxConnections)
      continue;  // the socket closes here
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    auto on_done = [](std::exception_ptr) {};  // nothing may escape a connection
    if (https) {
      asio::co_spawn(executor, ServeTls(std::move(socket)), on_done);
    } else {
      asio::co_spawn(executor, ServePlain(std::move(socket)), on_done);
    }
  }
}

asio::awaitable<void> FakeInternet::Impl::ServePlain(tcp::socket socket) {
  connections.fetch_add(1);
  beast::tcp_stream stream(std::move(socket));
  const std::string no_sni;
  co_await ServeHttp(stream, false, no_sni);
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  connections.fetch_sub(1);
}

asio::awaitable<void> FakeInternet::Impl::ServeTls(tcp::socket socket) {
  connections.fetch_add(1);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ssl_ctx);
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  co_await stream.async_handshake(ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    // Named locals, not temporaries, cross the co_await: GCC 12 mishandles the latter.
    const char* raw_sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    std::string sni;
    if (raw_sni != nullptr)
      sni = Lower(raw_sni);
    co_await ServeHttp(stream, true, sni);
    beast::get_lowest_layer(stream).expires_after(kShutdownTimeout);
    if (beast::get_lowest_layer(stream).socket().is_open()) {
      co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  connections.fetch_sub(1);
}

template <class Stream>
asio::awaitable<void> FakeInternet::Impl::ServeHttp(Stream& stream, bool https,
                                                    const std::string& sni) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kRequestBodyLimit);
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(kReadTimeout);
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec)
      co_return;
    const auto& req = parser.get();
    Request request;
    request.method = std::string(req.method_string());
    request.host = HostWithoutPort(req[http::field::host]);
    if (request.host.empty())
      request.host = sni;
    request.target = std::string(req.target());
    request.https = https;
    request.accepts_gzip =
        Lower(req[http::field::accept_encoding]).find("gzip") != std::string::npos;
    const bool keep_alive = req.keep_alive();
    const bool head = req.method() == http::verb::head;
    Reply reply = router->Route(request);
    if (!co_await Send(stream, reply, head, keep_alive) || !keep_alive)
      co_return;
  }
}

// Writes one buffer with the write timeout; false on any error. (One buffer per write: GCC 12
// coroutines and multi-buffer sequences over ssl_stream lost data here.)
template <class Stream>
asio::awaitable<bool> FakeInternet::Impl::Write(Stream& stream, asio::const_buffer buffer) {
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  co_await asio::async_write(stream, buffer, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

// Sends reply; false when the connection must end (error, or a behaviour that ends it).
template <class Stream>
asio::awaitable<bool> FakeInternet::Impl::Send(Stream& stream, const Reply& reply, bool head,
                                               bool keep_alive) {
  boost::system::error_code ec;
  auto& lowest = beast::get_lowest_layer(stream);
  const std::string& body = reply.shared_body ? *reply.shared_body : reply.body;
  switch (reply.mode) {
    case ReplyMode::kNormal: {
      const std::string head_block =
          HeaderBlock(reply, static_cast<int64_t>(body.size()), keep_alive);
      if (head || body.empty())
        co_return co_await Write(stream, asio::buffer(head_block));
      if (body.size() <= kCoalesceBytes) {
        // One write, one packet, for the common small page.
        const std::string whole = head_block + body;
        co_return co_await Write(stream, asio::buffer(whole));
      }
      if (!co_await Write(stream, asio::buffer(head_block)))
        co_return false;
      co_return co_await Write(stream, asio::buffer(body));
    }
    case ReplyMode::kHugeBody: {
      const std::string head_block = HeaderBlock(reply, reply.stream_bytes, keep_alive);
      if (!co_await Write(stream, asio::buffer(head_block)))
        co_return false;
      for (int64_t left = head ? 0 : reply.stream_bytes; left > 0;) {
        size_t n = static_cast<size_t>(std::min<int64_t>(left, Filler().size()));
        const asio::const_buffer piece(Filler().data(), n);
        if (!co_await Write(stream, piece))
          co_return false;
        left -= static_cast<int64_t>(n);
      }
      co_return true;
    }
    case ReplyMode::kResetMidBody: {
      const std::string whole = HeaderBlock(reply, reply.stream_bytes, false) + body;
      if (co_await Write(stream, asio::buffer(whole))) {
        // Linger 0 makes close() send a RST instead of a FIN.
        lowest.socket().set_option(asio::socket_base::linger(true, 0), ec);
        lowest.socket().close(ec);
      }
      co_return false;
    }
    case ReplyMode::kSlowDrip:
    case ReplyMode::kEndlessBody: {
      const std::string head_block = HeaderBlock(reply, std::nullopt, false);
      if (!co_await Write(stream, asio::buffer(head_block)))
        co_return false;
      const bool drip = reply.mode == ReplyMode::kSlowDrip;
      auto as_chunk = [](const std::string& bytes) {
        std::ostringstream size;
        size << std::hex << bytes.size();
        return size.str() + "\r\n" + bytes + "\r\n";
      };
      if (!drip && !body.empty() && !co_await Write(stream, asio::buffer(as_chunk(body))))
        co_return false;
      std::string piece = reply.repeat.empty() ? Filler() : reply.repeat;
      while (piece.size() < kStreamPieceBytes)
        piece += piece;
      std::string chunk = drip ? std::string("1\r\n<\r\n") : as_chunk(piece);
      asio::steady_timer timer(co_await asio::this_coro::executor);
      for (;;) {
        if (drip) {
          timer.expires_after(kDripInterval);
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (ec)
            co_return false;
        }
        if (!co_await Write(stream, asio::buffer(chunk)))
          co_return false;
      }
    }
    case ReplyMode::kRaw: {
      if (!head)
        co_await Write(stream, asio::buffer(body));
      co_return false;
    }
    case ReplyMode::kDelayed: {
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(reply.delay);
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec)
        co_return false;
      Reply now = reply;
      now.mode = ReplyMode::kNormal;
      co_return co_await Send(stream, now, head, keep_alive);
    }
    case ReplyMode::kHang: {
      // Wait for the client to leave; anything it sends is ignored.
      lowest.expires_never();
      std::array<char, 512> sink;
      for (;;) {
        co_await lowest.async_read_some(asio::buffer(sink),
                                        asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
          co_return false;
      }
    }
  }
  co_return false;
}

void FakeInternet::Impl::StopNow() {
  std::lock_guard lock(stop_mu);
  if (stopped)
    return;
  stopped = true;
  if (ioc)
    ioc->stop();
  for (std::thread& t : threads) {
    if (t.joinable())
      t.join();
  }
  threads.clear();
  boost::system::error_code ec;
  if (http_acceptor)
    http_acceptor->close(ec);
  if (https_acceptor)
    https_acceptor->close(ec);
  http_acceptor.reset();
  https_acceptor.reset();
  // Destroying the io_context destroys the suspended connections (hanging, streaming).
  ioc.reset();
}

std::string DefaultSitesDir() {
  const char* source = std::getenv("LEADSCAN_SOURCE_DIR");
  if (source == nullptr || *source == '\0')
    return {};
  return (fs::path(source) / "tests" / "fakenet" / "sites").string();
}

std::string DefaultCorpusDir() {
  std::error_code ec;
  if (const char* corpus = std::getenv("LEADSCAN_CORPUS_DIR"); corpus != nullptr && *corpus) {
    return corpus;
  }
  const char* source = std::getenv("LEADSCAN_SOURCE_DIR");
  if (source == nullptr || *source == '\0')
    return {};
  fs::path dir = fs::path(source) / "tests" / "corpus";
  if (!fs::exists(dir / "MANIFEST.tsv", ec))
    return {};
  return fs::weakly_canonical(dir, ec).string();
}

common::Result<std::unique_ptr<FakeInternet>> FakeInternet::Start(Options options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const Options& o = impl->options;
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(o.address, ec);
  if (ec || !address.is_loopback()) {
    return Status::InvalidArgument(
        "invalid_address", "the fake internet listens on loopback only, not '" + o.address + "'",
        "address");
  }
  auto ca = TestCa::Create();
  if (!ca.ok())
    return ca.status();
  impl->ca = std::move(ca).value();
  auto router = Router::Create(o.sites_dir, o.corpus_dir);
  if (!router.ok())
    return router.status();
  impl->router = std::move(router).value();

  std::string pattern = (fs::temp_directory_path(ec) / "leadscan-fakenet-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    return Status::IoError("cannot create a temp folder");
  impl->temp_dir = pattern;
  impl->ca_file = (fs::path(pattern) / "ca.pem").string();
  {
    std::ofstream out(impl->ca_file, std::ios::binary);
    out << impl->ca->ca_pem();
    if (!out)
      return Status::IoError("cannot write " + impl->ca_file);
  }

  SSL_CTX* ctx = impl->ssl_ctx.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Every bench host is a new name, so resumption never happens: skip the session cache and
  // the TLS 1.3 tickets, which cost CPU on every handshake.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_cert_cb(ctx, &Impl::CertCallback, impl.get());

  const int threads = std::clamp(o.threads, 1, kMaxThreads);
  impl->ioc.emplace(threads);
  impl->http_acceptor.emplace(*impl->ioc);
  impl->https_acceptor.emplace(*impl->ioc);
  LEADSCAN_RETURN_IF_ERROR(impl->Listen(*impl->http_acceptor, o.http_port, impl->http_port));
  LEADSCAN_RETURN_IF_ERROR(impl->Listen(*impl->https_acceptor, o.https_port, impl->https_port));
  impl->router->set_http_port(impl->http_port);

  auto on_done = [](std::exception_ptr) {};
  asio::co_spawn(*impl->ioc, impl->AcceptLoop(*impl->http_acceptor, false), on_done);
  asio::co_spawn(*impl->ioc, impl->AcceptLoop(*impl->https_acceptor, true), on_done);
  for (int i = 0; i < threads; ++i) {
    impl->threads.emplace_back([io = &*impl->ioc] { io->run(); });
  }
  return std::unique_ptr<FakeInternet>(new FakeInternet(std::move(impl)));
}

FakeInternet::FakeInternet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FakeInternet::~FakeInternet() {
  Stop();
  std::error_code ec;
  if (!impl_->temp_dir.empty())
    fs::remove_all(impl_->temp_dir, ec);
}

const std::string& FakeInternet::address() const {
  return impl_->options.address;
}

uint16_t FakeInternet::http_port() const {
  return impl_->http_port;
}

uint16_t FakeInternet::https_port() const {
  return impl_->https_port;
}

const std::string& FakeInternet::ca_file() const {
  return impl_->ca_file;
}

const std::string& FakeInternet::ca_pem() const {
  return impl_->ca->ca_pem();
}

std::vector<std::string> FakeInternet::ConnectToRules() const {
  const std::string host =
      address().find(':') != std::string::npos ? "[" + address() + "]" : address();
  return {":80:" + host + ":" + std::to_string(http_port()),
          ":443:" + host + ":" + std::to_string(https_port())};
}

bool FakeInternet::SetSiteVariant(const std::string& host, const std::string& name) {
  return impl_->router->SetSiteVariant(host, name);
}

int FakeInternet::RequestCount(std::string_view host, std::string_view target) const {
  return impl_->router->RequestCount(host, target);
}

int FakeInternet::RequestCount(std::string_view host) const {
  return impl_->router->RequestCount(host);
}

int64_t FakeInternet::TotalRequests() const {
  return impl_->router->TotalRequests();
}

void FakeInternet::Stop() {
  impl_->StopNow();
}

}  // namespace leadscan::fakenet
