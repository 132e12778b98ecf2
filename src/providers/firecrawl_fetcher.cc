#include "providers/firecrawl_fetcher.h"

#include <boost/url.hpp>
#include <system_error>
#include <thread>

#include "fetch/errors.h"
#include "fetch/site_fetch.h"
#include "providers/firecrawl_scrape.h"

namespace leadscan::providers {

using common::Status;

namespace {

// robots.txt gets at most this long, and at most half the page's budget.
constexpr std::chrono::milliseconds kMaxRobotsTime{5000};

struct OriginAndPath {
  std::string origin;  // scheme://host[:port]
  std::string path;    // path and query, "/" at least
};

std::optional<OriginAndPath> SplitUrl(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->host().empty())
    return std::nullopt;
  OriginAndPath out;
  out.origin = std::string(u->scheme()) + "://" + std::string(u->encoded_host());
  if (u->has_port())
    out.origin += ":" + std::string(u->port());
  out.path = std::string(u->encoded_path());
  if (out.path.empty())
    out.path = "/";
  if (u->has_query())
    out.path += "?" + std::string(u->encoded_query());
  return out;
}

}  // namespace

FirecrawlFetcher::FirecrawlFetcher(ProviderClient& client, fetch::Fetcher& own,
                                   common::Clock& clock, FirecrawlOptions options)
    : client_(client), own_(own), clock_(clock), options_(std::move(options)) {}

FirecrawlFetcher::~FirecrawlFetcher() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [&] { return in_flight_ == 0; });
}

void FirecrawlFetcher::FetchAsync(fetch::FetchRequest request, fetch::FetchCallback done) {
  if (request.kind != fetch::FetchKind::kPage) {
    own_.FetchAsync(std::move(request), std::move(done));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
  }
  // `done` is shared: if the thread cannot be started, it is still called here, once.
  auto shared_done = std::make_shared<fetch::FetchCallback>(std::move(done));
  auto work = [this, request = std::move(request), shared_done]() {
    fetch::FetchResult result = Status::Internal("firecrawl scrape did not run");
    try {
      result = Scrape(request);
    } catch (const std::exception& e) {
      // Nothing may leave the thread; the caller gets a retryable internal failure instead.
      result = Status::Error(common::StatusCode::kInternal, "internal",
                             std::string("firecrawl scrape threw: ") + e.what(), true);
    }
    if (*shared_done)
      (*shared_done)(fetch::WithValidUtf8(std::move(result), fetch::FetchKind::kPage));
    // The notify happens under the lock: once it is released the destructor may run.
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    idle_cv_.notify_all();
  };
  try {
    std::thread(std::move(work)).detach();
  } catch (const std::system_error& e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --in_flight_;
      idle_cv_.notify_all();
    }
    if (*shared_done) {
      (*shared_done)(fetch::FetchError(
          fetch::kFetchError, std::string("firecrawl: no thread for the scrape: ") + e.what()));
    }
  }
}

bool FirecrawlFetcher::RobotsAllow(const std::string& url, const fetch::FetchRequest& request) {
  auto parts = SplitUrl(url);
  if (!parts)
    return true;  // Firecrawl will refuse what is not a URL
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = robots_.find(parts->origin);
    if (it != robots_.end() && clock_.Now() - it->second.fetched_at < options_.robots_ttl)
      return !it->second.rules || it->second.rules->IsAllowed(parts->path);
  }
  fetch::FetchRequest req;
  req.timeout = std::min(kMaxRobotsTime, request.timeout / 2);
  req.cancel = request.cancel;
  auto file = fetch::FetchRobots(own_, parts->origin, options_.robots_token, std::move(req));
  RobotsEntry entry;
  entry.fetched_at = clock_.Now();
  // A robots.txt we cannot read (the site may block us: the reason to use Firecrawl) is no
  // verdict; one we can read is obeyed.
  if (file.ok())
    entry.rules = std::move(file->rules);
  const bool allowed = !entry.rules || entry.rules->IsAllowed(parts->path);
  std::lock_guard<std::mutex> lock(mu_);
  if (robots_.count(parts->origin) == 0)
    robots_order_.push_back(parts->origin);
  robots_[parts->origin] = std::move(entry);
  while (robots_order_.size() > options_.robots_cache_entries) {
    robots_.erase(robots_order_.front());
    robots_order_.pop_front();
  }
  return allowed;
}

fetch::FetchResult FirecrawlFetcher::Scrape(const fetch::FetchRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  const auto budget =
      request.timeout.count() > 0 ? request.timeout : std::chrono::milliseconds(20000);
  const common::TimePoint deadline = clock_.Now() + budget;
  if (options_.check_robots && request.check_robots && !RobotsAllow(request.url, request))
    return fetch::FetchError(fetch::kRobotsDisallowed, "robots.txt disallows " + request.url);

  ProviderRequest call;
  call.method = "POST";
  call.path = kFirecrawlScrapePath;
  call.headers = {{"authorization", "Bearer " + options_.key}};
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_.Now());
  call.body = FirecrawlScrapeBody(request.url, left, options_.wait_for);
  call.deadline = deadline;
  call.cancel = request.cancel;
  auto answer = client_.Call(call);
  if (!answer.ok())
    return answer.status();
  auto page = ParseFirecrawlScrape(answer->body, request.url);
  if (!page.ok())
    return Status::Error(page.status().code(), page.status().error_code(),
                         client_.Redact(page.status().message()), page.status().retryable());

  fetch::FetchResponse r;
  r.url = request.url;
  r.final_url = std::move(page->final_url);
  r.status = page->status;
  r.reason = request.reason;
  r.via = kFirecrawlName;
  r.source = kFirecrawlName;
  if (auto failed = fetch::HttpStatusError(r.status, r.final_url, "", clock_.Now())) {
    return Status::Error(failed->code(), failed->error_code(),
                         failed->message() + " (reported by firecrawl)", failed->retryable());
  }
  const int64_t limit = request.max_body_bytes > 0 ? request.max_body_bytes : 0;
  if (limit > 0 && static_cast<int64_t>(page->raw_html.size()) > limit) {
    return fetch::FetchError(fetch::kBodyTooLarge, r.final_url +
                                                       ": firecrawl's rawHtml is larger "
                                                       "than " +
                                                       std::to_string(limit) + " bytes");
  }
  r.content_type = "text/html";
  r.charset = "UTF-8";
  r.body = std::move(page->raw_html);
  r.wire_bytes = static_cast<int64_t>(r.body.size());
  r.links = std::move(page->links);
  r.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return r;
}

}  // namespace leadscan::providers
