#include "tests/fakenet/fake_internet.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/fakenet/gzip.h"
#include "tests/fakenet/search_apis.h"
#include "tests/fakenet/test_ca.h"

namespace leadscan::fakenet {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using std::chrono_literals::operator""ms;

constexpr uint64_t kMiB = 1024 * 1024;

struct ClientOptions {
  bool https = false;
  bool accept_gzip = false;
  uint64_t body_limit = 64 * kMiB;
  uint32_t header_limit = 64 * 1024;
  std::chrono::milliseconds timeout{10000};
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
};

struct ClientResponse {
  boost::system::error_code ec;  // transport, TLS or parse error; success when empty
  bool tls_failed = false;
  bool header_done = false;
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-case
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

template <class Stream>
asio::awaitable<void> Exchange(Stream& stream, std::string host, std::vector<std::string> targets,
                               ClientOptions options, std::vector<ClientResponse>* out) {
  beast::flat_buffer buffer;
  for (const std::string& target : targets) {
    ClientResponse response;
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, host);
    request.set(http::field::user_agent, "leadscan-fakenet-test");
    if (options.accept_gzip)
      request.set(http::field::accept_encoding, "gzip");
    for (const auto& [name, value] : options.headers)
      request.set(name, value);
    request.keep_alive(true);
    beast::get_lowest_layer(stream).expires_after(options.timeout);
    co_await http::async_write(stream, request,
                               asio::redirect_error(asio::use_awaitable, response.ec));
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.body_limit);
    parser.header_limit(options.header_limit);
    if (!response.ec) {
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, response.ec));
    }
    response.header_done = parser.is_header_done();
    if (response.header_done) {
      const auto& message = parser.get();
      response.status = message.result_int();
      for (const auto& field : message) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        response.headers.emplace(name, std::string(field.value()));
      }
      response.body = message.body();
    }
    const bool failed = static_cast<bool>(response.ec);
    out->push_back(std::move(response));
    if (failed)
      break;
  }
}

asio::awaitable<void> Client(const FakeInternet* net, std::string host,
                             std::vector<std::string> targets, ClientOptions options,
                             std::vector<ClientResponse>* out) {
  auto executor = co_await asio::this_coro::executor;
  tcp::endpoint endpoint(asio::ip::make_address(net->address()),
                         options.https ? net->https_port() : net->http_port());
  ClientResponse failure;
  if (!options.https) {
    beast::tcp_stream stream(executor);
    stream.expires_after(options.timeout);
    co_await stream.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, failure.ec));
    if (failure.ec) {
      out->push_back(failure);
      co_return;
    }
    co_await Exchange(stream, host, targets, options, out);
    co_return;
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(net->ca_file());
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(executor, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(host));
  beast::get_lowest_layer(stream).expires_after(options.timeout);
  co_await beast::get_lowest_layer(stream).async_connect(
      endpoint, asio::redirect_error(asio::use_awaitable, failure.ec));
  if (!failure.ec) {
    co_await stream.async_handshake(ssl::stream_base::client,
                                    asio::redirect_error(asio::use_awaitable, failure.ec));
    failure.tls_failed = static_cast<bool>(failure.ec);
  }
  if (failure.ec) {
    out->push_back(failure);
    co_return;
  }
  co_await Exchange(stream, host, targets, options, out);
}

// Requests every target in turn over one keep-alive connection; stops at the first error.
std::vector<ClientResponse> GetMany(const FakeInternet& net, const std::string& host,
                                    std::vector<std::string> targets, ClientOptions options = {}) {
  asio::io_context ioc;
  std::vector<ClientResponse> out;
  asio::co_spawn(ioc, Client(&net, host, std::move(targets), options, &out), asio::detached);
  ioc.run();
  return out;
}

ClientResponse Get(const FakeInternet& net, std::string_view host, const std::string& target,
                   ClientOptions options = {}) {
  std::vector<ClientResponse> all = GetMany(net, std::string(host), {target}, options);
  return all.empty() ? ClientResponse{} : all.front();
}

// The raw bytes of one response on a connection the server closes after it.
std::string RawGet(const FakeInternet& net, std::string_view host, std::string_view target) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address(net.address()), net.http_port()));
  std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(host) +
                        "\r\nConnection: close\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  std::string response;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(response), ec);  // until EOF
  return response;
}

ClientOptions Https() {
  ClientOptions o;
  o.https = true;
  return o;
}

void WriteFile(const fs::path& path, std::string_view data) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << data;
}

class FakeInternetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sites_ = fs::temp_directory_path() /
             ("fakenet-test-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(sites_);
    WriteFile(sites_ / "shop.test" / "index.html", "<html>home of shop.test</html>");
    WriteFile(sites_ / "shop.test" / "about.html", "<html>about</html>");
    WriteFile(sites_ / "shop.test" / "dir" / "index.html", "<html>dir index</html>");
    WriteFile(sites_ / "shop.test" / "style.css", "body{}");
    WriteFile(sites_ / "shop.test" / "robots.txt", "User-agent: *\nDisallow: /private\n");
    WriteFile(sites_ / "shop.test" / "_headers",
              "# comment\n"
              "*: Server: nginx\n"
              "*: Set-Cookie: a=1; Path=/\n"
              "/about: Set-Cookie: b=2\n"
              "/dir/*: X-Dir: yes\n"
              "/old: Status: 301\n"
              "/old: Location: /about\n");
    WriteFile(sites_ / "other.test" / "index.html", "<html>other home</html>");
    WriteFile(sites_ / "other.test" / "404.html", "<html>custom missing page</html>");
    WriteFile(sites_ / "shop.test" / "_variants" / "b" / "about.html", "<html>about b</html>");
    Options options;
    options.sites_dir = sites_.string();
    options.corpus_dir = DefaultCorpusDir();
    auto started = FakeInternet::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    net_ = std::move(started).value();
  }

  void TearDown() override {
    net_.reset();
    fs::remove_all(sites_);
  }

  fs::path sites_;
  std::unique_ptr<FakeInternet> net_;
};

TEST_F(FakeInternetTest, RoutesStaticSitesByHostOverHttpAndHttps) {
  for (bool https : {false, true}) {
    ClientOptions o;
    o.https = https;
    ClientResponse home = Get(*net_, "shop.test", "/", o);
    ASSERT_FALSE(home.ec) << home.ec.message();
    EXPECT_EQ(home.status, 200);
    EXPECT_EQ(home.body, "<html>home of shop.test</html>");
    EXPECT_EQ(home.Header("content-type"), "text/html; charset=utf-8");
    ClientResponse other = Get(*net_, "other.test", "/", o);
    EXPECT_EQ(other.body, "<html>other home</html>");
  }
  EXPECT_EQ(Get(*net_, "shop.test", "/about").body, "<html>about</html>");
  EXPECT_EQ(Get(*net_, "shop.test", "/about?utm=x").body, "<html>about</html>");
  EXPECT_EQ(Get(*net_, "shop.test", "/dir/").body, "<html>dir index</html>");
  EXPECT_EQ(Get(*net_, "shop.test", "/dir").body, "<html>dir index</html>");
  EXPECT_EQ(Get(*net_, "SHOP.test:8080", "/").body, "<html>home of shop.test</html>");
  EXPECT_EQ(Get(*net_, "www.shop.test", "/").body, "<html>home of shop.test</html>");
  EXPECT_EQ(Get(*net_, "shop.test", "/style.css").Header("content-type"),
            "text/css; charset=utf-8");
  EXPECT_EQ(Get(*net_, "shop.test", "/robots.txt").body, "User-agent: *\nDisallow: /private\n");
}

TEST_F(FakeInternetTest, MissingFilesAndUnknownHostsAnswer404) {
  ClientResponse missing = Get(*net_, "shop.test", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("404"), std::string::npos);
  EXPECT_EQ(Get(*net_, "other.test", "/nope").body, "<html>custom missing page</html>");
  EXPECT_EQ(Get(*net_, "shop.test", "/../other.test/index.html").status, 404);
  EXPECT_EQ(Get(*net_, "shop.test", "/_headers").status, 404);
  EXPECT_EQ(Get(*net_, "other.test", "/robots.txt").status, 404);
  ClientResponse unknown = Get(*net_, "no-such-site.test", "/");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "fakenet: unknown host\n");
}

