#include "render/renderer.h"

#include <signal.h>

#include <future>
#include <regex>
#include <set>
#include <unordered_map>

#include "common/thread_guard.h"
#include "fetch/bot_challenge.h"
#include "fetch/errors.h"
#include "render/cdp_connection.h"
#include "render/chromium_process.h"

namespace leadscan::render {

namespace {

using common::Result;
using common::Status;
using common::StatusCode;
using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kStartTimeout{30000};  // first answer of a new browser
constexpr std::chrono::milliseconds kProbeTimeout{3000};   // is the browser still answering?
constexpr size_t kMaxGuardQueue = 10000;                   // paused requests waiting
// A tab serves at most this many pages, then its context is disposed (a renderer process that
// has seen many sites is replaced by a fresh one).
constexpr int kMaxPagesPerTab = 20;
// A page that touched more origins than this is not cleaned for reuse: its context goes.
constexpr size_t kMaxOriginsToClear = 64;
// Each call that empties a tab for its next page.
constexpr std::chrono::milliseconds kResetTimeout{2000};

Status Crashed(std::string message) {
  return Status::Error(StatusCode::kUnavailable, "renderer_crashed", std::move(message), true);
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// result.value of a Runtime.evaluate answer; null when the answer has another shape (never
// throws, whatever the message holds).
Json EvaluatedValue(const Json& answer) {
  if (!answer.is_object())
    return Json();
  auto result = answer.find("result");
  if (result == answer.end() || !result->is_object())
    return Json();
  auto value = result->find("value");
  return value == result->end() ? Json() : *value;
}

// The fetch error code for a navigation that failed with Chromium's `error_text`, given the
// guard's reason for the document request ("" when the guard let it through).
Status NavigationError(const std::string& error_text, const std::string& guard_reason,
                       const std::string& url) {
  std::string_view code = fetch::kFetchError;
  if (guard_reason.starts_with("address guard"))
    code = fetch::kBlockedAddress;
  else if (guard_reason.starts_with("scheme"))
    code = fetch::kBlockedProtocol;
  else if (guard_reason.starts_with("name not resolved") ||
           error_text == "net::ERR_NAME_NOT_RESOLVED")
    code = fetch::kDnsNotFound;
  else if (error_text.starts_with("net::ERR_CERT_") || error_text.starts_with("net::ERR_SSL_"))
    code = fetch::kTlsError;
  else if (error_text == "net::ERR_CONNECTION_REFUSED")
    code = fetch::kConnectRefused;
  else if (error_text == "net::ERR_TIMED_OUT" || error_text == "net::ERR_CONNECTION_TIMED_OUT")
    code = fetch::kTimeout;
  else if (error_text == "net::ERR_CONNECTION_RESET" || error_text == "net::ERR_EMPTY_RESPONSE")
    code = fetch::kConnectionReset;
  std::string why = guard_reason.empty() ? error_text : guard_reason;
  return fetch::FetchError(code, url + ": " + why);
}

// The expression that reads the asked globals: {chain: value}, value "" for objects and
// functions, strings cut to `max_chars` and made well-formed (no lone surrogates).
std::string JsGlobalsExpression(const std::vector<std::string>& chains, size_t max_chars) {
  return "(() => { const chains = " + Json(chains).dump() +
         "; const max = " + std::to_string(max_chars) +
         "; const out = {};"
         " for (const c of chains) { try { let v = window; let found = true;"
         " for (const k of c.split('.')) { if (v === null || v === undefined ||"
         " !(k in Object(v))) { found = false; break; } v = v[k]; }"
         " if (!found || v === undefined) continue; const t = typeof v;"
         " out[c] = (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint')"
         " ? String(v).slice(0, max).toWellFormed() : ''; } catch (e) {} } return out; })()";
}

// "scheme://host[:port]" of an http(s) URL (the form Storage.clearDataForOrigin takes); ""
// for anything else.
std::string OriginOf(const std::string& url) {
  std::string scheme;
  std::string host;
  int port = 0;
  if (!SplitUrl(url, &scheme, &host, &port) || (scheme != "http" && scheme != "https"))
    return "";
  if (host.find(':') != std::string::npos)
    host = "[" + host + "]";
  const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return scheme + "://" + host + (default_port ? "" : ":" + std::to_string(port));
}

bool ValidChain(const std::string& chain) {
  static const std::regex kChain(R"([A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*)");
  return !chain.empty() && chain.size() <= kMaxJsChainLength && std::regex_match(chain, kChain);
}

// The expression that clicks the first visible, enabled button or link whose text (lower-case,
// spaces folded, at most 80 characters) contains one of `texts` or equals one of `exact`;
// answers the clicked element's text, "" when none. Nothing else on the page is touched.
std::string ClickExpression(const std::vector<std::string>& texts,
                            const std::vector<std::string>& exact) {
  return "(() => { const texts = " + Json(texts).dump() + "; const exact = " + Json(exact).dump() +
         "; const sel = 'button, a[href], input[type=submit], input[type=button], "
         "[role=button]';"
         " for (const el of document.querySelectorAll(sel)) {"
         " const t = String(el.innerText || el.value || el.getAttribute('aria-label') || '')"
         ".replace(/\\s+/g, ' ').trim().toLowerCase();"
         " if (!t || t.length > 80 || el.disabled) continue;"
         " if (!texts.some(w => t.includes(w)) && !exact.includes(t)) continue;"
         " const r = el.getBoundingClientRect(); if (r.width === 0 || r.height === 0) continue;"
         " el.scrollIntoView({block: 'center'}); el.click(); return t.toWellFormed(); }"
         " return ''; })()";
}

// The expression that answers the absolute URL of the first link of the page, on its own
// origin, whose href or text (lower-case) contains one of `words`; "" when none.
std::string LinkExpression(const std::vector<std::string>& words) {
  return "(() => { const words = " + Json(words).dump() +
         "; for (const a of document.querySelectorAll('a[href]')) {"
         " let u; try { u = new URL(a.href, location.href); } catch (e) { continue; }"
         " if (u.origin !== location.origin) continue;"
         " const t = (u.pathname + ' ' + String(a.innerText || '')).toLowerCase();"
         " if (words.some(w => t.includes(w))) return u.href.toWellFormed(); }"
         " return ''; })()";
}

}  // namespace

// One browser: its process and its pipe. Destruction kills the process group first (so the
// reader sees EOF), then joins the reader, then reaps and removes the temporary folder.
struct Renderer::Browser {
  std::unique_ptr<ChromiumProcess> process;
  std::unique_ptr<CdpConnection> conn;
  int pages = 0;   // started in this browser
  int active = 0;  // renders in flight (under Renderer::mu_)
  // Tabs ready for a page (blank, attached, Page and Network on, cookies and storage empty):
  // opened ahead on the keeper thread, or given back clean by the page before. Under spare_mu.
  std::mutex spare_mu;
  std::deque<Tab> spares;
  int preparing = 0;
  int tabs = 0;  // open: in use, ready or being opened ahead (at most max_tabs, a start aside)

