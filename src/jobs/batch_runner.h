// BatchRunner: the workers inside `serve` / `worker` (SPEC §4). One dispatcher thread claims
// items from the Store with a lease under this runner's worker id, a pool of worker threads
// analyses them through the LeadAnalyzer seam, and a heartbeat thread renews the leases at
// lease/3 and aborts analyses that outlive their time budget. Every result is stored the moment
// its item finishes; transient failures go back with backoff; leads sharing a domain in one run
// are analysed once. The runner holds references to the Store, LeadAnalyzer, Clock and (optional)
// JobEvents, which must outlive it. All public methods are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "analysis/analyzer.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"
#include "common/status.h"
#include "jobs/completion_batcher.h"
#include "jobs/job_events.h"
#include "jobs/retry_policy.h"
#include "search/domain_finder.h"
#include "store/store.h"

namespace leadscan::jobs {

// Stable error codes the runner itself gives items (others come from the analysis).
inline constexpr std::string_view kNoDomainCode = "no_domain";
inline constexpr std::string_view kInvalidJobTypeCode = "invalid_job_type";
inline constexpr std::string_view kInvalidAnalysisConfigCode = "invalid_analysis_config";
inline constexpr std::string_view kLeadTimeoutCode = "timeout";
inline constexpr std::string_view kAnalysisFailedCode = "analysis_failed";

// An item's processing threw (a bug, never a site's fault alone): the item is tried once more.
inline constexpr std::string_view kInternalErrorCode = "internal_error";

// An item that failed twice with an internal error, or whose lease ran out twice without an
// outcome (its process died on it), is failed with this code instead of being tried again.
inline constexpr std::string_view kPoisonItemCode = store::kPoisonItemErrorCode;

// How long a supervised loop (dispatcher, heartbeat) pauses after it threw before it restarts.
inline constexpr std::chrono::milliseconds kSupervisorPause{200};

// Writing an item's outcome when the database cannot be reached is tried again after these
// pauses (doubling), for at most one lease: the claim's token keeps a late write from
// overwriting another claim (docs/decisions/fencing.md).
inline constexpr std::chrono::milliseconds kStoreRetryFirstPause{100};
inline constexpr std::chrono::milliseconds kStoreRetryMaxPause{2000};

// Counter of outcome writes the store refused because the claim they carry is no longer the
// item's (lease_lost), by operation: complete, fail, retry, renew.
inline constexpr std::string_view kStaleWritesRefusedMetric = "leadscan_stale_writes_refused_total";

struct BatchRunnerOptions {
  int concurrency = 8;    // worker threads = items analysed at once by this process
  std::string worker_id;  // lease owner; empty: "<hostname>:<pid>:<random>"
  std::chrono::milliseconds lease{std::chrono::seconds(60)};  // renewed every lease/3
  // Idle wait between claim attempts when nobody calls Wake() (other processes may add work).
  std::chrono::milliseconds poll_interval{std::chrono::seconds(2)};
  // Graceful stop: how long in-flight analyses may run on before they are aborted and released.
  std::chrono::milliseconds grace_period{std::chrono::seconds(20)};
  // The heartbeat aborts an analysis that runs this long past analysis_config.timeout (the
  // analyzer enforces the budget itself; this catches one that does not) and fails the
  // attempt with `timeout`, which is retryable.
  std::chrono::milliseconds timeout_slack{std::chrono::seconds(5)};
  RetryOptions retry;
  uint64_t seed = 0;  // jitter; 0: random
  // Runs whose per-domain results are kept for coalescing (oldest forgotten first).
  size_t coalesce_runs = 64;
  // Domains whose outcome is kept per run (oldest finished forgotten first), so a run of any
  // size costs bounded memory; a domain that comes again after it was forgotten is analysed
  // again.
  size_t coalesce_domains = 4096;
  // Added to the scheduling niceness of the worker threads (Linux, per thread; 0 leaves it): batch
  // analysis is background work, so on a busy machine the API's threads get the CPU first and
  // polls stay fast while a batch runs.
  int worker_nice = 5;
  // Where kStaleWritesRefusedMetric is counted; nullptr: nowhere. Must outlive the runner.
  common::Metrics* metrics = nullptr;
  // Most completions written in one transaction: completions that finish while another is
  // being written are committed together (group commit). 1: one transaction per item.
  size_t completion_batch = kDefaultCompletionBatch;
  // Finds the website of a lead that has none (issue 12), unless the job's
  // analysis_config.find_domain is false; nullptr: such leads fail `no_domain` (and a job that
  // asks for find_domain: true says so). Must outlive the runner.
  search::DomainLookup* domain_lookup = nullptr;
  // Country of those searches when neither analysis_config.search_country nor the lead's
  // extra.country names one ("" = none).
  std::string search_country;
  // How long a batch's writer waits for completions of items claimed with it that have not
  // arrived yet (CompletionBatcher::Announce); 0: it writes what is there at once.
  std::chrono::milliseconds completion_gather = kCompletionGatherWindow;
};

struct BatchRunnerStats {
  int64_t claimed = 0;
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t retried = 0;
  int64_t coalesced = 0;  // items completed or failed with another item's outcome
  int64_t aborted = 0;    // analyses aborted (job cancel, lease lost, stop)
  int64_t lease_renewals = 0;
  int64_t leases_lost = 0;
  int64_t stale_writes_refused = 0;  // outcome writes refused with lease_lost (all operations)
  int64_t released = 0;    // items given back: expired leases at start and periodically, stop
  int64_t unexpected = 0;  // items whose processing threw (a bug; see kInternalErrorCode)
  int in_flight = 0;       // claimed and not yet finished (queued or analysing)
};

class BatchRunner {
 public:
  BatchRunner(store::Store& store, analysis::LeadAnalyzer& analyzer, common::Clock& clock,
              JobEvents* events = nullptr, BatchRunnerOptions options = {});

