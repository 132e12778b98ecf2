// CurlFetcher against the fake internet: every hostile behaviour's error code, the address
// guard on redirects, https -> http fallback, limits, politeness, robots.txt, compression,
// redirects, charsets and cancellation. Loopback only: the fetcher reaches every host name
// through --connect-to rules to the fake internet and may connect to nothing else.
#include "fetch/curl_fetcher.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "fake_internet.h"
#include "fetch/charset.h"
#include "fetch/errors.h"
#include "fetch/site_fetch.h"
#include "fetch/target.h"
#include "test_ca.h"

namespace leadscan::fetch {
namespace {

using fakenet::FakeInternet;

// Generous: slow-drip and hang end earlier through the low-speed abort (2 s below 100 B/s).
constexpr std::chrono::milliseconds kHostileTimeout{10000};
const std::string kSwedishUtf8 = "\xC3\xA5 \xC3\xA4 \xC3\xB6 \xC3\x85 \xC3\x84 \xC3\x96";

// A loopback port nothing listens on (bound, read, closed); -1 on failure.
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

class CurlFetcherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fakenet::Options opts;
    opts.sites_dir = fakenet::DefaultSitesDir();
    opts.corpus_dir = fakenet::DefaultCorpusDir();
    auto net = FakeInternet::Start(opts);
    ASSERT_TRUE(net.ok()) << net.status().ToString();
    net_ = std::move(net).value().release();
  }

  static void TearDownTestSuite() {
    delete net_;
    net_ = nullptr;
  }

  // Options that reach the fake internet and nothing else: its two ports are the only
  // loopback destinations opened.
  static FetchOptions NetOptions() {
    FetchOptions o;
    o.allow_net = {"127.0.0.1/32:" + std::to_string(net_->http_port()),
                   "127.0.0.1/32:" + std::to_string(net_->https_port())};
    o.connect_to = net_->ConnectToRules();
    o.ca_file = net_->ca_file();
    o.politeness_delay = std::chrono::milliseconds(0);
    o.low_speed_bytes_per_sec = 100;
    o.low_speed_time = std::chrono::seconds(2);
    return o;
  }

  std::unique_ptr<CurlFetcher> MakeFetcher(FetchOptions o) {
    auto f = CurlFetcher::Create(std::move(o), clock_);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(f).value() : nullptr;
  }

  FetchResult Get(const std::string& url, std::chrono::milliseconds timeout = kHostileTimeout,
                  FetchKind kind = FetchKind::kPage) {
    if (!fetcher_)
      fetcher_ = MakeFetcher(NetOptions());
    FetchRequest req;
    req.url = url;
    req.timeout = timeout;
    req.kind = kind;
    return fetcher_->Fetch(req);
  }

  static std::string Host(std::string_view h) { return std::string(h); }

  static FakeInternet* net_;
  common::SystemClock clock_;
  std::unique_ptr<CurlFetcher> fetcher_;
};

FakeInternet* CurlFetcherTest::net_ = nullptr;

TEST_F(CurlFetcherTest, FetchesAPageOverHttpsWithTheAddedCa) {
  auto r = Get("https://site-1.bench.test/");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/html");
  EXPECT_EQ(r->remote_ip, "127.0.0.1");
  EXPECT_FALSE(r->cert_issuer.empty());
  EXPECT_GT(r->body.size(), 30000u);
  EXPECT_NE(r->body.find("<html"), std::string::npos);
  EXPECT_FALSE(r->http_version.empty());
}

TEST_F(CurlFetcherTest, RequestsCompressionAndDecodesIt) {
  // The corpus serves its stored gzip bytes only when the request accepts gzip.
  std::string corpus = fakenet::DefaultCorpusDir();
  if (corpus.empty())
    GTEST_SKIP() << "no shared corpus";
  std::ifstream manifest(corpus + "/MANIFEST.tsv");
  std::string line;
  std::getline(manifest, line);
  ASSERT_TRUE(std::getline(manifest, line));
  std::vector<std::string> cols;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    cols.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos)
      break;
    start = tab + 1;
  }
  ASSERT_GT(cols.size(), 6u);
  FetchRequest req;
  req.url = cols[6];
  req.check_robots = false;
  if (!fetcher_)
    fetcher_ = MakeFetcher(NetOptions());
  auto r = fetcher_->Fetch(req);
  ASSERT_TRUE(r.ok()) << req.url << ": " << r.status().ToString();
  EXPECT_LT(r->wire_bytes, static_cast<int64_t>(r->body.size()));  // came compressed
  EXPECT_NE(r->body.find("<"), std::string::npos);
}

