// leadscan-queue-bench: item claims and completions per second through the product's own Store
// and BatchRunner on a real PostgreSQL, with an analyzer that answers at once (bench/queue).
//
//   leadscan-queue-bench --db postgresql://... --items N --workers W [--concurrency C]
//                        [--lease-seconds L] [--mode inproc|job] [--rss-interval-ms M]
//                        [--completion-batch B] [--worker-nice N]
//
// inproc: W BatchRunners in this process, each on its own store (own connection pool) with the
//   options `leadscan worker` uses (--concurrency 32 and a 60 s lease by default), a no-op
//   analyzer; one manual job of N new leads; the window runs from the run's creation to the
//   completion of its last item (the run's own started_at / completed_at). Samples this
//   process's RSS throughout.
// job: creates the leads (domains no analysis accepts, so the real analyzer fails each at once
//   with invalid_url and no network) and the job, waits until the run ends and prints its id;
//   `leadscan worker` processes started by bench/queue/run.sh do the work.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "analysis/analyzer.h"
#include "common/clock.h"
#include "common/org_id.h"
#include "common/uuid.h"
#include "jobs/batch_runner.h"
#include "jobs/job_events.h"
#include "store/store.h"

namespace {

using leadscan::common::OrgId;
using leadscan::common::Result;
using leadscan::common::Status;
namespace analysis = leadscan::analysis;
namespace jobs = leadscan::jobs;
namespace store = leadscan::store;

constexpr int kLeadChunk = 5000;
constexpr auto kRunTimeout = std::chrono::minutes(15);
constexpr auto kPollInterval = std::chrono::milliseconds(20);

struct Options {
  std::string db;
  std::string mode = "inproc";
  int items = 10000;
  int workers = 1;
  int concurrency = 32;    // `leadscan worker --concurrency` default
  int lease_seconds = 60;  // `leadscan worker --lease-seconds` default
  int rss_interval_ms = 20;
  int completion_batch = static_cast<int>(jobs::kDefaultCompletionBatch);
  int worker_nice = 5;  // BatchRunnerOptions' default, as in `leadscan worker`
  int gather_ms = static_cast<int>(jobs::kCompletionGatherWindow.count());
};

// Answers every lead at once with an empty result: what is left is the queue's own cost.
class NoopAnalyzer final : public analysis::LeadAnalyzer {
 public:
  Result<analysis::AnalysisResult> Analyze(std::string_view target, analysis::AnalysisType type,
                                           const analysis::AnalysisConfig&,
                                           std::shared_ptr<std::atomic<bool>>) override {
    analysis::AnalysisResult result;
    result.domain = std::string(target);
    result.final_url = "https://" + result.domain + "/";
    result.type = type;
    return result;
  }
};

int64_t RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0)
      return std::atoll(line.c_str() + 6);
  }
  return 0;
}

// Samples RSS on its own thread from construction until Stop().
class RssSampler {
 public:
  explicit RssSampler(std::chrono::milliseconds every) : start_(RssKb()), peak_(start_) {
    thread_ = std::thread([this, every] {
      while (!stop_.load()) {
        peak_ = std::max(peak_.load(), RssKb());
        std::this_thread::sleep_for(every);
      }
    });
  }

  ~RssSampler() { Stop(); }

