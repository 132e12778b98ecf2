// Scheduler: fires the cron occurrences of scheduled jobs (SPEC §5). Its loop sleeps on the
// Clock until the earliest next_run_at among enabled scheduled jobs, or until Notify() says a
// schedule changed; it never polls by the minute. Of the schedulers on one database only the
// holder of the store's leader lease fires; each due occurrence is fired by one conditional
// transaction of the Store (FireOccurrence: move next_run_at, create the run) and the store
// keeps one run per (job, due time), so even two schedulers that both believe they lead fire it
// at most once, and a process killed halfway leaves it whole to the next. Holds references
// to the Store and Clock (and optionally the BatchRunner to wake and JobEvents to publish to),
// which must outlive it. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/status.h"
#include "jobs/batch_runner.h"
#include "jobs/job_events.h"
#include "store/store.h"

namespace leadscan::jobs {

// Why a skipped run row exists.
inline constexpr std::string_view kSkipPreviousRunning = "previous run still in progress";

struct SchedulerOptions {
  // Reported by Status() as the seed's check_interval_seconds. The loop does not poll at this
  // interval: it sleeps until the next occurrence.
  std::chrono::seconds check_interval{60};
  // Leadership among the schedulers of one database: only the holder of the store's leader
  // lease "scheduler" fires occurrences. The holder renews it every leader_lease / 3; the
  // others try to take it as often, so a leader that dies is replaced within about
  // leader_lease * 4 / 3 (docs/decisions/scheduler-leader.md).
  std::chrono::milliseconds leader_lease{std::chrono::seconds(15)};
  std::string leader_id;  // this process in the lease row; empty: host, pid and a random tag
  // Safety re-read of the schedule table when nothing wakes the loop, for schedules another
  // process changed on a shared database (this process' own changes call Notify()).
  std::chrono::milliseconds resync_interval{std::chrono::minutes(10)};
  // Wait before the next pass after the store failed.
  std::chrono::milliseconds error_backoff{std::chrono::seconds(5)};
  int64_t due_batch = 100;  // due jobs handled per store read
};

// What one pass did.
struct SchedulerPass {
  int fired = 0;    // runs created
  int skipped = 0;  // occurrences recorded as skipped (previous run still going, bad schedule)
  int lost = 0;     // occurrences another scheduler (or an edit) took first
  int errors = 0;   // store calls that failed (the loop backs off before the next pass)
};

struct SchedulerStatus {
  bool running = false;
  bool leader = false;      // this process holds the leader lease (not in ToJson: the seed's shape)
  bool processing = false;  // a pass is firing occurrences, or the runner has items in flight
  int64_t check_interval_seconds = 60;
  std::vector<store::Job> upcoming_jobs;  // next_run_at order

  // The seed's shape: {"scheduler": {running, processing, check_interval_seconds},
  // "upcoming_jobs": [{id, job_name, next_run_at, schedule_cron, timezone}]}.
  nlohmann::json ToJson() const;
};

// The first occurrence of `cron` in `timezone` strictly after `after`. invalid_cron /
// invalid_timezone (with their fields) for bad input; no_next_run when none exists.
common::Result<common::TimePoint> NextOccurrence(std::string_view cron, std::string_view timezone,
                                                 common::TimePoint after);

class Scheduler {
 public:
  Scheduler(store::Store& store, common::Clock& clock, BatchRunner* runner = nullptr,
            JobEvents* events = nullptr, SchedulerOptions options = {});

  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  ~Scheduler();

  // Starts the loop thread and logs "Batch scheduler started". Conflict when already started.
  common::Status Start();

  // Ends the loop and joins it (a pass in progress finishes first). Idempotent.
  void Stop();

  // A schedule changed (job created, edited, enabled, disabled, deleted): re-read it now.
  // Never blocks.
  void Notify();

  // Takes or renews the leader lease. True when this scheduler leads now; logs changes of
  // leadership. Blocks on the store.
  common::Result<bool> TryLead();

  // Whether the last TryLead won.
  bool leading() const;

  // The id this scheduler holds the lease under.
  const std::string& leader_id() const { return leader_id_; }

  // One pass (whether or not this scheduler leads): fires every due occurrence (now >= next_run_at)
  // once. After downtime each job fires once for its missed occurrence and moves to its next future
  // occurrence. An occurrence whose job still has a running run is recorded as a skipped run.
  // Blocks on the store.
  common::Result<SchedulerPass> RunDue();

  // Runs a job now (manual trigger), leaving next_run_at alone, and wakes the runner. Conflict
  // run_in_progress when a run is going, job_final when the job was cancelled; NotFound for a
  // missing job or one of another org.
  common::Result<store::Run> Trigger(const common::OrgId& org_id, const std::string& job_id);

  // For the admin endpoint. `org_id` nullopt: upcoming jobs of every organisation.
  common::Result<SchedulerStatus> Status(const std::optional<common::OrgId>& org_id = std::nullopt,
                                         int64_t limit = 20) const;

  bool running() const;

 private:
  void Loop();
  void PublishRun(const store::Job& job, const store::Run& run);

  store::Store& store_;
  common::Clock& clock_;
  BatchRunner* runner_;
  JobEvents* events_;
  const SchedulerOptions options_;
  const std::string leader_id_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  bool processing_ = false;
  bool leading_ = false;
  std::string leader_seen_;  // the holder last seen, for logging changes
  uint64_t notify_seq_ = 0;
  std::thread thread_;
};

}  // namespace leadscan::jobs