TEST_F(CurlFetcherTest, ResolveEntriesSendANameToLoopback) {
  FetchOptions o = NetOptions();
  o.connect_to.clear();
  const std::string port = std::to_string(net_->http_port());
  o.resolve = {"site-9.bench.test:" + port + ":127.0.0.1"};
  auto f = MakeFetcher(o);
  FetchRequest req;
  req.url = "http://site-9.bench.test:" + port + "/resolved";
  auto r = f->Fetch(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->remote_ip, "127.0.0.1");
  EXPECT_EQ(net_->RequestCount("site-9.bench.test", "/resolved"), 1);
  auto bad = CurlFetcher::Create(
      [] {
        FetchOptions b;
        b.resolve = {"no-colons"};
        return b;
      }(),
      clock_);
  EXPECT_EQ(bad.status().error_code(), "invalid_fetch_option");
}

TEST_F(CurlFetcherTest, FollowsRedirectsUpToTheLimit) {
  FetchOptions o = NetOptions();
  o.max_redirects = 40;
  auto f = MakeFetcher(o);
  FetchRequest req;
  req.url = "http://" + Host(fakenet::kRedirectChainHost) + "/";
  auto r = f->Fetch(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->redirects.size(), static_cast<size_t>(fakenet::kRedirectChainLength));
  EXPECT_EQ(r->redirects.front(), req.url);
  EXPECT_EQ(r->final_url, "http://" + Host(fakenet::kRedirectChainHost) + "/final");

  auto limited = Get("http://" + Host(fakenet::kRedirectChainHost) + "/");
  EXPECT_EQ(limited.status().error_code(), kTooManyRedirects);
  auto loop = Get("https://" + Host(fakenet::kRedirectLoopHost) + "/");
  EXPECT_EQ(loop.status().error_code(), kTooManyRedirects);
  EXPECT_FALSE(loop.status().retryable());
}

