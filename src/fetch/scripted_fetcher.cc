#include "fetch/scripted_fetcher.h"

#include <algorithm>

#include "fetch/errors.h"

namespace leadscan::fetch {

void ScriptedFetcher::AddPage(const std::string& url, std::string html, Headers headers) {
  FetchResponse r;
  r.final_url = url;
  r.status = 200;
  r.http_version = "1.1";
  r.content_type = "text/html";
  r.charset = "UTF-8";
  r.body = std::move(html);
  r.wire_bytes = static_cast<int64_t>(r.body.size());
  r.headers = std::move(headers);
  if (std::none_of(r.headers.begin(), r.headers.end(),
                   [](const auto& h) { return h.first == "content-type"; })) {
    r.headers.emplace_back("content-type", "text/html; charset=utf-8");
  }
  r.via = url.substr(0, url.find(':'));
  AddResponse(url, std::move(r));
}

void ScriptedFetcher::AddResponse(const std::string& url, FetchResponse response) {
  std::lock_guard<std::mutex> lock(mu_);
  script_[url] = std::move(response);
}

void ScriptedFetcher::AddError(const std::string& url, common::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  script_[url] = std::move(status);
}

void ScriptedFetcher::FailFirst(const std::string& url, common::Status status, int first_failures) {
  std::lock_guard<std::mutex> lock(mu_);
  flaky_[url] = Flaky{std::move(status), first_failures};
}

void ScriptedFetcher::FetchAsync(FetchRequest request, FetchCallback done) {
  FetchResult result = FetchError(kHttp404, "HTTP 404 from " + request.url + " (not scripted)");
  {
    std::lock_guard<std::mutex> lock(mu_);
    requested_.push_back(request.url);
    auto flaky = flaky_.find(request.url);
    if (flaky != flaky_.end() && flaky->second.remaining > 0) {
      --flaky->second.remaining;
      result = flaky->second.status;
    } else if (request.cancel && request.cancel->load()) {
      result = FetchError(kCancelled, "cancelled");
    } else if (auto it = script_.find(request.url); it != script_.end()) {
      if (const auto* response = std::get_if<FetchResponse>(&it->second)) {
        FetchResponse r = *response;
        r.url = request.url;
        if (r.final_url.empty())
          r.final_url = request.url;
        r.reason = request.reason;
        result = std::move(r);
      } else {
        result = std::get<common::Status>(it->second);
      }
    }
  }
  done(std::move(result));
}

std::vector<std::string> ScriptedFetcher::requested() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requested_;
}

int ScriptedFetcher::RequestCount(const std::string& url) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(std::count(requested_.begin(), requested_.end(), url));
}

}  // namespace leadscan::fetch