  BatchRunner(const BatchRunner&) = delete;
  BatchRunner& operator=(const BatchRunner&) = delete;

  // Stops (gracefully) if still running.
  ~BatchRunner();

  // Crash recovery first (items whose lease expired go back to pending), then starts the
  // threads. Fails when the store cannot be reached or the runner was already started.
  common::Status Start();

  // Graceful stop: no more claims; in-flight analyses may finish within grace_period (on the
  // Clock), then the rest are aborted and every item this runner still holds is released to
  // pending. Blocks until all threads have ended. Idempotent.
  void Stop();

  // Tells idle workers that there may be work now (a job was created or triggered). Never
  // blocks.
  void Wake();

  // Cancels the job in the store (its pending and processing items become cancelled, the job
  // ends `cancelled`), aborts this runner's in-flight analyses of it at once, and publishes the
  // status change. NotFound for a missing job or one of another org; Conflict `job_final`
  // (HTTP 409) when it has already finished. Blocks on the store.
  common::Result<store::Job> CancelJob(const common::OrgId& org_id, const std::string& job_id);

  bool running() const;

  // True while Stop() waits out the grace period for in-flight analyses: the deadline has been
  // read from the clock, claiming has ended.
  bool draining() const;

  // Items claimed and not yet finished.
  int in_flight() const;

  BatchRunnerStats stats() const;

  const std::string& worker_id() const { return worker_id_; }

  // The coalescing key of a lead's domain: what the analyzer fetches — "http://" when that
  // scheme is given (a bare domain and "https://" both start with https), the lower-case host
  // without "www." and trailing dot, a port other than the scheme's default, and the path
  // ("https://WWW.Example.se." -> "example.se", "x.se:8443/shop/" -> "x.se:8443/shop"); "" when
  // nothing is left. Leads with equal keys in one run share one analysis.
  static std::string DomainKey(std::string_view domain);

 private:
  enum class Abort : int { kNone, kJobCancelled, kLeaseLost, kShutdown, kTimeout };

  // One claimed item while this runner holds it.
  struct InFlight {
    store::ClaimedItem claim;
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
    std::atomic<int> abort{static_cast<int>(Abort::kNone)};
    common::TimePoint next_renew;
    std::optional<common::TimePoint> started;   // analysis start, once a worker took it
    std::optional<common::TimePoint> deadline;  // started + timeout + slack
    // Announced to the CompletionBatcher at the claim, until its completion arrives there or it
    // ends another way (withdrawn). Used by the worker thread that processes it.
    bool announced = false;
  };

