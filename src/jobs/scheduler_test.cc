#include "jobs/scheduler.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/uuid.h"
#include "jobs/batch_runner.h"
#include "jobs/job_events.h"
#include "jobs/testing/scripted_lead_analyzer.h"
#include "store/store.h"

namespace leadscan::jobs {
namespace {

using namespace std::chrono_literals;
using common::TimePoint;

constexpr auto kPatience = std::chrono::seconds(30);

bool WaitFor(const std::function<bool()>& pred) {
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

TimePoint At(const std::string& iso) {
  return *store::ParseTime(iso);
}

std::string Iso(TimePoint t) {
  return store::FormatTime(t);
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open("sqlite::memory:"); }

  void Open(const std::string& url) {
    store::StoreOptions options;
    options.clock = &clock_;
    auto opened = store::OpenStore(url, options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    auto org = store_->CreateOrganization("acme-" + common::RandomHex(4));
    ASSERT_TRUE(org.ok()) << org.status().ToString();
    org_ = common::OrgId::Parse(org->id);
    auto leads = store_->CreateLeads(
        *org_, {{"A", "a.se", nlohmann::json::object()}, {"B", "b.se", nlohmann::json::object()}});
    ASSERT_TRUE(leads.ok()) << leads.status().ToString();
    lead_ids_.clear();
    for (const auto& lead : *leads)
      lead_ids_.push_back(lead.id);
  }

  // A scheduled job whose next_run_at is the first occurrence after now.
  store::Job MakeScheduledJob(const std::string& cron, const std::string& tz = "UTC",
                              bool enabled = true, const std::string& name = "nightly") {
    auto next = NextOccurrence(cron, tz, clock_.Now());
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    store::NewJob job;
    job.job_name = name;
    job.job_type = "tech_analysis";
    job.is_scheduled = true;
    job.schedule_cron = cron;
    job.timezone = tz;
    job.enabled = enabled;
    job.next_run_at = *next;
    job.lead_ids = lead_ids_;
    auto made = store_->CreateJob(*org_, job);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made->job;
  }

  store::Job GetJob(const std::string& id) {
    auto job = store_->GetJob(*org_, id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return *job;
  }

  std::vector<store::Run> Runs(const std::string& job_id) {
    auto runs = store_->ListRuns(*org_, job_id, 1000, 0);
    EXPECT_TRUE(runs.ok()) << runs.status().ToString();
    return runs.ok() ? runs->rows : std::vector<store::Run>{};
  }

  SchedulerPass Pass(Scheduler& scheduler) {
    auto pass = scheduler.RunDue();
    EXPECT_TRUE(pass.ok()) << pass.status().ToString();
    return pass.ok() ? *pass : SchedulerPass{};
  }

  common::FakeClock clock_{At("2026-01-10T01:00:00Z")};
  std::unique_ptr<store::Store> store_;
  std::optional<common::OrgId> org_;
  std::vector<std::string> lead_ids_;
};

TEST_F(SchedulerTest, NextOccurrenceValidatesCronAndZone) {
  auto next = NextOccurrence("0 2 * * *", "Europe/Stockholm", At("2026-01-10T12:00:00Z"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(Iso(*next), "2026-01-11T01:00:00.000000Z");
  EXPECT_EQ(NextOccurrence("0 25 * * *", "UTC", clock_.Now()).status().error_code(),
            "invalid_cron");
  EXPECT_EQ(NextOccurrence("0 2 * * *", "Mars/Olympus", clock_.Now()).status().error_code(),
            "invalid_timezone");
}

TEST_F(SchedulerTest, FiresADueOccurrenceOnceAndMovesToTheNext) {
  JobEventHub hub;
  auto events = hub.Subscribe("");
  Scheduler scheduler(*store_, clock_, nullptr, &hub);
  const store::Job job = MakeScheduledJob("0 2 * * *");
  EXPECT_EQ(Iso(*job.next_run_at), "2026-01-10T02:00:00.000000Z");
  EXPECT_EQ(job.status, store::JobStatus::kScheduled);

  EXPECT_EQ(Pass(scheduler).fired, 0);  // 01:00: not due
  EXPECT_TRUE(Runs(job.id).empty());

  clock_.Set(At("2026-01-10T02:00:00Z"));
  EXPECT_EQ(Pass(scheduler).fired, 1);
  EXPECT_EQ(Pass(scheduler).fired, 0);  // the same occurrence never fires twice

  const auto runs = Runs(job.id);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].trigger, store::RunTrigger::kScheduled);
  EXPECT_EQ(runs[0].status, store::RunStatus::kRunning);
  ASSERT_TRUE(runs[0].scheduled_for.has_value());
  EXPECT_EQ(Iso(*runs[0].scheduled_for), "2026-01-10T02:00:00.000000Z");
  EXPECT_EQ(runs[0].total_items, 2);
  const store::Job after = GetJob(job.id);
  EXPECT_EQ(after.status, store::JobStatus::kRunning);
  EXPECT_EQ(Iso(*after.next_run_at), "2026-01-11T02:00:00.000000Z");
  ASSERT_TRUE(after.last_run_at.has_value());

  auto got = events->Drain();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, JobEventKind::kRunStarted);
  EXPECT_EQ(got[0].run_id, runs[0].id);
}

TEST_F(SchedulerTest, AMissedOccurrenceAfterDowntimeRunsOnceWithoutBackfill) {
  Scheduler scheduler(*store_, clock_);
  const store::Job job = MakeScheduledJob("0 2 * * *");
  // Down for five days and a half: five occurrences missed.
  clock_.Set(At("2026-01-15T12:00:00Z"));
  const SchedulerPass pass = Pass(scheduler);
  EXPECT_EQ(pass.fired, 1);
  EXPECT_EQ(pass.skipped, 0);
  EXPECT_EQ(Pass(scheduler).fired + Pass(scheduler).skipped, 0);
  const auto runs = Runs(job.id);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(Iso(*runs[0].scheduled_for), "2026-01-10T02:00:00.000000Z");
  // The schedule moves on to the first occurrence in the future.
  EXPECT_EQ(Iso(*GetJob(job.id).next_run_at), "2026-01-16T02:00:00.000000Z");
}

TEST_F(SchedulerTest, AnOccurrenceThatFindsThePreviousRunGoingIsSkippedAndRecorded) {
  JobEventHub hub;
  auto events = hub.Subscribe("");
  Scheduler scheduler(*store_, clock_, nullptr, &hub);
  const store::Job job = MakeScheduledJob("0 * * * *");
  clock_.Set(At("2026-01-10T02:00:00Z"));
  ASSERT_EQ(Pass(scheduler).fired, 1);
  // No runner: the 02:00 run is still going at 03:00.
  clock_.Set(At("2026-01-10T03:00:00Z"));
  const SchedulerPass pass = Pass(scheduler);
  EXPECT_EQ(pass.fired, 0);
  EXPECT_EQ(pass.skipped, 1);

  const auto runs = Runs(job.id);
  ASSERT_EQ(runs.size(), 2u);
  std::map<std::string, store::Run> by_time;
  for (const auto& r : runs)
    by_time[Iso(*r.scheduled_for)] = r;
  const store::Run& skipped = by_time["2026-01-10T03:00:00.000000Z"];
  EXPECT_EQ(skipped.status, store::RunStatus::kSkipped);
  EXPECT_EQ(skipped.error_message, kSkipPreviousRunning);
  EXPECT_EQ(skipped.total_items, 0);
  EXPECT_EQ(by_time["2026-01-10T02:00:00.000000Z"].status, store::RunStatus::kRunning);
  const store::Job after = GetJob(job.id);
  EXPECT_EQ(after.current_run_id, by_time["2026-01-10T02:00:00.000000Z"].id);
  EXPECT_EQ(Iso(*after.next_run_at), "2026-01-10T04:00:00.000000Z");

  bool saw_skip = false;
  for (const auto& e : events->Drain()) {
    if (e.kind == JobEventKind::kRunSkipped) {
      saw_skip = true;
      EXPECT_EQ(e.error_message, kSkipPreviousRunning);
    }
  }
  EXPECT_TRUE(saw_skip);
}

TEST_F(SchedulerTest, ManualTriggerRunsNowAndLeavesTheScheduleAlone) {
  Scheduler scheduler(*store_, clock_);
  const store::Job job = MakeScheduledJob("0 2 * * *");
  auto run = scheduler.Trigger(*org_, job.id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->trigger, store::RunTrigger::kManual);
  EXPECT_FALSE(run->scheduled_for.has_value());
  EXPECT_EQ(run->total_items, 2);
  const store::Job after = GetJob(job.id);
  EXPECT_EQ(after.status, store::JobStatus::kRunning);
  EXPECT_EQ(after.next_run_at, job.next_run_at);
  // A second trigger while the first run goes is a conflict.
  auto again = scheduler.Trigger(*org_, job.id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), common::StatusCode::kConflict);
  EXPECT_EQ(again.status().error_code(), "run_in_progress");
  // Another organisation's job is not found.
  auto other = store_->CreateOrganization("other");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(scheduler.Trigger(*common::OrgId::Parse(other->id), job.id).status().code(),
            common::StatusCode::kNotFound);
}

TEST_F(SchedulerTest, DisabledJobsNeverFire) {
  Scheduler scheduler(*store_, clock_);
  const store::Job disabled = MakeScheduledJob("*/5 * * * *", "UTC", false, "off");
  ASSERT_TRUE(scheduler.Start().ok());
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(5min);
    EXPECT_EQ(Pass(scheduler).fired, 0);
  }
  scheduler.Stop();
  EXPECT_TRUE(Runs(disabled.id).empty());
  auto status = scheduler.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->upcoming_jobs.empty());
}