  ~Browser() {
    if (process && process->pid() > 0) {
      kill(-process->pid(), SIGKILL);
      kill(process->pid(), SIGKILL);
    }
    conn.reset();
    process.reset();
  }
};

Result<std::unique_ptr<Renderer>> Renderer::Create(RenderOptions options) {
  auto guard = fetch::AddressGuard::Create(options.allow_net);
  if (!guard.ok())
    return guard.status();
  auto mapping = HostMapping::Parse(options.resolve, options.connect_to);
  if (!mapping.ok())
    return mapping.status();
  auto rules = mapping.value().ChromiumRules();
  if (!rules.ok())
    return rules.status();
  if (options.max_requests <= 0 || options.max_bytes <= 0 || options.max_dom_chars <= 0 ||
      options.pages_per_browser <= 0 || options.max_tabs <= 0 ||
      options.total_timeout.count() <= 0 || options.navigation_timeout.count() <= 0 ||
      options.call_timeout.count() <= 0)
    return Status::InvalidArgument("invalid_render_options",
                                   "render budgets and timeouts must be positive");
  auto request_guard = std::make_unique<RequestGuard>(std::move(guard).value(),
                                                      std::move(mapping).value(), kMaxGuardRecords);
  return std::unique_ptr<Renderer>(
      new Renderer(std::move(options), std::move(rules).value(), std::move(request_guard)));
}

Renderer::Renderer(RenderOptions options, std::string resolver_rules,
                   std::unique_ptr<RequestGuard> guard)
    : options_(std::move(options)),
      resolver_rules_(std::move(resolver_rules)),
      guard_(std::move(guard)) {
  keeper_ = std::thread([this] { KeeperLoop(); });
  guard_thread_ = std::thread([this] { GuardLoop(); });
}

Renderer::~Renderer() {
  {
    std::lock_guard lock(mu_);
    current_.reset();
  }
  {
    std::lock_guard lock(keeper_mu_);
    stopping_ = true;
  }
  keeper_cv_.notify_all();
  { std::lock_guard lock(guard_mu_); }
  guard_cv_.notify_all();
  keeper_.join();
  guard_thread_.join();
}

pid_t Renderer::browser_pid() const {
  std::lock_guard lock(mu_);
  return current_ && current_->process ? current_->process->pid() : 0;
}

std::string Renderer::browser_dir() const {
  std::lock_guard lock(mu_);
  return current_ && current_->process ? current_->process->dir() : std::string();
}

RendererStats Renderer::stats() const {
  RendererStats s;
  {
    std::lock_guard lock(tabs_mu_);
    s.tabs_busy = tabs_busy_;
  }
  s.max_tabs = options_.max_tabs;
  s.pages_rendered = pages_rendered_.load();
  s.pages_failed = pages_failed_.load();
  s.crashes = crashes_.load();
  s.browsers_started = browsers_started_.load();
  s.recycles = recycles_.load();
  s.start_retries = start_retries_.load();
  s.tabs_opened = tabs_opened_.load();
  return s;
}

void Renderer::KeeperLoop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(keeper_mu_);
      keeper_cv_.wait(lock, [&] { return stopping_ || !keeper_tasks_.empty(); });
      if (keeper_tasks_.empty())
        return;
      task = std::move(keeper_tasks_.front());
      keeper_tasks_.pop_front();
    }
    common::RunGuarded("renderer keeper", task);
  }
}

