// RenderOptions: every knob of the Renderer with its default as a named constant, and the
// request and result types of one rendered page. Plain data.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "render/chromium_process.h"

namespace leadscan::render {

inline constexpr std::chrono::milliseconds kDefaultNavigationTimeout{15000};  // to load event
inline constexpr std::chrono::milliseconds kDefaultTotalTimeout{25000};       // navigate + quiet
inline constexpr std::chrono::milliseconds kDefaultNetworkQuiet{500};   // no request in flight
inline constexpr std::chrono::milliseconds kDefaultCallTimeout{10000};  // one CDP answer
inline constexpr int kDefaultMaxRequests = 300;                         // per page
inline constexpr int64_t kDefaultMaxBytes = 20LL * 1024 * 1024;         // per page, all requests
inline constexpr int64_t kDefaultMaxDomChars = 5LL * 1024 * 1024;       // outerHTML kept
inline constexpr size_t kDefaultMaxJsChains = 2000;                     // globals asked per page
inline constexpr size_t kMaxJsChainLength = 200;                        // "a.b.c" characters
inline constexpr size_t kDefaultMaxJsValueChars = 256;                  // one global's value
inline constexpr int kDefaultPagesPerBrowser = 200;  // then the browser is recycled
inline constexpr int kDefaultMaxTabs = 4;            // pages rendered at once; others wait
// Tabs opened ahead of the pages that will use them (a new context's first tab starts a
// renderer process: 150-400 ms here, taken off the page's time). Off by default: with tabs
// reused for up to 20 pages one ahead gained ~4% pages/s and cost ~105 MB of PSS with 4 tabs
// (bench/render, 2026-12-06).
inline constexpr int kDefaultSpareTabs = 0;
// After the load event, a page that started no request since is done after this much quiet;
// one that did (scripts at work after load) gets network_quiet.
inline constexpr std::chrono::milliseconds kDefaultSettleQuiet{250};
inline constexpr size_t kMaxGuardRecords = 10000;  // refusals remembered for the report
// A capture call (DOM, globals, cookies) after the page's deadline still gets this long, so a
// healthy tab always answers and a hung one is known within it (capped by call_timeout).
inline constexpr std::chrono::milliseconds kMinCaptureTimeout{2000};

struct RenderOptions {
  ChromiumLaunch launch;  // binary; ca_file and user agent are copied from below
  std::string user_agent;
  // As for curl (fetch_options.h): allow rules of the address guard, --resolve, --connect-to
  // and a PEM file of extra trusted CAs.
  std::vector<std::string> allow_net;
  std::vector<std::string> resolve;
  std::vector<std::string> connect_to;
  std::string ca_file;

  std::chrono::milliseconds navigation_timeout = kDefaultNavigationTimeout;
  std::chrono::milliseconds total_timeout = kDefaultTotalTimeout;
  std::chrono::milliseconds network_quiet = kDefaultNetworkQuiet;
  std::chrono::milliseconds settle_quiet = kDefaultSettleQuiet;
  std::chrono::milliseconds call_timeout = kDefaultCallTimeout;
  int max_requests = kDefaultMaxRequests;
  int64_t max_bytes = kDefaultMaxBytes;
  int64_t max_dom_chars = kDefaultMaxDomChars;
  size_t max_js_chains = kDefaultMaxJsChains;
  size_t max_js_value_chars = kDefaultMaxJsValueChars;
  int pages_per_browser = kDefaultPagesPerBrowser;
  int max_tabs = kDefaultMaxTabs;
  int spare_tabs = kDefaultSpareTabs;  // 0: every page opens its own tab when it starts
  // The gap before each step of a request after its first navigation (the click and each
  // `then` page of checkout probing), as the fetcher's per-host politeness gap.
  std::chrono::milliseconds politeness{0};
  size_t max_message_bytes = 32 * 1024 * 1024;
};

struct RenderRequest {
  std::string url;                       // http(s)
  std::vector<std::string> js_chains;    // property chains from window: "Shopify.theme.name"
  std::chrono::milliseconds timeout{0};  // caps the options' timeouts (0: no cap), e.g. a lead's
  // Set by another thread to abandon the page (the wait for a tab, the load, the capture):
  // Render() then fails with `cancelled` within kCancelPoll (cdp_connection.h).
  std::shared_ptr<std::atomic<bool>> cancel = nullptr;
  // This page's budgets (e.g. a job's analysis_config); 0: the RenderOptions' own.
  std::chrono::milliseconds navigation_timeout{0};
  std::chrono::milliseconds total_timeout{0};
  int max_requests = 0;
  int64_t max_bytes = 0;

  // Checkout probing in the browser (analysis/checkout_probe.h). After the page is captured:
  // click the first visible button or link whose text (lower-case, spaces folded) contains one
  // of `click_texts` or equals one of `click_exact` (an "add to cart" button; nothing is typed
  // and no other control is touched), wait for the network to go quiet, then take each of
  // `then` in the same tab (the same context: the cart's cookies hold) and capture it as a page
  // of RenderedPage::followed. All of it within this request's time and byte budgets.
  std::vector<std::string> click_texts = {};
  std::vector<std::string> click_exact = {};

  struct Follow {
    std::string url;  // open this URL; when empty, the first link of the page showing now
    std::vector<std::string> link_words = {};  // (same origin) whose href or text has one
  };

  std::vector<Follow> then = {};
  // Asked before each `then` navigation (e.g. robots.txt); false skips the rest.
  std::function<bool(const std::string& url)> may_open = nullptr;
};

// One request the page made. `blocked` says why leadscan refused it ("" = let through):
// "address guard: loopback 127.0.0.1", "resource type Image", "scheme ftp".
struct RenderedRequest {
  std::string url;
  std::string resource_type;  // CDP's: Document, Script, XHR, Fetch, Stylesheet, ...
  int status = 0;             // 0: no response
  std::string error;          // net::ERR_... when it failed
  std::string blocked;
};

struct RenderedCookie {
  std::string name;
  std::string value;
  std::string domain;
  std::string path;
};

struct RenderedPage {
  std::string final_url;
  int status = 0;                              // of the document
  std::map<std::string, std::string> headers;  // the document's, names lower-case
  std::string html;                            // document.documentElement.outerHTML
  bool html_truncated = false;
  std::map<std::string, std::string> js;  // chain → value ("" for objects and functions)
  std::vector<RenderedRequest> requests;  // in the order the page made them
  std::vector<RenderedCookie> cookies;    // of the page's browser context
  std::vector<std::string> notes;         // budgets that cut the page short, etc.
  int64_t bytes = 0;                      // encoded bytes of every request (the byte budget's)
  // With click_texts: the text of the element clicked ("" when none was found) and the pages
  // of `then` that were opened, in order (bytes and requests counted in each).
  std::string clicked;
  std::vector<RenderedPage> followed;
  int then_index = -1;  // of a followed page: its entry in RenderRequest::then (-1: the
                        // document the click itself opened)
};

}  // namespace leadscan::render
