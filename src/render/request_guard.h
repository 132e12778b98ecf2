// RequestGuard: decides every request the browser is about to make (CDP Fetch.requestPaused at
// the browser level, so every page, frame and worker of every context): images, fonts, media,
// style sheets and the like are refused, only http and https go out, and the host — after the
// --resolve and
// --connect-to mapping — must resolve to addresses the address guard allows. Remembers the
// reasons of recent refusals by network request id. Thread-safe.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "fetch/address_guard.h"
#include "render/host_mapping.h"

namespace leadscan::render {

class RequestGuard {
 public:
  RequestGuard(fetch::AddressGuard guard, HostMapping mapping, size_t max_records);

  // Why the request must not go out ("" = it may). Blocks for name resolution. As for curl's
  // redirects, a literal address in a refused range is refused even when an allow rule opens
  // it, unless `user_chosen` (the page the caller asked for, not a target the site picked).
  std::string Decide(std::string_view url, std::string_view resource_type,
                     bool user_chosen = false) const;

  // Records / looks up the refusal reason of a request (CDP network id).
  void Record(const std::string& network_id, const std::string& reason);
  std::string ReasonFor(const std::string& network_id) const;

 private:
  fetch::AddressGuard guard_;
  HostMapping mapping_;
  const size_t max_records_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> reasons_;
  std::deque<std::string> order_;
};

// Scheme, lower-case host (no brackets) and port (scheme default when absent) of an absolute
// URL; false when it has none of them.
bool SplitUrl(std::string_view url, std::string* scheme, std::string* host, int* port);

}  // namespace leadscan::render