TEST_F(SchedulerTest, TheLoopSleepsUntilTheNextRunAndWakesOnNotify) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto logger = std::make_shared<spdlog::logger>("scheduler-test", sink);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  Scheduler scheduler(*store_, clock_);
  const store::Job job = MakeScheduledJob("0 2 * * *");
  ASSERT_TRUE(scheduler.Start().ok());
  EXPECT_TRUE(scheduler.running());
  EXPECT_FALSE(scheduler.Start().ok());

  clock_.Set(At("2026-01-10T02:00:00Z"));
  ASSERT_TRUE(WaitFor([&] { return Runs(job.id).size() == 1; }));

  // A job made due by an edit (here: created already due) fires on Notify, with the clock still.
  store::NewJob due;
  due.job_name = "due now";
  due.job_type = "tech_analysis";
  due.is_scheduled = true;
  due.schedule_cron = "@daily";
  due.next_run_at = At("2026-01-10T01:30:00Z");
  due.lead_ids = lead_ids_;
  auto made = store_->CreateJob(*org_, due);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  scheduler.Notify();
  ASSERT_TRUE(WaitFor([&] { return Runs(made->job.id).size() == 1; }));
  EXPECT_EQ(Iso(*GetJob(made->job.id).next_run_at), "2026-01-11T00:00:00.000000Z");

  scheduler.Stop();
  EXPECT_FALSE(scheduler.running());
  spdlog::set_default_logger(previous);
  EXPECT_NE(log.str().find("Batch scheduler started"), std::string::npos) << log.str();
}