TEST_F(FakeInternetTest, ASiteVariantReplacesItsFilesUntilSwitchedBack) {
  EXPECT_EQ(Get(*net_, "shop.test", "/about").body, "<html>about</html>");
  EXPECT_EQ(Get(*net_, "shop.test", "/_variants/b/about.html").status, 404);
  ClientResponse to_b = Get(*net_, "shop.test", "/_fakenet/variant/b");
  EXPECT_EQ(to_b.status, 200);
  EXPECT_EQ(Get(*net_, "shop.test", "/about").body, "<html>about b</html>");
  EXPECT_EQ(Get(*net_, "www.shop.test", "/about.html").body, "<html>about b</html>");
  EXPECT_EQ(Get(*net_, "shop.test", "/").body, "<html>home of shop.test</html>");  // not in b
  EXPECT_EQ(Get(*net_, "other.test", "/").body, "<html>other home</html>");
  EXPECT_EQ(Get(*net_, "shop.test", "/_fakenet/variant/nope").status, 404);
  EXPECT_EQ(Get(*net_, "shop.test", "/_fakenet/variant/..%2F..").status, 404);
  EXPECT_EQ(Get(*net_, "shop.test", "/about").body, "<html>about b</html>");
  EXPECT_TRUE(net_->SetSiteVariant("shop.test", ""));
  EXPECT_EQ(Get(*net_, "shop.test", "/about").body, "<html>about</html>");
  EXPECT_FALSE(net_->SetSiteVariant("shop.test", "c"));
  EXPECT_FALSE(net_->SetSiteVariant("no-such-site.test", "b"));
  EXPECT_TRUE(net_->SetSiteVariant("shop.test", "b"));
  EXPECT_EQ(Get(*net_, "shop.test", "/about").body, "<html>about b</html>");
}

TEST_F(FakeInternetTest, HeadersFileAddsHeadersCookiesAndRedirects) {
  ClientResponse about = Get(*net_, "shop.test", "/about");
  EXPECT_EQ(about.Header("server"), "nginx");
  EXPECT_EQ(about.headers.count("server"), 1u);
  auto [begin, end] = about.headers.equal_range("set-cookie");
  std::vector<std::string> cookies;
  for (auto it = begin; it != end; ++it)
    cookies.push_back(it->second);
  EXPECT_EQ(cookies, (std::vector<std::string>{"a=1; Path=/", "b=2"}));
  EXPECT_EQ(Get(*net_, "shop.test", "/dir/").Header("x-dir"), "yes");
  EXPECT_EQ(Get(*net_, "shop.test", "/").Header("x-dir"), "");
  ClientResponse old = Get(*net_, "shop.test", "/old");
  EXPECT_EQ(old.status, 301);
  EXPECT_EQ(old.Header("location"), "/about");
}

TEST_F(FakeInternetTest, HttpsLeafVerifiesAgainstCaFileForAnySniName) {
  for (std::string host : {"shop.test", "www.example.se", "site-7.bench.test"}) {
    ClientResponse r = Get(*net_, host, "/", Https());
    EXPECT_FALSE(r.tls_failed) << host << ": " << r.ec.message();
    EXPECT_FALSE(r.ec) << host;
  }
  std::ifstream in(net_->ca_file());
  std::stringstream pem;
  pem << in.rdbuf();
  EXPECT_EQ(pem.str(), net_->ca_pem());
  EXPECT_NE(net_->ca_pem().find("BEGIN CERTIFICATE"), std::string::npos);
}

TEST_F(FakeInternetTest, BadCertificateHostsFailVerification) {
  for (std::string_view host :
       {kUntrustedCaHost, kSelfSignedHost, kExpiredCertHost, kWrongNameCertHost}) {
    ClientResponse r = Get(*net_, host, "/", Https());
    EXPECT_TRUE(r.tls_failed) << host;
    EXPECT_EQ(r.status, 0) << host;
    // Over plain http the same host answers, so only the certificate is wrong.
    EXPECT_EQ(Get(*net_, host, "/").status, 200) << host;
  }
}

TEST_F(FakeInternetTest, CountsRequestsPerHostAndTargetOverBothSchemes) {
  EXPECT_EQ(net_->RequestCount("shop.test", "/about"), 0);
  (void)Get(*net_, "Shop.Test:80", "/about");
  (void)Get(*net_, "shop.test", "/about", Https());
  (void)Get(*net_, "shop.test", "/about?x=1");
  EXPECT_EQ(net_->RequestCount("shop.test", "/about"), 2);
  EXPECT_EQ(net_->RequestCount("shop.test", "/about?x=1"), 1);
  EXPECT_EQ(net_->RequestCount("shop.test"), 3);
  EXPECT_EQ(net_->TotalRequests(), 3);
}

