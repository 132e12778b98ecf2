#include "http/http_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "http/jwt_authenticator.h"
#include "http/sse_stream.h"

namespace leadscan::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr char kMemberToken[] = "lsk_member";
constexpr char kAdminToken[] = "lsk_admin";
constexpr char kJwtSecret[] = "jwt-secret-for-tests-0123456789abcdef";
constexpr int64_t kNow = 1700000000;
// Upper bound for anything a test waits on; reaching it means the test failed, not that it
// was slow.
constexpr auto kPatience = 20s;

using Reply = bhttp::response<bhttp::string_body>;

// The inodes of the sockets listening on TCP `port` (IPv4 or IPv6) in this network namespace.
std::set<std::string> ListeningInodes(uint16_t port) {
  std::set<std::string> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeouts, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeouts >> inode;
      const auto colon = local.rfind(':');
      if (state != "0A" || colon == std::string::npos)  // 0A: LISTEN
        continue;
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port)
        inodes.insert(inode);
    }
  }
  return inodes;
}

// Whether a descriptor of this process is a socket listening on TCP `port`.
bool ProcessListensOn(uint16_t port) {
  const std::set<std::string> inodes = ListeningInodes(port);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd", ec)) {
    std::error_code link_ec;
    const std::string target = fs::read_symlink(entry.path(), link_ec).string();
    if (!link_ec && target.rfind("socket:[", 0) == 0 &&
        inodes.count(target.substr(8, target.size() - 9)) > 0)
      return true;
  }
  return false;
}