// robots.txt answers after 1.5 s and the page after another 1.5 s: a request with 2 s used to
// get its full 2 s again after the wait for robots.txt and succeed after 3 s.
TEST_F(CurlFetcherTest, ARequestsTimeoutCoversItsWaitForRobotsTxt) {
  auto f = MakeFetcher(NetOptions());
  FetchRequest req;
  req.url = "http://" + Host(fakenet::kSlowRobotsHost) + "/page";
  req.timeout = std::chrono::milliseconds(2000);
  auto r = f->Fetch(req);
  EXPECT_EQ(r.status().error_code(), kTimeout) << (r.ok() ? "fetched" : r.status().ToString());
  // With robots.txt known, a page alone fits the same budget.
  req.url = "http://" + Host(fakenet::kSlowRobotsHost) + "/again";
  auto again = f->Fetch(req);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

// A request queued behind a slow one to the same host ends at its own deadline, not when a
// slot frees up.
TEST_F(CurlFetcherTest, AQueuedRequestEndsAtItsDeadlineNotWhenItsTurnComes) {
  FetchOptions o = NetOptions();
  o.max_per_host = 1;
  o.ignore_robots = true;
  o.low_speed_bytes_per_sec = 0;
  auto f = MakeFetcher(o);
  std::mutex mu;
  std::vector<std::string> order;
  std::promise<void> both;
  int left = 2;
  auto done = [&](const std::string& name) {
    return [&, name](FetchResult r) {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(name + ":" + (r.ok() ? "ok" : r.status().error_code()));
      if (--left == 0)
        both.set_value();
    };
  };
  FetchRequest slow;
  slow.url = "http://" + Host(fakenet::kHangHost) + "/slow";
  slow.timeout = std::chrono::milliseconds(4000);
  f->FetchAsync(slow, done("slow"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it take the slot
  FetchRequest quick = slow;
  quick.url = "http://" + Host(fakenet::kHangHost) + "/quick";
  quick.timeout = std::chrono::milliseconds(300);
  f->FetchAsync(quick, done("quick"));
  ASSERT_EQ(both.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], "quick:timeout");
  EXPECT_EQ(order[1], "slow:timeout");
}

TEST_F(CurlFetcherTest, SlowDripAndHangTimeOut) {
  auto drip = Get("http://" + Host(fakenet::kSlowDripHost) + "/");
  EXPECT_EQ(drip.status().error_code(), kTimeout) << drip.status().ToString();
  EXPECT_TRUE(drip.status().retryable());
  auto hang = Get("http://" + Host(fakenet::kHangHost) + "/");
  EXPECT_EQ(hang.status().error_code(), kTimeout) << hang.status().ToString();
}

TEST_F(CurlFetcherTest, BodyLimitStopsEndlessHugeAndBombBodies) {
  FetchOptions o = NetOptions();
  o.max_body_bytes = 1 << 20;
  auto f = MakeFetcher(o);
  // deflate-stall and gzip-stall never yield a decoded byte; their compressed input is what
  // the limit stops (it used to grow without end: 4.1 GB resident in 35 s).
  for (std::string_view host :
       {fakenet::kEndlessBodyHost, fakenet::kHugeBodyHost, fakenet::kGzipBombHost,
        fakenet::kDeflateStallHost, fakenet::kGzipStallHost}) {
    FetchRequest req;
    req.url = "http://" + std::string(host) + "/";
    req.timeout = std::chrono::milliseconds(10000);
    auto r = f->Fetch(req);
    EXPECT_EQ(r.status().error_code(), kBodyTooLarge) << host << ": " << r.status().ToString();
    EXPECT_FALSE(r.status().retryable());
  }
}

// The analyzer asks for up to the lead's byte budget (16 MiB) per page; --max-body-bytes must
// still hold.
TEST_F(CurlFetcherTest, TheConfiguredBodyLimitIsACeilingARequestCannotRaise) {
  FetchOptions o = NetOptions();
  o.max_body_bytes = 64 * 1024;
  auto f = MakeFetcher(o);
  FetchRequest req;
  req.url = "http://" + Host(fakenet::kEndlessBodyHost) + "/";  // chunked: no Content-Length
  req.max_body_bytes = 16 * 1024 * 1024;
  auto r = f->Fetch(req);
  EXPECT_EQ(r.status().error_code(), kBodyTooLarge) << r.status().ToString();
  EXPECT_NE(r.status().message().find("65536"), std::string::npos) << r.status().message();
}

// A server that does not speak HTTP is broken, not unreachable: a permanent invalid_response.
TEST_F(CurlFetcherTest, AnswersThatAreNotHttpAreInvalidResponsesNotRetried) {
  for (std::string_view host :
       {fakenet::kHttp09Host, fakenet::kBadStatusLineHost, fakenet::kBadChunkHost}) {
    auto r = Get("http://" + Host(host) + "/");
    EXPECT_EQ(r.status().error_code(), kInvalidResponse) << host << ": " << r.status().ToString();
    EXPECT_FALSE(r.status().retryable()) << host;
  }
}

TEST_F(CurlFetcherTest, NonHtmlAndBinaryBodiesAreNotHtml) {
  for (std::string_view host :
       {fakenet::kImagePngHost, fakenet::kOctetStreamHost, fakenet::kBinaryHtmlHost}) {
    auto r = Get("http://" + std::string(host) + "/");
    EXPECT_EQ(r.status().error_code(), kNotHtml) << host << ": " << r.status().ToString();
  }
  // Raw fetches take any content.
  auto raw = Get("http://" + Host(fakenet::kImagePngHost) + "/", kHostileTimeout, FetchKind::kRaw);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(raw->content_type, "image/png");
  EXPECT_EQ(raw->body.substr(1, 3), "PNG");
}

TEST_F(CurlFetcherTest, BadCertificatesAreTlsErrors) {
  for (std::string_view host : {fakenet::kUntrustedCaHost, fakenet::kSelfSignedHost,
                                fakenet::kExpiredCertHost, fakenet::kWrongNameCertHost}) {
    auto r = Get("https://" + std::string(host) + "/");
    EXPECT_EQ(r.status().error_code(), kTlsError) << host << ": " << r.status().ToString();
    EXPECT_FALSE(r.status().retryable());
  }
}

TEST_F(CurlFetcherTest, BareDomainFallsBackToHttpWhenTlsFails) {
  auto target = NormalizeTarget(fakenet::kUntrustedCaHost);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  if (!fetcher_)
    fetcher_ = MakeFetcher(NetOptions());
  FetchRequest base;
  base.timeout = kHostileTimeout;
  auto r = FetchHome(*fetcher_, *target, base);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->via, "http");
  EXPECT_NE(r->fallback_reason.find("tls_error"), std::string::npos) << r->fallback_reason;
  EXPECT_EQ(r->final_url.rfind("http://", 0), 0u);

  auto good = NormalizeTarget("site-7.bench.test");
  ASSERT_TRUE(good.ok());
  auto direct = FetchHome(*fetcher_, *good, base);
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  EXPECT_EQ(direct->via, "https");
}

TEST_F(CurlFetcherTest, BareDomainFallsBackToHttpWhenHttpsRefusesConnections) {
  // A port with nothing listening stands in for a site without https.
  const int closed_port = FreeLoopbackPort();
  ASSERT_GT(closed_port, 0);
  FetchOptions o = NetOptions();
  o.connect_to = {":443:127.0.0.1:" + std::to_string(closed_port),
                  ":80:127.0.0.1:" + std::to_string(net_->http_port())};
  o.allow_net.push_back("127.0.0.1/32:" + std::to_string(closed_port));
  auto f = MakeFetcher(o);
  auto target = NormalizeTarget("site-8.bench.test");
  ASSERT_TRUE(target.ok());
  auto r = FetchHome(*f, *target);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->via, "http");
  EXPECT_NE(r->fallback_reason.find("connect_refused"), std::string::npos) << r->fallback_reason;
}