TEST_F(FakeInternetTest, ServesCorpusPagesAtTheirOriginalUrl) {
  const std::string corpus = DefaultCorpusDir();
  if (corpus.empty())
    GTEST_SKIP() << "no corpus (set LEADSCAN_CORPUS_DIR)";
  std::ifstream manifest(fs::path(corpus) / "MANIFEST.tsv");
  std::string line;
  std::getline(manifest, line);
  std::getline(manifest, line);
  std::vector<std::string> cells;
  std::stringstream ss(line);
  for (std::string cell; std::getline(ss, cell, '\t');)
    cells.push_back(cell);
  ASSERT_GT(cells.size(), 6u);
  const std::string url = cells[6];  // e.g. http://www.taximobility.com/blog/page/4/
  size_t host_start = url.find("://") + 3;
  size_t path_start = url.find('/', host_start);
  std::string host = url.substr(host_start, path_start - host_start);
  std::string target = url.substr(path_start);
  std::ifstream gz_file(fs::path(corpus) / cells[0], std::ios::binary);
  std::stringstream gz;
  gz << gz_file.rdbuf();
  std::optional<std::string> html = GzipInflate(gz.str(), 64 * kMiB);
  ASSERT_TRUE(html.has_value());

  ClientResponse plain = Get(*net_, host, target, Https());
  ASSERT_FALSE(plain.ec) << plain.ec.message();
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.Header("content-type"), "text/html");
  EXPECT_EQ(plain.Header("content-encoding"), "");
  EXPECT_EQ(plain.body, *html);

  ClientOptions gzip;
  gzip.accept_gzip = true;
  ClientResponse zipped = Get(*net_, host, target, gzip);
  EXPECT_EQ(zipped.Header("content-encoding"), "gzip");
  EXPECT_EQ(zipped.body, gz.str());
  EXPECT_EQ(Get(*net_, host, target + "does-not-exist").status, 404);
}

TEST_F(FakeInternetTest, BenchHostsServeDeterministicGeneratedPagesWithKeepAlive) {
  std::vector<ClientResponse> r =
      GetMany(*net_, BenchHost(42), {"/", "/", "/robots.txt", "/products/"});
  ASSERT_EQ(r.size(), 4u);
  for (const ClientResponse& each : r)
    EXPECT_FALSE(each.ec) << each.ec.message();
  EXPECT_EQ(r[0].status, 200);
  EXPECT_GE(r[0].body.size(), 30u * 1024);
  EXPECT_LE(r[0].body.size(), 60u * 1024 + 4096);
  EXPECT_EQ(r[0].body, r[1].body);
  EXPECT_NE(r[0].body.find("<meta name=\"generator\""), std::string::npos);
  EXPECT_NE(r[0].body.find("<script src="), std::string::npos);
  EXPECT_EQ(r[2].body, "User-agent: *\nAllow: /\n");
  EXPECT_NE(r[3].body, r[0].body);
  EXPECT_NE(Get(*net_, BenchHost(43), "/").body, r[0].body);
  EXPECT_EQ(net_->RequestCount(BenchHost(42), "/"), 2);
}

TEST_F(FakeInternetTest, RedirectLoopNeverEnds) {
  ClientResponse first = Get(*net_, kRedirectLoopHost, "/");
  EXPECT_EQ(first.status, 302);
  EXPECT_EQ(first.Header("location"), "/loop");
  EXPECT_EQ(Get(*net_, kRedirectLoopHost, "/loop").Header("location"), "/");
}

TEST_F(FakeInternetTest, RedirectChainHasThirtyHops) {
  std::string target = "/";
  int redirects = 0;
  ClientResponse r;
  for (int i = 0; i < 100; ++i) {
    r = Get(*net_, kRedirectChainHost, target);
    if (r.status != 302)
      break;
    ++redirects;
    target = r.Header("location");
  }
  EXPECT_EQ(redirects, kRedirectChainLength);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(target, "/final");
}

TEST_F(FakeInternetTest, SlowDripSendsHeadersThenAlmostNothing) {
  ClientOptions o;
  o.timeout = 2500ms;
  ClientResponse r = Get(*net_, kSlowDripHost, "/", o);
  EXPECT_EQ(r.ec, beast::error::timeout);
  EXPECT_TRUE(r.header_done);
  EXPECT_EQ(r.status, 200);
  EXPECT_LE(r.body.size(), 4u);
}

TEST_F(FakeInternetTest, EndlessBodyExceedsAnyLimit) {
  ClientOptions o;
  o.body_limit = 4 * kMiB;
  ClientResponse r = Get(*net_, kEndlessBodyHost, "/", o);
  EXPECT_EQ(r.ec, http::error::body_limit);
  EXPECT_EQ(r.status, 200);
}

