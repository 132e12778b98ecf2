#include "analysis/analyzer.h"

#include <algorithm>
#include <boost/url.hpp>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "analysis/checkout_probe.h"
#include "analysis/page_discovery.h"
#include "detect/detector.h"
#include "fetch/errors.h"
#include "fetch/fetch_options.h"
#include "fetch/fetcher.h"
#include "fetch/site_fetch.h"
#include "fetch/target.h"
#include "render/renderer.h"

namespace leadscan::analysis {
namespace {

using common::Result;
using common::Status;

// Pages fetched on the hop from the cart to the checkout.
constexpr size_t kMaxSecondHopPages = 2;

// A sitemap is read only up to this size (about 10,000 URLs); a larger one fails with
// body_too_large and discovery goes on without it.
constexpr int64_t kMaxSitemapBytes = 1024 * 1024;

// A sitemap fetch may take at most this long, and at most half the lead's remaining time.
constexpr std::chrono::milliseconds kMaxSitemapTime{5000};
// A home page with less visible text than this is a script shell: `auto` renders it.
constexpr size_t kScriptShellTextChars = 200;

// Non-space characters outside tags, scripts, styles and comments (a cheap estimate of the
// visible text; linear, no parse).
size_t VisibleTextChars(std::string_view html) {
  size_t count = 0;
  size_t i = 0;
  auto skip_to = [&](std::string_view end) {
    size_t at = html.find(end, i);
    i = at == std::string_view::npos ? html.size() : at + end.size();
  };
  auto starts_ci = [&](std::string_view word) {
    if (html.size() - i < word.size())
      return false;
    for (size_t k = 0; k < word.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(html[i + k])) != word[k])
        return false;
    return true;
  };
  while (i < html.size()) {
    if (html[i] != '<') {
      if (!std::isspace(static_cast<unsigned char>(html[i])))
        ++count;
      ++i;
      continue;
    }
    if (starts_ci("<!--")) {
      skip_to("-->");
    } else if (starts_ci("<script")) {
      skip_to("</script");
      skip_to(">");  // the end tag's own '>' is no text
    } else if (starts_ci("<style")) {
      skip_to("</style");
      skip_to(">");
    } else if (starts_ci("<noscript")) {
      skip_to("</noscript");  // what a browser with scripts does not show
      skip_to(">");
    } else {
      skip_to(">");
    }
  }
  return count;
}

std::string HostOf(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u)
    return {};
  std::string host(u->host());
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

std::string SchemeOf(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  return u ? std::string(u->scheme()) : std::string();
}

detect::PageInput ToPageInput(const fetch::FetchResponse& r, std::string role) {
  detect::PageInput page;
  page.url = r.final_url.empty() ? r.url : r.final_url;
  page.html = r.body;
  page.headers = r.headers;
  page.cert_issuer = r.cert_issuer;
  page.role = std::move(role);
  page.source = r.source;  // "firecrawl" when Firecrawl fetched it
  // Set-Cookie headers are read by detect itself; PageInput::cookies is for browser cookies.
  return page;
}

PageRecord RecordOf(const fetch::FetchResponse& r) {
  PageRecord p;
  p.url = r.final_url.empty() ? r.url : r.final_url;
  p.status = r.status;
  p.bytes = static_cast<int64_t>(r.body.size());
  p.ms = r.ms;
  p.via = !r.source.empty() ? r.source : r.via.empty() ? SchemeOf(p.url) : r.via;
  p.reason = r.reason;
  return p;
}

PageRecord FailedRecord(const std::string& url, const std::string& reason, const Status& s) {
  PageRecord p;
  p.url = url;
  p.via = SchemeOf(url);
  p.reason = reason;
  p.error_code = s.error_code();
  return p;
}

// Which page roles matter for a type, in the order their best link is taken.
std::vector<PageRole> RolePriority(AnalysisType type) {
  if (type == AnalysisType::kCarrierDetection) {
    return {PageRole::kShipping, PageRole::kTerms, PageRole::kCheckout, PageRole::kCart};
  }
  return {PageRole::kCheckout, PageRole::kShipping, PageRole::kPayment, PageRole::kTerms,
          PageRole::kCart};
}

// The best page of each wanted role first, then the rest by score, at most `limit`.
std::vector<LinkCandidate> SelectPages(const std::vector<LinkCandidate>& ranked, AnalysisType type,
                                       size_t limit, const std::set<std::string>& already) {
  std::vector<LinkCandidate> chosen;
  std::set<std::string> taken = already;
  const auto roles = RolePriority(type);
  for (PageRole role : roles) {
    if (chosen.size() >= limit)
      break;
    for (const auto& c : ranked) {
      if (c.role == role && taken.count(c.url) == 0) {
        chosen.push_back(c);
        taken.insert(c.url);
        break;
      }
    }
  }
  for (const auto& c : ranked) {
    if (chosen.size() >= limit)
      break;
    if (taken.count(c.url) != 0)
      continue;
    if (std::find(roles.begin(), roles.end(), c.role) == roles.end())
      continue;
    chosen.push_back(c);
    taken.insert(c.url);
  }
  return chosen;
}

// "https://host[:port]" of an absolute URL; empty when it has none.
std::string OriginOf(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->host().empty())
    return {};
  std::string origin = std::string(u->scheme()) + "://" + std::string(u->encoded_host());
  if (u->has_port())
    origin += ":" + std::string(u->port());
  return origin;
}