  void Stop() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
      end_ = RssKb();
      peak_ = std::max(peak_.load(), end_);
    }
  }

  int64_t start() const { return start_; }

  int64_t peak() const { return peak_; }

  int64_t end() const { return end_; }

 private:
  int64_t start_;
  std::atomic<int64_t> peak_;
  int64_t end_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "missing value for " << a << "\n";
      return false;
    }
    std::string v = argv[++i];
    auto number = [&](int* out) {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n <= 0 || n > 10'000'000)
        return false;
      *out = static_cast<int>(n);
      return true;
    };
    bool ok = true;
    if (a == "--db") {
      o->db = v;
    } else if (a == "--mode") {
      o->mode = v;
      ok = v == "inproc" || v == "job";
    } else if (a == "--items") {
      ok = number(&o->items);
    } else if (a == "--workers") {
      ok = number(&o->workers);
    } else if (a == "--concurrency") {
      ok = number(&o->concurrency);
    } else if (a == "--lease-seconds") {
      ok = number(&o->lease_seconds);
    } else if (a == "--worker-nice") {
      ok = number(&o->worker_nice) || v == "0";
      if (v == "0")
        o->worker_nice = 0;
    } else if (a == "--completion-batch") {
      ok = number(&o->completion_batch);
    } else if (a == "--gather-ms") {
      ok = number(&o->gather_ms) || v == "0";
      if (v == "0")
        o->gather_ms = 0;
    } else if (a == "--rss-interval-ms") {
      ok = number(&o->rss_interval_ms);
    } else {
      std::cerr << "unknown option " << a << "\n";
      return false;
    }
    if (!ok) {
      std::cerr << "bad value for " << a << ": " << v << "\n";
      return false;
    }
  }
  if (o->db.empty()) {
    std::cerr << "--db is required\n";
    return false;
  }
  return true;
}

// A new organisation with `n` leads; their ids in creation order.
Result<std::vector<std::string>> MakeLeads(store::Store& s, const OrgId& org, int n,
                                           bool invalid_domains) {
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(n));
  for (int first = 0; first < n; first += kLeadChunk) {
    std::vector<store::NewLead> chunk;
    for (int i = first; i < std::min(n, first + kLeadChunk); ++i) {
      store::NewLead lead;
      lead.company_name = "Bench " + std::to_string(i);
      // Distinct domains: leads sharing one in a run would share one analysis.
      lead.domain = invalid_domains ? "not a host " + std::to_string(i)
                                    : "site-" + std::to_string(i) + ".bench.test";
      chunk.push_back(std::move(lead));
    }
    auto made = s.CreateLeads(org, chunk);
    if (!made.ok())
      return made.status();
    for (const auto& lead : *made)
      ids.push_back(lead.id);
  }
  return ids;
}

// Waits for the run to end; records this process's RSS each time another tenth of the items
// is done (flat memory shows as equal figures from the first tenths to the last).
Result<store::Run> WaitForRun(store::Store& s, const OrgId& org, const std::string& run_id,
                              std::vector<int64_t>* rss_by_tenth) {
  const auto give_up = std::chrono::steady_clock::now() + kRunTimeout;
  while (true) {
    auto run = s.GetRun(org, run_id);
    if (!run.ok())
      return run.status();
    const int64_t done = run->successful_count + run->failed_count;
    while (run->total_items > 0 &&
           static_cast<int64_t>(rss_by_tenth->size()) < done * 10 / run->total_items)
      rss_by_tenth->push_back(RssKb());
    if (run->status != store::RunStatus::kRunning)
      return run;
    if (std::chrono::steady_clock::now() > give_up)
      return Status::Internal("the run did not finish within 15 minutes");
    std::this_thread::sleep_for(kPollInterval);
  }
}