// A blocking HTTP/1.1 client on one connection, with a receive timeout so a broken server
// fails the test instead of hanging it.
class Client {
 public:
  // `source`: the local address to connect from (another loopback address is another client).
  explicit Client(uint16_t port, const char* source = nullptr) : socket_(ioc_) {
    if (source != nullptr) {
      socket_.open(tcp::v4());
      socket_.bind({asio::ip::make_address(source), 0});
    }
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    timeval tv{static_cast<time_t>(kPatience.count()), 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  Reply Send(bhttp::verb method, std::string target, std::string body = {},
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (auto& [k, v] : headers)
      req.set(k, v);
    if (!body.empty() || method == bhttp::verb::post) {
      req.body() = std::move(body);
      req.prepare_payload();
    }
    bhttp::write(socket_, req);
    return Read(method == bhttp::verb::head);
  }

  Reply Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    parser.body_limit(64 * 1024 * 1024);
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }

  // Raw bytes until `needle` has been seen (or the connection ends); returns all read.
  std::string ReadUntil(std::string_view needle) {
    std::string text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    char chunk[1024];
    while (text.find(needle) == std::string::npos) {
      beast::error_code ec;
      size_t n = socket_.read_some(asio::buffer(chunk), ec);
      if (ec)
        break;
      text.append(chunk, n);
    }
    return text;
  }

  // True when the server closed the connection (read returns EOF).
  bool ReadsEof() {
    char chunk[1024];
    while (true) {
      beast::error_code ec;
      socket_.read_some(asio::buffer(chunk), ec);
      if (ec == asio::error::eof || ec == asio::error::connection_reset)
        return true;
      if (ec)
        return false;
    }
  }

  void WriteRaw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

nlohmann::json Body(const Reply& r) {
  return nlohmann::json::parse(r.body());
}

common::OrgId Org(std::string_view id) {
  return *common::OrgId::Parse(id);
}

class TestAuthenticator : public Authenticator {
 public:
  explicit TestAuthenticator(Authenticator* jwt) : jwt_(jwt) {}

  common::Result<Principal> Authenticate(std::string_view token) override {
    if (token == kMemberToken)
      return Principal{Org("org-1"), Role::kMember, "member-token", ""};
    if (token == kAdminToken)
      return Principal{Org("org-1"), Role::kAdmin, "admin-token", ""};
    if (std::count(token.begin(), token.end(), '.') == 2)
      return jwt_->Authenticate(token);
    return common::Status::Error(common::StatusCode::kUnauthenticated, "invalid_token",
                                 "unknown token");
  }

 private:
  Authenticator* jwt_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest()
      : clock_(common::TimePoint(std::chrono::seconds(kNow))),
        jwt_(JwtOptions{kJwtSecret, "app_metadata.org_id", "app_metadata.role", "", 0s}, clock_),
        auth_(&jwt_) {
    options_.io_threads = 2;
    options_.handler_threads = 4;
    options_.max_body_bytes = 1024;
    options_.cors_origins = {"http://localhost:5173"};
    options_.rate_limit.enabled = false;
    options_.stop_grace = 10s;

    router_.Get("/api/items/:id", [](const Request& r) {
      nlohmann::json j = {{"id", r.Param("id")},
                          {"x", r.Query("x").value_or("")},
                          {"y", r.Query("y").value_or("")},
                          {"org", r.principal ? r.principal->org_id.str() : ""},
                          {"remote", r.remote_address}};
      return Response::Json(200, j);
    });
    router_.Delete("/api/items/:id", [](const Request&) { return Response::NoContent(); });
    router_.Post("/api/echo", [](const Request& r) {
      auto parsed = ParseJsonBody(r);
      if (!parsed.ok())
        return Response::FromStatus(parsed.status());
      return Response::Json(201, *parsed);
    });
    router_.Get("/api/admin",
                [](const Request&) {
                  return Response::Json(200, {{"ok", true}});
                },
                {.admin_only = true});
    router_.Get("/api/public",
                [](const Request&) {
                  return Response::Json(200, {{"ok", 1}});
                },
                {.is_public = true});
    router_.Get("/api/boom",
                [](const Request&) -> Response { throw std::runtime_error("handler bug"); });
  }

  ~HttpServerTest() override {
    if (server_)
      server_->Stop();
    if (!static_base_.empty())
      fs::remove_all(static_base_);
  }

  void Start() {
    server_ = std::make_unique<HttpServer>(options_, router_, &auth_, clock_, metrics_);
    ASSERT_TRUE(server_->Listen("127.0.0.1:0").ok());
    ASSERT_NE(server_->port(), 0);
  }

  static std::vector<std::pair<std::string, std::string>> Bearer(std::string token) {
    return {{"Authorization", "Bearer " + token}};
  }

  std::string Jwt(nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json claims = {
        {"sub", "u1"}, {"exp", kNow + 600}, {"app_metadata", {{"org_id", "org-jwt"}}}};
    claims.update(extra);
    return SignJwtHs256(claims.dump(), kJwtSecret);
  }

  common::FakeClock clock_;
  JwtAuthenticator jwt_;
  TestAuthenticator auth_;
  common::Metrics metrics_;
  Router router_;
  ServerOptions options_;
  std::unique_ptr<HttpServer> server_;
  fs::path static_base_;
};

TEST_F(HttpServerTest, RoutesWithParamsAndDecodedQuery) {
  Start();
  Client c(server_->port());
  Reply r =
      c.Send(bhttp::verb::get, "/api/items/a%20b?x=1&y=hej+d%C3%A5", {}, Bearer(kMemberToken));
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  auto j = Body(r);
  EXPECT_EQ(j["id"], "a b");
  EXPECT_EQ(j["x"], "1");
  EXPECT_EQ(j["y"], "hej då");
  EXPECT_EQ(j["org"], "org-1");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Start();
  Client c(server_->port());
  Reply missing = c.Send(bhttp::verb::get, "/api/nothing", {}, Bearer(kMemberToken));
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(Body(missing)["error"]["code"], "not_found");
  Reply wrong = c.Send(bhttp::verb::put, "/api/items/1", "{}", Bearer(kMemberToken));
  EXPECT_EQ(wrong.result_int(), 405);
  EXPECT_EQ(Body(wrong)["error"]["code"], "method_not_allowed");
  EXPECT_EQ(wrong[bhttp::field::allow], "DELETE, GET, HEAD");
  Reply no_static = c.Send(bhttp::verb::get, "/somewhere");
  EXPECT_EQ(no_static.result_int(), 404);
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413) {
  Start();
  Client c(server_->port());
  Reply r = c.Send(bhttp::verb::post, "/api/echo", std::string(4096, 'x'), Bearer(kMemberToken));
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(Body(r)["error"]["code"], "payload_too_large");
  // Within the limit is fine on a fresh connection.
  Client c2(server_->port());
  Reply ok = c2.Send(bhttp::verb::post, "/api/echo", R"({"a":[1,2]})", Bearer(kMemberToken));
  EXPECT_EQ(ok.result_int(), 201);
  EXPECT_EQ(Body(ok)["a"][1], 2);
}

TEST_F(HttpServerTest, ProtectedRouteAnswers401BeforeReadingTheBody) {
  options_.max_body_bytes = 16 * 1024 * 1024;
  Start();
  Client c(server_->port());
  // Announce 8 MB and send none of it: the refusal must come from the headers alone.
  c.WriteRaw(
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 8388608\r\n\r\n");
  Reply r = c.Read();
  EXPECT_EQ(r.result_int(), 401);
  EXPECT_EQ(Body(r)["error"]["code"], "missing_token");
  // With a token the same announcement is accepted (100-continue is how a client would wait).
  Client ok(server_->port());
  ok.WriteRaw("POST /api/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
              std::string(kMemberToken) + "\r\nExpect: 100-continue\r\nContent-Length: 8\r\n\r\n");
  EXPECT_EQ(ok.Read().result_int(), 100);
  ok.WriteRaw(R"({"a":1})"
              " ");
  EXPECT_EQ(ok.Read().result_int(), 201);
}

TEST_F(HttpServerTest, BodiesWithoutAPrincipalGetTheSmallLimit) {
  options_.max_body_bytes = 16 * 1024 * 1024;
  options_.max_unauthenticated_body_bytes = 1024;
  Start();
  Client c(server_->port());
  Reply r = c.Send(bhttp::verb::post, "/api/public", std::string(4096, 'x'));
  EXPECT_EQ(r.result_int(), 413);
  Client c2(server_->port());
  EXPECT_EQ(c2.Send(bhttp::verb::post, "/api/echo", "[" + std::string(4096, ' ') + "]",
                    Bearer(kMemberToken))
                .result_int(),
            201);
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  options_.max_header_bytes = 2048;
  Start();
  Client c(server_->port());
  Reply r = c.Send(bhttp::verb::get, "/api/public", {}, {{"X-Big", std::string(4096, 'h')}});
  EXPECT_EQ(r.result_int(), 431);
  EXPECT_EQ(Body(r)["error"]["code"], "header_too_large");
}

TEST_F(HttpServerTest, MalformedJsonIs400WithPosition) {
  Start();
  Client c(server_->port());
  Reply r = c.Send(bhttp::verb::post, "/api/echo", R"({"lead_ids": [1,)", Bearer(kMemberToken));
  EXPECT_EQ(r.result_int(), 400);
  auto j = Body(r);
  EXPECT_EQ(j["error"]["code"], "invalid_json");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("at byte"), std::string::npos);
}

TEST_F(HttpServerTest, DeeplyNestedJsonIs400JsonTooDeepNotACrash) {
  options_.max_body_bytes = 1024 * 1024;
  Start();
  std::string deep;
  for (int i = 0; i < 100000; ++i)
    deep += "{\"extra\":";
  deep += "1" + std::string(100000, '}');
  Client c(server_->port());
  Reply r = c.Send(bhttp::verb::post, "/api/echo", deep, Bearer(kMemberToken));
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(Body(r)["error"]["code"], "json_too_deep");
  EXPECT_EQ(c.Send(bhttp::verb::get, "/healthz").result_int(), 200);
}

TEST_F(HttpServerTest, InvalidUtf8InAJsonBodyIs400SayingSo) {
  Start();
  Client c(server_->port());
  Reply r = c.Send(bhttp::verb::post, "/api/echo", "{\"name\":\"a\xff\"}", Bearer(kMemberToken));
  EXPECT_EQ(r.result_int(), 400);
  auto j = Body(r);
  EXPECT_EQ(j["error"]["code"], "invalid_json");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("UTF-8"), std::string::npos) << j.dump();
}

TEST_F(HttpServerTest, ApiTokensMissingBadMemberAdminAndPublic) {
  Start();
  Client c(server_->port());
  Reply none = c.Send(bhttp::verb::get, "/api/items/1");
  EXPECT_EQ(none.result_int(), 401);
  EXPECT_EQ(Body(none)["error"]["code"], "missing_token");
  EXPECT_NE(none[bhttp::field::www_authenticate].find("Bearer"), std::string::npos);

  Reply bad = c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer("lsk_wrong"));
  EXPECT_EQ(bad.result_int(), 401);
  EXPECT_EQ(Body(bad)["error"]["code"], "invalid_token");
  EXPECT_NE(bad[bhttp::field::www_authenticate].find("invalid_token"), std::string::npos);