// The sitemap is worth a fetch when the home page leaves the information pages (shipping,
// terms) that sitemaps list without a candidate; cart and checkout come from platform paths.
bool WantsSitemap(const std::vector<LinkCandidate>& ranked) {
  bool shipping = false;
  bool terms = false;
  for (const auto& c : ranked) {
    shipping = shipping || c.role == PageRole::kShipping;
    terms = terms || c.role == PageRole::kTerms;
  }
  return !shipping || !terms;
}

std::string PlatformSlug(const std::vector<detect::Finding>& findings) {
  const detect::Finding* best = nullptr;
  for (const auto& f : findings) {
    if (f.group != detect::Group::kPlatform)
      continue;
    if (best == nullptr || f.confidence > best->confidence)
      best = &f;
  }
  return best ? best->slug : std::string();
}

// Sorts findings into the result fields the analysis type asks for.
void SortFindings(std::vector<detect::Finding> findings, AnalysisType type,
                  AnalysisResult* result) {
  for (detect::Finding& f : findings) {
    switch (f.group) {
      case detect::Group::kPlatform:
        if (WantsPlatform(type) && (!result->ecommerce_platform ||
                                    f.confidence > result->ecommerce_platform->confidence)) {
          result->ecommerce_platform = f;
        }
        if (WantsTechnologies(type))
          result->technologies.push_back(std::move(f));
        break;
      case detect::Group::kCheckout:
        if (WantsCheckout(type))
          result->checkout_solutions.push_back(std::move(f));
        break;
      case detect::Group::kPayment:
        if (WantsCheckout(type))
          result->payment_methods.push_back(std::move(f));
        break;
      case detect::Group::kCarrier:
        if (WantsCarriers(type))
          result->carriers.push_back(std::move(f));
        break;
      case detect::Group::kShippingSoftware:
        if (WantsCarriers(type))
          result->shipping_software.push_back(std::move(f));
        break;
      case detect::Group::kTechnology:
        if (WantsTechnologies(type))
          result->technologies.push_back(std::move(f));
        break;
    }
  }
}

// An `html_truncated` error for the page detection just added, when its HTML went over a
// limit of detect/html_bounds.h.
void NoteTruncation(const detect::SiteDetection& site, AnalysisResult* result) {
  if (site.notes().empty() || !site.notes().back().truncated)
    return;
  const detect::PageNote& note = site.notes().back();
  const size_t total = site.pages().back().html.size();
  result->errors.push_back({"html_truncated",
                            "HTML " + note.reason + ": only the first " +
                                std::to_string(note.parsed_bytes) + " of " + std::to_string(total) +
                                " bytes were parsed",
                            note.url});
}

// Whether `auto` renders the home page, and why (or why not): it does for a script shell
// (almost no visible text) and for a platform-wanting analysis whose HTTP page names no
// platform.
std::pair<bool, std::string> AutoRender(const std::string& html,
                                        const std::vector<detect::Finding>& found,
                                        AnalysisType type) {
  const size_t text = VisibleTextChars(html);
  const std::string chars = std::to_string(text) + " characters of text";
  if (text < kScriptShellTextChars)
    return {true, "auto: script shell (" + chars + ")"};
  const detect::Finding* platform = nullptr;
  for (const detect::Finding& f : found)
    if (f.group == detect::Group::kPlatform && (!platform || f.confidence > platform->confidence))
      platform = &f;
  if (!WantsPlatform(type))
    return {false, "auto: not needed (" + chars + "; " + std::string(AnalysisTypeName(type)) +
                       " looks for no platform)"};
  if (platform == nullptr)
    return {true, "auto: no platform in the HTTP page (" + chars + ")"};
  return {false, "auto: not needed (" + chars + "; the HTTP page names its platform, " +
                     platform->name + ")"};
}

// A page the browser showed, as detection takes it (moves the page's DOM, globals and
// cookies out of `page`).
detect::PageInput FromBrowser(render::RenderedPage& page, std::string role) {
  detect::PageInput input;
  input.url = page.final_url;
  input.rendered_html = std::move(page.html);
  for (const auto& [name, value] : page.headers)
    input.headers.emplace_back(name, value);
  for (const render::RenderedCookie& c : page.cookies)
    input.cookies.emplace_back(c.name, c.value);
  for (const render::RenderedRequest& r : page.requests)
    if (r.blocked.empty() && (r.resource_type == "XHR" || r.resource_type == "Fetch"))
      input.xhr.push_back(r.url);
  input.js = std::move(page.js);
  input.role = std::move(role);
  input.source = "browser";
  return input;
}