TEST_F(SchedulerTest, StatusReportsTheLoopAndUpcomingJobsInOrder) {
  SchedulerOptions options;
  options.check_interval = 60s;
  Scheduler scheduler(*store_, clock_, nullptr, nullptr, options);
  const store::Job daily = MakeScheduledJob("0 2 * * *", "UTC", true, "daily");
  const store::Job hourly = MakeScheduledJob("30 * * * *", "UTC", true, "hourly");
  const store::Job weekly = MakeScheduledJob("@weekly", "UTC", true, "weekly");
  MakeScheduledJob("0 3 * * *", "UTC", false, "disabled");

  auto status = scheduler.Status();
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->running);
  EXPECT_FALSE(status->processing);
  EXPECT_EQ(status->check_interval_seconds, 60);
  ASSERT_EQ(status->upcoming_jobs.size(), 3u);
  EXPECT_EQ(status->upcoming_jobs[0].id, hourly.id);
  EXPECT_EQ(status->upcoming_jobs[1].id, daily.id);
  EXPECT_EQ(status->upcoming_jobs[2].id, weekly.id);

  const nlohmann::json json = status->ToJson();
  EXPECT_EQ(json["scheduler"]["check_interval_seconds"], 60);
  EXPECT_EQ(json["scheduler"]["running"], false);
  EXPECT_EQ(json["upcoming_jobs"][0]["job_name"], "hourly");
  EXPECT_EQ(json["upcoming_jobs"][0]["schedule_cron"], "30 * * * *");
  EXPECT_EQ(json["upcoming_jobs"][0]["next_run_at"], "2026-01-10T01:30:00.000000Z");

  ASSERT_TRUE(scheduler.Start().ok());
  EXPECT_TRUE(scheduler.Status()->running);
  scheduler.Stop();
}

