#include "fetch/site_fetch.h"

#include "fetch/errors.h"
#include "fetch/fetch_options.h"

namespace leadscan::fetch {

using common::Status;

bool ShouldFallBackToHttp(const Status& s) {
  const std::string& c = s.error_code();
  return c == kConnectRefused || c == kConnectTimeout || c == kTlsError || c == kConnectionReset;
}

FetchResult FetchHome(Fetcher& fetcher, const Target& target, FetchRequest base,
                      common::Clock* clock) {
  if (target.urls.empty())
    return FetchError(kInvalidUrl, "target has no URL to fetch");
  common::SystemClock system_clock;
  common::Clock& c = clock != nullptr ? *clock : system_clock;
  const auto budget = base.timeout.count() > 0 ? base.timeout : kDefaultTimeout;
  const common::TimePoint deadline = c.Now() + budget;
  std::string fallback_reason;
  Status last;
  for (size_t i = 0; i < target.urls.size(); ++i) {
    FetchRequest req = base;
    req.url = target.urls[i];
    req.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - c.Now());
    if (req.timeout.count() <= 0) {
      return FetchError(kTimeout, "the time budget of " + std::to_string(budget.count()) +
                                      " ms was spent before " + req.url +
                                      " (after https failed: " + fallback_reason + ")");
    }
    if (req.reason.empty())
      req.reason = "home";
    FetchResult result = fetcher.Fetch(std::move(req));
    const std::string scheme = target.urls[i].substr(0, target.urls[i].find(':'));
    if (result.ok()) {
      result->via = scheme;
      result->fallback_reason = fallback_reason;
      return result;
    }
    bool more = i + 1 < target.urls.size();
    if (!more || !ShouldFallBackToHttp(result.status())) {
      if (fallback_reason.empty())
        return result;
      Status s = result.status();
      return Status::Error(s.code(), s.error_code(),
                           s.message() + " (after https failed: " + fallback_reason + ")",
                           s.retryable());
    }
    fallback_reason = result.status().ToString();
  }
  return FetchError(kFetchError, "no URL answered");
}

common::Result<RobotsFile> FetchRobots(Fetcher& fetcher, const std::string& origin,
                                       const std::string& product_token, FetchRequest base) {
  FetchRequest req = std::move(base);
  std::string o = origin;
  while (!o.empty() && o.back() == '/')
    o.pop_back();
  req.url = o + "/robots.txt";
  req.kind = FetchKind::kText;
  req.check_robots = false;
  req.reason = "robots.txt";
  RobotsFile file;
  file.url = req.url;
  FetchResult result = fetcher.Fetch(req);
  if (!result.ok()) {
    const std::string& code = result.status().error_code();
    bool client_error = code.rfind("http_4", 0) == 0 && code != kHttp429;
    if (!client_error)
      return result.status();
    file.rules = RobotsTxt::AllowAll();
    return file;
  }
  file.status = result->status;
  file.body = std::move(result->body);
  file.rules = RobotsTxt::Parse(file.body, product_token);
  file.sitemaps = file.rules.sitemaps();
  return file;
}

}  // namespace leadscan::fetch
