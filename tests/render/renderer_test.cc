// The renderer with the real Chromium against the fake internet: script-built pages, the
// address guard for every request the page makes, a fresh context per page, crash and hang
// recovery, and no Chromium left after its parent is killed with SIGKILL.
#include "render/renderer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "fake_internet.h"

extern char** environ;

namespace leadscan::render {
namespace {

namespace fs = std::filesystem;
using fakenet::FakeInternet;

constexpr char kShop[] = "skriptbutiken.test";

// A listener on a free loopback port that counts the connections made to it.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      port_ = -1;
    else
      port_ = ntohs(a.sin_port);
  }

  ~Listener() { close(fd_); }

  int port() const { return port_; }

  // Connections waiting to be accepted now (accepts and closes them).
  int Accepted() {
    int n = 0;
    for (int c; (c = accept(fd_, nullptr, nullptr)) >= 0; ++n)
      close(c);
    return n;
  }

 private:
  int fd_ = -1;
  int port_ = -1;
};

// Processes whose command line names `dir` (every Chromium process of one browser does).
std::vector<pid_t> ProcessesNaming(const std::string& dir) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit))
      continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(dir) != std::string::npos)
      out.push_back(std::stoi(name));
  }
  return out;
}

// Waits (bounded) until no process names `dir`; those still there.
std::vector<pid_t> WaitUntilNoneNames(const std::string& dir) {
  std::vector<pid_t> left = ProcessesNaming(dir);
  for (int i = 0; i < 300 && !left.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    left = ProcessesNaming(dir);
  }
  return left;
}

class RendererTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fakenet::Options opts;
    opts.sites_dir = fakenet::DefaultSitesDir();
    auto net = FakeInternet::Start(opts);
    ASSERT_TRUE(net.ok()) << net.status().ToString();
    net_ = std::move(net).value().release();
    auto r = Renderer::Create(Options());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    renderer_ = std::move(r).value().release();
  }

  static void TearDownTestSuite() {
    delete renderer_;
    renderer_ = nullptr;
    delete net_;
    net_ = nullptr;
  }

  // Options that reach the fake internet and nothing else on loopback.
  static RenderOptions Options() {
    RenderOptions o;
    o.allow_net = {"127.0.0.1/32:" + std::to_string(net_->http_port()),
                   "127.0.0.1/32:" + std::to_string(net_->https_port())};
    o.connect_to = net_->ConnectToRules();
    o.ca_file = net_->ca_file();
    o.network_quiet = std::chrono::milliseconds(300);
    return o;
  }

  static std::string Url(const std::string& path) { return std::string("https://") + kShop + path; }

  // The page whose script fetches http://HOST:PORT/hemlig (an http page: from https the
  // request would be mixed content, which Chromium blocks before the guard sees it).
  static std::string LoopbackPage(const std::string& host, int port) {
    return std::string("http://") + kShop + "/loopback.html?url=http%3A%2F%2F" + host + "%3A" +
           std::to_string(port) + "%2Fhemlig";
  }

  static const RenderedRequest* FindRequest(const RenderedPage& page, std::string_view part) {
    for (const RenderedRequest& r : page.requests)
      if (r.url.find(part) != std::string::npos)
        return &r;
    return nullptr;
  }

  static FakeInternet* net_;
  static Renderer* renderer_;
};

FakeInternet* RendererTest::net_ = nullptr;
Renderer* RendererTest::renderer_ = nullptr;

