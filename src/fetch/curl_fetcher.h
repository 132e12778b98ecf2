// CurlFetcher: the real Fetcher, libcurl's multi interface driven by one event-loop thread it
// owns. Enforces a global and a per-host concurrency limit (the rest waits in per-host queues),
// a per-host politeness gap between request starts, robots.txt (fetched once per origin and
// cached), the address guard on every connection, body and redirect limits, and decodes text
// to UTF-8. Thread-safe: any thread may call FetchAsync; callbacks run on the loop thread.
// Destroying it cancels whatever is still pending (those callbacks get `cancelled`).
#pragma once

#include <cstdint>
#include <memory>

#include "common/clock.h"
#include "common/result.h"
#include "fetch/fetch_options.h"
#include "fetch/fetcher.h"

namespace leadscan::fetch {

struct FetcherStats {
  int64_t submitted = 0;
  int64_t transfers_started = 0;  // including robots.txt fetches
  int64_t completed = 0;          // callbacks run
  int64_t robots_fetches = 0;
  int active = 0;       // transfers in flight now
  int queued = 0;       // requests waiting for a slot, politeness or robots.txt
  int peak_active = 0;  // highest `active` seen
  int peak_active_per_host = 0;
  size_t hosts_tracked = 0;  // per-host states held now (bounded: idle ones are dropped)
  size_t robots_cached = 0;  // origins in the robots cache now
};

class CurlFetcher final : public Fetcher {
 public:
  // Validates the options (allow-net rules, resolve / connect-to entries, the CA file) and
  // starts the loop thread. `clock` paces politeness and robots expiry and must outlive this
  // object. Fails with invalid_allow_net / invalid_fetch_option / ca_file_error.
  static common::Result<std::unique_ptr<CurlFetcher>> Create(FetchOptions options,
                                                             common::Clock& clock);

  ~CurlFetcher() override;

  CurlFetcher(const CurlFetcher&) = delete;
  CurlFetcher& operator=(const CurlFetcher&) = delete;

  void FetchAsync(FetchRequest request, FetchCallback done) override;

  FetcherStats stats() const;

  struct Impl;

 private:
  explicit CurlFetcher(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace leadscan::fetch