void Renderer::GuardLoop() {
  while (true) {
    GuardItem item;
    {
      std::unique_lock lock(guard_mu_);
      guard_cv_.wait(lock, [&] {
        std::lock_guard keeper_lock(keeper_mu_);
        return stopping_ || !guard_queue_.empty();
      });
      if (guard_queue_.empty())
        return;
      item = std::move(guard_queue_.front());
      guard_queue_.pop_front();
    }
    common::RunGuarded("renderer guard", [&] {
      std::shared_ptr<Browser> browser = item.browser.lock();
      if (!browser || !browser->conn)
        return;
      bool user_chosen = false;
      if (item.resource_type == "Document") {
        std::lock_guard lock(asked_mu_);
        user_chosen = asked_urls_.count(item.url) != 0;
      }
      std::string why = guard_->Decide(item.url, item.resource_type, user_chosen);
      if (why.empty()) {
        (void)browser->conn->Send("Fetch.continueRequest", {{"requestId", item.request_id}});
        return;
      }
      guard_->Record(item.network_id, why);
      const bool type = why.starts_with("resource type");
      (void)browser->conn->Send("Fetch.failRequest",
                                {{"requestId", item.request_id},
                                 {"errorReason", type ? "BlockedByClient" : "AccessDenied"}});
    });
  }
}

void Renderer::OnBrowserEvent(const std::weak_ptr<Browser>& browser, const Json& event) {
  if (Str(event, "method") != "Fetch.requestPaused")
    return;
  const Json& p = event.value("params", Json::object());
  GuardItem item;
  item.browser = browser;
  item.request_id = Str(p, "requestId");
  item.network_id = Str(p, "networkId");
  item.resource_type = Str(p, "resourceType");
  if (auto r = p.find("request"); r != p.end() && r->is_object())
    item.url = Str(*r, "url");
  std::lock_guard lock(guard_mu_);
  if (guard_queue_.size() >= kMaxGuardQueue)
    return;  // too many waiting: the request stays paused (never sent) until its page ends
  guard_queue_.push_back(std::move(item));
  guard_cv_.notify_one();
}

Result<std::shared_ptr<Renderer::Browser>> Renderer::Launch(bool* died) {
  *died = false;
  ChromiumLaunch launch = options_.launch;
  launch.ca_file = options_.ca_file;
  launch.user_agent = options_.user_agent;
  if (!resolver_rules_.empty())
    launch.extra_args.push_back("--host-resolver-rules=" + resolver_rules_);
  // Start on the keeper thread: the parent-death signal follows the thread that forked.
  std::promise<Result<std::unique_ptr<ChromiumProcess>>> started;
  auto future = started.get_future();
  {
    std::lock_guard lock(keeper_mu_);
    if (stopping_)
      return Status::Error(StatusCode::kCancelled, "cancelled", "the renderer is stopping");
    keeper_tasks_.push_back([&] { started.set_value(ChromiumProcess::Start(launch)); });
  }
  keeper_cv_.notify_all();
  auto process = future.get();
  if (!process.ok())
    return process.status();
  auto browser = std::make_shared<Browser>();
  browser->process = std::move(process).value();
  std::weak_ptr<Browser> weak = browser;
  browser->conn = std::make_unique<CdpConnection>(
      browser->process->to_browser_fd(), browser->process->from_browser_fd(),
      options_.max_message_bytes, [this, weak](const Json& e) { OnBrowserEvent(weak, e); });
  ++browsers_started_;
  auto version = browser->conn->Call("Browser.getVersion", Json::object(), "", kStartTimeout);
  if (!version.ok()) {
    *died = !browser->conn->alive();
    return Status::Error(StatusCode::kUnavailable, "renderer_unavailable",
                         "Chromium did not answer after start: " + version.status().message(),
                         true);
  }
  // Every request of every context and frame stops here until the guard decides.
  auto fetch = browser->conn->Call(
      "Fetch.enable",
      {{"patterns", Json::array({{{"urlPattern", "*"}, {"requestStage", "Request"}}})}}, "",
      options_.call_timeout);
  if (!fetch.ok())
    return Status::Error(StatusCode::kUnavailable, "renderer_unavailable",
                         "Chromium refused request interception: " + fetch.status().message());
  return browser;
}

Result<std::shared_ptr<Renderer::Browser>> Renderer::Acquire() {
  std::unique_lock lock(mu_);
  if (current_ && (!current_->conn->alive() || current_->pages >= options_.pages_per_browser)) {
    // Crashed, or recycled after its page budget; its pages still rendering hold it until they
    // end (the last one's release kills it).
    if (current_->conn->alive())
      ++recycles_;
    current_.reset();
  }
  if (!current_) {
    // Launch outside the lock would let two threads start two browsers; a start is rare
    // (first page, crash, recycle), so others wait for it.
    bool died = false;
    auto launched = Launch(&died);
    if (!launched.ok() && died) {
      // A browser that exits before its first answer is usually a start that lost a race for
      // resources (memory, a busy machine); one more start, and the error if it fails too.
      ++start_retries_;
      launched = Launch(&died);
    }
    if (!launched.ok())
      return launched.status();
    current_ = std::move(launched).value();
  }
  ++current_->active;
  ++current_->pages;
  return current_;
}