int Run(const Options& o) {
  auto admin = store::OpenStore(o.db);
  if (!admin.ok()) {
    std::cerr << "queue-bench: " << admin.status().ToString() << "\n";
    return 1;
  }
  auto org = (*admin)->CreateOrganization("bench-" + leadscan::common::RandomHex(6));
  if (!org.ok()) {
    std::cerr << "queue-bench: " << org.status().ToString() << "\n";
    return 1;
  }
  const OrgId org_id = *OrgId::Parse(org->id);
  auto leads = MakeLeads(**admin, org_id, o.items, o.mode == "job");
  if (!leads.ok()) {
    std::cerr << "queue-bench: creating leads: " << leads.status().ToString() << "\n";
    return 1;
  }

  leadscan::common::SystemClock clock;
  NoopAnalyzer analyzer;
  jobs::JobEventHub events;  // as in `leadscan worker`: published to, nobody subscribed
  std::vector<std::unique_ptr<store::Store>> stores;
  std::vector<std::unique_ptr<jobs::BatchRunner>> runners;
  if (o.mode == "inproc") {
    for (int w = 0; w < o.workers; ++w) {
      auto s = store::OpenStore(o.db);
      if (!s.ok()) {
        std::cerr << "queue-bench: " << s.status().ToString() << "\n";
        return 1;
      }
      jobs::BatchRunnerOptions ro;
      ro.concurrency = o.concurrency;
      ro.lease = std::chrono::seconds(o.lease_seconds);
      ro.completion_batch = static_cast<size_t>(o.completion_batch);
      ro.worker_nice = o.worker_nice;
      ro.completion_gather = std::chrono::milliseconds(o.gather_ms);
      stores.push_back(std::move(s).value());
      runners.push_back(
          std::make_unique<jobs::BatchRunner>(*stores.back(), analyzer, clock, &events, ro));
      if (auto st = runners.back()->Start(); !st.ok()) {
        std::cerr << "queue-bench: " << st.ToString() << "\n";
        return 1;
      }
    }
  }

  RssSampler rss(std::chrono::milliseconds(o.rss_interval_ms));
  store::NewJob job;
  job.job_name = "queue bench";
  job.job_type = "tech_analysis";
  job.lead_ids = std::move(leads).value();
  auto created = (*admin)->CreateJob(org_id, job);
  if (!created.ok() || !created->run) {
    std::cerr << "queue-bench: creating the job: "
              << (created.ok() ? "no run" : created.status().ToString()) << "\n";
    return 1;
  }
  const std::string run_id = created->run->id;
  if (o.mode == "job")
    std::cout << "run " << run_id << std::endl;
  for (auto& r : runners)
    r->Wake();
  std::vector<int64_t> rss_by_tenth;
  auto run = WaitForRun(**admin, org_id, run_id, &rss_by_tenth);
  for (auto& r : runners)
    r->Stop();
  rss.Stop();
  if (!run.ok()) {
    std::cerr << "queue-bench: " << run.status().ToString() << "\n";
    return 1;
  }
  const int64_t done = run->successful_count + run->failed_count;
  if (done != o.items) {
    std::cerr << "queue-bench: the run ended " << store::RunStatusName(run->status) << " with "
              << done << " of " << o.items << " items done\n";
    return 1;
  }
  if (o.mode == "job") {
    std::cout << "done run=" << run_id << " successful=" << run->successful_count
              << " failed=" << run->failed_count << std::endl;
    return 0;
  }
  jobs::BatchRunnerStats total;
  for (auto& r : runners) {
    const auto st = r->stats();
    total.claimed += st.claimed;
    total.completed += st.completed;
    total.failed += st.failed;
    total.lease_renewals += st.lease_renewals;
    total.aborted += st.aborted;
  }
  const std::chrono::duration<double> window =
      run->completed_at.value_or(run->started_at) - run->started_at;
  const double seconds = std::max(window.count(), 1e-6);
  std::printf(
      "ours workers=%d concurrency=%d completion_batch=%d nice=%d items=%d seconds=%.3f "
      "items_per_s=%.0f "
      "transitions_per_s=%.0f claimed=%lld completed=%lld failed=%lld aborted=%lld "
      "renewals=%lld rss_kb_start=%lld rss_kb_peak=%lld rss_kb_end=%lld\n",
      o.workers, o.concurrency, o.completion_batch, o.worker_nice, o.items, seconds,
      o.items / seconds, 2.0 * o.items / seconds, static_cast<long long>(total.claimed),
      static_cast<long long>(total.completed), static_cast<long long>(total.failed),
      static_cast<long long>(total.aborted), static_cast<long long>(total.lease_renewals),
      static_cast<long long>(rss.start()), static_cast<long long>(rss.peak()),
      static_cast<long long>(rss.end()));
  std::string tenths;
  for (int64_t kb : rss_by_tenth)
    tenths += (tenths.empty() ? "" : ",") + std::to_string(kb / 1024);
  std::printf("rss_mb_by_tenth=%s\n", tenths.c_str());
  return total.completed == o.items ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o))
    return 2;
  return Run(o);
}
