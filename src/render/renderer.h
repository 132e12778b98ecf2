// Renderer: renders pages in headless Chromium. One browser per Renderer, started on the first
// Render() and restarted after a crash, a hang or `pages_per_browser` pages; each page runs in
// a tab of its own browser context, emptied of cookies and storage before the tab serves
// another page (at most 20; docs/decisions/renderer-cdp.md). Every request the browser makes
// passes the RequestGuard. Render() is thread-safe and
// may run on several threads at once (one tab each). Destroying the Renderer kills the
// browser and its process group.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "common/result.h"
#include "render/render_options.h"
#include "render/request_guard.h"

namespace leadscan::render {

class CdpConnection;
class ChromiumProcess;

// What a Renderer has done since it was made (for /metrics). Counts never go down.
struct RendererStats {
  int tabs_busy = 0;  // pages rendering now (waiting for a tab not included)
  int max_tabs = 0;
  int64_t pages_rendered = 0;    // Render() calls that returned a page
  int64_t pages_failed = 0;      // Render() calls that failed (any code)
  int64_t crashes = 0;           // of those, renderer_crashed: a tab or browser crashed or hung
  int64_t browsers_started = 0;  // launches (the first, after crashes and after recycles)
  int64_t recycles = 0;          // browsers retired after pages_per_browser pages
  int64_t start_retries = 0;     // new browsers that died before their first answer, started again
  int64_t tabs_opened = 0;       // tabs (each a fresh context) opened; the rest were reused
};

class Renderer {
 public:
  // Checks the options (allow rules, resolve / connect-to rules); does not start Chromium.
  static common::Result<std::unique_ptr<Renderer>> Create(RenderOptions options);

  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // Loads `request.url` in a fresh context, waits for the load event and a quiet network
  // (bounded by the options' budgets) and captures the page. Blocks. Fails with the fetch
  // module's codes for a document that cannot be loaded (blocked_address, dns_not_found,
  // tls_error, timeout, ...), renderer_unavailable when Chromium cannot start and
  // renderer_crashed (retryable) when the tab or browser crashed or hung (the browser is then
  // killed and the next call starts a new one), `cancelled` when request.cancel was set, and
  // bot_challenge when the page the browser ended on is a bot-protection page
  // (fetch/bot_challenge.h).
  common::Result<RenderedPage> Render(const RenderRequest& request);

  // The running browser's process id (0 when none) and how many browsers were started.
  pid_t browser_pid() const;

  // The running browser's temporary folder ("" when none); every Chromium process of this
  // browser names it on its command line.
  std::string browser_dir() const;

  int browsers_started() const { return browsers_started_.load(); }

  RendererStats stats() const;

  // The most pages that were rendering at the same time (never above max_tabs).
  int peak_tabs() const { return peak_tabs_.load(); }

 private:
  struct Browser;

  // One page's tab: its own browser context, a target in it, our flat session to it.
  struct Tab {
    std::string context_id;
    std::string target_id;
    std::string session;
    int pages = 0;  // pages it has shown
  };

  struct GuardItem {
    std::weak_ptr<Browser> browser;
    std::string request_id;  // Fetch's id, to continue or fail the request
    std::string network_id;  // Network's id, to report the refusal
    std::string url;
    std::string resource_type;
  };

  explicit Renderer(RenderOptions options, std::string resolver_rules,
                    std::unique_ptr<RequestGuard> guard);

  // Render() after the URL check: waits for a tab, renders in the current browser.
  common::Result<RenderedPage> RenderInTab(const RenderRequest& request);
  common::Result<std::shared_ptr<Browser>> Acquire();
  void Release(const std::shared_ptr<Browser>& browser, bool broken);
  // Starts a browser and waits for its first answer; *died tells whether a failure was the
  // browser exiting before that answer (rather than not answering in time).
  common::Result<std::shared_ptr<Browser>> Launch(bool* died);
  common::Result<RenderedPage> RenderIn(const std::shared_ptr<Browser>& browser,
                                        const RenderRequest& request, bool* broken);
  // Opens a tab in a fresh context (blank, attached, Page and Network enabled, WebSockets
  // refused, service workers bypassed); on failure nothing is left open.
  common::Result<Tab> OpenTab(CdpConnection& cdp, const std::atomic<bool>* stop);
  // Closes the session and disposes the context without waiting for the browser.
  void CloseTab(CdpConnection& cdp, const Tab& tab);
  // Empties a tab whose page is done for the next page: navigates it to about:blank, clears
  // every storage type of `origins` and the context's cookies. False when any step fails (or
  // there are too many origins): the tab must then be closed.
  bool ResetTab(CdpConnection& cdp, const Tab& tab, const std::set<std::string>& origins);
  // Gives a tab back to `browser`'s ready tabs after ResetTab, or closes it (also after
  // kMaxPagesPerTab pages).
  void KeepOrClose(Browser& browser, Tab tab, const std::set<std::string>& origins);
  // Closes a tab of `browser` for good (CloseTab) and counts it gone.
  void DropTab(Browser& browser, const Tab& tab);
  // A ready tab of `browser` (opened ahead or given back clean), if there is one; crashed ones
  // are closed and skipped.
  std::optional<Tab> TakeSpare(Browser& browser);
  // Has the keeper open one more tab ahead in `browser`, up to options_.spare_tabs.
  void PrepareSpare(const std::shared_ptr<Browser>& browser);
  void OnBrowserEvent(const std::weak_ptr<Browser>& browser, const nlohmann::json& event);
  void KeeperLoop();
  void GuardLoop();

  const RenderOptions options_;
  const std::string resolver_rules_;
  std::unique_ptr<RequestGuard> guard_;
  std::atomic<int> browsers_started_{0};
  std::atomic<int> peak_tabs_{0};
  std::atomic<int64_t> pages_rendered_{0};
  std::atomic<int64_t> pages_failed_{0};
  std::atomic<int64_t> crashes_{0};
  std::atomic<int64_t> recycles_{0};
  std::atomic<int64_t> start_retries_{0};
  std::atomic<int64_t> tabs_opened_{0};

  mutable std::mutex tabs_mu_;
  std::condition_variable tabs_cv_;
  int tabs_busy_ = 0;

  mutable std::mutex mu_;
  std::shared_ptr<Browser> current_;
  // Pages being rendered (the guard's user_chosen); its own lock, so the guard never waits
  // for a browser start under mu_.
  std::mutex asked_mu_;
  std::multiset<std::string> asked_urls_;

  // The keeper thread starts every browser, so PR_SET_PDEATHSIG (tied to the starting thread)
  // fires only when the whole process dies.
  std::mutex keeper_mu_;
  std::condition_variable keeper_cv_;
  std::deque<std::function<void()>> keeper_tasks_;
  bool stopping_ = false;
  std::thread keeper_;

  // Requests paused by the browser wait here for the guard thread (name resolution blocks).
  std::mutex guard_mu_;
  std::condition_variable guard_cv_;
  std::deque<GuardItem> guard_queue_;
  std::thread guard_thread_;
};

}  // namespace leadscan::render