TEST_F(FakeInternetTest, HugeBodyAnnouncesFiftyMebibytesAndSendsThem) {
  ClientOptions small;
  small.body_limit = kMiB;
  ClientResponse limited = Get(*net_, kHugeBodyHost, "/", small);
  EXPECT_EQ(limited.ec, http::error::body_limit);
  EXPECT_EQ(limited.Header("content-length"), std::to_string(kHugeBodyBytes));
  ClientOptions big;
  big.body_limit = 64 * kMiB;
  ClientResponse full = Get(*net_, kHugeBodyHost, "/", big);
  EXPECT_FALSE(full.ec) << full.ec.message();
  EXPECT_EQ(static_cast<int64_t>(full.body.size()), kHugeBodyBytes);
}

TEST_F(FakeInternetTest, GzipBombIsSmallOnTheWireAndInflatesPastAnyLimit) {
  ClientResponse r = Get(*net_, kGzipBombHost, "/");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.Header("content-encoding"), "gzip");
  EXPECT_LT(r.body.size(), 4 * kMiB);
  // Inflate only the first 64 MiB: all zeros, and the stream has not ended.
  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(r.body.data());
  zs.avail_in = static_cast<uInt>(r.body.size());
  std::vector<unsigned char> out(kMiB);
  uint64_t inflated = 0;
  bool all_zero = true;
  int rc = Z_OK;
  while (rc == Z_OK && inflated < 64 * kMiB) {
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    size_t n = out.size() - zs.avail_out;
    all_zero = all_zero && std::all_of(out.begin(), out.begin() + n, [](auto c) { return !c; });
    inflated += n;
  }
  inflateEnd(&zs);
  EXPECT_EQ(rc, Z_OK);
  EXPECT_GE(inflated, 64 * kMiB);
  EXPECT_TRUE(all_zero);
}

TEST(FakeInternetGzipTest, GzipOfZerosIsAValidStreamOfTheRightSize) {
  std::string gz = GzipOfZeros(4 * kMiB);
  EXPECT_LT(gz.size(), 16u * 1024);
  std::optional<std::string> plain = GzipInflate(gz, 8 * kMiB);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->size(), 4 * kMiB);
  EXPECT_EQ(plain->find_first_not_of('\0'), std::string::npos);
  EXPECT_EQ(GzipInflate(gz, 2 * kMiB), std::nullopt);  // over the limit
}

TEST_F(FakeInternetTest, WrongContentTypesCarryBinaryBodies) {
  ClientResponse png = Get(*net_, kImagePngHost, "/");
  EXPECT_EQ(png.Header("content-type"), "image/png");
  EXPECT_EQ(png.body.substr(0, 4), "\x89PNG");
  ClientResponse octet = Get(*net_, kOctetStreamHost, "/");
  EXPECT_EQ(octet.Header("content-type"), "application/octet-stream");
  EXPECT_GT(octet.body.size(), 1000u);
  ClientResponse binary = Get(*net_, kBinaryHtmlHost, "/");
  EXPECT_EQ(binary.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(binary.body.find('\0'), std::string::npos);
}

TEST_F(FakeInternetTest, RateLimitAndUnavailableSendRetryAfter) {
  ClientResponse limited = Get(*net_, kTooManyRequestsHost, "/");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("retry-after"), "2");
  ClientResponse down = Get(*net_, kUnavailableHost, "/");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.Header("retry-after"), "1");
  EXPECT_EQ(Get(*net_, kNotFoundHost, "/").status, 404);
  EXPECT_EQ(Get(*net_, kServerErrorHost, "/").status, 500);
}

TEST_F(FakeInternetTest, ChallengeHostsAnswerWithBotProtectionPages) {
  ClientResponse cf = Get(*net_, kCloudflareChallengeHost, "/");
  EXPECT_EQ(cf.status, 403);
  EXPECT_EQ(cf.Header("cf-mitigated"), "challenge");
  EXPECT_NE(cf.body.find("<title>Just a moment...</title>"), std::string::npos);
  EXPECT_EQ(Get(*net_, kCloudflareChallengeHost, "/robots.txt").status, 403);
  ClientResponse dd = Get(*net_, kDataDomeChallengeHost, "/frakt");
  EXPECT_EQ(dd.status, 403);
  EXPECT_NE(dd.body.find("ct.captcha-delivery.com"), std::string::npos);
  ClientResponse home = Get(*net_, kBrowserChallengeHost, "/");
  EXPECT_EQ(home.status, 200);
  EXPECT_NE(home.body.find("location.replace('/blockerad')"), std::string::npos);
  ClientResponse block = Get(*net_, kBrowserChallengeHost, "/blockerad");
  EXPECT_EQ(block.status, 403);
  EXPECT_NE(block.body.find("id=\"px-captcha\""), std::string::npos);
  EXPECT_EQ(Get(*net_, kBrowserChallengeHost, "/robots.txt").status, 404);
}