  Reply member = c.Send(bhttp::verb::get, "/api/admin", {}, Bearer(kMemberToken));
  EXPECT_EQ(member.result_int(), 403);
  EXPECT_EQ(Body(member)["error"]["code"], "forbidden");
  Reply admin = c.Send(bhttp::verb::get, "/api/admin", {}, Bearer(kAdminToken));
  EXPECT_EQ(admin.result_int(), 200);

  Reply open = c.Send(bhttp::verb::get, "/api/public");
  EXPECT_EQ(open.result_int(), 200);
  Reply health = c.Send(bhttp::verb::get, "/healthz");
  EXPECT_EQ(health.result_int(), 200);
}

// The raw request line, as `curl --request-target` sends it; returns the status.
int RawStatus(uint16_t port, std::string_view request_line, std::string_view extra = {}) {
  Client c(port);
  c.WriteRaw(std::string(request_line) + "\r\nHost: 127.0.0.1\r\n" + std::string(extra) +
             "Connection: close\r\n\r\n");
  return c.Read().result_int();
}

TEST_F(HttpServerTest, TargetWithoutLeadingSlashIs400NeverAnUnauthenticatedHandler) {
  Start();
  EXPECT_EQ(RawStatus(server_->port(), "GET api/admin HTTP/1.1"), 400);
  EXPECT_EQ(RawStatus(server_->port(), "GET api/items/1 HTTP/1.1"), 400);
  // The absolute-form routes and authenticates as its origin part.
  EXPECT_EQ(RawStatus(server_->port(), "GET http://127.0.0.1/api/admin HTTP/1.1"), 401);
  EXPECT_EQ(RawStatus(server_->port(), "GET http://127.0.0.1//api/admin HTTP/1.1"), 400);
  EXPECT_EQ(RawStatus(server_->port(), "GET * HTTP/1.1"), 400);
  EXPECT_EQ(RawStatus(server_->port(), "OPTIONS * HTTP/1.1"), 204);
  EXPECT_EQ(RawStatus(server_->port(), "GET /api/admin HTTP/1.1"), 401);
}

TEST_F(HttpServerTest, EncodedDotsSlashesAndEmptySegmentsAre400) {
  Start();
  for (std::string_view target : {"/api/%2e%2e/api/admin", "//api/admin", "/api//admin",
                                  "/api/items/a%2Fb", "/api/./admin", "/x/../api/admin"}) {
    EXPECT_EQ(RawStatus(server_->port(), "GET " + std::string(target) + " HTTP/1.1"), 400)
        << target;
  }
  // The same resource spelled with a trailing slash still needs the token.
  EXPECT_EQ(RawStatus(server_->port(), "GET /api/admin/ HTTP/1.1"), 401);
  EXPECT_EQ(RawStatus(server_->port(), "GET /api/admin/ HTTP/1.1",
                      "Authorization: Bearer " + std::string(kAdminToken) + "\r\n"),
            200);
}

TEST_F(HttpServerTest, InvalidUtf8InPathOrQueryIs400) {
  Start();
  Client c(server_->port());
  Reply query = c.Send(bhttp::verb::get, "/api/items/1?x=%FF", {}, Bearer(kMemberToken));
  EXPECT_EQ(query.result_int(), 400);
  EXPECT_EQ(Body(query)["error"]["code"], "invalid_utf8");
  EXPECT_NE(Body(query)["error"]["message"].get<std::string>().find("'x'"), std::string::npos);
  Client c2(server_->port());
  Reply path = c2.Send(bhttp::verb::get, "/api/items/%C3", {}, Bearer(kMemberToken));
  EXPECT_EQ(path.result_int(), 400);
  EXPECT_EQ(Body(path)["error"]["code"], "invalid_utf8");
}

TEST_F(HttpServerTest, EveryNonPublicRouteNeedsAPrincipalWhateverItsPath) {
  bool ran_without_principal = false;
  router_.Get("/internal/report", [&](const Request& r) {
    if (!r.principal)
      ran_without_principal = true;
    return Response::Json(200, {{"ok", true}});
  });
  Start();
  Client c(server_->port());
  EXPECT_EQ(c.Send(bhttp::verb::get, "/internal/report").result_int(), 401);
  EXPECT_EQ(c.Send(bhttp::verb::get, "/internal/report", {}, Bearer(kMemberToken)).result_int(),
            200);
  EXPECT_FALSE(ran_without_principal);
}