// A browser request with the config's budgets, capped by the lead's time left and what its
// byte budget has left after `bytes_used`.
render::RenderRequest BrowserRequest(const std::string& url, const std::vector<std::string>& chains,
                                     const AnalysisConfig& config,
                                     std::chrono::milliseconds time_left, int64_t bytes_used,
                                     const std::shared_ptr<std::atomic<bool>>& cancel) {
  render::RenderRequest request{url, chains, time_left, cancel};
  request.navigation_timeout = config.render_navigation_timeout;
  request.total_timeout = config.render_timeout;
  request.max_requests = config.render_max_requests;
  request.max_bytes =
      std::max<int64_t>(1, std::min(config.render_max_bytes, config.max_bytes - bytes_used));
  return request;
}

// The shop's own cart and checkout pages among those read (translated paths such as
// /varukorg/ and /kassan/); a "checkout" page that is a cart (Magento's /checkout/cart/) is
// not the checkout. Empty when none was read.
std::pair<std::string, std::string> OwnCartAndCheckout(const std::deque<detect::PageInput>& pages) {
  std::string cart, checkout;
  for (const auto& page : pages) {
    if (page.role == "cart" && cart.empty())
      cart = page.url;
  }
  for (const auto& page : pages) {
    auto parsed = boost::urls::parse_uri(page.url);
    const std::string path = parsed ? std::string(parsed->path()) : std::string();
    if (page.role == "checkout" && checkout.empty() && page.url != cart &&
        path.find("cart") == std::string::npos)
      checkout = page.url;
  }
  return {cart, checkout};
}

}  // namespace

Status Analyzer::RenderHome(const std::string& url, const std::string& why,
                            const AnalysisConfig& config, std::chrono::milliseconds time_left,
                            int64_t* bytes_used, const std::shared_ptr<std::atomic<bool>>& cancel,
                            detect::SiteDetection* site_detection, AnalysisResult* result,
                            const std::function<bool()>& expired) const {
  const auto start = std::chrono::steady_clock::now();
  auto rendered =
      renderer_->Render(BrowserRequest(url, js_chains_, config, time_left, *bytes_used, cancel));
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!rendered.ok()) {
    // A crashed or hung tab says nothing about the site: the lead fails (retryable) and is
    // tried again with a fresh tab. A cancel ends the lead.
    if (rendered.status().error_code() == "renderer_crashed" ||
        rendered.status().code() == common::StatusCode::kCancelled)
      return rendered.status();
    result->pages.push_back(
        {url, 0, 0, ms, "browser", "rendered (" + why + ")", rendered.status().error_code()});
    result->errors.push_back(
        {rendered.status().error_code(), "rendering: " + rendered.status().message(), url});
    return Status::Ok();
  }
  render::RenderedPage& page = rendered.value();
  detect::PageInput input = FromBrowser(page, "home");
  *bytes_used += page.bytes;
  result->pages.push_back(
      {page.final_url, page.status, page.bytes, ms, "browser", "rendered (" + why + ")", ""});
  for (const std::string& note : page.notes)
    result->errors.push_back({"render_budget", "rendering: " + note, page.final_url});
  if (!site_detection->AddPage(std::move(input), expired))
    result->errors.push_back(
        {"timeout", "the lead's time budget ran out before the rendered page was analysed", url});
  return Status::Ok();
}