TEST_F(FakeInternetTest, FlakyHostFailsTwicePerTargetThenSucceeds) {
  std::vector<ClientResponse> r = GetMany(*net_, std::string(kFlakyHost), {"/a", "/a", "/a", "/a"});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].status, 503);
  EXPECT_EQ(r[1].status, 503);
  EXPECT_EQ(r[2].status, 200);
  EXPECT_EQ(r[3].status, 200);
  EXPECT_EQ(Get(*net_, kFlakyHost, "/b").status, 503);
}

TEST_F(FakeInternetTest, RobotsDisallowsLeadscanOnly) {
  ClientResponse robots = Get(*net_, kRobotsDisallowHost, "/robots.txt");
  EXPECT_EQ(robots.status, 200);
  EXPECT_EQ(robots.body, "User-agent: leadscan\nDisallow: /\n\nUser-agent: *\nAllow: /\n");
  EXPECT_EQ(Get(*net_, kRobotsDisallowHost, "/").status, 200);
}

TEST_F(FakeInternetTest, Cp1252PagesDeclareTheirCharsetInOnePlaceOrNone) {
  ClientResponse meta = Get(*net_, kCp1252MetaHost, "/");
  ClientResponse header = Get(*net_, kCp1252HeaderHost, "/");
  ClientResponse none = Get(*net_, kCp1252UndeclaredHost, "/");
  for (const ClientResponse* r : {&meta, &header, &none}) {
    EXPECT_NE(r->body.find("\xe5 \xe4 \xf6"), std::string::npos);  // å ä ö in windows-1252
  }
  EXPECT_NE(meta.body.find("charset=\"windows-1252\""), std::string::npos);
  EXPECT_EQ(meta.Header("content-type"), "text/html");
  EXPECT_EQ(header.Header("content-type"), "text/html; charset=windows-1252");
  EXPECT_EQ(header.body.find("charset"), std::string::npos);
  EXPECT_EQ(none.Header("content-type"), "text/html");
  EXPECT_EQ(none.body.find("charset"), std::string::npos);
}

TEST_F(FakeInternetTest, RedirectsToForbiddenAddresses) {
  const std::string port = std::to_string(net_->http_port());
  EXPECT_EQ(Get(*net_, kRedirectToLoopbackHost, "/").Header("location"),
            "http://127.0.0.1:" + port + "/");
  EXPECT_EQ(Get(*net_, kRedirectToMetadataHost, "/").Header("location"),
            "http://169.254.169.254/latest/meta-data/");
  ClientResponse mapped = Get(*net_, kRedirectToMappedHost, "/");
  EXPECT_EQ(mapped.status, 302);
  EXPECT_EQ(mapped.Header("location"), "http://[::ffff:127.0.0.1]:" + port + "/");
}

TEST_F(FakeInternetTest, ResetMidBodyCutsTheTransfer) {
  ClientResponse r = Get(*net_, kResetMidBodyHost, "/");
  EXPECT_TRUE(r.ec);
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(r.body.size(), 100000u);
}

TEST_F(FakeInternetTest, HangHostNeverAnswers) {
  ClientOptions o;
  o.timeout = 2000ms;
  ClientResponse r = Get(*net_, kHangHost, "/", o);
  EXPECT_EQ(r.ec, beast::error::timeout);
  EXPECT_FALSE(r.header_done);
  EXPECT_EQ(net_->RequestCount(std::string(kHangHost), "/"), 1);
}

TEST_F(FakeInternetTest, HugeHeaderExceedsHeaderLimits) {
  ClientResponse limited = Get(*net_, kHugeHeaderHost, "/");
  EXPECT_EQ(limited.ec, http::error::header_limit);
  // Beast cannot hold a 1 MiB field, so read the raw bytes.
  std::string raw = RawGet(*net_, kHugeHeaderHost, "/");
  size_t start = raw.find("\r\nX-Huge: ");
  ASSERT_NE(start, std::string::npos);
  start += 10;
  EXPECT_EQ(raw.find("\r\n", start) - start, kMiB);
}