TEST_F(HttpServerTest, JwtValidExpiredBadSignatureAndAlgNone) {
  Start();
  Client c(server_->port());
  Reply ok = c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(Jwt()));
  ASSERT_EQ(ok.result_int(), 200);
  EXPECT_EQ(Body(ok)["org"], "org-jwt");

  Reply admin = c.Send(bhttp::verb::get, "/api/admin", {},
                       Bearer(Jwt({{"app_metadata", {{"org_id", "o"}, {"role", "admin"}}}})));
  EXPECT_EQ(admin.result_int(), 200);
  Reply not_admin = c.Send(bhttp::verb::get, "/api/admin", {}, Bearer(Jwt()));
  EXPECT_EQ(not_admin.result_int(), 403);

  Reply expired = c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(Jwt({{"exp", kNow - 1}})));
  EXPECT_EQ(expired.result_int(), 401);
  EXPECT_EQ(Body(expired)["error"]["code"], "token_expired");

  std::string forged =
      SignJwtHs256(R"({"exp":1800000000,"app_metadata":{"org_id":"x"}})", "not-the-secret");
  Reply bad_sig = c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(forged));
  EXPECT_EQ(bad_sig.result_int(), 401);
  EXPECT_EQ(Body(bad_sig)["error"]["code"], "bad_signature");

  std::string none = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                     Base64UrlEncode(R"({"exp":1800000000,"app_metadata":{"org_id":"x"}})") + ".";
  Reply alg_none = c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(none));
  EXPECT_EQ(alg_none.result_int(), 401);
  EXPECT_EQ(Body(alg_none)["error"]["code"], "unsupported_alg");

  // The server reads time from the Clock: advancing it expires a token that was valid.
  std::string token = Jwt();
  EXPECT_EQ(c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(token)).result_int(), 200);
  clock_.Advance(601s);
  EXPECT_EQ(c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(token)).result_int(), 401);
}

TEST_F(HttpServerTest, QueryTokenOnlyWhereTheRouteAllowsIt) {
  router_.Get("/api/stream",
              [](const Request& r) {
                return Response::Json(200, {{"org", r.Caller().org_id.str()}});
              },
              {.token_in_query = true});
  Start();
  Client c(server_->port());
  Reply ok = c.Send(bhttp::verb::get, std::string("/api/stream?access_token=") + kMemberToken);
  EXPECT_EQ(ok.result_int(), 200);
  EXPECT_EQ(Body(ok)["org"], "org-1");
  Reply bad = c.Send(bhttp::verb::get, "/api/stream?access_token=lsk_wrong");
  EXPECT_EQ(bad.result_int(), 401);
  Reply elsewhere =
      c.Send(bhttp::verb::get, std::string("/api/items/1?access_token=") + kMemberToken);
  EXPECT_EQ(elsewhere.result_int(), 401);
  EXPECT_EQ(Body(elsewhere)["error"]["code"], "missing_token");
}

class DownAuthenticator : public Authenticator {
 public:
  common::Result<Principal> Authenticate(std::string_view) override {
    return common::Status::Error(common::StatusCode::kUnavailable, "store_unavailable",
                                 "database is down");
  }
};

TEST_F(HttpServerTest, AuthenticatorOutageIs503NotA401) {
  DownAuthenticator down;
  server_ = std::make_unique<HttpServer>(options_, router_, &down, clock_, metrics_);
  ASSERT_TRUE(server_->Listen("127.0.0.1:0").ok());
  Client c(server_->port());
  Reply r = c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(kMemberToken));
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(Body(r)["error"]["code"], "store_unavailable");
  server_->Stop();
}

TEST_F(HttpServerTest, ListenRejectsBadAddressesAndBusyPorts) {
  Start();
  HttpServer second(options_, router_, &auth_, clock_, metrics_);
  EXPECT_EQ(second.Listen("127.0.0.1").error_code(), "invalid_listen");
  EXPECT_EQ(second.Listen("127.0.0.1:99999").error_code(), "invalid_listen");
  common::Status busy = second.Listen("127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(busy.error_code(), "listen_failed");
  EXPECT_EQ(second.port(), 0);
}

TEST_F(HttpServerTest, ExpectContinueGetsTheBody) {
  Start();
  Client c(server_->port());
  std::string body = R"({"k":"v"})";
  c.WriteRaw(
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer lsk_member\r\n"
      "Expect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  Reply interim = c.Read();
  EXPECT_EQ(interim.result_int(), 100);
  c.WriteRaw(body);
  Reply r = c.Read();
  EXPECT_EQ(r.result_int(), 201);
  EXPECT_EQ(Body(r)["k"], "v");
}

TEST_F(HttpServerTest, RateLimitPerTokenAnswers429WithRetryAfter) {
  options_.rate_limit = {true, 1, 2};
  Start();
  Client c(server_->port());
  EXPECT_EQ(c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(kMemberToken)).result_int(), 200);
  EXPECT_EQ(c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(kMemberToken)).result_int(), 200);
  Reply limited = c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(kMemberToken));
  EXPECT_EQ(limited.result_int(), 429);
  EXPECT_EQ(Body(limited)["error"]["code"], "rate_limited");
  EXPECT_EQ(limited[bhttp::field::retry_after], "1");
  // Another token has its own bucket.
  EXPECT_EQ(c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(kAdminToken)).result_int(), 200);
  clock_.Advance(1s);
  EXPECT_EQ(c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(kMemberToken)).result_int(), 200);
}

