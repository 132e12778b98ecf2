// DeliveryWorker: sends the webhook outbox (docs/webhooks.md) from `serve` and `worker`. One
// thread claims due deliveries from the Store with a lease, POSTs them at once through the
// Fetcher (libcurl, address guard on every connection, a timeout per request), records each
// attempt, and schedules a failed one again with RetrySchedule until it is a day old, then gives
// it up. A process that dies mid-round loses nothing: its leases run out and another worker
// (or this one, restarted) sends the deliveries again with the same X-Leadscan-Delivery id
// (at least once). Holds references to the Store, Fetcher, Clock and (optional) Metrics, which
// must outlive it. Public methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"
#include "common/status.h"
#include "fetch/fetcher.h"
#include "store/store.h"
#include "webhooks/retry_schedule.h"

namespace leadscan::webhooks {

// Metric names (labels from closed sets).
inline constexpr std::string_view kDeliveriesMetric = "leadscan_webhook_deliveries_total";
inline constexpr std::string_view kPendingMetric = "leadscan_webhook_deliveries_pending";

struct DeliveryWorkerOptions {
  std::string worker_id;  // lease owner; empty: "<hostname>:<pid>:<random>"
  int batch = 16;         // deliveries claimed, and sent at once, per round
  // Idle wait between rounds when nothing was due and nobody called Wake().
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};  // per POST, connect included
  // Lease of a claimed delivery: longer than a round (timeout and the outcome writes) so no
  // other worker sends it while this one is; short, since a delivery claimed by a process that
  // died waits for it to run out.
  std::chrono::milliseconds lease{std::chrono::seconds(30)};
  RetryScheduleOptions retry;
  int64_t max_response_bytes = 64 * 1024;  // of a receiver's answer (only a snippet is kept)
  // Delivered and given-up deliveries are deleted this long after they were created.
  std::chrono::hours retention{24 * 30};
  std::chrono::milliseconds maintenance_interval{std::chrono::seconds(15)};  // gauge, pruning
  uint64_t seed = 0;                                                         // jitter; 0: random
  common::Metrics* metrics = nullptr;                                        // nullptr: no metrics
};

struct DeliveryWorkerStats {
  int64_t claimed = 0;
  int64_t delivered = 0;  // answered 2xx
  int64_t retried = 0;    // failed, scheduled again
  int64_t failed = 0;     // failed and given up (a day old)
  int64_t refused = 0;    // outcome writes the store refused (lease lost, webhook deleted)
  int64_t store_errors = 0;
};

class DeliveryWorker {
 public:
  DeliveryWorker(store::Store& store, fetch::Fetcher& fetcher, common::Clock& clock,
                 DeliveryWorkerOptions options = {});

  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Stops if still running.
  ~DeliveryWorker();

  // Starts the thread. Fails when already started.
  common::Status Start();

  // No more rounds; waits for the round in flight (its POSTs end within `timeout`). Idempotent.
  void Stop();

  // Starts a round soon (an event may be due). Never blocks.
  void Wake();

  // One round on the caller's thread: claims due deliveries, sends them, records the outcomes.
  // Returns how many were claimed; fails only when the claim itself fails. Blocks. For tests
  // (with a FakeClock) and the thread.
  common::Result<int> RunOnce();

  DeliveryWorkerStats stats() const;

  const std::string& worker_id() const { return worker_id_; }

 private:
  void Loop();
  void Maintain();
  void Count(std::string_view outcome);
  double UnitRandom();

  store::Store& store_;
  fetch::Fetcher& fetcher_;
  common::Clock& clock_;
  const DeliveryWorkerOptions options_;
  const std::string worker_id_;
  const RetrySchedule schedule_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  uint64_t wake_seq_ = 0;
  DeliveryWorkerStats stats_;
  std::mt19937_64 rng_;
  common::TimePoint next_maintenance_{};  // Loop thread only
  common::TimePoint next_prune_{};        // Loop thread only
  std::thread thread_;
};

}  // namespace leadscan::webhooks