TEST_F(FakeInternetTest, BrokenGzipBodiesDoNotInflate) {
  for (std::string_view host : {kTruncatedGzipHost, kCorruptGzipHost}) {
    ClientResponse r = Get(*net_, host, "/");
    ASSERT_FALSE(r.ec) << host << ": " << r.ec.message();
    EXPECT_EQ(r.Header("content-encoding"), "gzip") << host;
    EXPECT_GT(r.body.size(), 100u) << host;
    EXPECT_EQ(GzipInflate(r.body, 64 * kMiB), std::nullopt) << host;
  }
}

TEST_F(FakeInternetTest, StopClosesHangingConnections) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address(net_->address()), net_->http_port()));
  std::string request = "GET / HTTP/1.1\r\nHost: hang.hostile.test\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  for (int i = 0; i < 1000 && net_->RequestCount(std::string(kHangHost), "/") == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(net_->RequestCount(std::string(kHangHost), "/"), 1);
  net_->Stop();
  net_->Stop();  // idempotent
  char byte;
  boost::system::error_code ec;
  size_t n = socket.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(ec);  // eof or reset: the server side is gone
}

// The demo shops of tests/fakenet/sites (filled by the content work): every shop's home page
// is served byte for byte over https, with its certificate verified.
TEST(FakeInternetSitesTest, ServesEveryDemoShopHomePage) {
  const std::string sites = DefaultSitesDir();
  if (sites.empty() || !fs::is_directory(sites))
    GTEST_SKIP() << "LEADSCAN_SOURCE_DIR unset";
  Options options;
  options.sites_dir = sites;
  auto started = FakeInternet::Start(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  const FakeInternet& net = *started.value();
  int shops = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(sites)) {
    fs::path index = entry.path() / "index.html";
    if (!entry.is_directory() || !fs::exists(index))
      continue;
    std::ifstream in(index, std::ios::binary);
    std::stringstream expected;
    expected << in.rdbuf();
    const std::string host = entry.path().filename().string();
    ClientResponse home = Get(net, host, "/", Https());
    EXPECT_FALSE(home.ec) << host << ": " << home.ec.message();
    EXPECT_EQ(home.status, 200) << host;
    EXPECT_EQ(home.body, expected.str()) << host;
    ++shops;
  }
  EXPECT_GT(shops, 0);
}

std::string SubjectCn(X509* cert) {
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return cn;
}

TEST(FakeInternetTestCaTest, IssuesCachedLeavesAndTheBadKinds) {
  auto ca = TestCa::Create();
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  X509Ptr valid = ca.value()->Leaf("shop.test", CertKind::kValid);
  ASSERT_TRUE(valid);
  EXPECT_EQ(valid.get(), ca.value()->Leaf("shop.test", CertKind::kValid).get());  // cached
  EXPECT_EQ(SubjectCn(valid.get()), "shop.test");
  X509Ptr untrusted = ca.value()->Leaf("shop.test", CertKind::kUntrustedCa);
  X509Ptr self_signed = ca.value()->Leaf("shop.test", CertKind::kSelfSigned);
  X509Ptr expired = ca.value()->Leaf("shop.test", CertKind::kExpired);
  X509Ptr wrong = ca.value()->Leaf("shop.test", CertKind::kWrongName);
  ASSERT_TRUE(untrusted && self_signed && expired && wrong);
  EXPECT_NE(X509_NAME_cmp(X509_get_issuer_name(valid.get()), X509_get_issuer_name(untrusted.get())),
            0);
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(self_signed.get()),
                          X509_get_subject_name(self_signed.get())),
            0);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notAfter(expired.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(valid.get())), 0);
  EXPECT_NE(SubjectCn(wrong.get()), "shop.test");
}

#ifdef LEADSCAN_FAKENET_BINARY
// The binary prints its ports, serves, and exits 0 on SIGTERM.
TEST(FakeInternetBinaryTest, PrintsPortsServesAndStopsOnSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string binary = LEADSCAN_FAKENET_BINARY;
  std::string threads = "1";
  char* argv[] = {binary.data(), const_cast<char*>("--threads"), threads.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n')
    line += c;
  close(out[0]);
  // fakenet http=127.0.0.1:PORT https=127.0.0.1:PORT ca=FILE
  unsigned http_port = 0, https_port = 0;
  char ca[512] = {};
  int fields = std::sscanf(line.c_str(), "fakenet http=127.0.0.1:%u https=127.0.0.1:%u ca=%511s",
                           &http_port, &https_port, ca);
  EXPECT_EQ(fields, 3) << line;
  EXPECT_TRUE(fs::exists(ca)) << line;
  if (fields == 3) {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(http_port)));
    std::string request =
        "GET /robots.txt HTTP/1.1\r\nHost: site-1.bench.test\r\nConnection: close\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    std::string response;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(response), ec);
    EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
  }
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}
#endif