// Europe/Stockholm 2026-03-29: 02:00 CET jumps to 03:00 CEST. A fixed-time 02:30 job runs right
// after the gap, at 03:00 CEST (01:00Z). 2026-10-25: 03:00 CEST falls back to 02:00 CET, so
// 02:30 happens twice; the job runs once, at the first (00:30Z).
TEST_F(SchedulerTest, StockholmDstDatesThroughTheScheduler) {
  Scheduler scheduler(*store_, clock_);
  std::vector<std::string> fired;
  auto collect = [&](const store::Job& job) {
    std::set<std::string> out;
    for (const auto& r : Runs(job.id))
      out.insert(Iso(*r.scheduled_for));
    return out;
  };

  clock_.Set(At("2026-03-28T12:00:00Z"));
  const store::Job spring = MakeScheduledJob("30 2 * * *", "Europe/Stockholm", true, "spring");
  EXPECT_EQ(Iso(*spring.next_run_at), "2026-03-29T01:00:00.000000Z");
  clock_.Set(At("2026-03-29T00:30:00Z"));  // 01:30 CET: not yet
  EXPECT_EQ(Pass(scheduler).fired, 0);
  clock_.Set(At("2026-03-29T01:00:00Z"));
  EXPECT_EQ(Pass(scheduler).fired, 1);
  EXPECT_EQ(Iso(*GetJob(spring.id).next_run_at), "2026-03-30T00:30:00.000000Z");
  ASSERT_TRUE(store_->CancelJob(*org_, spring.id).ok());

  clock_.Set(At("2026-10-24T12:00:00Z"));
  const store::Job autumn = MakeScheduledJob("30 2 * * *", "Europe/Stockholm", true, "autumn");
  EXPECT_EQ(Iso(*autumn.next_run_at), "2026-10-25T00:30:00.000000Z");
  clock_.Set(At("2026-10-25T00:30:00Z"));  // 02:30 CEST
  EXPECT_EQ(Pass(scheduler).fired, 1);
  EXPECT_EQ(Iso(*GetJob(autumn.id).next_run_at), "2026-10-26T01:30:00.000000Z");
  clock_.Set(At("2026-10-25T01:30:00Z"));  // 02:30 CET, the repeated hour: nothing
  const SchedulerPass repeated = Pass(scheduler);
  EXPECT_EQ(repeated.fired + repeated.skipped, 0);

  EXPECT_EQ(collect(spring), (std::set<std::string>{"2026-03-29T01:00:00.000000Z"}));
  EXPECT_EQ(collect(autumn), (std::set<std::string>{"2026-10-25T00:30:00.000000Z"}));

  // A wildcard-hour job follows the wall clock: every 6 hours by local time across the change.
  clock_.Set(At("2026-03-28T20:00:00Z"));
  const store::Job six = MakeScheduledJob("0 */6 * * *", "Europe/Stockholm", true, "six");
  std::vector<std::string> times;
  for (int i = 0; i < 4; ++i) {
    const TimePoint next = *GetJob(six.id).next_run_at;
    times.push_back(Iso(next));
    clock_.Set(next);
    auto pass = scheduler.RunDue();
    ASSERT_TRUE(pass.ok());
    EXPECT_EQ(pass->fired + pass->skipped, 1);
  }
  EXPECT_EQ(times, (std::vector<std::string>{
                       "2026-03-28T23:00:00.000000Z",  // 00:00 CET
                       "2026-03-29T04:00:00.000000Z",  // 06:00 CEST
                       "2026-03-29T10:00:00.000000Z",  // 12:00 CEST
                       "2026-03-29T16:00:00.000000Z",  // 18:00 CEST
                   }));
}