TEST_F(CurlFetcherTest, ConnectTimeoutWhenTheServerNeverCompletesTheHandshake) {
  // A listener that never accepts, its backlog filled: the kernel drops further SYNs.
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(listener, 0), 0);
  socklen_t len = sizeof a;
  getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(c);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  FetchOptions o = NetOptions();
  o.connect_to = {":80:127.0.0.1:" + std::to_string(port)};
  o.allow_net = {"127.0.0.1/32:" + std::to_string(port)};
  o.connect_timeout = std::chrono::milliseconds(1000);
  auto f = MakeFetcher(o);
  FetchRequest req;
  req.url = "http://stalled.test/";
  req.check_robots = false;
  auto r = f->Fetch(req);
  EXPECT_EQ(r.status().error_code(), kConnectTimeout) << r.status().ToString();
  EXPECT_TRUE(r.status().retryable());
  for (int c : fillers)
    close(c);
  close(listener);
}

TEST_F(CurlFetcherTest, RateLimitsAndServerErrorsAreRetryableWithRetryAfter) {
  auto tmr = Get("http://" + Host(fakenet::kTooManyRequestsHost) + "/");
  EXPECT_EQ(tmr.status().error_code(), kHttp429);
  EXPECT_TRUE(tmr.status().retryable());
  EXPECT_EQ(RetryAfter(tmr.status()), std::chrono::seconds(2));
  auto unavailable = Get("https://" + Host(fakenet::kUnavailableHost) + "/");
  EXPECT_EQ(unavailable.status().error_code(), kHttp5xx);
  EXPECT_TRUE(unavailable.status().retryable());
  EXPECT_EQ(RetryAfter(unavailable.status()), std::chrono::seconds(1));
  auto error = Get("http://" + Host(fakenet::kServerErrorHost) + "/");
  EXPECT_EQ(error.status().error_code(), kHttp5xx);
  auto missing = Get("http://" + Host(fakenet::kNotFoundHost) + "/");
  EXPECT_EQ(missing.status().error_code(), kHttp404);
  EXPECT_FALSE(missing.status().retryable());
}

TEST_F(CurlFetcherTest, BotChallengesAreReportedNotHandedOutAsThePage) {
  // A 403 that is Cloudflare's challenge (its header says so) is bot_challenge, not http_403.
  auto cf = Get("https://" + Host(fakenet::kCloudflareChallengeHost) + "/");
  ASSERT_FALSE(cf.ok());
  EXPECT_EQ(cf.status().error_code(), kBotChallenge) << cf.status().ToString();
  EXPECT_FALSE(cf.status().retryable());
  EXPECT_NE(cf.status().message().find("Cloudflare"), std::string::npos);
  // DataDome's page is known by its body alone.
  auto dd = Get("http://" + Host(fakenet::kDataDomeChallengeHost) + "/frakt");
  ASSERT_FALSE(dd.ok());
  EXPECT_EQ(dd.status().error_code(), kBotChallenge) << dd.status().ToString();
  EXPECT_NE(dd.status().message().find("DataDome"), std::string::npos);
  // The control: an ordinary 403 stays http_403, the shop in front of the browser challenge
  // is a page.
  EXPECT_EQ(Get("http://" + Host(fakenet::kNotFoundHost) + "/").status().error_code(), kHttp404);
  auto shop = Get("https://" + Host(fakenet::kBrowserChallengeHost) + "/");
  ASSERT_TRUE(shop.ok()) << shop.status().ToString();
  EXPECT_NE(shop->body.find("Vaktbutiken"), std::string::npos);
}