TEST(FakeInternetStartTest, RefusesNonLoopbackAddresses) {
  for (std::string address : {"0.0.0.0", "10.1.2.3", "not an address"}) {
    Options options;
    options.address = address;
    auto started = FakeInternet::Start(options);
    ASSERT_FALSE(started.ok()) << address;
    EXPECT_EQ(started.status().error_code(), "invalid_address");
  }
}

TEST(FakeInternetStartTest, MissingSitesFolderFails) {
  Options options;
  options.sites_dir = "/nonexistent/fakenet/sites";
  auto started = FakeInternet::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().error_code(), "io_error");
}

TEST_F(FakeInternetTest, SearchApiStandInsSpeakBravesGooglesAndSearxngsShapes) {
  auto json = [](const ClientResponse& r) { return nlohmann::json::parse(r.body); };
  ClientOptions brave = Https();
  brave.headers = {{"X-Subscription-Token", std::string(kBraveTestKey)}};
  const std::string q = "/res/v1/web/search?q=Shop%20AB&country=SE";
  ClientResponse no_key = Get(*net_, kBraveApiHost, q, Https());
  EXPECT_EQ(no_key.status, 401);
  EXPECT_EQ(json(no_key)["error"]["code"], "SUBSCRIPTION_TOKEN_INVALID");
  ClientResponse found = Get(*net_, kBraveApiHost, q, brave);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.Header("content-type"), "application/json; charset=utf-8");
  std::vector<std::string> urls;
  const nlohmann::json answer = json(found);
  for (const auto& r : answer["web"]["results"])
    urls.push_back(r["url"]);
  ASSERT_EQ(urls.size(), 6u);
  EXPECT_EQ(urls[0], "https://www.allabolag.se/foretag/shop/5560001234");
  EXPECT_EQ(urls[2], "https://shop-recensioner.test/");
  EXPECT_EQ(urls[3], "https://www.shop.test/");  // the company's own site: a site of the folder
  // A company without a site gets directories and a decoy only.
  EXPECT_EQ(
      json(Get(*net_, kBraveApiHost, "/res/v1/web/search?q=Nobody+AB", brave))["web"]["results"]
          .size(),
      3u);
  ClientResponse limited = Get(*net_, kBraveApiHost, "/res/v1/web/search?q=x+error-429", brave);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("retry-after"), "2");

  const std::string g = "/customsearch/v1?cx=" + std::string(kGoogleTestCx) + "&q=Shop";
  EXPECT_EQ(Get(*net_, kGoogleApiHost, g, Https()).status, 403);
  ClientResponse bad_key = Get(*net_, kGoogleApiHost, g + "&key=nope", Https());
  EXPECT_EQ(bad_key.status, 400);
  EXPECT_EQ(json(bad_key)["error"]["message"], "API key not valid. Please pass a valid API key.");
  const std::string key = "&key=" + std::string(kGoogleTestKey);
  auto items = json(Get(*net_, kGoogleApiHost, g + key, Https()));
  ASSERT_EQ(items["items"].size(), 6u);
  EXPECT_EQ(items["items"][3]["link"], "https://www.shop.test/");
  EXPECT_FALSE(json(Get(*net_, kGoogleApiHost,
                        "/customsearch/v1?cx=" + std::string(kGoogleTestCx) + "&q=" + key,
                        Https()))
                   .contains("items"));  // nothing matched: no items at all
  EXPECT_EQ(json(Get(*net_, kGoogleApiHost, g + "+error-402" + key, Https()))["error"]["status"],
            "RESOURCE_EXHAUSTED");

  EXPECT_EQ(Get(*net_, kSearxngApiHost, "/search?q=Shop", Https()).status, 403);
  auto results = json(Get(*net_, kSearxngApiHost, "/search?q=Shop&format=json", Https()));
  EXPECT_EQ(results["results"][3]["url"], "https://www.shop.test/");
  EXPECT_EQ(Get(*net_, kSearxngApiHost, "/search?q=error-malformed&format=json", Https()).body,
            "<html><body>not json</body></html>");

  ClientResponse decoy = Get(*net_, "shop-recensioner.test", "/", Https());
  EXPECT_EQ(decoy.status, 200);
  EXPECT_EQ(decoy.body.find("Shop"), std::string::npos);
  EXPECT_EQ(decoy.body.find("shop"), std::string::npos);
}

}  // namespace
}  // namespace leadscan::fakenet