  // The outcome of one domain's analysis within a run, shared by the items that coalesce.
  // Guarded by coalesce_mu_. A run keeps its outcomes until it is forgotten, so the result JSON
  // is kept only until the leader has stored it; later followers read it from the leader's item.
  struct Outcome {
    bool done = false;       // ok / status hold the domain's outcome
    bool abandoned = false;  // the leader was aborted; waiters look again
    bool ok = false;
    std::shared_ptr<const nlohmann::json> result;  // ok: the result JSON, until stored
    common::Status status;                         // !ok: the failure
    std::string leader_item_id;
  };

  void DispatchLoop();
  void WorkerLoop();
  void HeartbeatLoop();

  // Runs `loop` on this thread until it returns; when it throws, logs and runs it again after
  // a pause, unless `stop_flag` (read under mu_) is set.
  void Supervise(std::string_view what, void (BatchRunner::*loop)(), const bool& stop_flag);

  // After Process threw: retry the item once (kInternalErrorCode), or fail it as a poison item
  // when its previous attempt ended the same way.
  void FinishUnexpected(const std::shared_ptr<InFlight>& entry);
  void Process(const std::shared_ptr<InFlight>& entry);
  // The provider_quota message of the entry's run when its Firecrawl quota is spent; nullopt
  // while it is not. NoteQuotaSpent records a run's first such failure.
  std::optional<std::string> QuotaSpent(const std::string& run_id);
  void NoteQuotaSpent(const std::string& run_id, const std::string& message);
  // Runs (or joins) the analysis of the entry's domain in its run. For an ok outcome *result
  // is its JSON (taken under the lock; null when the leader has stored and dropped it).
  std::shared_ptr<Outcome> AnalyseCoalesced(const std::shared_ptr<InFlight>& entry,
                                            const std::string& domain, analysis::AnalysisType type,
                                            const analysis::AnalysisConfig& config, bool* coalesced,
                                            std::shared_ptr<const nlohmann::json>* result);
  // The ok outcome's JSON for a follower that came after the leader dropped it: the leader's
  // stored item result. On failure the outcome is forgotten (the caller analyses again).
  std::shared_ptr<const nlohmann::json> StoredResult(const std::string& run_id,
                                                     const std::string& domain,
                                                     const std::shared_ptr<Outcome>& outcome);
  // Counts a store refusal of an item's outcome as aborted (logged unless the lease was lost).
  void CountRefused(const common::Status& status, std::string_view what,
                    const std::string& item_id);
  // Counts a write the store refused with lease_lost under `operation` (complete, fail, retry,
  // renew) in the stats and kStaleWritesRefusedMetric; other statuses are not counted.
  void CountStaleWrite(const common::Status& status, std::string_view operation);
  // Runs `write` (a store call writing the entry's outcome) and, while it fails because the
  // database cannot be reached, again after a growing pause, for at most one lease and until
  // the entry is aborted. Returns the last status.
  common::Status WriteWithRetry(const std::shared_ptr<InFlight>& entry,
                                const std::function<common::Status()>& write);
  // Remembers when a store call of this runner failed because the store could not be reached
  // (io_error). Thread-safe.
  void NoteStore(const common::Status& status);
  // Whether lease expiries released now count toward the poison-item rule: not until the store
  // has been reachable for a lease and a third since this runner last failed to reach it. A
  // store outage longer than a lease lets every lease run out whose holder is alive and cut off
  // (as this runner was); those expiries say nothing about the items. The rule is for analyses
  // that take processes down, whose expiries come while the store answers. (An outage only the
  // holder sees, a network partition, still counts: the releaser cannot tell it from a hang.)
  bool CountLeaseExpiries(common::TimePoint now) const;
  // An event about the entry's item, its ids filled in.
  static JobEvent ItemEvent(JobEventKind kind, const InFlight& entry);
  void FinishSuccess(const std::shared_ptr<InFlight>& entry, const nlohmann::json& result,
                     bool coalesced);
  void FinishFailure(const std::shared_ptr<InFlight>& entry, const common::Status& status,
                     int max_retries, bool coalesced);
  void FailNow(const std::shared_ptr<InFlight>& entry, std::string_view code,
               const std::string& message, nlohmann::json details = nullptr);
  // For a lead without a domain: searches for its website (options_.domain_lookup), records
  // what was found as the lead's domain suggestion and sets *domain and *search (the search's
  // evidence). False when the item is finished here instead: no_domain (no search wanted),
  // domain_not_found (with the candidates as error details), a provider error (retried when
  // retryable) or an abort.
  bool FindDomain(const std::shared_ptr<InFlight>& entry, std::string* domain,
                  nlohmann::json* search);
  void PublishUpdate(const std::shared_ptr<InFlight>& entry, const store::ItemUpdate& update);
  void SetAbort(const std::shared_ptr<InFlight>& entry, Abort reason);
  void Forget(const std::shared_ptr<InFlight>& entry);
  void ForgetRun(const std::string& run_id);
  double Seconds(common::TimePoint since) const;
  void Publish(JobEvent event);