void Renderer::Release(const std::shared_ptr<Browser>& browser, bool broken) {
  std::lock_guard lock(mu_);
  --browser->active;
  if (broken) {
    if (browser->process && browser->process->pid() > 0) {
      kill(-browser->process->pid(), SIGKILL);  // the reader sees EOF; the object dies later
      kill(browser->process->pid(), SIGKILL);
    }
    if (current_ == browser)
      current_.reset();
  } else if (current_ == browser && browser->active == 0 &&
             browser->pages >= options_.pages_per_browser) {
    ++recycles_;
    current_.reset();
  }
}

Result<RenderedPage> Renderer::Render(const RenderRequest& request) {
  std::string scheme;
  std::string host;
  int port = 0;
  if (!SplitUrl(request.url, &scheme, &host, &port) || (scheme != "http" && scheme != "https"))
    return fetch::FetchError(fetch::kInvalidUrl, "not an http(s) URL: " + request.url);
  auto page = RenderInTab(request);
  if (page.ok()) {
    ++pages_rendered_;
  } else {
    ++pages_failed_;
    if (page.status().error_code() == "renderer_crashed")
      ++crashes_;
  }
  return page;
}

Result<RenderedPage> Renderer::RenderInTab(const RenderRequest& request) {
  auto cancelled = [&] { return request.cancel && request.cancel->load(); };
  {
    // Wait for a tab, within the request's own time cap when it has one, looking at the
    // cancel flag now and then.
    std::unique_lock lock(tabs_mu_);
    auto free = [&] { return tabs_busy_ < options_.max_tabs; };
    const auto give_up = SteadyClock::now() + request.timeout;
    while (!free()) {
      if (cancelled())
        return Status::Cancelled("rendering cancelled: " + request.url);
      auto wake = SteadyClock::now() + kCancelPoll;
      if (request.timeout.count() > 0) {
        if (SteadyClock::now() >= give_up)
          return fetch::FetchError(fetch::kTimeout,
                                   request.url + ": no browser tab came free in time");
        wake = std::min(wake, give_up);
      }
      tabs_cv_.wait_until(lock, wake);
    }
    ++tabs_busy_;
    peak_tabs_.store(std::max(peak_tabs_.load(), tabs_busy_));
  }

  struct TabSlot {
    Renderer* r;

    ~TabSlot() {
      {
        std::lock_guard lock(r->tabs_mu_);
        --r->tabs_busy_;
      }
      r->tabs_cv_.notify_one();
    }
  } slot{this};

  auto browser = Acquire();
  if (!browser.ok())
    return browser.status();
  {
    std::lock_guard lock(asked_mu_);
    asked_urls_.insert(request.url);
  }
  bool broken = false;
  auto page = RenderIn(browser.value(), request, &broken);
  {
    std::lock_guard lock(asked_mu_);
    asked_urls_.erase(asked_urls_.find(request.url));
  }
  Release(browser.value(), broken);
  return page;
}

Result<Renderer::Tab> Renderer::OpenTab(CdpConnection& cdp, const std::atomic<bool>* stop) {
  const auto call = options_.call_timeout;
  auto ctx = cdp.Call("Target.createBrowserContext", {{"disposeOnDetach", true}}, "", call);
  if (!ctx.ok())
    return ctx.status();
  Tab tab;
  tab.context_id = Str(ctx.value(), "browserContextId");
  // From here on a failure disposes the context (and the target in it).
  auto fail = [&](const Status& s) -> Status {
    CloseTab(cdp, tab);
    return s;
  };
  auto target =
      cdp.Call("Target.createTarget",
               {{"url", "about:blank"}, {"browserContextId", tab.context_id}}, "", call, stop);
  if (!target.ok())
    return fail(target.status());
  tab.target_id = Str(target.value(), "targetId");
  auto attached = cdp.Call("Target.attachToTarget",
                           {{"targetId", tab.target_id}, {"flatten", true}}, "", call, stop);
  if (!attached.ok())
    return fail(attached.status());
  tab.session = Str(attached.value(), "sessionId");
  cdp.OpenSession(tab.session);
  // WebSockets are not paused by Fetch: refuse them all. Service workers would fetch on
  // their own: bypass them.
  for (auto& [method, params] : std::vector<std::pair<const char*, Json>>{
           {"Page.enable", Json::object()},
           {"Network.enable", Json::object()},
           {"Network.setBlockedURLs", {{"urls", Json::array({"ws://*", "wss://*"})}}},
           {"Network.setBypassServiceWorker", {{"bypass", true}}},
           // No cache: nothing one page loaded can be served to the next one in this tab.
           {"Network.setCacheDisabled", {{"cacheDisabled", true}}}}) {
    auto r = cdp.Call(method, params, tab.session, call, stop);
    if (!r.ok())
      return fail(r.status());
  }
  ++tabs_opened_;
  return tab;
}