Status Analyzer::ProbeCheckoutInBrowser(fetch::Fetcher& source, const AnalysisConfig& config,
                                        std::chrono::milliseconds time_left, int64_t* bytes_used,
                                        const std::shared_ptr<std::atomic<bool>>& cancel,
                                        detect::SiteDetection* site_detection,
                                        AnalysisResult* result,
                                        const std::function<bool()>& expired) const {
  const auto& pages = site_detection->pages();
  std::string url = pages.front().url;
  for (const auto& page : pages) {
    if (ShowsAddToCart(page.html) || ShowsAddToCart(page.rendered_html)) {
      url = page.url;
      break;
    }
  }
  const std::string origin = OriginOf(url);
  // robots.txt of the site, as the fetcher reads it (from its cache after the home page); the
  // browser opens nothing it disallows, and nothing on another site.
  fetch::FetchRequest robots_req;
  robots_req.timeout = std::min(time_left, std::chrono::milliseconds(5000));
  robots_req.cancel = cancel;
  auto robots =
      fetch::FetchRobots(source, origin, fetch::kRobotsProductToken, std::move(robots_req));
  auto allowed = [&](const std::string& u) {
    if (OriginOf(u) != origin || !robots.ok())
      return false;
    const std::string path = u.substr(origin.size());
    return robots->rules.IsAllowed(path.empty() ? "/" : path);
  };
  if (!allowed(url))
    return Status::Ok();
  auto [cart, checkout] = OwnCartAndCheckout(pages);
  render::RenderRequest request =
      BrowserRequest(url, js_chains_, config, time_left, *bytes_used, cancel);
  request.click_texts = AddToCartPhrases();
  request.click_exact = AddToCartWords();
  using Follow = render::RenderRequest::Follow;
  request.then.push_back(cart.empty() ? Follow{"", CartLinkWords()} : Follow{cart, {}});
  request.then.push_back(checkout.empty() ? Follow{"", CheckoutLinkWords()} : Follow{checkout, {}});
  request.may_open = allowed;
  const auto start = std::chrono::steady_clock::now();
  auto rendered = renderer_->Render(request);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const std::string reason = "checkout probe (browser): ";
  if (!rendered.ok()) {
    if (rendered.status().error_code() == "renderer_crashed" ||
        rendered.status().code() == common::StatusCode::kCancelled)
      return rendered.status();
    result->pages.push_back(
        {url, 0, 0, ms, "browser", reason + "product page", rendered.status().error_code()});
    result->errors.push_back(
        {rendered.status().error_code(), "checkout probe: " + rendered.status().message(), url});
    return Status::Ok();
  }
  render::RenderedPage& page = rendered.value();
  for (const std::string& note : page.notes)
    result->errors.push_back({"render_budget", "checkout probe: " + note, page.final_url});
  result->pages.push_back({page.final_url, page.status, page.bytes, ms, "browser",
                           page.clicked.empty()
                               ? reason + "product page (no add-to-cart control to click)"
                               : reason + "clicked \"" + page.clicked + "\"",
                           ""});
  *bytes_used += page.bytes;
  if (page.clicked.empty())
    return Status::Ok();
  (void)site_detection->AddPage(FromBrowser(page, "product"), expired);
  // The pages after the click: a document the click opened, then the cart and the checkout.
  for (render::RenderedPage& next : page.followed) {
    const std::string role = next.then_index == 1 ? "checkout" : "cart";
    *bytes_used += next.bytes;
    result->pages.push_back(
        {next.final_url, next.status, next.bytes, 0, "browser", reason + role, ""});
    (void)site_detection->AddPage(FromBrowser(next, role), expired);
  }
  return Status::Ok();
}

std::vector<std::pair<LinkCandidate, fetch::FetchResult>> Analyzer::FetchAll(
    fetch::Fetcher& source, const std::vector<LinkCandidate>& chosen,
    std::chrono::milliseconds timeout, int64_t max_body_bytes,
    const std::shared_ptr<std::atomic<bool>>& cancel) {
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    size_t left = 0;
    std::vector<std::pair<LinkCandidate, fetch::FetchResult>> done;
  };

  auto pending = std::make_shared<Pending>();
  pending->left = chosen.size();
  for (const auto& c : chosen) {
    fetch::FetchRequest req;
    req.url = c.url;
    req.timeout = timeout;
    req.max_body_bytes = max_body_bytes;
    req.cancel = cancel;
    req.reason = c.reason;
    source.FetchAsync(std::move(req), [pending, c](fetch::FetchResult r) {
      std::lock_guard<std::mutex> lock(pending->mu);
      pending->done.emplace_back(c, std::move(r));
      --pending->left;
      pending->cv.notify_all();
    });
  }
  {
    // The fetches carry the lead's deadline themselves, so this wait ends with them.
    std::unique_lock<std::mutex> lock(pending->mu);
    pending->cv.wait(lock, [&] { return pending->left == 0; });
  }
  // The order the pages were chosen in, so results are stable run to run.
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < chosen.size(); ++i)
    order[chosen[i].url] = i;
  std::sort(pending->done.begin(), pending->done.end(),
            [&](const auto& a, const auto& b) { return order[a.first.url] < order[b.first.url]; });
  return std::move(pending->done);
}

Analyzer::Analyzer(fetch::Fetcher& fetcher, const detect::Detector& detector, common::Clock& clock)
    : fetcher_(fetcher), detector_(detector), clock_(clock) {
  std::set<std::string> chains;
  for (const detect::PatternInfo& p : detector_.rules().patterns())
    if (p.field == detect::Field::kJs && !p.key.empty())
      chains.insert(p.key);
  js_chains_.assign(chains.begin(), chains.end());
  for (const detect::Technology& t : detector_.rules().technologies()) {
    if (t.group == detect::Group::kTechnology || t.website.empty())
      continue;
    const std::string host = HostOf(t.website);
    std::string domain = fetch::RegistrableDomain(host);
    if (!domain.empty())
      provider_domains_.insert(std::move(domain));
  }
}

namespace {

constexpr size_t kListedProviders = 3;

// Evidence read from the page's running text, not from its markup, scripts or headers.
bool IsProse(const detect::Evidence& e) {
  return e.field == "text" || e.field.rfind("text.", 0) == 0;
}

}  // namespace