TEST_F(CurlFetcherTest, FlakyHostSucceedsAfterRetries) {
  FetchOptions o = NetOptions();
  o.ignore_robots = true;  // the flaky host fails every target twice, robots.txt included
  auto f = MakeFetcher(o);
  FetchRequest req;
  req.url = "http://" + Host(fakenet::kFlakyHost) + "/fetch-test";
  int attempts = 0;
  FetchResult r = common::Status::Internal("not run");
  do {
    r = f->Fetch(req);
    ++attempts;
  } while (!r.ok() && r.status().retryable() && attempts < 5);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(attempts, fakenet::kFlakyFailures + 1);
}

TEST_F(CurlFetcherTest, RobotsDisallowIsObeyedCachedAndCanBeIgnored) {
  auto f = MakeFetcher(NetOptions());
  FetchRequest req;
  req.url = "http://" + Host(fakenet::kRobotsDisallowHost) + "/products";
  auto r = f->Fetch(req);
  EXPECT_EQ(r.status().error_code(), kRobotsDisallowed);
  EXPECT_FALSE(r.status().retryable());
  req.url = "http://" + Host(fakenet::kRobotsDisallowHost) + "/other";
  EXPECT_EQ(f->Fetch(req).status().error_code(), kRobotsDisallowed);
  EXPECT_EQ(net_->RequestCount(fakenet::kRobotsDisallowHost, "/products"), 0);
  EXPECT_EQ(net_->RequestCount(fakenet::kRobotsDisallowHost, "/robots.txt"), 1);

  // The robots body and its rules are available to callers (served from the cache here).
  auto file = FetchRobots(*f, "http://" + Host(fakenet::kRobotsDisallowHost), "leadscan");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_NE(file->body.find("leadscan"), std::string::npos);
  EXPECT_FALSE(file->rules.IsAllowed("/"));
  EXPECT_EQ(net_->RequestCount(fakenet::kRobotsDisallowHost, "/robots.txt"), 1);

  FetchOptions o = NetOptions();
  o.ignore_robots = true;
  auto ignoring = MakeFetcher(o);
  req.url = "http://" + Host(fakenet::kRobotsDisallowHost) + "/products";
  EXPECT_TRUE(ignoring->Fetch(req).ok());
}

TEST_F(CurlFetcherTest, HeadersCookiesAndUrlsLeaveTheFetcherAsValidUtf8) {
  auto r = Get("http://" + Host(fakenet::kBadUtf8Host) + "/");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  bool ray = false;
  for (const auto& [name, value] : r->headers) {
    EXPECT_TRUE(IsValidUtf8(name)) << name;
    EXPECT_TRUE(IsValidUtf8(value)) << name << ": " << value;
    if (name == "cf-ray") {
      ray = true;
      EXPECT_EQ(value, "\xEF\xBF\xBD\xEF\xBF\xBD");
    }
  }
  EXPECT_TRUE(ray);
  EXPECT_TRUE(IsValidUtf8(r->body));
  EXPECT_NE(r->body.find("Frakt \xEF\xBF\xBD"), std::string::npos);
}