TEST_F(RendererTest, CapturesWhatTheScriptsBuilt) {
  auto page = renderer_->Render(
      {Url("/"),
       {"Shopify.theme.name", "Shopify.shop", "Shopify", "Magento.version", "bad chain()"}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const RenderedPage& p = page.value();
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.final_url, Url("/"));
  EXPECT_EQ(p.headers.at("x-skript"), "ja");
  // Text written by the script and carriers from the shipping API's answer.
  EXPECT_NE(p.html.find("Handgjorda ljus"), std::string::npos);
  EXPECT_NE(p.html.find("PostNord MyPack Collect"), std::string::npos) << p.html;
  EXPECT_NE(p.html.find("Budbee Hemleverans"), std::string::npos);
  // The checkout iframe injected after the load event.
  EXPECT_NE(p.html.find("id=\"kassa\""), std::string::npos);
  const RenderedRequest* frame = FindRequest(p, "/kassa-widget.html");
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(frame->resource_type, "Document");
  EXPECT_EQ(frame->status, 200);
  // Globals: values of primitives, "" for objects, nothing for what is absent or malformed.
  EXPECT_EQ(p.js.at("Shopify.theme.name"), "Dawn");
  EXPECT_EQ(p.js.at("Shopify.shop"), "skriptbutiken.myshopify.com");
  EXPECT_EQ(p.js.at("Shopify"), "");
  EXPECT_EQ(p.js.count("Magento.version"), 0u);
  EXPECT_EQ(p.js.count("bad chain()"), 0u);
  // The XHR and the script, with type and status.
  const RenderedRequest* xhr = FindRequest(p, "/api/fraktalternativ.json");
  ASSERT_NE(xhr, nullptr);
  EXPECT_EQ(xhr->resource_type, "XHR");
  EXPECT_EQ(xhr->status, 200);
  const RenderedRequest* script = FindRequest(p, "/assets/app.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->resource_type, "Script");
  // The cookie the script set.
  auto cookie = std::find_if(p.cookies.begin(), p.cookies.end(),
                             [](const RenderedCookie& c) { return c.name == "_shopify_y"; });
  ASSERT_NE(cookie, p.cookies.end());
  EXPECT_EQ(cookie->value, "skript1");
}

// Checkout probing in the browser: the click puts the product in the cart (a request of the
// page's own script sets the cart cookie), the cart and checkout open in the same context and
// show what they show only with a product in the cart. The next page's context knows nothing.
TEST_F(RendererTest, ClicksAddToCartThenOpensTheCartAndCheckoutInTheSameContext) {
  const std::string shop = "https://klickboden.test/";
  RenderRequest request{shop, {}};
  request.click_texts = {"add to cart", "lägg i varukorg"};
  request.then = {{"", {"varukorg"}}, {"", {"kassa"}}};
  std::vector<std::string> asked;
  request.may_open = [&](const std::string& url) {
    asked.push_back(url);
    return true;
  };
  auto page = renderer_->Render(request);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const RenderedPage& p = page.value();
  EXPECT_EQ(p.clicked, "lägg i varukorgen");
  // The click's own request belongs to the clicked page.
  const RenderedRequest* add = FindRequest(p, "/cart/add.js");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->status, 200);
  ASSERT_EQ(p.followed.size(), 2u) << p.html;
  EXPECT_EQ(asked, (std::vector<std::string>{shop + "varukorg", shop + "kassa"}));
  EXPECT_EQ(p.followed[0].then_index, 0);
  EXPECT_NE(p.followed[0].html.find("Stormlykta"), std::string::npos) << p.followed[0].html;
  EXPECT_EQ(p.followed[1].final_url, shop + "kassa");
  EXPECT_NE(p.followed[1].html.find("aco-wrapper"), std::string::npos) << p.followed[1].html;
  EXPECT_GT(p.followed[1].bytes, 0);
  // Without the click (no control with that text) nothing follows; and the cart of the page
  // before is gone: the same checkout is empty.
  RenderRequest other{shop, {}};
  other.click_exact = {"köp nu"};
  other.then = {{shop + "kassa", {}}};
  auto none = renderer_->Render(other);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none.value().clicked, "");
  EXPECT_TRUE(none.value().followed.empty());
  auto empty = renderer_->Render({shop + "kassa", {}});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value().html.find("aco-wrapper"), std::string::npos);
  // The politeness gap comes before the click and before each page after it.
  RenderOptions polite = Options();
  polite.politeness = std::chrono::milliseconds(700);
  auto slow = Renderer::Create(polite);
  ASSERT_TRUE(slow.ok());
  const auto start = std::chrono::steady_clock::now();
  auto paced = slow.value()->Render(request);
  ASSERT_TRUE(paced.ok()) << paced.status().ToString();
  EXPECT_EQ(paced.value().followed.size(), 2u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(3 * 700));
  // What may_open refuses (robots.txt, another site) is not opened, nor anything after it.
  request.may_open = [](const std::string& url) { return url.find("kassa") == std::string::npos; };
  auto refused = renderer_->Render(request);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  ASSERT_EQ(refused.value().followed.size(), 1u);
  EXPECT_EQ(refused.value().followed[0].final_url, shop + "varukorg");
}