void Renderer::CloseTab(CdpConnection& cdp, const Tab& tab) {
  if (!tab.session.empty())
    cdp.CloseSession(tab.session);
  // Nobody waits for the answer: disposing closes the target and ends its renderer process.
  if (!tab.context_id.empty() && cdp.alive())
    (void)cdp.Send("Target.disposeBrowserContext", {{"browserContextId", tab.context_id}});
}

bool Renderer::ResetTab(CdpConnection& cdp, const Tab& tab, const std::set<std::string>& origins) {
  if (origins.size() > kMaxOriginsToClear)
    return false;
  // Leave the page (its scripts stop), then empty what it may have stored: every kind of
  // storage of every origin it touched, and the context's cookies.
  auto blank = cdp.Call("Page.navigate", {{"url", "about:blank"}}, tab.session, kResetTimeout);
  if (!blank.ok() || !Str(blank.value(), "errorText").empty())
    return false;
  for (const std::string& origin : origins) {
    auto cleared =
        cdp.Call("Storage.clearDataForOrigin", {{"origin", origin}, {"storageTypes", "all"}},
                 tab.session, kResetTimeout);
    if (!cleared.ok())
      return false;
  }
  auto cookies =
      cdp.Call("Storage.clearCookies", {{"browserContextId", tab.context_id}}, "", kResetTimeout);
  return cookies.ok();
}

void Renderer::KeepOrClose(Browser& browser, Tab tab, const std::set<std::string>& origins) {
  ++tab.pages;
  if (tab.pages < kMaxPagesPerTab && ResetTab(*browser.conn, tab, origins)) {
    std::lock_guard lock(browser.spare_mu);
    browser.spares.push_back(std::move(tab));
    return;
  }
  DropTab(browser, tab);
}

void Renderer::DropTab(Browser& browser, const Tab& tab) {
  CloseTab(*browser.conn, tab);
  std::lock_guard lock(browser.spare_mu);
  --browser.tabs;
}

std::optional<Renderer::Tab> Renderer::TakeSpare(Browser& browser) {
  while (true) {
    Tab tab;
    {
      std::lock_guard lock(browser.spare_mu);
      if (browser.spares.empty())
        return std::nullopt;
      tab = std::move(browser.spares.front());
      browser.spares.pop_front();
    }
    // What the blank tab said while it waited is of no interest; a tab that crashed meanwhile
    // is closed and the next one taken.
    bool crashed = false;
    while (auto event = browser.conn->NextEvent(tab.session, SteadyClock::now()))
      crashed = crashed || Str(*event, "method") == "Inspector.targetCrashed";
    if (!crashed)
      return tab;
    DropTab(browser, tab);
  }
}

void Renderer::PrepareSpare(const std::shared_ptr<Browser>& browser) {
  {
    std::lock_guard lock(browser->spare_mu);
    // Ahead only while there are fewer than max_tabs: reused tabs keep the pool full after
    // the first pages, and each tab is a renderer process (memory).
    if (static_cast<int>(browser->spares.size()) + browser->preparing >= options_.spare_tabs ||
        browser->tabs >= options_.max_tabs)
      return;
    ++browser->preparing;
    ++browser->tabs;
  }
  std::weak_ptr<Browser> weak = browser;
  std::lock_guard lock(keeper_mu_);
  if (stopping_)
    return;
  keeper_tasks_.push_back([this, weak] {
    std::shared_ptr<Browser> b = weak.lock();
    if (!b)
      return;
    std::optional<Tab> tab;
    bool wanted = false;
    {
      // Only for the browser pages go to (not one being recycled or killed).
      std::lock_guard current(mu_);
      wanted = current_ == b && b->conn->alive();
    }
    if (wanted) {
      auto opened = OpenTab(*b->conn, nullptr);
      if (opened.ok())
        tab = std::move(opened).value();
    }
    std::lock_guard spare(b->spare_mu);
    --b->preparing;
    if (tab)
      b->spares.push_back(std::move(*tab));
    else
      --b->tabs;
  });
  keeper_cv_.notify_all();
}