TEST_F(HttpServerTest, CorsPreflightAndDisallowedOrigins) {
  Start();
  Client c(server_->port());
  Reply pre = c.Send(bhttp::verb::options, "/api/items/1", {},
                     {{"Origin", "http://localhost:5173"},
                      {"Access-Control-Request-Method", "DELETE"},
                      {"Access-Control-Request-Headers", "authorization"}});
  EXPECT_EQ(pre.result_int(), 204);
  EXPECT_EQ(pre[bhttp::field::access_control_allow_origin], "http://localhost:5173");
  EXPECT_NE(pre[bhttp::field::access_control_allow_methods].find("DELETE"), std::string::npos);
  EXPECT_NE(pre[bhttp::field::access_control_allow_headers].find("Authorization"),
            std::string::npos);
  EXPECT_EQ(pre.count(bhttp::field::access_control_allow_credentials), 0u);

  Reply evil =
      c.Send(bhttp::verb::options, "/api/items/1", {},
             {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "DELETE"}});
  EXPECT_EQ(evil.count(bhttp::field::access_control_allow_origin), 0u);
  EXPECT_EQ(evil.count(bhttp::field::access_control_allow_methods), 0u);

  auto headers = Bearer(kMemberToken);
  headers.emplace_back("Origin", "http://localhost:5173");
  Reply get = c.Send(bhttp::verb::get, "/api/items/1", {}, headers);
  EXPECT_EQ(get.result_int(), 200);
  EXPECT_EQ(get[bhttp::field::access_control_allow_origin], "http://localhost:5173");
  headers.back().second = "http://evil.example";
  Reply evil_get = c.Send(bhttp::verb::get, "/api/items/1", {}, headers);
  EXPECT_EQ(evil_get.count(bhttp::field::access_control_allow_origin), 0u);
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  Start();
  Client c(server_->port());
  Reply boom = c.Send(bhttp::verb::get, "/api/boom", {}, Bearer(kMemberToken));
  EXPECT_EQ(boom.result_int(), 500);
  EXPECT_EQ(Body(boom)["error"]["code"], "internal");
  EXPECT_EQ(Body(boom)["error"]["message"], "internal server error");  // no internals leak
  EXPECT_EQ(c.Send(bhttp::verb::get, "/api/public").result_int(), 200);
}

TEST_F(HttpServerTest, KeepAliveReusesOneConnection) {
  Start();
  Client c(server_->port());
  std::set<std::string> remotes;
  for (int i = 0; i < 5; ++i) {
    Reply r = c.Send(bhttp::verb::get, "/api/items/" + std::to_string(i), {}, Bearer(kMemberToken));
    ASSERT_EQ(r.result_int(), 200);
    EXPECT_TRUE(r.keep_alive());
    remotes.insert(Body(r)["remote"].get<std::string>());
  }
  EXPECT_EQ(remotes.size(), 1u);
}

TEST_F(HttpServerTest, ManyConcurrentClientsAreAllAnsweredAndCounted) {
  constexpr int kClients = 16;
  constexpr int kRequestsEach = 25;
  Start();
  std::vector<std::future<int>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::async(std::launch::async, [this, i] {
      Client c(server_->port());
      int ok = 0;
      for (int j = 0; j < kRequestsEach; ++j) {
        std::string id = std::to_string(i) + "-" + std::to_string(j);
        Reply r = c.Send(bhttp::verb::get, "/api/items/" + id, {}, Bearer(kMemberToken));
        if (r.result_int() == 200 && Body(r)["id"] == id)
          ++ok;
      }
      return ok;
    }));
  }
  int total = 0;
  for (auto& f : clients)
    total += f.get();
  EXPECT_EQ(total, kClients * kRequestsEach);
  EXPECT_EQ(metrics_.Value("http_requests_total",
                           {{"method", "GET"}, {"route", "/api/items/:id"}, {"status", "200"}}),
            kClients * kRequestsEach);
}

TEST_F(HttpServerTest, IdleAndStalledConnectionsAreClosedByTheirTimeouts) {
  options_.idle_timeout = 50ms;
  options_.read_timeout = 50ms;
  Start();
  Client idle(server_->port());
  ASSERT_EQ(idle.Send(bhttp::verb::get, "/healthz").result_int(), 200);
  EXPECT_TRUE(idle.ReadsEof());
  // A body that never arrives in full.
  Client stalled(server_->port());
  stalled.WriteRaw("POST /api/public HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
  EXPECT_TRUE(stalled.ReadsEof());
  EXPECT_EQ(
      metrics_.Value("http_requests_total",
                     {{"method", "POST"}, {"route", "method_not_allowed"}, {"status", "405"}}),
      0);
}

TEST_F(HttpServerTest, HeadHasNoBodyButTheLength) {
  Start();
  Client c(server_->port());
  Reply r = c.Send(bhttp::verb::head, "/api/public");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_length], "8");  // {"ok":1}
  EXPECT_TRUE(r.body().empty());
  EXPECT_EQ(c.Send(bhttp::verb::get, "/api/public").body(), R"({"ok":1})");
}

TEST_F(HttpServerTest, SlowHandlerDoesNotStallOtherConnections) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  router_.Get("/api/slow", [&](const Request&) {
    entered.set_value();
    released.wait();
    return Response::Json(200, {{"slow", true}});
  });
  Start();
  auto slow = std::async(std::launch::async, [&] {
    Client c(server_->port());
    return c.Send(bhttp::verb::get, "/api/slow", {}, Bearer(kMemberToken)).result_int();
  });
  ASSERT_EQ(entered.get_future().wait_for(kPatience), std::future_status::ready);
  Client other(server_->port());
  EXPECT_EQ(other.Send(bhttp::verb::get, "/api/public").result_int(), 200);
  release.set_value();
  EXPECT_EQ(slow.get(), 200);
}