void SetAsideMentions(AnalysisResult* result) {
  std::set<std::string> prose_only;
  auto only_prose = [&](const detect::Finding& f) {
    if (f.evidence.empty())
      return false;
    return std::all_of(f.evidence.begin(), f.evidence.end(), [&](const detect::Evidence& e) {
      return IsProse(e) || (e.field == "implies" && prose_only.count(e.matched) > 0);
    });
  };
  // A page that lists three or more providers in its text sets out options (a shop's terms
  // page); a mention is one or two names.
  size_t named = 0;
  for (const auto* findings : {&result->payment_methods, &result->carriers,
                               &result->shipping_software, &result->checkout_solutions}) {
    named += std::count_if(findings->begin(), findings->end(), only_prose);
  }
  if (named >= kListedProviders)
    return;
  std::vector<std::pair<const char*, std::vector<detect::Finding>*>> fields = {
      {"payment_methods", &result->payment_methods},
      {"carriers", &result->carriers},
      {"shipping_software", &result->shipping_software},
      {"checkout_solutions", &result->checkout_solutions}};
  // Implications run from payment methods and carriers to checkouts and platforms, so the
  // fields are read in that order.
  for (auto& [field, findings] : fields) {
    std::vector<detect::Finding> kept;
    for (detect::Finding& f : *findings) {
      if (only_prose(f)) {
        prose_only.insert(f.name);
        result->set_aside.emplace_back(field, std::move(f));
      } else {
        kept.push_back(std::move(f));
      }
    }
    *findings = std::move(kept);
  }
  if (result->ecommerce_platform && only_prose(*result->ecommerce_platform)) {
    result->set_aside.emplace_back("ecommerce_platform", *result->ecommerce_platform);
    result->ecommerce_platform.reset();
  }
}

void Analyzer::JudgeSite(const detect::SiteDetection& site_detection,
                         AnalysisResult* result) const {
  std::vector<SitePage> pages;
  for (const detect::PageInput& p : site_detection.pages())
    pages.push_back({p.url, p.role, p.html});
  result->site =
      analysis::JudgeSite(pages, result->ecommerce_platform.has_value(), provider_domains_);
  if (result->site.kind == SiteKind::kUnknown) {
    SetAsideMentions(result);
    return;
  }
  if (result->site.commerce_counts())
    return;
  auto set_aside = [&](const char* field, std::vector<detect::Finding>* findings) {
    for (detect::Finding& f : *findings)
      result->set_aside.emplace_back(field, std::move(f));
    findings->clear();
  };
  if (result->ecommerce_platform) {
    result->set_aside.emplace_back("ecommerce_platform", *result->ecommerce_platform);
    result->ecommerce_platform.reset();
  }
  set_aside("checkout_solutions", &result->checkout_solutions);
  set_aside("payment_methods", &result->payment_methods);
  set_aside("carriers", &result->carriers);
  set_aside("shipping_software", &result->shipping_software);
}

// How far checkout probing over HTTP came.
enum class ProbeOutcome {
  kNotTried,         // no platform with a cart mechanism, or no product found on the pages read
  kIncomplete,       // a step failed (refused, not found) before the checkout page was read
  kReachedCheckout,  // the checkout page was read with the product in the cart, or time ran out
};