// Two serve processes on one database (two Store connections to one SQLite file) with one
// shared FakeClock: every occurrence fires exactly once.
TEST_F(SchedulerTest, OneSchedulerLeadsUntilItsLeaseRunsOutOrItStops) {
  SchedulerOptions a_options;
  a_options.leader_id = "node-a";
  a_options.leader_lease = 15s;
  SchedulerOptions b_options = a_options;
  b_options.leader_id = "node-b";
  Scheduler a(*store_, clock_, nullptr, nullptr, a_options);
  Scheduler b(*store_, clock_, nullptr, nullptr, b_options);
  EXPECT_TRUE(a.TryLead().value());
  EXPECT_FALSE(b.TryLead().value());
  EXPECT_TRUE(a.leading());
  EXPECT_FALSE(b.leading());
  clock_.Advance(10s);
  EXPECT_TRUE(a.TryLead().value());  // renewed in time
  clock_.Advance(10s);
  EXPECT_FALSE(b.TryLead().value());
  // Node A stops renewing (killed): after its lease node B takes over, and A then follows.
  clock_.Advance(6s);
  EXPECT_TRUE(b.TryLead().value());
  EXPECT_FALSE(a.TryLead().value());
  EXPECT_FALSE(a.leading());
  // A leader that stops gives the lease up at once.
  ASSERT_TRUE(b.Start().ok());
  b.Stop();
  EXPECT_TRUE(a.TryLead().value());
}

TEST_F(SchedulerTest, AFollowerFiresNothingUntilTheLeadersLeaseRunsOut) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto logger = std::make_shared<spdlog::logger>("scheduler-test", sink);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  auto log_has = [&](const std::string& text) {
    sink->flush();
    return log.str().find(text) != std::string::npos;
  };

  SchedulerOptions a_options;
  a_options.leader_id = "node-a";
  SchedulerOptions b_options;
  b_options.leader_id = "node-b";
  Scheduler a(*store_, clock_, nullptr, nullptr, a_options);
  Scheduler b(*store_, clock_, nullptr, nullptr, b_options);
  const store::Job job = MakeScheduledJob("*/5 * * * *");
  clock_.Set(At("2026-01-10T01:05:00Z"));
  ASSERT_TRUE(a.TryLead().value());  // then node A "dies": it never renews

  ASSERT_TRUE(b.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return log_has("node-b follows the leader node-a"); })) << log.str();
  EXPECT_TRUE(Runs(job.id).empty());
  EXPECT_EQ(GetJob(job.id).next_run_at, At("2026-01-10T01:05:00Z"));

  clock_.Advance(16s);
  ASSERT_TRUE(WaitFor([&] { return Runs(job.id).size() == 1; }));
  EXPECT_TRUE(log_has("node-b leads")) << log.str();
  EXPECT_TRUE(b.leading());
  EXPECT_EQ(Runs(job.id)[0].scheduled_for, At("2026-01-10T01:05:00Z"));
  b.Stop();
  spdlog::set_default_logger(previous);
}

TEST_F(SchedulerTest, ADueTimeFiredOnceIsNotFiredAgainByAStaleScheduler) {
  Scheduler a(*store_, clock_);
  Scheduler b(*store_, clock_);
  const store::Job job = MakeScheduledJob("*/5 * * * *");
  clock_.Set(At("2026-01-10T01:05:00Z"));
  EXPECT_EQ(Pass(a).fired, 1);
  auto run = Runs(job.id);
  ASSERT_EQ(run.size(), 1u);
  ASSERT_TRUE(store_->FinishRun(run[0].id, store::RunStatus::kCompleted).ok());
  // A scheduler that lost its claim's effect (a leader change at the wrong moment) sees the
  // same due time again: the store refuses a second run for it.
  store::JobPatch back;
  back.next_run_at = std::optional<TimePoint>(At("2026-01-10T01:05:00Z"));
  ASSERT_TRUE(store_->UpdateJob(*org_, job.id, back).ok());
  SchedulerPass pass = Pass(b);
  EXPECT_EQ(pass.fired, 0);
  EXPECT_EQ(pass.lost, 1);
  EXPECT_EQ(pass.errors, 0);
  EXPECT_EQ(Runs(job.id).size(), 1u);
  EXPECT_EQ(GetJob(job.id).next_run_at, At("2026-01-10T01:10:00Z"));
}