TEST_F(HttpServerTest, HealthReadinessAndMetrics) {
  common::Status ready =
      common::Status::Error(common::StatusCode::kUnavailable, "db_down", "database unreachable");
  std::mutex mu;
  Start();
  server_->SetReadinessCheck([&] {
    std::lock_guard lock(mu);
    return ready;
  });
  Client c(server_->port());
  EXPECT_EQ(c.Send(bhttp::verb::get, "/healthz").result_int(), 200);
  Reply not_ready = c.Send(bhttp::verb::get, "/readyz");
  EXPECT_EQ(not_ready.result_int(), 503);
  EXPECT_EQ(Body(not_ready)["error"]["code"], "db_down");
  {
    std::lock_guard lock(mu);
    ready = common::Status::Ok();
  }
  EXPECT_EQ(c.Send(bhttp::verb::get, "/readyz").result_int(), 200);

  ASSERT_EQ(c.Send(bhttp::verb::get, "/api/items/7", {}, Bearer(kMemberToken)).result_int(), 200);
  Reply m = c.Send(bhttp::verb::get, "/metrics");
  EXPECT_EQ(m.result_int(), 200);
  EXPECT_EQ(m[bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = m.body();
  EXPECT_NE(text.find("# TYPE http_requests_total counter"), std::string::npos);
  EXPECT_NE(
      text.find("http_requests_total{method=\"GET\",route=\"/api/items/:id\",status=\"200\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("http_requests_total{method=\"GET\",route=\"/readyz\",status=\"503\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_count{route=\"/api/items/:id\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("http_open_connections 1"), std::string::npos);
}

TEST_F(HttpServerTest, MetricLabelsComeFromClosedSets) {
  Start();
  const std::string method = "X" + std::string(8000, 'Y');
  for (int i = 0; i < 3; ++i) {
    RawStatus(server_->port(), method + " /api/public HTTP/1.1");
    RawStatus(server_->port(), "GET /no/such/page-" + std::to_string(i) + " HTTP/1.1");
  }
  Client c(server_->port());
  std::string text = c.Send(bhttp::verb::get, "/metrics").body();
  EXPECT_EQ(text.find("XYYY"), std::string::npos);
  EXPECT_EQ(text.find("page-"), std::string::npos);
  EXPECT_EQ(
      metrics_.Value("http_requests_total",
                     {{"method", "other"}, {"route", "method_not_allowed"}, {"status", "405"}}),
      3);
  EXPECT_EQ(metrics_.Value("http_requests_total",
                           {{"method", "GET"}, {"route", "unmatched"}, {"status", "404"}}),
            3);
}

TEST_F(HttpServerTest, ApiAnswersAndErrorsAreNeitherSniffedNorFramed) {
  Start();
  Client c(server_->port());
  Reply ok = c.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(kMemberToken));
  Reply denied = c.Send(bhttp::verb::get, "/api/items/1");
  Client c2(server_->port());
  Reply bad = c2.Send(bhttp::verb::get, "/api//items");
  for (const Reply* r : {&ok, &denied, &bad}) {
    EXPECT_EQ((*r)["X-Content-Type-Options"], "nosniff") << r->result_int();
    EXPECT_EQ((*r)["X-Frame-Options"], "DENY");
    EXPECT_EQ((*r)["Content-Security-Policy"], "default-src 'none'; frame-ancestors 'none'");
  }
  EXPECT_EQ(bad.result_int(), 400);
}

TEST_F(HttpServerTest, MaxConnectionsRefusesWith503) {
  options_.max_connections = 1;
  Start();
  Client first(server_->port());
  ASSERT_EQ(first.Send(bhttp::verb::get, "/healthz").result_int(), 200);
  Client second(server_->port());
  Reply r = second.Read();
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(Body(r)["error"]["code"], "too_many_connections");
}

class SseHolder {
 public:
  void Set(std::shared_ptr<SseStream> s) {
    std::lock_guard lock(mu_);
    stream_ = std::move(s);
    cv_.notify_all();
  }

  std::shared_ptr<SseStream> Wait() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kPatience, [&] { return stream_ != nullptr; });
    return stream_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<SseStream> stream_;
};

TEST_F(HttpServerTest, SseDeliversFramesPushedFromAnotherThread) {
  SseHolder holder;
  router_.Get("/api/jobs/:id/events", [&](const Request& r) {
    if (r.Param("id") != "42")
      return Response::Error(404, "not_found", "no such job");
    return Response::EventStream([&](std::shared_ptr<SseStream> s) {
      s->Send("snapshot", R"({"progress":0})", "1");
      holder.Set(std::move(s));
    });
  });
  Start();
  Client missing(server_->port());
  EXPECT_EQ(
      missing.Send(bhttp::verb::get, "/api/jobs/7/events", {}, Bearer(kMemberToken)).result_int(),
      404);

  Client c(server_->port());
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/api/jobs/42/events", 11};
  req.set(bhttp::field::authorization, std::string("Bearer ") + kMemberToken);
  req.set(bhttp::field::accept, "text/event-stream");
  bhttp::write(c.socket(), req);

  std::shared_ptr<SseStream> stream = holder.Wait();
  ASSERT_NE(stream, nullptr);
  std::thread pusher([stream] {
    stream->Send("item_done", R"({"lead_id":"a"})", "2");
    stream->Send("counters", "line one\nline two", "3");
  });
  pusher.join();
  std::string text = c.ReadUntil("data: line two\n\n");
  EXPECT_NE(text.find("HTTP/1.1 200 OK"), std::string::npos) << text;
  EXPECT_NE(text.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(text.find("id: 1\nevent: snapshot\ndata: {\"progress\":0}\n\n"), std::string::npos);
  EXPECT_NE(text.find("id: 2\nevent: item_done\ndata: {\"lead_id\":\"a\"}\n\n"), std::string::npos);
  EXPECT_NE(text.find("id: 3\nevent: counters\ndata: line one\ndata: line two\n\n"),
            std::string::npos)
      << text;

  // The handler ending the stream ends the response.
  stream->Close();
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(HttpServerTest, SseSendsHeartbeatsAndNoticesTheClientLeaving) {
  options_.sse_heartbeat = 20ms;
  SseHolder holder;
  router_.Get("/api/events", [&](const Request&) {
    return Response::EventStream([&](std::shared_ptr<SseStream> s) { holder.Set(s); });
  });
  Start();
  std::promise<void> closed;
  {
    Client c(server_->port());
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/api/events", 11};
    req.set(bhttp::field::authorization, std::string("Bearer ") + kMemberToken);
    bhttp::write(c.socket(), req);
    std::string text = c.ReadUntil(": heartbeat\n\n");
    EXPECT_NE(text.find(": heartbeat\n\n"), std::string::npos) << text;
    auto stream = holder.Wait();
    ASSERT_NE(stream, nullptr);
    stream->OnClose([&] { closed.set_value(); });
    EXPECT_FALSE(stream->closed());
  }  // client disconnects
  EXPECT_EQ(closed.get_future().wait_for(kPatience), std::future_status::ready);
  EXPECT_FALSE(holder.Wait()->Send("late", "x"));
}

TEST_F(HttpServerTest, RequestHeaderMustArriveWithinTheHeaderTimeout) {
  options_.header_timeout = 100ms;
  options_.idle_timeout = 3 * kPatience;  // only the header deadline can close these in time
  options_.read_timeout = 3 * kPatience;
  Start();
  Client dripping(server_->port());
  dripping.WriteRaw("GET /healthz HTTP/1.1\r\nHo");
  EXPECT_TRUE(dripping.ReadsEof());
  Client silent(server_->port());
  EXPECT_TRUE(silent.ReadsEof());
  // A prompt client is unaffected.
  Client prompt(server_->port());
  EXPECT_EQ(prompt.Send(bhttp::verb::get, "/healthz").result_int(), 200);
}

TEST_F(HttpServerTest, UnfinishedRequestsAreCappedPerAddress) {
  options_.max_unfinished_per_address = 2;
  Start();
  Client stalled1(server_->port());
  stalled1.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  Client stalled2(server_->port());
  stalled2.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  // Both are counted once accepted; wait until the server has seen both connections.
  ASSERT_EQ(RawStatus(server_->port(), "GET /healthz HTTP/1.1"), 503);
  Client third(server_->port());
  third.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  Reply refused = third.Read();
  EXPECT_EQ(refused.result_int(), 503);
  EXPECT_EQ(Body(refused)["error"]["code"], "too_many_unfinished_requests");
  // Another address still gets through, health checks included.
  Client other(server_->port(), "127.0.0.2");
  EXPECT_EQ(other.Send(bhttp::verb::get, "/healthz").result_int(), 200);
  // A finished header frees its slot.
  stalled1.WriteRaw("\r\n");
  EXPECT_EQ(stalled1.Read().result_int(), 200);
  EXPECT_EQ(RawStatus(server_->port(), "GET /healthz HTTP/1.1"), 200);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionsAreCappedPerAddress) {
  options_.max_idle_per_address = 1;
  Start();
  Client first(server_->port());
  ASSERT_EQ(first.Send(bhttp::verb::get, "/healthz").result_int(), 200);
  // The client has its answer before the server has finished writing it and begun to wait:
  // wait until the server holds the first connection idle, or the second might take its place.
  for (int i = 0; i < 500 && metrics_.Value("http_idle_connections") < 1; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(metrics_.Value("http_idle_connections"), 1);
  Client second(server_->port());
  Reply r = second.Send(bhttp::verb::get, "/healthz");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_TRUE(second.ReadsEof());  // answered, then closed instead of held idle
  // The first one keeps its keep-alive connection; another address gets its own share.
  EXPECT_EQ(first.Send(bhttp::verb::get, "/healthz").result_int(), 200);
  Client other(server_->port(), "127.0.0.2");
  EXPECT_EQ(other.Send(bhttp::verb::get, "/healthz").result_int(), 200);
  EXPECT_EQ(other.Send(bhttp::verb::get, "/healthz").result_int(), 200);
}

// Opens an event stream; returns the status of its response head.
int OpenEventStream(Client& c, const std::string& token) {
  c.WriteRaw("GET /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
             "\r\nAccept: text/event-stream\r\n\r\n");
  std::string head = c.ReadUntil("\r\n\r\n");
  if (head.rfind("HTTP/1.1 ", 0) != 0)
    return 0;
  return std::stoi(head.substr(9, 3));
}

TEST_F(HttpServerTest, EventStreamsAreCappedPerPrincipalAndServerWide) {
  router_.Get("/api/events", [](const Request&) {
    return Response::EventStream([](std::shared_ptr<SseStream>) {});
  });
  options_.max_streams_per_principal = 3;
  options_.max_connections = 8;
  options_.reserved_connections = 3;  // streams may hold 5 connections at most
  Start();
  std::vector<std::unique_ptr<Client>> streams;
  auto open = [&](const char* token) {
    streams.push_back(std::make_unique<Client>(server_->port()));
    return OpenEventStream(*streams.back(), token);
  };
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(open(kMemberToken), 200);
  EXPECT_EQ(open(kMemberToken), 429);  // this principal's cap
  EXPECT_TRUE(streams.back()->ReadsEof());
  streams.pop_back();
  EXPECT_EQ(open(kAdminToken), 200);
  EXPECT_EQ(open(kAdminToken), 200);
  EXPECT_EQ(open(kAdminToken), 503);  // the server-wide stream cap keeps the reserve free
  streams.pop_back();
  Client health(server_->port());
  EXPECT_EQ(health.Send(bhttp::verb::get, "/healthz").result_int(), 200);
  Client api(server_->port());
  EXPECT_EQ(api.Send(bhttp::verb::get, "/api/items/1", {}, Bearer(kMemberToken)).result_int(), 200);
  // A closed stream gives its slot back.
  streams.erase(streams.begin());
  bool reopened = false;
  for (int attempt = 0; attempt < 200 && !reopened; ++attempt) {
    Client c(server_->port());
    reopened = OpenEventStream(c, kMemberToken) == 200;
    if (!reopened)
      std::this_thread::sleep_for(10ms);  // the server notices the close asynchronously
  }
  EXPECT_TRUE(reopened);
}

TEST_F(HttpServerTest, StreamsEndAfterTheirIdleAndAbsoluteLifetimes) {
  router_.Get("/api/events", [](const Request&) {
    return Response::EventStream([](std::shared_ptr<SseStream>) {});
  });
  options_.sse_heartbeat = 20ms;  // heartbeats do not keep an idle stream open
  options_.stream_idle_timeout = 100ms;
  Start();
  Client idle(server_->port());
  ASSERT_EQ(OpenEventStream(idle, kMemberToken), 200);
  EXPECT_TRUE(idle.ReadsEof());
  server_->Stop();

  SseHolder holder;
  router_.Get("/api/busy", [&](const Request&) {
    return Response::EventStream([&](std::shared_ptr<SseStream> s) { holder.Set(s); });
  });
  options_.stream_idle_timeout = 3 * kPatience;
  options_.stream_max_lifetime = 200ms;
  Start();
  Client busy(server_->port());
  busy.WriteRaw("GET /api/busy HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                std::string(kMemberToken) + "\r\n\r\n");
  auto stream = holder.Wait();
  ASSERT_NE(stream, nullptr);
  std::atomic<bool> done{false};
  std::thread pusher([&] {
    while (!done.load() && !stream->closed()) {
      stream->Send("tick", "{}", "");
      std::this_thread::sleep_for(10ms);
    }
  });
  EXPECT_TRUE(busy.ReadsEof());
  done = true;
  pusher.join();
}

TEST_F(HttpServerTest, StaticFilesEtagSpaFallbackAndTraversal) {
  static_base_ = fs::temp_directory_path() / ("leadscan_srv_static_" + std::to_string(getpid()));
  fs::remove_all(static_base_);
  fs::create_directories(static_base_ / "dist" / "assets");
  std::ofstream(static_base_ / "dist" / "index.html") << "<html>app</html>";
  std::ofstream(static_base_ / "dist" / "assets" / "main-1a2b3c4d.js") << "let a=1;";
  std::ofstream(static_base_ / "secret.txt") << "secret";
  options_.static_dir = (static_base_ / "dist").string();
  Start();
  Client c(server_->port());

  Reply js = c.Send(bhttp::verb::get, "/assets/main-1a2b3c4d.js");
  EXPECT_EQ(js.result_int(), 200);
  EXPECT_EQ(js.body(), "let a=1;");
  EXPECT_EQ(js[bhttp::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(js[bhttp::field::cache_control], "public, max-age=31536000, immutable");
  std::string etag(js[bhttp::field::etag]);
  ASSERT_FALSE(etag.empty());
  Reply cached =
      c.Send(bhttp::verb::get, "/assets/main-1a2b3c4d.js", {}, {{"If-None-Match", etag}});
  EXPECT_EQ(cached.result_int(), 304);
  EXPECT_TRUE(cached.body().empty());

  Reply spa = c.Send(bhttp::verb::get, "/jobs/42");
  EXPECT_EQ(spa.result_int(), 200);
  EXPECT_EQ(spa.body(), "<html>app</html>");
  EXPECT_EQ(spa[bhttp::field::cache_control], "no-cache");
  // The UI: its own scripts and styles only, never framed, no referrer, no sniffing.
  std::string csp(spa["Content-Security-Policy"]);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(spa["X-Frame-Options"], "DENY");
  EXPECT_EQ(spa["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(spa["X-Content-Type-Options"], "nosniff");
  // Unknown /api paths stay JSON 404s, never the SPA.
  EXPECT_EQ(c.Send(bhttp::verb::get, "/api/unknown", {}, Bearer(kMemberToken)).result_int(), 404);

  // Dot segments never reach the file server: the request target is refused first.
  Client raw(server_->port());
  Reply dots = raw.Send(bhttp::verb::get, "/../secret.txt");
  EXPECT_EQ(dots.result_int(), 400);
  EXPECT_EQ(dots.body().find("secret\""), std::string::npos);
  Client raw2(server_->port());
  Reply encoded = raw2.Send(bhttp::verb::get, "/assets/%2e%2e/%2e%2e/secret.txt");
  EXPECT_EQ(encoded.result_int(), 400);
}

TEST_F(HttpServerTest, GracefulStopFinishesInFlightAndClosesStreams) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  router_.Get("/api/slow", [&](const Request&) {
    entered.set_value();
    released.wait();
    return Response::Json(200, {{"finished", true}});
  });
  SseHolder holder;
  router_.Get("/api/events", [&](const Request&) {
    return Response::EventStream([&](std::shared_ptr<SseStream> s) { holder.Set(s); });
  });
  Start();
  uint16_t port = server_->port();
  EXPECT_TRUE(ProcessListensOn(port));

  Client idle(port);
  ASSERT_EQ(idle.Send(bhttp::verb::get, "/healthz").result_int(), 200);
  Client events(port);
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/api/events", 11};
  req.set(bhttp::field::authorization, std::string("Bearer ") + kMemberToken);
  bhttp::write(events.socket(), req);
  ASSERT_NE(holder.Wait(), nullptr);

  auto slow = std::async(std::launch::async, [&] {
    Client c(port);
    return c.Send(bhttp::verb::get, "/api/slow", {}, Bearer(kMemberToken));
  });
  ASSERT_EQ(entered.get_future().wait_for(kPatience), std::future_status::ready);

  auto stopped = std::async(std::launch::async, [&] { server_->Stop(); });
  EXPECT_TRUE(idle.ReadsEof());    // idle keep-alive connection closed
  EXPECT_TRUE(events.ReadsEof());  // event stream ended
  EXPECT_EQ(stopped.wait_for(0s), std::future_status::timeout);  // still waiting for /api/slow
  release.set_value();
  Reply finished = slow.get();
  EXPECT_EQ(finished.result_int(), 200);
  EXPECT_EQ(Body(finished)["finished"], true);
  EXPECT_FALSE(finished.keep_alive());
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(server_->port(), 0);
  EXPECT_TRUE(holder.Wait()->closed());

  // This process no longer listens on the port. (A connect attempt is no proof either way: with
  // tests running in parallel another process may bind the freed port, and a connect to a free
  // port can pick that port as its own source and connect to itself.)
  EXPECT_FALSE(ProcessListensOn(port));
}

}  // namespace
}  // namespace leadscan::http
