// Job progress events: what the batch runner and the scheduler publish (item done / failed /
// retrying, counters, job status changes, runs started or skipped) and a hub that fans them out
// to many subscribers (the API's Server-Sent Events streams), each with its own bounded queue.
// JobEventHub and JobEventSubscription are thread-safe; publishing never blocks on a subscriber.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "store/store.h"

namespace leadscan::jobs {

enum class JobEventKind {
  kItemCompleted,  // an item finished with a result
  kItemFailed,     // an item failed for good (error_code set)
  kItemRetrying,   // a transient failure; the item goes back with not_before
  kCounters,       // the run's counters after an item change
  kJobStatus,      // the job's status changed (running, completed, failed, cancelled, ...)
  kRunStarted,     // a run was created (manual, scheduled or triggered)
  kRunSkipped,     // a scheduled occurrence was skipped (error_message says why)
};

// "item_completed", "item_failed", "item_retrying", "counters", "job_status", "run_started",
// "run_skipped": the SSE event names.
const char* JobEventKindName(JobEventKind kind);

struct JobEvent {
  JobEventKind kind = JobEventKind::kCounters;
  uint64_t sequence = 0;  // set by the hub: increasing over everything it published
  std::string org_id;
  std::string job_id;
  std::string run_id;
  std::string item_id;                                       // item events
  std::string lead_id;                                       // item events
  std::string domain;                                        // item events
  store::JobStatus job_status = store::JobStatus::kRunning;  // counters, job_status, run_*
  std::string error_code;                                    // item_failed, item_retrying
  std::string error_message;  // item_failed, item_retrying, run_skipped
  int retry_count = 0;        // item_retrying: retries made so far, this one included
  std::optional<common::TimePoint> not_before;  // item_retrying
  double duration_seconds = 0;                  // item_completed, item_failed
  bool coalesced = false;  // item_completed: reused the result of another item of the run
  int64_t successful_count = 0;
  int64_t failed_count = 0;
  int64_t total_leads = 0;
  common::TimePoint at;  // when it happened (the publisher's clock)

  // {"type", "job_id", "run_id", ...} with times as ISO 8601 UTC; progress = successful +
  // failed (SPEC §2). Fields that do not apply to the kind are left out.
  nlohmann::json ToJson() const;
};

// Where the runner and the scheduler send events. Publish must not block for long and must be
// safe to call from any thread.
class JobEvents {
 public:
  virtual ~JobEvents() = default;

  virtual void Publish(JobEvent event) = 0;
};

// One subscriber's bounded queue. When full, the oldest event is dropped and counted (the
// client can re-read a snapshot). Thread-safe.
class JobEventSubscription {
 public:
  JobEventSubscription(std::string job_id, size_t capacity, std::function<void()> waker);

  JobEventSubscription(const JobEventSubscription&) = delete;
  JobEventSubscription& operator=(const JobEventSubscription&) = delete;

  // Every queued event, oldest first; empty when none. Never blocks.
  std::vector<JobEvent> Drain();

  // The oldest queued event, waiting up to `timeout` (real time) for one; nullopt on timeout or
  // when closed. Blocks.
  std::optional<JobEvent> WaitNext(std::chrono::milliseconds timeout);

  // Events dropped because the queue was full.
  size_t dropped() const;

  // Stops delivery (the hub forgets it at its next publish) and wakes WaitNext.
  void Close();

  bool closed() const;

  // The job this subscription follows; empty: every job.
  const std::string& job_id() const { return job_id_; }

  // For the hub: queues `event` if it matches and the subscription is open, then calls the
  // waker without locks held. Returns false when closed.
  bool Offer(const JobEvent& event);

 private:
  const std::string job_id_;
  const size_t capacity_;
  const std::function<void()> waker_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<JobEvent> queue_;
  size_t dropped_ = 0;
  bool closed_ = false;
};

// The fan-out: every published event goes to every open subscription that follows its job (or
// all jobs). Subscriptions are held weakly: dropping the last shared_ptr unsubscribes.
class JobEventHub final : public JobEvents {
 public:
  static constexpr size_t kDefaultQueueCapacity = 1024;

  explicit JobEventHub(size_t default_capacity = kDefaultQueueCapacity);

  // Stamps the sequence number and offers the event to the subscribers. Never blocks on them.
  void Publish(JobEvent event) override;

  // Follows one job (`job_id`) or every job (empty). `capacity` 0: the hub's default. `waker`,
  // when set, is called after each queued event from the publishing thread with no lock held;
  // it must be quick (e.g. post to an IO loop).
  std::shared_ptr<JobEventSubscription> Subscribe(std::string job_id, size_t capacity = 0,
                                                  std::function<void()> waker = nullptr);

  // Open subscriptions now.
  size_t subscriber_count() const;

  // Events published so far.
  uint64_t published() const;

 private:
  const size_t default_capacity_;
  std::mutex publish_mu_;  // held for a whole Publish (ordering); taken before mu_
  mutable std::mutex mu_;  // guards sequence_ and subscribers_
  uint64_t sequence_ = 0;
  std::vector<std::weak_ptr<JobEventSubscription>> subscribers_;
};

}  // namespace leadscan::jobs