TEST(SchedulerTwoNodesTest, TwoSchedulersOnOneDatabaseFireEveryOccurrenceOnce) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("leadscan-scheduler-" + common::RandomHex(6) + ".db"))
                               .string();
  common::FakeClock clock(At("2026-01-10T00:00:30Z"));
  store::StoreOptions options;
  options.clock = &clock;
  auto a = store::OpenStore("sqlite://" + path, options);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = store::OpenStore("sqlite://" + path, options);
  ASSERT_TRUE(b.ok()) << b.status().ToString();

  auto org_row = (*a)->CreateOrganization("acme");
  ASSERT_TRUE(org_row.ok());
  const common::OrgId org = *common::OrgId::Parse(org_row->id);
  auto leads = (*a)->CreateLeads(org, {{"A", "a.se", nlohmann::json::object()}});
  ASSERT_TRUE(leads.ok());
  store::NewJob job;
  job.job_name = "every ten minutes";
  job.job_type = "tech_analysis";
  job.is_scheduled = true;
  job.schedule_cron = "*/10 * * * *";
  job.next_run_at = *NextOccurrence(job.schedule_cron, "UTC", clock.Now());
  job.lead_ids = {(*leads)[0].id};
  auto made = (*a)->CreateJob(org, job);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const std::string job_id = made->job.id;

  // Node A also runs the items, so each run ends before the next occurrence.
  testing::ScriptedLeadAnalyzer analyzer;
  BatchRunnerOptions runner_options;
  runner_options.worker_id = "node-a";
  BatchRunner runner(**a, analyzer, clock, nullptr, runner_options);
  ASSERT_TRUE(runner.Start().ok());
  Scheduler node_a(**a, clock, &runner);
  Scheduler node_b(**b, clock);
  ASSERT_TRUE(node_a.Start().ok());
  ASSERT_TRUE(node_b.Start().ok());

  constexpr int kOccurrences = 12;
  for (int i = 1; i <= kOccurrences; ++i) {
    clock.Advance(10min);
    ASSERT_TRUE(WaitFor([&] {
      // Node B's runs reach node A's runner by its poll, which a still fake clock never
      // reaches; waking it stands in for that.
      runner.Wake();
      auto runs = (*a)->ListRuns(org, job_id, 1000, 0);
      if (!runs.ok() || static_cast<int>(runs->rows.size()) < i)
        return false;
      for (const auto& r : runs->rows) {
        if (r.status != store::RunStatus::kCompleted)
          return false;
      }
      return runner.in_flight() == 0;
    })) << "occurrence "
        << i;
  }
  // Both nodes try again by hand: nothing is left to fire.
  for (Scheduler* node : {&node_a, &node_b}) {
    auto pass = node->RunDue();
    ASSERT_TRUE(pass.ok());
    EXPECT_EQ(pass->fired + pass->skipped, 0);
  }
  node_a.Stop();
  node_b.Stop();
  runner.Stop();

  auto runs = (*b)->ListRuns(org, job_id, 1000, 0);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->total, kOccurrences);
  std::set<std::string> occurrences;
  for (const auto& r : runs->rows) {
    EXPECT_EQ(r.trigger, store::RunTrigger::kScheduled);
    EXPECT_EQ(r.status, store::RunStatus::kCompleted);
    ASSERT_TRUE(r.scheduled_for.has_value());
    occurrences.insert(Iso(*r.scheduled_for));
  }
  EXPECT_EQ(occurrences.size(), static_cast<size_t>(kOccurrences));
  EXPECT_EQ(occurrences.count("2026-01-10T00:10:00.000000Z"), 1u);
  EXPECT_EQ(occurrences.count("2026-01-10T02:00:00.000000Z"), 1u);
  EXPECT_EQ(analyzer.TotalCalls(), kOccurrences);

  a->reset();
  b->reset();
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

}  // namespace
}  // namespace leadscan::jobs