// robots.txt comes from the page's own scheme, host and port, and is cached per origin: here
// nothing answers on the default ports, so a robots.txt asked of port 443 or 80 would fail.
TEST_F(CurlFetcherTest, RobotsTxtComesFromThePagesOwnOriginAndIsCachedPerOrigin) {
  const std::string host(fakenet::kRobotsDisallowHost);
  const std::string https_port = std::to_string(net_->https_port());
  const std::string http_port = std::to_string(net_->http_port());
  FetchOptions o = NetOptions();
  o.connect_to.clear();
  o.resolve = {host + ":" + https_port + ":127.0.0.1", host + ":" + http_port + ":127.0.0.1"};
  auto f = MakeFetcher(o);
  const int before = net_->RequestCount(host, "/robots.txt");
  FetchRequest req;
  req.url = "https://" + host + ":" + https_port + "/products";
  auto r = f->Fetch(req);
  EXPECT_EQ(r.status().error_code(), kRobotsDisallowed) << r.status().ToString();
  EXPECT_EQ(net_->RequestCount(host, "/robots.txt"), before + 1);
  // Another origin of the same host has its own robots.txt.
  req.url = "http://" + host + ":" + http_port + "/products";
  EXPECT_EQ(f->Fetch(req).status().error_code(), kRobotsDisallowed);
  EXPECT_EQ(net_->RequestCount(host, "/robots.txt"), before + 2);
  // The same origin again: from the cache.
  req.url = "https://" + host + ":" + https_port + "/other";
  EXPECT_EQ(f->Fetch(req).status().error_code(), kRobotsDisallowed);
  EXPECT_EQ(net_->RequestCount(host, "/robots.txt"), before + 2);
  // FetchRobots (the analyzer's sitemap lookup) asks the same origin, and is answered from it.
  auto file = FetchRobots(*f, "https://" + host + ":" + https_port, "leadscan");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_FALSE(file->rules.IsAllowed("/"));
  EXPECT_EQ(net_->RequestCount(host, "/robots.txt"), before + 2);
}

TEST_F(CurlFetcherTest, Windows1252PagesAreDecodedToUtf8) {
  for (std::string_view host :
       {fakenet::kCp1252MetaHost, fakenet::kCp1252HeaderHost, fakenet::kCp1252UndeclaredHost}) {
    auto r = Get("http://" + std::string(host) + "/");
    ASSERT_TRUE(r.ok()) << host << ": " << r.status().ToString();
    EXPECT_NE(r->body.find("Frakt: " + kSwedishUtf8), std::string::npos) << host;
    EXPECT_NE(r->body.find("49 kr \xE2\x82\xAC"), std::string::npos) << host;  // 0x80 = euro
    EXPECT_EQ(r->charset, "windows-1252") << host;
  }
}

TEST_F(CurlFetcherTest, RedirectsToRefusedAddressesAreBlockedEvenWithLoopbackOpened) {
  for (std::string_view host : {fakenet::kRedirectToLoopbackHost, fakenet::kRedirectToMetadataHost,
                                fakenet::kRedirectToMappedHost}) {
    for (const char* scheme : {"http://", "https://"}) {
      FetchRequest req;
      req.url = scheme + std::string(host) + "/";
      req.check_robots = false;
      if (!fetcher_)
        fetcher_ = MakeFetcher(NetOptions());
      auto r = fetcher_->Fetch(req);
      EXPECT_EQ(r.status().error_code(), kBlockedAddress)
          << req.url << ": " << r.status().ToString();
      EXPECT_FALSE(r.status().retryable());
    }
  }
  EXPECT_EQ(net_->RequestCount("127.0.0.1"), 0);
  EXPECT_EQ(net_->RequestCount("::ffff:127.0.0.1") + net_->RequestCount("[::ffff:127.0.0.1]"), 0);
}

TEST_F(CurlFetcherTest, WithoutAllowNetLoopbackIsRefusedBeforeAnyRequest) {
  FetchOptions o = NetOptions();
  o.allow_net.clear();
  auto f = MakeFetcher(o);
  FetchRequest req;
  req.url = "http://site-3.bench.test/";
  auto r = f->Fetch(req);
  EXPECT_EQ(r.status().error_code(), kBlockedAddress) << r.status().ToString();
  EXPECT_NE(r.status().message().find("loopback"), std::string::npos);
  EXPECT_EQ(net_->RequestCount("site-3.bench.test"), 0);
  // A loopback rule for another port does not open the fake internet's ports either.
  o.allow_net = {"127.0.0.1/32:1"};
  auto g = MakeFetcher(o);
  EXPECT_EQ(g->Fetch(req).status().error_code(), kBlockedAddress);
  EXPECT_EQ(net_->RequestCount("site-3.bench.test"), 0);
}

TEST_F(CurlFetcherTest, BrokenTransfersHaveClearCodes) {
  auto reset = Get("http://" + Host(fakenet::kResetMidBodyHost) + "/");
  EXPECT_EQ(reset.status().error_code(), kConnectionReset) << reset.status().ToString();
  EXPECT_TRUE(reset.status().retryable());
  auto header = Get("http://" + Host(fakenet::kHugeHeaderHost) + "/");
  EXPECT_EQ(header.status().error_code(), kHeadersTooLarge) << header.status().ToString();
  auto corrupt = Get("http://" + Host(fakenet::kCorruptGzipHost) + "/");
  EXPECT_EQ(corrupt.status().error_code(), kBadContentEncoding) << corrupt.status().ToString();
  auto truncated = Get("http://" + Host(fakenet::kTruncatedGzipHost) + "/");
  EXPECT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().error_code(), kBadContentEncoding) << truncated.status().ToString();
  EXPECT_EQ(Get("ftp://site-1.bench.test/").status().error_code(), kInvalidUrl);
}

