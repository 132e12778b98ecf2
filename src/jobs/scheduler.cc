#include "jobs/scheduler.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "common/thread_guard.h"
#include "common/uuid.h"
#include "jobs/cron_expression.h"

namespace leadscan::jobs {

using common::TimePoint;

common::Result<TimePoint> NextOccurrence(std::string_view cron, std::string_view timezone,
                                         TimePoint after) {
  auto expression = CronExpression::Parse(cron);
  if (!expression.ok())
    return expression.status();
  auto zone = LookupTimeZone(timezone.empty() ? std::string_view("UTC") : timezone);
  if (!zone.ok())
    return zone.status();
  auto next = expression->Next(after, *zone);
  if (!next) {
    return common::Status::InvalidArgument(
        "no_next_run", "the schedule '" + std::string(cron) + "' has no future run",
        std::string(kCronFieldName));
  }
  return *next;
}

nlohmann::json SchedulerStatus::ToJson() const {
  nlohmann::json upcoming = nlohmann::json::array();
  for (const auto& job : upcoming_jobs) {
    upcoming.push_back(
        {{"id", job.id},
         {"job_name", job.job_name},
         {"next_run_at",
          job.next_run_at ? nlohmann::json(store::FormatTime(*job.next_run_at)) : nlohmann::json()},
         {"schedule_cron", job.schedule_cron},
         {"timezone", job.timezone}});
  }
  return {{"scheduler",
           {{"running", running},
            {"processing", processing},
            {"check_interval_seconds", check_interval_seconds}}},
          {"upcoming_jobs", std::move(upcoming)}};
}

namespace {

constexpr const char* kLeaderLeaseName = "scheduler";

std::string DefaultLeaderId() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  return std::string(host[0] ? host : "host") + ":" + std::to_string(::getpid()) + ":" +
         common::RandomHex(4);
}

}  // namespace

Scheduler::Scheduler(store::Store& store, common::Clock& clock, BatchRunner* runner,
                     JobEvents* events, SchedulerOptions options)
    : store_(store),
      clock_(clock),
      runner_(runner),
      events_(events),
      options_(std::move(options)),
      leader_id_(options_.leader_id.empty() ? DefaultLeaderId() : options_.leader_id) {}

Scheduler::~Scheduler() {
  Stop();
}

common::Status Scheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_)
    return common::Status::Conflict("scheduler_started", "the scheduler runs already");
  started_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
  spdlog::info("Batch scheduler started (check_interval_seconds {}; sleeps until the next run)",
               options_.check_interval.count());
  return common::Status::Ok();
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_)
      return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  started_ = false;
  if (leading_) {
    // Hands the lease over at once instead of letting the others wait for it to expire.
    if (auto s = store_.ReleaseLeaderLease(kLeaderLeaseName, leader_id_); !s.ok())
      spdlog::warn("scheduler: giving up the leader lease failed: {}", s.ToString());
    leading_ = false;
  }
  spdlog::info("Batch scheduler stopped");
}

void Scheduler::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++notify_seq_;
  }
  cv_.notify_all();
}

common::Result<bool> Scheduler::TryLead() {
  auto lease = store_.AcquireLeaderLease(kLeaderLeaseName, leader_id_, options_.leader_lease);
  std::lock_guard<std::mutex> lock(mu_);
  if (!lease.ok()) {
    // Without an answer from the store this process cannot know it still leads.
    if (leading_)
      spdlog::warn("scheduler: {} cannot renew the leader lease: {}", leader_id_,
                   lease.status().ToString());
    leading_ = false;
    leader_seen_.clear();
    return lease.status();
  }
  if (lease->owner != leader_seen_) {
    if (lease->held) {
      spdlog::info("scheduler: {} leads (lease until {})", leader_id_,
                   store::FormatTime(lease->expires_at));
    } else {
      spdlog::info("scheduler: {} follows the leader {} (lease until {})", leader_id_, lease->owner,
                   store::FormatTime(lease->expires_at));
    }
    leader_seen_ = lease->owner;
  }
  leading_ = lease->held;
  return lease->held;
}

bool Scheduler::leading() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leading_;
}

bool Scheduler::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return started_ && !stopping_;
}

void Scheduler::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const uint64_t seen = notify_seq_;
    processing_ = true;
    lock.unlock();
    TimePoint deadline = clock_.Now() + options_.error_backoff;
    // A pass that throws (a bug) is logged and retried after the error backoff; the exception
    // never leaves this thread.
    common::RunGuarded("scheduler", [&] {
      auto lead = TryLead();
      if (!lead.ok()) {
        spdlog::warn("scheduler: leader lease: {}", lead.status().ToString());
        deadline = clock_.Now() + options_.error_backoff;
        return;
      }
      // The leader renews, a follower asks again, at this pace.
      const TimePoint renew_at =
          clock_.Now() + std::chrono::duration_cast<TimePoint::duration>(options_.leader_lease / 3);
      if (!*lead) {
        deadline = renew_at;
        return;
      }
      auto pass = RunDue();
      const TimePoint now = clock_.Now();
      deadline = std::min<TimePoint>(now + options_.resync_interval, renew_at);
      if (!pass.ok() || pass->errors > 0) {
        if (!pass.ok())
          spdlog::warn("scheduler: pass failed: {}", pass.status().ToString());
        deadline = now + options_.error_backoff;
        return;
      }
      auto upcoming = store_.ListUpcomingJobs(std::nullopt, 1);
      if (!upcoming.ok()) {
        spdlog::warn("scheduler: reading upcoming jobs failed: {}", upcoming.status().ToString());
        deadline = now + options_.error_backoff;
      } else if (!upcoming->empty() && upcoming->front().next_run_at) {
        deadline = std::min(deadline, *upcoming->front().next_run_at);
      }
    });
    lock.lock();
    processing_ = false;
    if (stopping_)
      break;
    // A job already due (fired meanwhile by someone else, or a pass that stopped at due_batch)
    // gives a deadline in the past: the wait returns at once and the next pass handles it.
    clock_.WaitUntil(cv_, lock, deadline, [&] { return stopping_ || notify_seq_ != seen; });
  }
}