// Checkout probing (checkout_probe.h): one product into the cart through the platform's cart
// mechanism, then the cart and checkout pages with the cart's cookies, detected like the other
// pages. Adds pages with reasons "checkout probe: ..."; a failed step ends the probe with its
// error in `errors`. Robots.txt and politeness apply as to every fetch.
ProbeOutcome ProbeCheckout(fetch::Fetcher& source, const AnalysisConfig& config,
                           const std::function<std::chrono::milliseconds()>& remaining,
                           int64_t* bytes_used, const std::shared_ptr<std::atomic<bool>>& cancel,
                           detect::SiteDetection* site_detection, AnalysisResult* result,
                           const std::function<bool()>& expired) {
  const auto mechanism = ProbeMechanism(PlatformSlug(site_detection->Findings()));
  if (!mechanism)
    return ProbeOutcome::kNotTried;
  const auto& pages = site_detection->pages();
  const std::string home_url = pages.front().url;
  ProbeCookies jar;
  auto fetch = [&](ProbeStep step, fetch::FetchKind kind,
                   const std::string& reason) -> std::optional<fetch::FetchResponse> {
    fetch::FetchRequest req;
    req.url = step.url;
    req.method = step.method;
    req.body = step.body;
    req.kind = kind;
    req.timeout = remaining();
    req.max_body_bytes = std::max<int64_t>(1024, config.max_bytes - *bytes_used);
    req.cancel = cancel;
    req.reason = reason;
    if (!step.content_type.empty())
      req.headers.emplace_back("content-type", step.content_type);
    if (!jar.empty())
      req.headers.emplace_back("cookie", jar.Header());
    if (step.kind == ProbeStep::Kind::kAddToCart) {
      // The answer itself sets the cart cookie (often on a redirect): read it, do not follow.
      req.follow_redirects = false;
      req.any_status = true;
    }
    fetch::FetchResult r = source.Fetch(std::move(req));
    if (r.ok() && r->status >= 400) {
      r = fetch::FetchError("http_" + std::to_string(r->status),
                            step.url + ": the add-to-cart request was refused (HTTP " +
                                std::to_string(r->status) + ")");
    }
    if (!r.ok()) {
      result->pages.push_back(FailedRecord(step.url, reason, r.status()));
      result->errors.push_back({r.status().error_code(), r.status().message(), step.url});
      return std::nullopt;
    }
    *bytes_used += static_cast<int64_t>(r->body.size());
    jar.Take(r->headers);
    result->pages.push_back(RecordOf(*r));
    return std::move(r).value();
  };

  // The product: Shopify's first linked product JSON and its available variant; the first
  // add-to-cart product id on any page read so far for the others.
  std::optional<int64_t> product;
  ProbeTarget target;
  if (*mechanism == "shopify") {
    for (const auto& page : pages) {
      const std::string url = ShopifyProductJsonUrl(page.html, page.url);
      if (url.empty())
        continue;
      auto json = fetch({ProbeStep::Kind::kProductJson, "GET", url, "", ""}, fetch::FetchKind::kRaw,
                        "checkout probe: product");
      if (json)
        product = ShopifyAvailableVariant(json->body);
      break;
    }
  } else {
    for (const auto& page : pages) {
      if (*mechanism == "woocommerce")
        product = WooCommerceProductId(page.html);
      else if (*mechanism == "magento")
        product = MagentoProductId(page.html);
      else
        product = PrestaShopProductId(page.html);
      if (product)
        break;
    }
  }
  if (*mechanism == "magento") {
    target.token = MagentoFormKey();
    jar.Set("form_key", target.token);
  } else if (*mechanism == "prestashop") {
    for (const auto& page : pages) {
      PrestaShopContext ps = PrestaShopContextOf(page.html);
      if (ps.static_token.empty())
        continue;
      target.token = ps.static_token;
      target.cart_url = ps.cart_url;
      target.checkout_url = ps.order_url;
      break;
    }
  }
  if (!product || expired())
    return ProbeOutcome::kNotTried;
  target.product = *product;
  auto [cart, checkout] = OwnCartAndCheckout(pages);
  if (target.cart_url.empty())
    target.cart_url = cart;
  if (target.checkout_url.empty())
    target.checkout_url = checkout;
  for (const ProbeStep& step : PlanProbe(*mechanism, home_url, target)) {
    if (expired() || *bytes_used >= config.max_bytes)
      return ProbeOutcome::kReachedCheckout;  // no budget left for the browser either
    const bool add = step.kind == ProbeStep::Kind::kAddToCart;
    const std::string role = step.kind == ProbeStep::Kind::kCheckout ? "checkout" : "cart";
    auto r = fetch(step, add ? fetch::FetchKind::kRaw : fetch::FetchKind::kPage,
                   add ? "checkout probe: add to cart" : "checkout probe: " + role);
    if (!r)
      return ProbeOutcome::kIncomplete;
    if (!add)
      (void)site_detection->AddPage(ToPageInput(*r, role), expired);
  }
  return ProbeOutcome::kReachedCheckout;
}

Result<AnalysisResult> Analyzer::Analyze(std::string_view input, AnalysisType type,
                                         const AnalysisConfig& config,
                                         std::shared_ptr<std::atomic<bool>> cancel) {
  // A failure's message quotes the input and the site's bytes; it goes to the store and the
  // API as it is, so it is made valid UTF-8 here (the result itself is made so by ToJson).
  Result<AnalysisResult> result = AnalyzeLead(input, type, config, std::move(cancel));
  if (!result.ok())
    return fetch::WithValidUtf8(result.status());
  return result;
}