  store::Store& store_;
  analysis::LeadAnalyzer& analyzer_;
  common::Clock& clock_;
  JobEvents* events_;
  const BatchRunnerOptions options_;
  const std::string worker_id_;
  RetryPolicy retry_;
  CompletionBatcher completions_;

  mutable std::mutex mu_;
  std::condition_variable dispatch_cv_;   // Wake, slot freed, stop
  std::condition_variable work_cv_;       // queue non-empty, stop
  std::condition_variable heartbeat_cv_;  // in-flight set changed, stop
  std::condition_variable idle_cv_;       // an analysis ended (graceful stop waits on it)
  bool started_ = false;
  bool stopping_ = false;          // no more claims, no new analyses
  bool draining_ = false;          // Stop() is in its grace period
  bool workers_stopping_ = false;  // workers exit
  bool heartbeat_stopping_ = false;
  uint64_t wake_seq_ = 0;
  uint64_t slot_seq_ = 0;
  uint64_t retry_seq_ = 0;          // an item went back with a not_before (the dispatcher re-plans)
  uint64_t heartbeat_seq_ = 0;      // in-flight set or a deadline changed
  common::TimePoint next_release_;  // next periodic ReleaseExpiredLeases (dispatcher)
  // The dispatcher's last claim filled every free slot: a freed slot is worth a claim.
  bool claim_on_free_slot_ = false;
  // When the heartbeat wakes next on its own (it is woken earlier only for an earlier deadline).
  common::TimePoint heartbeat_wake_at_;
  std::optional<common::TimePoint> next_retry_at_;  // earliest not_before this runner set
  std::deque<std::shared_ptr<InFlight>> queue_;
  std::map<std::string, std::shared_ptr<InFlight>> in_flight_;  // by item id
  int active_ = 0;                                              // analyses running
  std::set<std::string> cancelled_jobs_;
  std::deque<std::string> cancelled_order_;
  // Runs whose Firecrawl quota is spent (an item failed with provider_quota): run id -> that
  // failure's message. Their other use_firecrawl items fail with it at once (guarded by mu_).
  std::map<std::string, std::string> quota_spent_runs_;
  std::deque<std::string> quota_spent_order_;
  BatchRunnerStats stats_;

  mutable std::mutex store_mu_;                            // guards store_unreachable_at_
  std::optional<common::TimePoint> store_unreachable_at_;  // last io_error of a store call

  std::mutex progress_mu_;  // held while publishing counters (keeps them monotonic per run)
  std::map<std::string, int64_t> last_progress_;  // run id -> progress last published
  std::deque<std::string> progress_runs_;

  std::mutex coalesce_mu_;
  std::condition_variable coalesce_cv_;  // an outcome is ready, or some abort flag was set
  std::map<std::string, std::map<std::string, std::shared_ptr<Outcome>>> outcomes_;  // run, key
  std::deque<std::string> outcome_runs_;  // insertion order of outcomes_ keys
  std::map<std::string, std::deque<std::string>> outcome_order_;  // run -> keys, oldest first

  std::thread dispatcher_;
  std::thread heartbeat_;
  std::vector<std::thread> workers_;
};

}  // namespace leadscan::jobs