common::Result<SchedulerPass> Scheduler::RunDue() {
  SchedulerPass pass;
  const TimePoint now = clock_.Now();
  auto due = store_.ListDueJobs(now, options_.due_batch);
  if (!due.ok())
    return due.status();
  for (const store::Job& job : *due) {
    if (!job.next_run_at)
      continue;
    const std::optional<common::OrgId> org = common::OrgId::Parse(job.org_id);
    if (!org) {
      spdlog::error("scheduler: job {} has no organisation; not firing it", job.id);
      ++pass.errors;
      continue;
    }
    const TimePoint occurrence = *job.next_run_at;
    // No backfill: after downtime the missed occurrence runs once and the schedule moves on to
    // the first occurrence after now.
    auto next = NextOccurrence(job.schedule_cron, job.timezone, std::max(now, occurrence));
    std::optional<TimePoint> new_next;
    if (next.ok())
      new_next = store::TruncateTime(*next);
    if (!next.ok()) {
      auto won = store_.ClaimOccurrence(job.id, occurrence, new_next);
      if (!won.ok()) {
        spdlog::warn("scheduler: claiming the occurrence {} of job {} failed: {}",
                     store::FormatTime(occurrence), job.id, won.status().ToString());
        ++pass.errors;
        continue;
      }
      if (!*won) {
        ++pass.lost;
        continue;
      }
      // The stored schedule no longer parses (edited outside the API): stop firing and say so.
      spdlog::error("scheduler: job {} has an unusable schedule '{}' ({}): disabled", job.id,
                    job.schedule_cron, next.status().ToString());
      auto skipped = store_.RecordSkippedRun(*org, job.id, occurrence,
                                             "unusable schedule: " + next.status().message());
      if (skipped.ok()) {
        ++pass.skipped;
        PublishRun(job, *skipped);
      }
      continue;
    }
    // Moving next_run_at and creating the run (or the skipped row) is one transaction: a
    // process killed in between leaves the due time to the next leader, never half done.
    auto fired =
        store_.FireOccurrence(job.id, occurrence, new_next, std::string(kSkipPreviousRunning));
    if (!fired.ok()) {
      spdlog::warn("scheduler: firing the occurrence {} of job {} failed: {}",
                   store::FormatTime(occurrence), job.id, fired.status().ToString());
      ++pass.errors;
      continue;
    }
    if (!*fired) {
      // Another scheduler fired this due time, or an edit moved the schedule first.
      ++pass.lost;
      continue;
    }
    const store::Run& run = **fired;
    if (run.status == store::RunStatus::kSkipped) {
      ++pass.skipped;
      spdlog::info("scheduler: job {} skipped its occurrence {}: {}", job.id,
                   store::FormatTime(occurrence), kSkipPreviousRunning);
      PublishRun(job, run);
      continue;
    }
    ++pass.fired;
    spdlog::info("scheduler: job {} ({}) fired for {}; next run {}", job.id, job.job_name,
                 store::FormatTime(occurrence), store::FormatTime(*new_next));
    if (runner_ != nullptr)
      runner_->Wake();
    PublishRun(job, run);
  }
  return pass;
}

common::Result<store::Run> Scheduler::Trigger(const common::OrgId& org_id,
                                              const std::string& job_id) {
  auto job = store_.GetJob(org_id, job_id);
  if (!job.ok())
    return job.status();
  auto run = store_.CreateRun(org_id, job_id, store::RunTrigger::kManual);
  if (!run.ok())
    return run;
  spdlog::info("scheduler: job {} triggered by hand", job_id);
  if (runner_ != nullptr)
    runner_->Wake();
  PublishRun(*job, *run);
  return run;
}

common::Result<SchedulerStatus> Scheduler::Status(const std::optional<common::OrgId>& org_id,
                                                  int64_t limit) const {
  SchedulerStatus status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status.running = started_ && !stopping_;
    status.processing = processing_;
    status.leader = leading_;
  }
  if (runner_ != nullptr && runner_->in_flight() > 0)
    status.processing = true;
  status.check_interval_seconds = options_.check_interval.count();
  auto upcoming = store_.ListUpcomingJobs(org_id, limit);
  if (!upcoming.ok())
    return upcoming.status();
  status.upcoming_jobs = std::move(*upcoming);
  return status;
}

void Scheduler::PublishRun(const store::Job& job, const store::Run& run) {
  if (events_ == nullptr)
    return;
  JobEvent event;
  event.org_id = job.org_id;
  event.job_id = job.id;
  event.run_id = run.id;
  event.at = clock_.Now();
  if (run.status == store::RunStatus::kSkipped) {
    event.kind = JobEventKind::kRunSkipped;
    event.error_message = run.error_message;
    event.job_status = job.status;
  } else {
    event.kind = JobEventKind::kRunStarted;
    event.job_status = store::JobStatus::kRunning;
    event.total_leads = run.total_items;
  }
  events_->Publish(std::move(event));
}

}  // namespace leadscan::jobs