Result<AnalysisResult> Analyzer::AnalyzeLead(std::string_view input, AnalysisType type,
                                             const AnalysisConfig& config,
                                             std::shared_ptr<std::atomic<bool>> cancel) {
  const common::TimePoint deadline = clock_.Now() + config.timeout;
  auto remaining = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_.Now());
    return std::max(left, std::chrono::milliseconds(1));
  };
  auto target = fetch::NormalizeTarget(input);
  if (!target.ok())
    return target.status();

  AnalysisResult result;
  result.domain = target->host;
  result.type = type;
  const RenderMode render_mode = config.EffectiveRender();
  if (render_mode == RenderMode::kAlways && renderer_ == nullptr) {
    result.errors.push_back({"renderer_unavailable",
                             "render always (or use_puppeteer): no browser renderer is "
                             "configured here; analysed with plain HTTP",
                             ""});
  }
  // The page source: Firecrawl's scrape API when asked for and configured, else our fetcher.
  const bool via_firecrawl = config.use_firecrawl && firecrawl_ != nullptr;
  fetch::Fetcher& source = via_firecrawl ? *firecrawl_ : fetcher_;
  if (config.use_firecrawl && !via_firecrawl) {
    result.errors.push_back({"firecrawl_unavailable",
                             "use_firecrawl: no Firecrawl provider is configured; analysed with "
                             "plain HTTP",
                             ""});
  }

  // Home page: https first for a bare domain, plain http when https cannot connect.
  fetch::FetchRequest base;
  base.timeout = remaining();
  base.max_body_bytes = config.max_bytes;
  base.cancel = cancel;
  base.reason = "home";
  auto home = fetch::FetchHome(source, *target, std::move(base), &clock_);
  if (!home.ok())
    return home.status();
  if (!home->fallback_reason.empty()) {
    result.errors.push_back(
        {"https_fallback", "https was given up (" + home->fallback_reason + "); analysed over http",
         target->urls.front()});
  }
  result.final_url = home->final_url.empty() ? home->url : home->final_url;
  result.pages.push_back(RecordOf(*home));
  int64_t bytes_used = static_cast<int64_t>(home->body.size());

  // Each page is parsed once, as it arrives; the deadline is checked between pages and between
  // the stages of each page's detection.
  auto expired = [&] { return clock_.Now() >= deadline || (cancel && cancel->load()); };
  detect::SiteDetection site_detection(detector_);
  if (!site_detection.AddPage(ToPageInput(*home, "home"), expired)) {
    if (cancel && cancel->load())
      return Status::Cancelled("analysis cancelled");
    return fetch::FetchError(fetch::kTimeout,
                             "the lead's time budget ran out before its home page was analysed");
  }
  NoteTruncation(site_detection, &result);
  // Render the home page too? The result says what was decided and why.
  RenderDecision decision;
  decision.mode = std::string(RenderModeName(render_mode));
  std::string why;  // why to render; "" = not
  if (render_mode == RenderMode::kNever) {
    decision.reason = "render never";
  } else if (render_mode == RenderMode::kAlways) {
    why = config.use_puppeteer ? "use_puppeteer" : "render always";
  } else if (via_firecrawl) {
    // Firecrawl's rawHtml is already a browser's DOM: `auto` does not render it again.
    decision.reason = "not needed: the page came from Firecrawl, already rendered by a browser";
  } else {
    auto [yes, reason] =
        AutoRender(site_detection.pages().front().html, site_detection.Findings(), type);
    (yes ? why : decision.reason) = std::move(reason);
  }
  if (!why.empty() && renderer_ == nullptr) {
    decision.reason = why + "; not rendered: no browser in this process";
  } else if (!why.empty() && expired()) {
    decision.reason = why + "; not rendered: the lead's time ran out first";
  } else if (!why.empty()) {
    decision.reason = why;
    Status rendered = RenderHome(result.final_url, why, config, remaining(), &bytes_used, cancel,
                                 &site_detection, &result, expired);
    if (!rendered.ok())
      return rendered;
    decision.error_code = result.pages.back().error_code;
    decision.rendered = decision.error_code.empty();
  }
  result.render = std::move(decision);
  const std::string& home_html = site_detection.pages().front().html;
  size_t skipped_for_time = 0;

  if (WantsCommercePages(type) && config.max_pages > 1) {
    const std::string site = SiteOf(result.final_url);
    const std::string slug = PlatformSlug(site_detection.Findings());
    std::set<std::string> seen = {result.final_url};
    size_t budget = static_cast<size_t>(config.max_pages - 1);
    auto fetch_wave = [&](const std::vector<LinkCandidate>& chosen) {
      auto done = FetchAll(source, chosen, remaining(),
                           std::max<int64_t>(1024, config.max_bytes - bytes_used), cancel);
      for (auto& [cand, r] : done) {
        seen.insert(cand.url);
        if (!r.ok()) {
          result.pages.push_back(FailedRecord(cand.url, cand.reason, r.status()));
          result.errors.push_back({r.status().error_code(), r.status().message(), cand.url});
          continue;
        }
        if (bytes_used + static_cast<int64_t>(r->body.size()) > config.max_bytes) {
          result.errors.push_back(
              {"lead_budget_exceeded", "page skipped: the lead's byte budget is spent", cand.url});
          continue;
        }
        bytes_used += static_cast<int64_t>(r->body.size());
        result.pages.push_back(RecordOf(*r));
        if (skipped_for_time > 0 ||
            !site_detection.AddPage(ToPageInput(*r, std::string(PageRoleName(cand.role))),
                                    expired)) {
          ++skipped_for_time;
          continue;
        }
        NoteTruncation(site_detection, &result);
      }
      budget -= std::min(budget, done.size());
    };
    const std::vector<std::string> home_links = home->links;  // listed by the page source
    auto ranked = RankCommercePages(home_html, result.final_url, site, slug, {}, home_links);
    // The first sitemap robots.txt names (same site only; one level of sitemap index), when
    // the home page's links miss an information page and a page is left for what it finds.
    // Each sitemap fetched counts against the lead's pages, bytes and time and is listed in
    // `pages`; a missing one is not an error of the lead.
    auto read_sitemap = [&](const std::string& url, const std::string& reason) {
      fetch::FetchRequest req;
      req.url = url;
      req.kind = fetch::FetchKind::kText;
      req.timeout = std::min(kMaxSitemapTime, remaining() / 2);
      req.max_body_bytes = std::min(kMaxSitemapBytes, config.max_bytes - bytes_used);
      req.cancel = cancel;
      req.reason = reason;
      fetch::FetchResult r = source.Fetch(std::move(req));
      seen.insert(url);
      budget -= std::min<size_t>(budget, 1);
      if (!r.ok()) {
        result.pages.push_back(FailedRecord(url, reason, r.status()));
        return Sitemap{};
      }
      bytes_used += static_cast<int64_t>(r->body.size());
      result.pages.push_back(RecordOf(*r));
      return ParseSitemap(r->body);
    };
    if (WantsSitemap(ranked) && budget >= 2 && bytes_used < config.max_bytes &&
        !(cancel && cancel->load())) {
      fetch::FetchRequest robots_req;
      robots_req.timeout = std::min(kMaxSitemapTime, remaining() / 2);
      robots_req.cancel = cancel;
      // CurlFetcher answers from its robots.txt cache: the home page's fetch filled it.
      auto robots = fetch::FetchRobots(source, OriginOf(result.final_url),
                                       fetch::kRobotsProductToken, std::move(robots_req));
      if (robots.ok() && !robots->sitemaps.empty() &&
          SameSite(SiteOf(robots->sitemaps.front()), site)) {
        Sitemap map = read_sitemap(robots->sitemaps.front(), "sitemap (robots.txt)");
        if (map.is_index && budget >= 2 && bytes_used < config.max_bytes) {
          std::string child = PickPageSitemap(map.urls);
          map = SameSite(SiteOf(child), site) && seen.count(child) == 0
                    ? read_sitemap(child, "sitemap (index " + robots->sitemaps.front() + ")")
                    : Sitemap{};
        }
        if (!map.is_index && !map.urls.empty()) {
          ranked = RankCommercePages(home_html, result.final_url, site, slug, map.urls, home_links);
        }
      }
    }
    fetch_wave(SelectPages(ranked, type, budget, seen));
    // Checkouts are usually reached from the cart: one more hop from the pages just fetched
    // when no checkout page was among them.
    const auto& pages = site_detection.pages();
    bool have_checkout = false;
    for (const auto& p : pages)
      have_checkout = have_checkout || p.role == "checkout";
    if (!have_checkout && budget > 0 && !expired()) {
      std::vector<LinkCandidate> next;
      for (size_t i = 1; i < pages.size(); ++i) {
        for (auto& c : RankCommercePages(pages[i].html, pages[i].url, site, "")) {
          if (c.role == PageRole::kCheckout)
            next.push_back(std::move(c));
        }
      }
      std::stable_sort(next.begin(), next.end(),
                       [](const auto& a, const auto& b) { return a.score > b.score; });
      fetch_wave(SelectPages(next, type, std::min<size_t>(budget, kMaxSecondHopPages), seen));
    }
  }
  if (config.ProbesCheckout(type) && skipped_for_time == 0 && !expired() &&
      bytes_used < config.max_bytes) {
    // Through our own HTTP client even when pages came from Firecrawl: the cart lives in the
    // cookies of one client.
    const ProbeOutcome probed = ProbeCheckout(fetcher_, config, remaining, &bytes_used, cancel,
                                              &site_detection, &result, expired);
    // No HTTP mechanism fits, or it stopped short of the checkout (a refused add, a cart or
    // checkout address of its own): the browser clicks "add to cart", when the lead may use one.
    if (probed != ProbeOutcome::kReachedCheckout && renderer_ != nullptr &&
        render_mode != RenderMode::kNever && !expired() && bytes_used < config.max_bytes) {
      Status browsed = ProbeCheckoutInBrowser(fetcher_, config, remaining(), &bytes_used, cancel,
                                              &site_detection, &result, expired);
      if (!browsed.ok())
        return browsed;
    }
  }
  if (cancel && cancel->load())
    return Status::Cancelled("analysis cancelled");
  if (skipped_for_time > 0) {
    result.errors.push_back({std::string(fetch::kTimeout),
                             "the lead's time budget ran out: " + std::to_string(skipped_for_time) +
                                 " fetched page(s) were not analysed",
                             ""});
  }
  SortFindings(site_detection.Findings(), type, &result);
  JudgeSite(site_detection, &result);
  return result;
}

AnalysisResult Analyzer::AnalyzePages(std::vector<detect::PageInput> pages,
                                      AnalysisType type) const {
  AnalysisResult result;
  result.type = type;
  if (!pages.empty()) {
    result.final_url = pages.front().url;
    result.domain = HostOf(pages.front().url);
  }
  detect::SiteDetection site_detection(detector_);
  for (detect::PageInput& page : pages) {
    (void)site_detection.AddPage(std::move(page));
    NoteTruncation(site_detection, &result);
  }
  SortFindings(site_detection.Findings(), type, &result);
  JudgeSite(site_detection, &result);
  return result;
}

}  // namespace leadscan::analysis