TEST_F(CurlFetcherTest, GlobalAndPerHostLimitsHold) {
  FetchOptions o = NetOptions();
  o.max_concurrent = 4;
  o.max_per_host = 2;
  auto f = MakeFetcher(o);
  std::vector<std::future<FetchResult>> results;
  std::vector<std::shared_ptr<std::promise<FetchResult>>> promises;
  for (int i = 0; i < 40; ++i) {
    auto p = std::make_shared<std::promise<FetchResult>>();
    results.push_back(p->get_future());
    FetchRequest req;
    req.url = "http://site-" + std::to_string(100 + i % 5) + ".bench.test/p" + std::to_string(i);
    f->FetchAsync(req, [p](FetchResult r) { p->set_value(std::move(r)); });
  }
  for (auto& fut : results) {
    auto r = fut.get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  FetcherStats s = f->stats();
  EXPECT_LE(s.peak_active, 4);
  EXPECT_GE(s.peak_active, 2);
  EXPECT_LE(s.peak_active_per_host, 2);
  EXPECT_EQ(s.completed, 40);
  EXPECT_EQ(s.robots_fetches, 5);  // one per origin, shared by the 8 pages of each
  for (int h = 0; h < 5; ++h) {
    EXPECT_EQ(net_->RequestCount("site-" + std::to_string(100 + h) + ".bench.test", "/robots.txt"),
              1);
  }
}

TEST_F(CurlFetcherTest, PolitenessDelaySpacesRequestsToOneHostOnTheInjectedClock) {
  common::FakeClock fake(std::chrono::system_clock::from_time_t(1'700'000'000));
  FetchOptions o = NetOptions();
  o.politeness_delay = std::chrono::seconds(10);
  o.ignore_robots = true;
  auto created = CurlFetcher::Create(o, fake);
  ASSERT_TRUE(created.ok());
  auto f = std::move(created).value();
  FetchRequest first;
  first.url = "http://site-201.bench.test/first";
  ASSERT_TRUE(f->Fetch(first).ok());

  auto second = std::make_shared<std::promise<FetchResult>>();
  auto second_done = second->get_future();
  FetchRequest req;
  req.url = "http://site-201.bench.test/second";
  f->FetchAsync(req, [second](FetchResult r) { second->set_value(std::move(r)); });
  // Another host is not held back by this host's gap.
  FetchRequest other;
  other.url = "http://site-202.bench.test/other";
  ASSERT_TRUE(f->Fetch(other).ok());
  // Fake time has not moved, so the second request to site-201 cannot have started.
  EXPECT_EQ(net_->RequestCount("site-201.bench.test", "/second"), 0);
  EXPECT_EQ(f->stats().queued, 1);
  fake.Advance(std::chrono::seconds(10));
  auto r = second_done.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(net_->RequestCount("site-201.bench.test", "/second"), 1);
}

TEST_F(CurlFetcherTest, CancelAbortsInFlightAndQueuedTransfers) {
  auto f = MakeFetcher(NetOptions());
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  std::vector<std::future<FetchResult>> results;
  for (int i = 0; i < 3; ++i) {  // per-host limit 2: one of them waits in the queue
    auto p = std::make_shared<std::promise<FetchResult>>();
    results.push_back(p->get_future());
    FetchRequest req;
    req.url = "http://" + Host(fakenet::kHangHost) + "/c" + std::to_string(i);
    req.timeout = std::chrono::minutes(5);
    req.check_robots = false;
    req.cancel = cancel;
    f->FetchAsync(req, [p](FetchResult r) { p->set_value(std::move(r)); });
  }
  while (net_->RequestCount(fakenet::kHangHost, "/c0") == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  cancel->store(true);
  for (auto& fut : results)
    EXPECT_EQ(fut.get().status().error_code(), kCancelled);
}

TEST_F(CurlFetcherTest, DestroyingTheFetcherCancelsWhatIsPending) {
  auto f = MakeFetcher(NetOptions());
  auto p = std::make_shared<std::promise<FetchResult>>();
  auto fut = p->get_future();
  FetchRequest req;
  req.url = "http://" + Host(fakenet::kHangHost) + "/destroy";
  req.timeout = std::chrono::minutes(5);
  req.check_robots = false;
  f->FetchAsync(req, [p](FetchResult r) { p->set_value(std::move(r)); });
  while (net_->RequestCount(fakenet::kHangHost, "/destroy") == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  f.reset();
  EXPECT_EQ(fut.get().status().error_code(), kCancelled);
}

// --- HTTP/2: the fake internet speaks HTTP/1.1 only, so these start nghttpd (Debian's
// nghttp2-server, installed by scripts/install-deps.sh) on loopback with a certificate of a
// test CA, and check what the fetcher negotiates.

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

class Http2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(system("command -v nghttpd >/dev/null 2>&1"), 0)
        << "nghttpd (Debian package nghttp2-server) is missing; scripts/install-deps.sh "
           "installs it";
    dir_ = std::filesystem::temp_directory_path() /
           ("leadscan-h2-" + std::to_string(getpid()) + "-" + std::to_string(rand()));
    std::filesystem::create_directories(dir_ / "htdocs");
    std::ofstream(dir_ / "htdocs" / "index.html")
        << "<html><body><p>Fri frakt med PostNord</p><!-- h2-marker --></body></html>";
    auto ca = fakenet::TestCa::Create();
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    fakenet::X509Ptr leaf = (*ca)->Leaf("h2.test", fakenet::CertKind::kValid);
    ASSERT_NE(leaf, nullptr);
    std::ofstream(dir_ / "ca.pem") << (*ca)->ca_pem();
    FILE* cert = fopen((dir_ / "cert.pem").c_str(), "w");
    FILE* key = fopen((dir_ / "key.pem").c_str(), "w");
    ASSERT_TRUE(cert != nullptr && key != nullptr);
    ASSERT_EQ(PEM_write_X509(cert, leaf.get()), 1);
    ASSERT_EQ(PEM_write_PrivateKey(key, (*ca)->leaf_key(), nullptr, nullptr, 0, nullptr, nullptr),
              1);
    fclose(cert);
    fclose(key);
    port_ = FreeLoopbackPort();
    ASSERT_GT(port_, 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      const std::string htdocs = "--htdocs=" + (dir_ / "htdocs").string();
      const std::string port = std::to_string(port_);
      const std::string keyfile = (dir_ / "key.pem").string();
      const std::string certfile = (dir_ / "cert.pem").string();
      freopen("/dev/null", "w", stdout);
      execlp("nghttpd", "nghttpd", "--address=127.0.0.1", htdocs.c_str(), port.c_str(),
             keyfile.c_str(), certfile.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 500 && !Accepts(port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(Accepts(port_)) << "nghttpd did not start on port " << port_;
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  FetchResult Fetch(bool http2) {
    FetchOptions o;
    o.allow_net = {"127.0.0.1/32:" + std::to_string(port_)};
    o.resolve = {"h2.test:" + std::to_string(port_) + ":127.0.0.1"};
    o.ca_file = (dir_ / "ca.pem").string();
    o.http2 = http2;
    o.politeness_delay = std::chrono::milliseconds(0);
    auto f = CurlFetcher::Create(std::move(o), clock_);
    if (!f.ok())
      return f.status();
    FetchRequest req;
    req.url = "https://h2.test:" + std::to_string(port_) + "/";
    req.check_robots = false;
    return (*f)->Fetch(req);
  }

  std::filesystem::path dir_;
  int port_ = -1;
  pid_t pid_ = -1;
  common::SystemClock clock_;
};

TEST_F(Http2Test, NegotiatesHttp2WhereTheServerOffersIt) {
  auto r = Fetch(/*http2=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->http_version, "2");
  EXPECT_NE(r->body.find("h2-marker"), std::string::npos);
  EXPECT_FALSE(r->cert_issuer.empty());
}

TEST_F(CurlFetcherTest, SpeaksHttp11WhereHttp2IsNotOffered) {
  // The fake internet offers no h2 in ALPN: the fetcher, which offers h2, settles on 1.1.
  auto r = Get("https://site-2.bench.test/");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->http_version, "1.1");
}

}  // namespace
}  // namespace leadscan::fetch
