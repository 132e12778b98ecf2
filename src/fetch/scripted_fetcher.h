// ScriptedFetcher: a Fetcher test double that answers from a script, URL -> response or
// Status, and records every request. Unknown URLs fail with http_404. FetchAsync calls `done`
// on the caller's thread before returning. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "fetch/fetcher.h"

namespace leadscan::fetch {

class ScriptedFetcher final : public Fetcher {
 public:
  // Answers `url` with a 200 text/html page whose body is `html` (url and final_url = url).
  void AddPage(const std::string& url, std::string html, Headers headers = {});

  // Answers `url` with exactly `response` (url and reason are filled from the request).
  void AddResponse(const std::string& url, FetchResponse response);

  // Answers `url` with a failure.
  void AddError(const std::string& url, common::Status status);

  // Fails `url` with `first_failures` before answering with what was added for it.
  void FailFirst(const std::string& url, common::Status status, int first_failures);

  void FetchAsync(FetchRequest request, FetchCallback done) override;

  // Every request's URL, in order.
  std::vector<std::string> requested() const;

  int RequestCount(const std::string& url) const;

 private:
  struct Flaky {
    common::Status status;
    int remaining = 0;
  };

  mutable std::mutex mu_;
  std::map<std::string, std::variant<FetchResponse, common::Status>> script_;
  std::map<std::string, Flaky> flaky_;
  std::vector<std::string> requested_;
};

}  // namespace leadscan::fetch