Result<RenderedPage> Renderer::RenderIn(const std::shared_ptr<Browser>& browser_ptr,
                                        const RenderRequest& request, bool* broken) {
  Browser& browser = *browser_ptr;
  CdpConnection& cdp = *browser.conn;
  const auto start = SteadyClock::now();
  auto capped = [&](std::chrono::milliseconds t) {
    return request.timeout.count() > 0 ? std::min(t, request.timeout) : t;
  };
  // The request's own budgets, else the options'.
  const auto navigation_timeout = request.navigation_timeout.count() > 0
                                      ? request.navigation_timeout
                                      : options_.navigation_timeout;
  const auto total_timeout =
      request.total_timeout.count() > 0 ? request.total_timeout : options_.total_timeout;
  const int max_requests = request.max_requests > 0 ? request.max_requests : options_.max_requests;
  const int64_t max_bytes = request.max_bytes > 0 ? request.max_bytes : options_.max_bytes;
  const auto deadline = start + capped(total_timeout);
  const auto call = options_.call_timeout;
  auto cancelled = [&] { return request.cancel && request.cancel->load(); };
  const std::atomic<bool>* stop_flag = request.cancel.get();
  // Capture calls come after the page's deadline: they get what is left of it, at least
  // kMinCaptureTimeout, at most one call timeout.
  auto capture_timeout = [&] {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    return std::min(call, std::max(left, kMinCaptureTimeout));
  };

  // A call that timed out: the tab may hang, or the whole browser. Only a browser that does
  // not answer a trivial call any more is killed.
  auto failed = [&](const Status& s) -> Status {
    if (s.error_code() == "renderer_crashed") {
      auto probe = cdp.Call("Browser.getVersion", Json::object(), "", kProbeTimeout);
      *broken = !probe.ok();
    }
    return s;
  };

  // A tab opened ahead when there is one, else a new one; another is opened ahead for the
  // next page meanwhile.
  std::optional<Tab> spare = TakeSpare(browser);
  Tab tab;
  if (spare) {
    tab = std::move(*spare);
  } else {
    auto opened = OpenTab(cdp, stop_flag);
    if (!opened.ok())
      return failed(opened.status());
    tab = std::move(opened).value();
    std::lock_guard lock(browser.spare_mu);
    ++browser.tabs;
  }
  PrepareSpare(browser_ptr);
  const std::string& context_id = tab.context_id;
  const std::string& target_id = tab.target_id;
  const std::string& session = tab.session;

  // After the page the tab is given back clean for the next one when the page ended well
  // (`keep`), else its context is disposed; a broken browser is killed anyway.
  struct Cleanup {
    Renderer* r;
    Browser& browser;
    Tab& tab;
    const bool& broken;
    bool keep = false;
    std::set<std::string> origins = {};

    ~Cleanup() {
      if (keep && !broken)
        r->KeepOrClose(browser, std::move(tab), origins);
      else
        r->DropTab(browser, tab);  // (a broken browser is killed anyway)
    }
  } cleanup{this, browser, tab, *broken};

  // The request's budgets hold for the whole of it: the page, a click and the pages after.
  int64_t bytes = 0;
  int requests = 0;
  bool stopped = false;
  auto stop = [&](RenderedPage& into, const std::string& note) {
    if (!stopped) {
      stopped = true;
      into.notes.push_back(note);
      // No new request of this page goes out (scripts go on running until the capture); the
      // ones already on their way may still land.
      (void)cdp.Send("Network.setBlockedURLs", {{"urls", Json::array({"*"})}}, session);
      (void)cdp.Send("Page.stopLoading", Json::object(), session);
    }
  };

  // Waits for `into`'s document to load and the network to go quiet after it (`navigated`), or,
  // after a click, for the network to go quiet (and for the load of a document the click
  // opened). Records requests, bytes and the document's answer in `into`.
  auto settle = [&](RenderedPage& into, bool navigated,
                    SteadyClock::time_point load_deadline) -> Status {
    std::unordered_map<std::string, size_t> index;  // network id → into.requests[i]
    std::unordered_map<std::string, int64_t> bytes_of;
    std::set<std::string> in_flight;
    const int64_t bytes_before = bytes;
    bool loaded = !navigated;
    bool busy_after_load = false;  // a request started after the load event
    auto last_change = SteadyClock::now();
    // How long the network must stay quiet after the load event: a page whose scripts still
    // fetch after load gets the full network_quiet, one that went still at load settle_quiet.
    auto quiet = [&] {
      return busy_after_load || !navigated ? options_.network_quiet : options_.settle_quiet;
    };
    while (!stopped) {
      if (cancelled())
        return Status::Cancelled("rendering cancelled: " + request.url);
      const auto now = SteadyClock::now();
      if (loaded && in_flight.empty() && now - last_change >= quiet())
        break;
      if (now >= deadline) {
        into.notes.push_back(loaded ? "network not quiet within the time budget"
                                    : "load event not reached within the time budget");
        break;
      }
      if (!loaded && now >= load_deadline) {
        into.notes.push_back("load event not reached within the navigation timeout");
        break;
      }
      auto wake = std::min({deadline, loaded ? deadline : load_deadline, last_change + quiet()});
      if (wake <= now)
        wake = now + quiet();
      if (request.cancel)
        wake = std::min(wake, now + kCancelPoll);
      auto event = cdp.NextEvent(session, wake);
      if (!event) {
        if (!cdp.alive()) {
          *broken = true;
          return Crashed("the browser died while rendering " + request.url);
        }
        continue;
      }
      const std::string method = Str(*event, "method");
      const Json& p = event->value("params", Json::object());
      const std::string id = Str(p, "requestId");
      if (method == "Network.requestWillBeSent") {
        const Json& req = p.value("request", Json::object());
        if (auto redirect = p.find("redirectResponse");
            redirect != p.end() && index.count(id) != 0) {
          into.requests[index[id]].status = redirect->value("status", 0);
        }
        if (requests >= max_requests) {
          stop(into, "request budget of " + std::to_string(max_requests) + " reached");
          continue;
        }
        ++requests;
        index[id] = into.requests.size();
        into.requests.push_back({Str(req, "url"), Str(p, "type"), 0, "", ""});
        in_flight.insert(id);
        busy_after_load = busy_after_load || loaded;
        // A click that opens a document (a form posted to the cart): wait for its load too.
        if (!navigated && Str(p, "type") == "Document" && Str(p, "frameId") == target_id)
          loaded = false;
        last_change = SteadyClock::now();
      } else if (method == "Network.responseReceived") {
        const Json& resp = p.value("response", Json::object());
        if (auto it = index.find(id); it != index.end())
          into.requests[it->second].status = resp.value("status", 0);
        if (Str(p, "type") == "Document" && Str(p, "frameId") == target_id) {
          into.final_url = Str(resp, "url");
          into.status = resp.value("status", 0);
          into.headers.clear();
          if (auto h = resp.find("headers"); h != resp.end() && h->is_object())
            for (auto& [name, value] : h->items()) {
              std::string lower = name;
              for (char& c : lower)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
              if (value.is_string())
                into.headers[lower] = value.get<std::string>();
            }
        }
      } else if (method == "Network.dataReceived") {
        int64_t n = p.value("encodedDataLength", int64_t{0});
        if (n == 0)
          n = p.value("dataLength", int64_t{0});
        bytes_of[id] += n;
        bytes += n;
      } else if (method == "Network.loadingFinished" || method == "Network.loadingFailed") {
        if (method == "Network.loadingFinished") {
          int64_t total = p.value("encodedDataLength", int64_t{0});
          if (total > bytes_of[id]) {
            bytes += total - bytes_of[id];
            bytes_of[id] = total;
          }
        } else if (auto it = index.find(id); it != index.end()) {
          into.requests[it->second].error = Str(p, "errorText");
          into.requests[it->second].blocked = guard_->ReasonFor(id);
        }
        in_flight.erase(id);
        last_change = SteadyClock::now();
      } else if (method == "Page.loadEventFired" && !into.final_url.empty()) {
        // (Only once this navigation's document answered: not a late load of the blank page
        // a reused tab showed before.)
        loaded = true;
        last_change = SteadyClock::now();
      } else if (method == "Inspector.targetCrashed") {
        return Crashed("the tab crashed while rendering " + request.url);
      }
      if (bytes > max_bytes)
        stop(into, "byte budget of " + std::to_string(max_bytes) + " reached");
    }
    into.bytes += bytes - bytes_before;
    return Status::Ok();
  };

  // Navigates the tab to `url` and settles; a navigation that fails is the page's error.
  auto navigate = [&](RenderedPage& into, const std::string& url,
                      std::chrono::milliseconds budget) -> Status {
    const auto load_deadline = std::min(deadline, SteadyClock::now() + budget);
    auto nav = cdp.Call("Page.navigate", {{"url", url}}, session, budget, stop_flag);
    if (!nav.ok()) {
      if (nav.status().error_code() == "renderer_crashed") {
        auto probe = cdp.Call("Browser.getVersion", Json::object(), "", kProbeTimeout);
        if (!probe.ok()) {
          *broken = true;
          return nav.status();
        }
        return fetch::FetchError(fetch::kTimeout, url + ": navigation did not commit");
      }
      return nav.status();
    }
    if (std::string error_text = Str(nav.value(), "errorText"); !error_text.empty())
      return NavigationError(error_text, guard_->ReasonFor(Str(nav.value(), "loaderId")), url);
    return settle(into, true, load_deadline);
  };

  // One Runtime.evaluate by value within what is left of the page's time.
  auto evaluate = [&](const std::string& expression) -> Result<Json> {
    auto timeout = capture_timeout();
    auto answer = cdp.Call(
        "Runtime.evaluate",
        {{"expression", expression}, {"returnByValue", true}, {"timeout", timeout.count()}},
        session, timeout, stop_flag);
    if (!answer.ok())
      return failed(answer.status());
    return EvaluatedValue(answer.value());
  };

  // The document, the globals the caller asks for and the context's cookies (set by headers
  // and by scripts).
  std::vector<std::string> chains;
  for (const std::string& c : request.js_chains)
    if (chains.size() < options_.max_js_chains && ValidChain(c))
      chains.push_back(c);
  auto capture = [&](RenderedPage& into, const std::string& asked_url) -> Status {
    auto html = evaluate(
        "(() => { const h = document.documentElement ? document.documentElement.outerHTML : '';"
        " return [h.length, h.slice(0, " +
        std::to_string(options_.max_dom_chars) + ").toWellFormed()]; })()");
    if (!html.ok())
      return html.status();
    if (const Json& v = html.value(); v.is_array() && v.size() == 2 && v[1].is_string()) {
      into.html = v[1].get<std::string>();
      into.html_truncated = v[0].is_number() && v[0].get<int64_t>() > options_.max_dom_chars;
    }
    if (!chains.empty()) {
      auto js = evaluate(JsGlobalsExpression(chains, options_.max_js_value_chars));
      if (!js.ok())
        return js.status();
      if (js.value().is_object())
        for (auto& [chain, value] : js.value().items())
          if (value.is_string())
            into.js[chain] = value.get<std::string>();
    }
    auto cookies = cdp.Call("Storage.getCookies", {{"browserContextId", context_id}}, "",
                            capture_timeout(), stop_flag);
    if (!cookies.ok())
      return failed(cookies.status());
    if (auto list = cookies.value().find("cookies");
        list != cookies.value().end() && list->is_array())
      for (const Json& c : *list)
        into.cookies.push_back({Str(c, "name"), Str(c, "value"), Str(c, "domain"), Str(c, "path")});
    if (into.final_url.empty())
      into.final_url = asked_url;
    return Status::Ok();
  };
  // What the browser ended on may be a bot-protection page (served to it, or reached by a
  // script): not the site.
  auto challenge = [](const RenderedPage& shown) -> std::optional<Status> {
    std::vector<std::pair<std::string, std::string>> headers(shown.headers.begin(),
                                                             shown.headers.end());
    if (auto c = fetch::DetectBotChallenge(shown.status, headers, shown.html))
      return fetch::FetchError(fetch::kBotChallenge, shown.final_url + ": " + c->vendor +
                                                         " bot challenge in the browser (HTTP " +
                                                         std::to_string(shown.status) + ", " +
                                                         c->marker + ")");
    return std::nullopt;
  };

  RenderedPage page;
  if (Status s = navigate(page, request.url, capped(std::min(navigation_timeout, total_timeout)));
      !s.ok())
    return s;
  if (Status s = capture(page, request.url); !s.ok())
    return s;
  if (auto c = challenge(page))
    return *c;

  // The politeness gap before each further step on the site (bounded by the deadline and
  // cut short by a cancel). False when the request's time is up.
  auto pause = [&]() -> bool {
    const auto until = std::min(deadline, SteadyClock::now() + options_.politeness);
    while (SteadyClock::now() < until && !cancelled())
      std::this_thread::sleep_for(
          std::min<SteadyClock::duration>(until - SteadyClock::now(), kCancelPoll));
    return SteadyClock::now() < deadline && !cancelled();
  };

  // Checkout probing: the click, then the pages after it in the same context.
  if (!stopped && (!request.click_texts.empty() || !request.click_exact.empty()) && pause()) {
    auto clicked = evaluate(ClickExpression(request.click_texts, request.click_exact));
    if (!clicked.ok())
      return clicked.status();
    page.clicked = clicked.value().is_string() ? clicked.value().get<std::string>() : "";
    if (!page.clicked.empty()) {
      RenderedPage after;
      if (Status s = settle(after, false,
                            std::min(deadline, SteadyClock::now() + capped(navigation_timeout)));
          !s.ok())
        return s;
      // The click's requests (an XHR to the cart) belong to the page; a document it opened
      // (a cart page after a posted form) is a page of its own.
      if (after.final_url.empty()) {
        page.requests.insert(page.requests.end(), after.requests.begin(), after.requests.end());
        page.bytes += after.bytes;
        page.notes.insert(page.notes.end(), after.notes.begin(), after.notes.end());
      } else if (Status s = capture(after, after.final_url); !s.ok()) {
        return s;
      } else if (auto c = challenge(after)) {
        page.notes.push_back("after the click: " + c->message());
        stopped = true;
      } else {
        page.followed.push_back(std::move(after));
      }
      for (size_t i = 0; i < request.then.size(); ++i) {
        const RenderRequest::Follow& follow = request.then[i];
        if (stopped || !pause())
          break;
        std::string url = follow.url;
        if (url.empty() && !follow.link_words.empty()) {
          auto link = evaluate(LinkExpression(follow.link_words));
          if (!link.ok())
            return link.status();
          url = link.value().is_string() ? link.value().get<std::string>() : "";
        }
        if (url.empty() || (request.may_open && !request.may_open(url)))
          break;
        RenderedPage next;
        next.then_index = static_cast<int>(i);
        Status s = navigate(next, url, capped(navigation_timeout));
        if (s.error_code() == "renderer_crashed" || s.code() == common::StatusCode::kCancelled)
          return s;
        if (!s.ok()) {
          page.notes.push_back("after the click: " + s.message());
          break;
        }
        if (Status captured = capture(next, url); !captured.ok())
          return captured;
        if (auto c = challenge(next)) {
          page.notes.push_back("after the click: " + c->message());
          break;
        }
        page.followed.push_back(std::move(next));
      }
    }
  }

  // The page ended well: its tab may serve another page once emptied. A page stopped by a
  // budget (its requests refused from then on) is not worth the cleaning.
  cleanup.keep = !stopped;
  std::vector<const RenderedPage*> shown = {&page};
  for (const RenderedPage& f : page.followed)
    shown.push_back(&f);
  for (const RenderedPage* one : shown) {
    for (const std::string& url : {request.url, one->final_url})
      if (std::string origin = OriginOf(url); !origin.empty())
        cleanup.origins.insert(origin);
    for (const RenderedRequest& r : one->requests)
      if (std::string origin = OriginOf(r.url); !origin.empty())
        cleanup.origins.insert(origin);
  }
  return page;
}

}  // namespace leadscan::render