// A tab serves page after page; what one page stored (cookies, local and session storage)
// is gone before the next one, even on the same origin.
TEST_F(RendererTest, NothingAPageStoredReachesTheNextPageInTheSameTab) {
  RenderOptions o = Options();
  o.max_tabs = 1;
  o.spare_tabs = 0;
  auto r = Renderer::Create(o);
  ASSERT_TRUE(r.ok());
  auto wrote = r.value()->Render({Url("/lagring.html?skriv=1"), {}});
  ASSERT_TRUE(wrote.ok()) << wrote.status().ToString();
  // The control: the page could store and read back.
  EXPECT_NE(wrote.value().html.find("local=ja session=ja cookie=lagrat=ja"), std::string::npos)
      << wrote.value().html;
  auto next = r.value()->Render({Url("/lagring.html"), {}});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_NE(next.value().html.find("local=null session=null cookie=-"), std::string::npos)
      << next.value().html;
  EXPECT_TRUE(next.value().cookies.empty());
  // Both pages were shown by one tab: the cleaning, not a new context, kept them apart.
  EXPECT_EQ(r.value()->stats().tabs_opened, 1);
}

TEST_F(RendererTest, EachPageGetsAFreshContextAndNoImages) {
  ASSERT_TRUE(renderer_->Render({Url("/"), {}}).ok());
  auto page = renderer_->Render({Url("/om-oss.html"), {"Shopify"}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page.value().cookies.empty()) << page.value().cookies.front().name;
  EXPECT_EQ(page.value().js.count("Shopify"), 0u);
  EXPECT_NE(page.value().html.find("Vi gör ljus"), std::string::npos);
  EXPECT_EQ(net_->RequestCount(kShop, "/bild.png"), 0);
}

TEST_F(RendererTest, GuardRefusesALoopbackRequestFromAScript) {
  Listener service;
  ASSERT_GT(service.port(), 0);
  auto page = renderer_->Render({LoopbackPage("127.0.0.1", service.port()), {}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const RenderedRequest* r = FindRequest(page.value(), "/hemlig");
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->blocked.find("address guard"), std::string::npos) << r->blocked;
  EXPECT_NE(r->blocked.find("loopback"), std::string::npos) << r->blocked;
  EXPECT_NE(page.value().html.find("nekad"), std::string::npos);
  EXPECT_EQ(service.Accepted(), 0);
}

// The control for the test above: with --allow-net opening the port and --resolve naming it,
// the same page reaches the service by name, so the refusal above is the guard's doing. The
// literal address stays refused: a site may not pick it (as for curl's redirects).
TEST_F(RendererTest, AllowNetAndResolveOpenALoopbackNameForTheBrowser) {
  Listener service;
  ASSERT_GT(service.port(), 0);
  const std::string port = std::to_string(service.port());
  RenderOptions o = Options();
  o.allow_net.push_back("127.0.0.1/32:" + port);
  o.resolve.push_back("lokal.test:" + port + ":127.0.0.1");
  o.total_timeout = std::chrono::milliseconds(4000);  // the listener never answers
  auto r = Renderer::Create(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto page = r.value()->Render({LoopbackPage("lokal.test", service.port()), {}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const RenderedRequest* req = FindRequest(page.value(), "/hemlig");
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->blocked, "");
  EXPECT_GE(service.Accepted(), 1) << req->error;

  auto literal = r.value()->Render({LoopbackPage("127.0.0.1", service.port()), {}});
  ASSERT_TRUE(literal.ok()) << literal.status().ToString();
  req = FindRequest(literal.value(), "/hemlig");
  ASSERT_NE(req, nullptr);
  EXPECT_NE(req->blocked.find("named by the site"), std::string::npos) << req->blocked;
  EXPECT_EQ(service.Accepted(), 0);
}

TEST_F(RendererTest, BotChallengesFailAsBotChallenge) {
  // Served to the browser straight away...
  auto cf = renderer_->Render({"https://cloudflare-challenge.hostile.test/", {}});
  ASSERT_FALSE(cf.ok());
  EXPECT_EQ(cf.status().error_code(), "bot_challenge") << cf.status().ToString();
  EXPECT_NE(cf.status().message().find("Cloudflare"), std::string::npos);
  // ...or reached by the site's own script after an ordinary page loaded.
  auto px = renderer_->Render({"https://browser-challenge.hostile.test/", {}});
  ASSERT_FALSE(px.ok());
  EXPECT_EQ(px.status().error_code(), "bot_challenge") << px.status().ToString();
  EXPECT_NE(px.status().message().find("PerimeterX"), std::string::npos);
  EXPECT_NE(px.status().message().find("/blockerad"), std::string::npos);
}

TEST_F(RendererTest, DocumentOnAGuardedAddressFailsAsBlocked) {
  auto page = renderer_->Render({"http://127.0.0.1:9/", {}});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().error_code(), "blocked_address") << page.status().ToString();
  // (Port 8080: the fake internet's connect-to rules map every host on 80 and 443.)
  auto metadata = renderer_->Render({"http://169.254.169.254:8080/latest/meta-data/", {}});
  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.status().error_code(), "blocked_address");
  // A redirect to loopback is refused as well.
  auto redirect = renderer_->Render({"http://redirect-loopback.hostile.test/", {}});
  ASSERT_FALSE(redirect.ok());
  EXPECT_EQ(redirect.status().error_code(), "blocked_address") << redirect.status().ToString();
}

TEST_F(RendererTest, RequestBudgetCutsThePageShort) {
  RenderOptions o = Options();
  o.max_requests = 2;  // the document and its script; the XHR is one too many
  auto r = Renderer::Create(o);
  ASSERT_TRUE(r.ok());
  auto page = r.value()->Render({Url("/"), {}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_LE(page.value().requests.size(), 2u);
  ASSERT_FALSE(page.value().notes.empty());
  EXPECT_NE(page.value().notes[0].find("request budget"), std::string::npos);
  const std::string dir = r.value()->browser_dir();
  ASSERT_FALSE(dir.empty());
  r.value().reset();  // destroying the renderer kills its browser and removes its folder
  EXPECT_TRUE(WaitUntilNoneNames(dir).empty());
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(RendererTest, PagesBeyondTheTabLimitWait) {
  RenderOptions o = Options();
  o.max_tabs = 1;
  auto r = Renderer::Create(o);
  ASSERT_TRUE(r.ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&] {
      if (r.value()->Render({Url("/om-oss.html"), {}}).ok())
        ++ok;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(r.value()->peak_tabs(), 1);
  EXPECT_EQ(r.value()->browsers_started(), 1);
}

TEST_F(RendererTest, ServerThatNeverAnswersTimesOut) {
  RenderOptions o = Options();
  o.navigation_timeout = std::chrono::milliseconds(2000);
  auto r = Renderer::Create(o);
  ASSERT_TRUE(r.ok());
  auto page = r.value()->Render({"https://hang.hostile.test/", {}});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().error_code(), "timeout") << page.status().ToString();
  // The browser itself is fine and renders the next page.
  EXPECT_TRUE(r.value()->Render({Url("/om-oss.html"), {}}).ok());
  EXPECT_EQ(r.value()->browsers_started(), 1);
}

TEST_F(RendererTest, UntrustedCertificateFailsAsTlsError) {
  auto page = renderer_->Render({"https://untrusted-ca.hostile.test/", {}});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().error_code(), "tls_error") << page.status().ToString();
}

TEST_F(RendererTest, KilledBrowserIsRestartedForTheNextPage) {
  ASSERT_TRUE(renderer_->Render({Url("/om-oss.html"), {}}).ok());
  const pid_t first = renderer_->browser_pid();
  const int started = renderer_->browsers_started();
  ASSERT_GT(first, 0);
  kill(first, SIGKILL);
  auto page = renderer_->Render({Url("/om-oss.html"), {}});
  if (!page.ok()) {  // the crash may be seen only by this page: it is retryable
    EXPECT_EQ(page.status().error_code(), "renderer_crashed") << page.status().ToString();
    EXPECT_TRUE(page.status().retryable());
    page = renderer_->Render({Url("/om-oss.html"), {}});
  }
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_NE(renderer_->browser_pid(), first);
  EXPECT_EQ(renderer_->browsers_started(), started + 1);
}

TEST_F(RendererTest, HungBrowserIsKilledAndRestarted) {
  RenderOptions o = Options();
  o.call_timeout = std::chrono::milliseconds(2000);
  auto r = Renderer::Create(o);
  ASSERT_TRUE(r.ok());
  Renderer& renderer = *r.value();
  ASSERT_TRUE(renderer.Render({Url("/om-oss.html"), {}}).ok());
  const pid_t first = renderer.browser_pid();
  ASSERT_GT(first, 0);
  kill(first, SIGSTOP);
  auto hung = renderer.Render({Url("/om-oss.html"), {}});
  ASSERT_FALSE(hung.ok());
  EXPECT_EQ(hung.status().error_code(), "renderer_crashed") << hung.status().ToString();
  EXPECT_TRUE(hung.status().retryable());
  auto page = renderer.Render({Url("/om-oss.html"), {}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_NE(renderer.browser_pid(), first);
  EXPECT_EQ(renderer.browsers_started(), 2);
  EXPECT_NE(kill(first, 0), 0);  // the stopped browser was killed and reaped
}

// A browser binary that exits at once on its first start (as a start that lost a race for
// memory does) and is Chromium from then on.
std::string FlakyFirstStartBinary(const std::string& dir) {
  fs::create_directories(dir);
  const std::string script = dir + "/chromium";
  std::ofstream(script) << "#!/bin/sh\n"
                        << "if [ ! -e '" << dir << "/started' ]; then\n"
                        << "  touch '" << dir << "/started'; exit 1\n"
                        << "fi\n"
                        << "exec " << kDefaultChromiumBinary << " \"$@\"\n";
  fs::permissions(script, fs::perms::owner_all);
  return script;
}

TEST_F(RendererTest, ABrowserThatDiesBeforeItsFirstAnswerIsStartedOnceMore) {
  const std::string dir = ::testing::TempDir() + "leadscan-flaky-start-" + std::to_string(getpid());
  fs::remove_all(dir);
  RenderOptions o = Options();
  o.launch.binary = FlakyFirstStartBinary(dir);
  auto r = Renderer::Create(o);
  ASSERT_TRUE(r.ok());
  Renderer& renderer = *r.value();
  auto page = renderer.Render({Url("/om-oss.html"), {}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(fs::exists(dir + "/started"));
  EXPECT_EQ(renderer.stats().start_retries, 1);
  EXPECT_EQ(renderer.browsers_started(), 2);

  // A browser that never comes up is not retried forever: one more start, then the error.
  RenderOptions broken = Options();
  broken.launch.binary = "/bin/false";
  auto b = Renderer::Create(broken);
  ASSERT_TRUE(b.ok());
  auto failed = b.value()->Render({Url("/om-oss.html"), {}});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().error_code(), "renderer_unavailable") << failed.status().ToString();
  EXPECT_EQ(b.value()->stats().start_retries, 1);
  EXPECT_EQ(b.value()->browsers_started(), 2);
  fs::remove_all(dir);
}

// CPU seconds (user + system) a process has used; -1 when it is gone.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos)
    return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i)
    if (i == 14 || i == 15)
      ticks += std::stod(f);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// True when some process naming `dir` used more than half a CPU over the last half second
// (a renderer still spinning in a page's endless loop).
bool SomeProcessSpins(const std::string& dir) {
  std::map<pid_t, double> before;
  for (pid_t p : ProcessesNaming(dir))
    before[p] = CpuSeconds(p);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (auto [p, cpu] : before)
    if (cpu >= 0 && CpuSeconds(p) - cpu > 0.25)
      return true;
  return false;
}

TEST_F(RendererTest, HungTabFailsAsCrashedAndTheBrowserGoesOn) {
  RenderOptions o = Options();
  o.navigation_timeout = std::chrono::milliseconds(1500);
  // Room for the next page's first call: the new tab may wait until Chromium has let the
  // spinning renderer process go (under load this took more than 2 s once, in a full ctest run).
  o.call_timeout = std::chrono::milliseconds(5000);
  auto r = Renderer::Create(o);
  ASSERT_TRUE(r.ok());
  Renderer& renderer = *r.value();
  auto hung = renderer.Render({Url("/evig-loop.html"), {"Shopify"}});
  ASSERT_FALSE(hung.ok());
  EXPECT_EQ(hung.status().error_code(), "renderer_crashed") << hung.status().ToString();
  EXPECT_TRUE(hung.status().retryable());
  // The browser answers, so only the tab was given up: the next page renders in it.
  auto page = renderer.Render({Url("/om-oss.html"), {}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(renderer.browsers_started(), 1);
  const RendererStats stats = renderer.stats();
  EXPECT_EQ(stats.crashes, 1);
  EXPECT_EQ(stats.pages_failed, 1);
  EXPECT_EQ(stats.pages_rendered, 1);
  EXPECT_EQ(stats.tabs_busy, 0);
  // The renderer process stuck in the endless loop went with its context.
  const std::string dir = renderer.browser_dir();
  bool spins = true;
  for (int i = 0; i < 20 && spins; ++i)
    spins = SomeProcessSpins(dir);
  EXPECT_FALSE(spins) << "a Chromium process of " << dir << " still burns a CPU";
}

TEST_F(RendererTest, CancelAbandonsAPageInFlight) {
  RenderOptions o = Options();
  o.navigation_timeout = std::chrono::milliseconds(60000);
  o.total_timeout = std::chrono::milliseconds(60000);
  o.call_timeout = std::chrono::milliseconds(60000);
  auto r = Renderer::Create(o);
  ASSERT_TRUE(r.ok());
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  std::thread canceller([cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    cancel->store(true);
  });
  RenderRequest request{Url("/evig-loop.html"), {}};
  request.cancel = cancel;
  auto page = r.value()->Render(request);
  canceller.join();
  ASSERT_FALSE(page.ok());
  // Without the flag the page would run into a 60 s timeout (renderer_crashed or timeout).
  EXPECT_EQ(page.status().error_code(), "cancelled") << page.status().ToString();
  // A cancelled wait for a tab ends the same way.
  RenderOptions one = Options();
  one.max_tabs = 1;
  one.navigation_timeout = std::chrono::milliseconds(2000);
  one.call_timeout = std::chrono::milliseconds(2000);
  auto single = Renderer::Create(one);
  ASSERT_TRUE(single.ok());
  std::thread busy([&] { (void)single.value()->Render({Url("/evig-loop.html"), {}}); });
  while (single.value()->stats().tabs_busy == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  RenderRequest waiting{Url("/om-oss.html"), {}};
  waiting.cancel = std::make_shared<std::atomic<bool>>(true);
  auto waited = single.value()->Render(waiting);
  busy.join();
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.status().error_code(), "cancelled") << waited.status().ToString();
}

TEST_F(RendererTest, NoChromiumOutlivesAParentKilledWithSigkill) {
  int out[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::vector<std::string> args = {LEADSCAN_RENDER_PROBE, "--url", Url("/"), "--ca-file",
                                   net_->ca_file()};
  for (const std::string& a : Options().allow_net) {
    args.push_back("--allow-net");
    args.push_back(a);
  }
  for (const std::string& c : net_->ConnectToRules()) {
    args.push_back("--connect-to");
    args.push_back(c);
  }
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t probe = 0;
  ASSERT_EQ(posix_spawn(&probe, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n')
    line += c;
  close(out[0]);
  const size_t at = line.find(" dir=");
  ASSERT_NE(at, std::string::npos) << "probe said: " << line;
  const std::string dir = line.substr(at + 5);
  ASSERT_FALSE(dir.empty());
  ASSERT_GE(ProcessesNaming(dir).size(), 2u);  // the browser and its helpers are running

  kill(probe, SIGKILL);
  waitpid(probe, nullptr, 0);
  // The kernel delivers the parent-death signal at once; the helpers notice their browser is
  // gone soon after. Wait (bounded) for the last of them.
  std::vector<pid_t> left = WaitUntilNoneNames(dir);
  EXPECT_TRUE(left.empty()) << left.size() << " Chromium processes survived, first " << left[0];
  std::error_code ec;
  fs::remove_all(dir, ec);  // the probe could not clean up after SIGKILL
}

}  // namespace
}  // namespace leadscan::render
