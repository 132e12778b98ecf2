#include "jobs/batch_runner.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "fetch/errors.h"
#include "jobs/job_events.h"
#include "jobs/testing/scripted_lead_analyzer.h"
#include "providers/provider_errors.h"
#include "store/store.h"
#include "store/testing/outage_store.h"

namespace leadscan::jobs {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedLeadAnalyzer;

// Real-time bound on waiting for a background thread to reach a state; it never decides a
// test's outcome on its own (the assertion after it does).
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

common::TimePoint At(const std::string& iso) {
  return *store::ParseTime(iso);
}

class BatchRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.clock = &clock_;
    auto opened = store::OpenStore("sqlite::memory:", options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    auto org = store_->CreateOrganization("acme");
    ASSERT_TRUE(org.ok()) << org.status().ToString();
    org_ = common::OrgId::Parse(org->id);
  }

  void TearDown() override {
    analyzer_.ReleaseAll();
    if (runner_)
      runner_->Stop();
  }

  // A manual job (running, one pending item per lead) over leads with these domains.
  std::string MakeJob(const std::vector<std::string>& domains,
                      nlohmann::json config = nlohmann::json::object(),
                      std::string type = "tech_analysis") {
    std::vector<store::NewLead> leads;
    for (size_t i = 0; i < domains.size(); ++i) {
      leads.push_back({"Company " + std::to_string(i), domains[i], nlohmann::json::object()});
    }
    auto created = store_->CreateLeads(*org_, leads);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    store::NewJob job;
    job.job_name = "test";
    job.job_type = std::move(type);
    job.analysis_config = std::move(config);
    for (const auto& lead : *created)
      job.lead_ids.push_back(lead.id);
    auto made = store_->CreateJob(*org_, job);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made->job.id;
  }

  BatchRunner& StartRunner(BatchRunnerOptions options = {}) {
    if (options.worker_id.empty())
      options.worker_id = "test-worker";
    if (options.seed == 0)
      options.seed = 42;
    runner_ = std::make_unique<BatchRunner>(*store_, analyzer_, clock_, &hub_, options);
    EXPECT_TRUE(runner_->Start().ok());
    return *runner_;
  }

  store::Job GetJob(const std::string& id) {
    auto job = store_->GetJob(*org_, id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : store::Job{};
  }

  std::vector<store::Item> Items(const std::string& job_id) {
    auto items = store_->ListItems(*org_, job_id, store::ItemFilter{});
    EXPECT_TRUE(items.ok()) << items.status().ToString();
    return items.ok() ? items->rows : std::vector<store::Item>{};
  }

  bool JobFinal(const std::string& id) { return store::IsFinal(GetJob(id).status); }

  // The job is final and the runner has finished with every item (events published).
  bool WaitForJobFinal(const std::string& id) {
    return WaitFor([&] { return JobFinal(id) && (!runner_ || runner_->in_flight() == 0); });
  }

  std::string Describe(const std::string& job_id) {
    std::string out = "now " + store::FormatTime(clock_.Now());
    for (const auto& item : Items(job_id)) {
      out += "; " + item.domain + " " + store::ItemStatusName(item.status) + " retry " +
             std::to_string(item.retry_count) + " code " + item.error_code + " not_before " +
             (item.not_before ? store::FormatTime(*item.not_before) : "-");
    }
    return out;
  }

  // One item with its result JSON (listings leave results out).
  store::Item Full(const store::Item& item) {
    auto full = store_->GetItem(item.id);
    EXPECT_TRUE(full.ok()) << full.status().ToString();
    return full.ok() ? *full : item;
  }

  std::map<store::ItemStatus, int> CountByStatus(const std::string& job_id) {
    std::map<store::ItemStatus, int> counts;
    for (const auto& item : Items(job_id))
      ++counts[item.status];
    return counts;
  }

  void ExpectCountersEqualItems(const std::string& job_id) {
    const store::Job job = GetJob(job_id);
    auto counts = CountByStatus(job_id);
    EXPECT_EQ(job.successful_count, counts[store::ItemStatus::kCompleted]);
    EXPECT_EQ(job.failed_count, counts[store::ItemStatus::kFailed]);
    EXPECT_EQ(job.progress, job.successful_count + job.failed_count);
    EXPECT_EQ(job.total_leads, static_cast<int64_t>(Items(job_id).size()));
  }

  common::FakeClock clock_{At("2026-01-10T10:00:00Z")};
  std::unique_ptr<store::Store> store_;
  std::optional<common::OrgId> org_;
  ScriptedLeadAnalyzer analyzer_;
  JobEventHub hub_;
  // Between store_ and runner_: a runner on it is stopped (TearDown) before it goes.
  std::unique_ptr<store::testing::OutageStore> outage_;
  std::unique_ptr<BatchRunner> runner_;
};

TEST(BatchRunnerDomainKeyTest, NormalisesCaseWwwAndDotButKeepsSchemePortAndPath) {
  EXPECT_EQ(BatchRunner::DomainKey("WWW.Example.se"), "example.se");
  EXPECT_EQ(BatchRunner::DomainKey("example.se."), "example.se");
  EXPECT_EQ(BatchRunner::DomainKey("https://WWW.Example.se/"), "example.se");
  EXPECT_EQ(BatchRunner::DomainKey("https://example.se:443/"), "example.se");
  EXPECT_EQ(BatchRunner::DomainKey("http://example.se:80/"), "http://example.se");
  EXPECT_NE(BatchRunner::DomainKey("http://example.se"), BatchRunner::DomainKey("example.se"));
  // Items on one host with other paths or ports are other analyses (they once shared one).
  EXPECT_EQ(BatchRunner::DomainKey("https://WWW.Example.se/shop?x=1"), "example.se/shop?x=1");
  EXPECT_NE(BatchRunner::DomainKey("example.se/a"), BatchRunner::DomainKey("example.se/b"));
  EXPECT_EQ(BatchRunner::DomainKey(" Example.SE:8443 "), "example.se:8443");
  EXPECT_NE(BatchRunner::DomainKey("example.se:8443"), BatchRunner::DomainKey("example.se"));
  EXPECT_EQ(BatchRunner::DomainKey("shop.example.se"), "shop.example.se");
  EXPECT_EQ(BatchRunner::DomainKey("   "), "");
  EXPECT_EQ(BatchRunner::DomainKey(""), "");
}

TEST_F(BatchRunnerTest, CompletesEveryItemAndStoresResultFindingsAndHistory) {
  auto events = hub_.Subscribe("");
  const std::string job_id = MakeJob({"a.se", "b.se", "c.se"});
  analyzer_.Script("b.se", {ScriptedLeadAnalyzer::Ok("Shopify")});
  StartRunner();
  ASSERT_TRUE(WaitForJobFinal(job_id));
  const store::Job job = GetJob(job_id);
  EXPECT_EQ(job.status, store::JobStatus::kCompleted);
  EXPECT_EQ(job.successful_count, 3);
  EXPECT_EQ(job.failed_count, 0);
  for (const auto& item : Items(job_id)) {
    EXPECT_EQ(item.status, store::ItemStatus::kCompleted);
    EXPECT_EQ(Full(item).result["domain"], item.domain);
    ASSERT_TRUE(item.duration_seconds.has_value());
    auto lead = store_->GetLead(*org_, item.lead_id);
    ASSERT_TRUE(lead.ok());
    EXPECT_EQ(lead->findings.ecommerce_platform["name"],
              item.domain == "b.se" ? "Shopify" : "WooCommerce");
    EXPECT_TRUE(lead->findings.last_analyzed_at.has_value());
    auto history = store_->ListAnalyses(*org_, item.lead_id, 10, 0);
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->rows.size(), 1u);
    EXPECT_EQ(history->rows[0].item_id, item.id);
  }
  ExpectCountersEqualItems(job_id);
  EXPECT_EQ(analyzer_.TotalCalls(), 3);
  EXPECT_EQ(analyzer_.LastConfig().max_retries, 2);

  std::map<std::string, int> kinds;
  int64_t last_progress = 0;
  for (const auto& e : events->Drain()) {
    ++kinds[JobEventKindName(e.kind)];
    EXPECT_EQ(e.job_id, job_id);
    if (e.kind == JobEventKind::kCounters)
      last_progress = e.successful_count + e.failed_count;
    if (e.kind == JobEventKind::kJobStatus) {
      EXPECT_EQ(e.job_status, store::JobStatus::kCompleted);
    }
  }
  EXPECT_EQ(kinds["item_completed"], 3);
  EXPECT_GE(kinds["counters"], 1);
  EXPECT_EQ(last_progress, 3);
  EXPECT_EQ(kinds["job_status"], 1);
}

TEST_F(BatchRunnerTest, PassesTheJobsTypeAndConfigToTheAnalyzer) {
  const std::string job_id =
      MakeJob({"a.se"}, {{"timeout", 5000}, {"max_retries", 1}}, "checkout_scraping");
  StartRunner();
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(analyzer_.LastConfig().timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(analyzer_.LastConfig().max_retries, 1);
  EXPECT_EQ(Full(Items(job_id)[0]).result["analysis_type"], "checkout_scraping");
}

TEST_F(BatchRunnerTest, RetriesTransientFailureWithExponentialBackoffAndJitter) {
  analyzer_.Script("flaky.se",
                   {ScriptedLeadAnalyzer::Fail(fetch::FetchError(fetch::kConnectionReset, "rst")),
                    ScriptedLeadAnalyzer::Fail(fetch::FetchError(fetch::kTimeout, "slow")),
                    ScriptedLeadAnalyzer::Ok()});
  const std::string job_id = MakeJob({"flaky.se"});
  BatchRunnerOptions options;
  options.retry.base_delay = 2s;
  options.retry.jitter = 0.5;
  StartRunner(options);

  // First failure: back to pending with retry_count 1, not before now + [1s, 2s].
  ASSERT_TRUE(WaitFor([&] { return Items(job_id)[0].retry_count == 1; }));
  store::Item item = Items(job_id)[0];
  EXPECT_EQ(item.status, store::ItemStatus::kPending);
  EXPECT_EQ(item.error_code, "connection_reset");
  ASSERT_TRUE(item.not_before.has_value());
  EXPECT_GE(*item.not_before, clock_.Now() + 1s);
  EXPECT_LE(*item.not_before, clock_.Now() + 2s);
  EXPECT_EQ(analyzer_.Calls("flaky.se"), 1);

  // Second failure after the first backoff: twice as long, [2s, 4s].
  clock_.Advance(2s);
  ASSERT_TRUE(WaitFor([&] { return Items(job_id)[0].retry_count == 2; }));
  item = Items(job_id)[0];
  EXPECT_EQ(item.error_code, "timeout");
  EXPECT_GE(*item.not_before, clock_.Now() + 2s);
  EXPECT_LE(*item.not_before, clock_.Now() + 4s);

  clock_.Advance(4s);
  ASSERT_TRUE(WaitForJobFinal(job_id));
  item = Items(job_id)[0];
  EXPECT_EQ(item.status, store::ItemStatus::kCompleted);
  EXPECT_EQ(analyzer_.Calls("flaky.se"), 3);
  EXPECT_EQ(GetJob(job_id).status, store::JobStatus::kCompleted);
  EXPECT_EQ(runner_->stats().retried, 2);
}

TEST_F(BatchRunnerTest, HonoursRetryAfterOfA429) {
  auto too_many =
      fetch::HttpStatusError(429, "https://busy.se/", "120", std::chrono::system_clock::now());
  ASSERT_TRUE(too_many.has_value());
  ASSERT_TRUE(too_many->retryable());
  analyzer_.Script("busy.se", {ScriptedLeadAnalyzer::Fail(*too_many), ScriptedLeadAnalyzer::Ok()});
  const std::string job_id = MakeJob({"busy.se"});
  BatchRunnerOptions options;
  options.retry.base_delay = 1s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return Items(job_id)[0].retry_count == 1; }));
  store::Item item = Items(job_id)[0];
  EXPECT_EQ(item.error_code, "http_429");
  ASSERT_TRUE(item.not_before.has_value());
  // The backoff alone would be at most 1 s; the server asked for 120 s.
  EXPECT_GE(*item.not_before, clock_.Now() + 120s);
  EXPECT_LE(*item.not_before, clock_.Now() + 121s);
  clock_.Advance(121s);
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(Items(job_id)[0].status, store::ItemStatus::kCompleted);
  EXPECT_EQ(analyzer_.Calls("busy.se"), 2);
}

// Firecrawl's 429 (provider_rate_limited) waits for its Retry-After like a site's own 429.
TEST_F(BatchRunnerTest, HonoursRetryAfterOfAProvider429) {
  auto limited = providers::ProviderHttpError("firecrawl", 429, "slow down", "90",
                                              std::chrono::system_clock::now());
  ASSERT_TRUE(limited.has_value());
  analyzer_.Script("fc-busy.se",
                   {ScriptedLeadAnalyzer::Fail(*limited), ScriptedLeadAnalyzer::Ok()});
  const std::string job_id = MakeJob({"fc-busy.se"}, {{"use_firecrawl", true}});
  BatchRunnerOptions options;
  options.retry.base_delay = 1s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return Items(job_id)[0].retry_count == 1; }));
  store::Item item = Items(job_id)[0];
  EXPECT_EQ(item.error_code, "provider_rate_limited");
  ASSERT_TRUE(item.not_before.has_value());
  EXPECT_GE(*item.not_before, clock_.Now() + 90s);
  EXPECT_LE(*item.not_before, clock_.Now() + 91s);
  clock_.Advance(91s);
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(Items(job_id)[0].status, store::ItemStatus::kCompleted);
}

// Firecrawl's 402 fails its item at once (no retry), and the run's other Firecrawl items fail
// with the same code without being analysed; another job's run is not affected.
TEST_F(BatchRunnerTest, AProviderQuotaFailureFailsTheRunsOtherFirecrawlItemsFast) {
  auto payment = providers::ProviderHttpError("firecrawl", 402, "Insufficient credits", "",
                                              std::chrono::system_clock::now());
  ASSERT_TRUE(payment.has_value());
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Fail(*payment));
  const std::string job_id = MakeJob({"a.se", "b.se", "c.se", "d.se", "e.se"},
                                     {{"use_firecrawl", true}, {"max_retries", 2}});
  BatchRunnerOptions options;
  options.concurrency = 1;
  StartRunner(options);
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  EXPECT_EQ(analyzer_.TotalCalls(), 1);
  for (const auto& item : Items(job_id)) {
    EXPECT_EQ(item.status, store::ItemStatus::kFailed) << item.domain;
    EXPECT_EQ(item.error_code, "provider_quota") << item.domain;
    EXPECT_EQ(item.retry_count, 0) << item.domain;
  }
  EXPECT_EQ(GetJob(job_id).failed_count, 5);
  // A job without use_firecrawl is analysed as usual.
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Ok());
  const std::string plain = MakeJob({"f.se"});
  runner_->Wake();
  ASSERT_TRUE(WaitForJobFinal(plain)) << Describe(plain);
  EXPECT_EQ(Items(plain)[0].status, store::ItemStatus::kCompleted);
  EXPECT_EQ(analyzer_.TotalCalls(), 2);
}

// An analysis that throws (a bug) is tried once more; the second time the item fails as a
// poison item, and the other items are not disturbed.
TEST_F(BatchRunnerTest, AnItemWhoseAnalysisThrowsTwiceFailsAsAPoisonItem) {
  analyzer_.Script("bad.se", {ScriptedLeadAnalyzer::Throw()});
  const std::string job_id = MakeJob({"bad.se", "good.se"}, {{"max_retries", 2}});
  BatchRunnerOptions options;
  options.retry.base_delay = 1s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& item : Items(job_id)) {
      if (item.domain == "bad.se" && item.retry_count == 1)
        return true;
    }
    return false;
  })) << Describe(job_id);
  clock_.Advance(2s);
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  for (const auto& item : Items(job_id)) {
    if (item.domain == "bad.se") {
      EXPECT_EQ(item.status, store::ItemStatus::kFailed);
      EXPECT_EQ(item.error_code, "poison_item");
    } else {
      EXPECT_EQ(item.status, store::ItemStatus::kCompleted);
    }
  }
  EXPECT_EQ(analyzer_.Calls("bad.se"), 2);
  ExpectCountersEqualItems(job_id);
}

// An exception outside the analysis (here: an event sink that throws) never leaves a worker
// thread: the process lives and every item is still processed.
TEST_F(BatchRunnerTest, AnExceptionInAWorkerNeverLeavesTheThread) {
  class ThrowingEvents final : public JobEvents {
   public:
    void Publish(JobEvent event) override {
      if (event.kind == JobEventKind::kItemCompleted && thrown_.fetch_add(1) == 0)
        throw std::runtime_error("event sink bug");
    }

   private:
    std::atomic<int> thrown_{0};
  } events;

  const std::string job_id = MakeJob({"a.se", "b.se", "c.se"});
  BatchRunnerOptions options;
  options.worker_id = "throwing-sink";
  options.seed = 7;
  runner_ = std::make_unique<BatchRunner>(*store_, analyzer_, clock_, &events, options);
  ASSERT_TRUE(runner_->Start().ok());
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  for (const auto& item : Items(job_id))
    EXPECT_EQ(item.status, store::ItemStatus::kCompleted);
  EXPECT_EQ(runner_->stats().unexpected, 1);
  ExpectCountersEqualItems(job_id);
  runner_->Stop();
  runner_.reset();
}

TEST_F(BatchRunnerTest, TransientFailureFailsAfterMaxRetries) {
  analyzer_.Script("down.se",
                   {ScriptedLeadAnalyzer::Fail(fetch::FetchError(fetch::kHttp5xx, "HTTP 503"))});
  const std::string job_id = MakeJob({"down.se"}, {{"max_retries", 1}});
  BatchRunnerOptions options;
  options.retry.base_delay = 1s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return Items(job_id)[0].retry_count == 1; }));
  clock_.Advance(1s);
  ASSERT_TRUE(WaitForJobFinal(job_id));
  const store::Item item = Items(job_id)[0];
  EXPECT_EQ(item.status, store::ItemStatus::kFailed);
  EXPECT_EQ(item.error_code, "http_5xx");
  EXPECT_EQ(item.retry_count, 1);
  EXPECT_EQ(analyzer_.Calls("down.se"), 2);
  EXPECT_EQ(GetJob(job_id).status, store::JobStatus::kFailed);
}

TEST_F(BatchRunnerTest, PermanentFailuresFailAtOnceWithTheirCode) {
  analyzer_.Script(
      "gone.se",
      {ScriptedLeadAnalyzer::Fail(fetch::FetchError(fetch::kDnsNotFound, "no such name"))});
  analyzer_.Script(
      "robots.se",
      {ScriptedLeadAnalyzer::Fail(fetch::FetchError(fetch::kRobotsDisallowed, "disallowed"))});
  analyzer_.Script("missing.se",
                   {ScriptedLeadAnalyzer::Fail(fetch::FetchError(fetch::kHttp404, "HTTP 404"))});
  const std::string job_id = MakeJob({"gone.se", "robots.se", "missing.se", "ok.se"});
  StartRunner();
  ASSERT_TRUE(WaitForJobFinal(job_id));
  std::map<std::string, store::Item> by_domain;
  for (const auto& item : Items(job_id))
    by_domain[item.domain] = item;
  EXPECT_EQ(by_domain["gone.se"].error_code, "dns_not_found");
  EXPECT_EQ(by_domain["robots.se"].error_code, "robots_disallowed");
  EXPECT_EQ(by_domain["missing.se"].error_code, "http_404");
  for (const char* d : {"gone.se", "robots.se", "missing.se"}) {
    EXPECT_EQ(by_domain[d].status, store::ItemStatus::kFailed) << d;
    EXPECT_EQ(by_domain[d].retry_count, 0) << d;
    EXPECT_EQ(analyzer_.Calls(d), 1) << d;
  }
  EXPECT_EQ(by_domain["ok.se"].status, store::ItemStatus::kCompleted);
  const store::Job job = GetJob(job_id);
  EXPECT_EQ(job.status, store::JobStatus::kCompleted);  // at least one item completed
  EXPECT_EQ(job.failed_count, 3);
  ExpectCountersEqualItems(job_id);
}

TEST_F(BatchRunnerTest, LeadWithoutDomainFailsWithNoDomain) {
  auto events = hub_.Subscribe("");
  const std::string job_id = MakeJob({"", "  "});
  StartRunner();
  ASSERT_TRUE(WaitForJobFinal(job_id));
  for (const auto& item : Items(job_id)) {
    EXPECT_EQ(item.status, store::ItemStatus::kFailed);
    EXPECT_EQ(item.error_code, "no_domain");
  }
  EXPECT_EQ(analyzer_.TotalCalls(), 0);
  EXPECT_EQ(GetJob(job_id).status, store::JobStatus::kFailed);
  int failed_events = 0;
  for (const auto& e : events->Drain()) {
    if (e.kind == JobEventKind::kItemFailed) {
      ++failed_events;
      EXPECT_EQ(e.error_code, "no_domain");
    }
  }
  EXPECT_EQ(failed_events, 2);
}

TEST_F(BatchRunnerTest, LeadsSharingADomainInOneRunAreAnalysedOnce) {
  // The first claim blocks, so the others must wait for it rather than fetch themselves.
  for (const char* d : {"shop.se", "https://www.Shop.se/", "SHOP.se"}) {
    analyzer_.Script(d, {ScriptedLeadAnalyzer::Block(ScriptedLeadAnalyzer::Ok("Magento"))});
  }
  analyzer_.Script(
      "dead.se",
      {ScriptedLeadAnalyzer::Fail(fetch::FetchError(fetch::kDnsNotFound, "no such name"))});
  const std::string job_id =
      MakeJob({"shop.se", "https://www.Shop.se/", "SHOP.se", "other.se", "dead.se", "dead.se"});
  BatchRunnerOptions options;
  options.concurrency = 6;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return analyzer_.Blocked() == 1; }));
  analyzer_.ReleaseAll();
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(analyzer_.Calls("shop.se") + analyzer_.Calls("https://www.Shop.se/") +
                analyzer_.Calls("SHOP.se"),
            1);
  EXPECT_EQ(analyzer_.Calls("dead.se"), 1);
  EXPECT_EQ(analyzer_.Calls("other.se"), 1);
  int magento = 0;
  for (const auto& item : Items(job_id)) {
    if (item.domain == "dead.se") {
      EXPECT_EQ(item.status, store::ItemStatus::kFailed);
      EXPECT_EQ(item.error_code, "dns_not_found");
    } else {
      EXPECT_EQ(item.status, store::ItemStatus::kCompleted);
      if (Full(item).result["ecommerce_platform"]["name"] == "Magento")
        ++magento;
    }
  }
  EXPECT_EQ(magento, 3);
  EXPECT_EQ(runner_->stats().coalesced, 3);  // two shop.se followers, one dead.se follower
  ExpectCountersEqualItems(job_id);
}

TEST_F(BatchRunnerTest, AFollowerAfterTheLeaderStoredTakesTheStoredResult) {
  // One at a time: the second shop.se lead is claimed only after the first is stored, when the
  // runner no longer holds the result in memory; it must come from the leader's item.
  analyzer_.Script("shop.se", {ScriptedLeadAnalyzer::Ok("Magento")});
  analyzer_.Script("www.shop.se", {ScriptedLeadAnalyzer::Ok("Shopify")});
  const std::string job_id = MakeJob({"shop.se", "www.shop.se"});
  BatchRunnerOptions options;
  options.concurrency = 1;
  StartRunner(options);
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(analyzer_.Calls("shop.se") + analyzer_.Calls("www.shop.se"), 1);
  for (const auto& item : Items(job_id)) {
    EXPECT_EQ(item.status, store::ItemStatus::kCompleted);
    EXPECT_EQ(Full(item).result["ecommerce_platform"]["name"], "Magento");
  }
  EXPECT_EQ(runner_->stats().coalesced, 1);
  ExpectCountersEqualItems(job_id);
}

// Records the niceness of the thread each analysis runs on.
class NicenessRecorder final : public analysis::LeadAnalyzer {
 public:
  common::Result<analysis::AnalysisResult> Analyze(
      std::string_view target, analysis::AnalysisType type, const analysis::AnalysisConfig& config,
      std::shared_ptr<std::atomic<bool>> cancel) override {
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(nice);
    }
    return inner_.Analyze(target, type, config, std::move(cancel));
  }

  std::vector<int> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  ScriptedLeadAnalyzer inner_;
  std::mutex mu_;
  std::vector<int> seen_;
};

TEST_F(BatchRunnerTest, WorkersRunAtTheConfiguredNicenessAndTheRestOfTheProcessDoesNot) {
  const int before = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  NicenessRecorder recorder;
  const std::string job_id = MakeJob({"a.se", "b.se", "c.se"});
  BatchRunnerOptions options;
  options.concurrency = 2;
  options.worker_nice = 7;
  BatchRunner runner(*store_, recorder, clock_, &hub_, options);
  ASSERT_TRUE(runner.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return JobFinal(job_id) && runner.in_flight() == 0; }));
  runner.Stop();
  ASSERT_EQ(recorder.seen().size(), 3u);
  for (int nice : recorder.seen())
    EXPECT_EQ(nice, std::min(19, before + 7));
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid))), before);
}

TEST_F(BatchRunnerTest, ARunKeepsOnlyTheNewestDomainOutcomesSoItsMemoryIsBounded) {
  // One item at a time, oldest first: a.se's outcome is the oldest when c.se's is added, so
  // with room for two it is forgotten and the second a.se lead is analysed again.
  const std::string job_id = MakeJob({"a.se", "b.se", "c.se", "a.se"});
  BatchRunnerOptions options;
  options.concurrency = 1;
  options.coalesce_domains = 2;
  StartRunner(options);
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(analyzer_.Calls("a.se"), 2);
  EXPECT_EQ(analyzer_.Calls("b.se"), 1);
  EXPECT_EQ(analyzer_.Calls("c.se"), 1);
  EXPECT_EQ(GetJob(job_id).successful_count, 4);
}

TEST_F(BatchRunnerTest, ADomainWithinTheKeptOutcomesIsStillAnalysedOnce) {
  const std::string job_id = MakeJob({"a.se", "b.se", "c.se", "a.se"});
  BatchRunnerOptions options;
  options.concurrency = 1;
  options.coalesce_domains = 3;
  StartRunner(options);
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(analyzer_.Calls("a.se"), 1);
  EXPECT_EQ(GetJob(job_id).successful_count, 4);
}

TEST_F(BatchRunnerTest, SameDomainInAnotherRunIsAnalysedAgain) {
  const std::string first = MakeJob({"again.se"});
  StartRunner();
  ASSERT_TRUE(WaitForJobFinal(first));
  const std::string second = MakeJob({"again.se"});
  runner_->Wake();
  ASSERT_TRUE(WaitForJobFinal(second));
  EXPECT_EQ(analyzer_.Calls("again.se"), 2);
}

TEST_F(BatchRunnerTest, WakePicksUpANewJobWithoutWaitingForThePollInterval) {
  StartRunner();
  const std::string job_id = MakeJob({"late.se"});
  // The fake clock never moves, so only Wake() can make the idle dispatcher claim.
  runner_->Wake();
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(GetJob(job_id).status, store::JobStatus::kCompleted);
}

TEST_F(BatchRunnerTest, CancelMidRunAbortsInFlightAnalysesAndEndsCancelled) {
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Block(ScriptedLeadAnalyzer::Ok()));
  auto events = hub_.Subscribe("");
  const std::string job_id = MakeJob({"a.se", "b.se", "c.se", "d.se", "e.se"});
  BatchRunnerOptions options;
  options.concurrency = 3;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return analyzer_.Blocked() == 3; }));

  auto cancelled = runner_->CancelJob(*org_, job_id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->status, store::JobStatus::kCancelled);
  // The three analyses in flight see their cancel flag and stop.
  ASSERT_TRUE(WaitFor([&] { return analyzer_.CancelsSeen() == 3; }));
  ASSERT_TRUE(WaitFor([&] { return runner_->in_flight() == 0; }));
  EXPECT_EQ(GetJob(job_id).status, store::JobStatus::kCancelled);
  for (const auto& item : Items(job_id))
    EXPECT_EQ(item.status, store::ItemStatus::kCancelled);
  // No more claims for the cancelled job: the two queued items were never analysed.
  EXPECT_EQ(analyzer_.TotalCalls(), 3);
  ExpectCountersEqualItems(job_id);

  // Cancelling a finished job is a conflict (HTTP 409).
  auto again = runner_->CancelJob(*org_, job_id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), common::StatusCode::kConflict);
  EXPECT_EQ(again.status().error_code(), "job_final");

  bool saw_cancelled = false;
  for (const auto& e : events->Drain()) {
    if (e.kind == JobEventKind::kJobStatus && e.job_status == store::JobStatus::kCancelled) {
      saw_cancelled = true;
    }
  }
  EXPECT_TRUE(saw_cancelled);
}

TEST_F(BatchRunnerTest, CancelThroughTheStoreElsewhereIsNoticedAtTheNextHeartbeat) {
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Block(ScriptedLeadAnalyzer::Ok()));
  const std::string job_id = MakeJob({"a.se"});
  BatchRunnerOptions options;
  options.lease = 30s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return analyzer_.Blocked() == 1; }));
  // Another process (the API on another node) cancels in the database only.
  ASSERT_TRUE(store_->CancelJob(*org_, job_id).ok());
  clock_.Advance(11s);  // past lease/3: the heartbeat's renewal finds the lease gone
  ASSERT_TRUE(WaitFor([&] { return analyzer_.CancelsSeen() == 1; }));
  EXPECT_GE(runner_->stats().leases_lost, 1);
  EXPECT_EQ(Items(job_id)[0].status, store::ItemStatus::kCancelled);
}

TEST_F(BatchRunnerTest, CountersAlwaysEqualItems) {
  std::vector<std::string> domains;
  for (int i = 0; i < 24; ++i) {
    std::string d = "shop" + std::to_string(i) + ".se";
    switch (i % 4) {
      case 0:
        break;
      case 1:
        analyzer_.Script(
            d, {ScriptedLeadAnalyzer::Fail(fetch::FetchError(fetch::kHttp404, "HTTP 404"))});
        break;
      case 2:
        analyzer_.Script(
            d, {ScriptedLeadAnalyzer::Fail(fetch::FetchError(fetch::kConnectionReset, "rst")),
                ScriptedLeadAnalyzer::Ok()});
        break;
      case 3:
        d = i % 8 == 3 ? "" : "shop0.se";  // no domain, or a duplicate of another lead
        break;
    }
    domains.push_back(d);
  }
  auto events = hub_.Subscribe("");
  const std::string job_id = MakeJob(domains);
  BatchRunnerOptions options;
  options.concurrency = 4;
  options.retry.base_delay = 1s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return runner_->stats().retried == 6 && runner_->in_flight() == 0; }));
  ExpectCountersEqualItems(job_id);
  clock_.Advance(2s);
  ASSERT_TRUE(WaitForJobFinal(job_id));
  ExpectCountersEqualItems(job_id);
  const store::Job job = GetJob(job_id);
  EXPECT_EQ(job.successful_count, 6 + 6 + 3);
  EXPECT_EQ(job.failed_count, 6 + 3);
  EXPECT_EQ(job.progress, 24);

  // Every counters event is consistent and progress never goes back.
  int64_t last_progress = -1;
  int counter_events = 0;
  for (const auto& e : events->Drain()) {
    if (e.kind != JobEventKind::kCounters)
      continue;
    ++counter_events;
    const int64_t progress = e.successful_count + e.failed_count;
    EXPECT_LE(progress, e.total_leads);
    EXPECT_GT(progress, last_progress);
    last_progress = progress;
  }
  EXPECT_GE(counter_events, 1);
  EXPECT_LE(counter_events, 24);
  EXPECT_EQ(last_progress, 24);
}

TEST_F(BatchRunnerTest, RenewsTheLeaseWhileAnAnalysisRuns) {
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Block(ScriptedLeadAnalyzer::Ok()));
  const std::string job_id = MakeJob({"slow.se"}, {{"timeout", 600000}});
  BatchRunnerOptions options;
  options.lease = 30s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return analyzer_.Blocked() == 1; }));
  store::Item item = Items(job_id)[0];
  ASSERT_TRUE(item.lease_expires_at.has_value());
  const common::TimePoint first_expiry = *item.lease_expires_at;
  EXPECT_EQ(item.lease_owner, "test-worker");
  // Well past the first lease, in steps shorter than a lease/3 heartbeat.
  for (int step = 1; step <= 8; ++step) {
    clock_.Advance(9s);
    const common::TimePoint now = clock_.Now();
    ASSERT_TRUE(WaitFor([&] {
      auto i = Items(job_id)[0];
      return i.lease_expires_at && *i.lease_expires_at > now + 10s;
    })) << "step "
        << step;
  }
  item = Items(job_id)[0];
  EXPECT_EQ(item.status, store::ItemStatus::kProcessing);
  EXPECT_EQ(item.lease_owner, "test-worker");
  EXPECT_GT(*item.lease_expires_at, first_expiry + 40s);
  EXPECT_GE(runner_->stats().lease_renewals, 1);
  analyzer_.ReleaseAll();
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(Items(job_id)[0].status, store::ItemStatus::kCompleted);
  EXPECT_EQ(analyzer_.TotalCalls(), 1);
}

// Fencing: while this runner's analysis is stuck, its item is given back and claimed by
// another worker. When the analysis ends, the runner's completion carries its old claim's token:
// the store refuses it, the runner counts it (stats and metric), and the other worker's outcome
// is the only one stored.
TEST_F(BatchRunnerTest, ALateOutcomeOfATakenOverItemIsRefusedAndCounted) {
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Block(ScriptedLeadAnalyzer::Ok("Shopify")));
  const std::string job_id = MakeJob({"stuck.se"}, {{"timeout", 600000}});
  common::Metrics metrics;
  BatchRunnerOptions options;
  options.concurrency = 1;  // no free slot: the runner cannot claim the item back itself
  options.metrics = &metrics;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return analyzer_.Blocked() == 1; }));
  const store::Item mine = Items(job_id)[0];
  ASSERT_EQ(mine.lease_owner, "test-worker");
  // As if its lease ran out and was released: back to pending, then another worker's claim.
  ASSERT_EQ(store_->ReleaseWorkerLeases("test-worker").value(), 1);
  store::ClaimRequest other;
  other.worker_id = "other-worker";
  auto taken = store_->ClaimItems(other);
  ASSERT_TRUE(taken.ok());
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_GT((*taken)[0].item.lease_token, mine.lease_token);

  analyzer_.ReleaseAll();
  ASSERT_TRUE(WaitFor([&] { return runner_->in_flight() == 0; }));
  EXPECT_EQ(runner_->stats().stale_writes_refused, 1);
  EXPECT_EQ(runner_->stats().completed, 0);
  EXPECT_EQ(metrics.Value(kStaleWritesRefusedMetric, {{"operation", "complete"}}), 1);
  EXPECT_NE(metrics.Render().find("leadscan_stale_writes_refused_total{operation=\"complete\"} 1"),
            std::string::npos)
      << metrics.Render();
  store::Item held = Items(job_id)[0];
  EXPECT_EQ(held.status, store::ItemStatus::kProcessing);
  EXPECT_EQ(held.lease_owner, "other-worker");

  store::ItemCompletion theirs;
  theirs.item_id = held.id;
  theirs.worker_id = "other-worker";
  theirs.lease_token = (*taken)[0].item.lease_token;
  theirs.result = {{"ecommerce_platform", {{"name", "WooCommerce"}}}};
  ASSERT_TRUE(store_->CompleteItem(theirs).ok());
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(Full(held).result["ecommerce_platform"]["name"], "WooCommerce");
  auto history = store_->ListAnalyses(*org_, held.lead_id, 10, 0);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->rows.size(), 1u);
  ExpectCountersEqualItems(job_id);
}

// A runner whose every slot is busy still gives back the expired leases of other processes on
// time (it once did so only when it had room to claim, so a paused worker's items waited for a
// free slot somewhere).
TEST_F(BatchRunnerTest, ExpiredLeasesOfOthersAreReleasedWhileEverySlotIsBusy) {
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Block(ScriptedLeadAnalyzer::Ok()));
  const std::string job_id = MakeJob({"busy.se", "other.se"}, {{"timeout", 600000}});
  BatchRunnerOptions options;
  options.concurrency = 1;
  options.lease = 30s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return analyzer_.Blocked() == 1; }));
  store::ClaimRequest dead;
  dead.worker_id = "paused-worker";
  dead.lease = 30s;
  auto theirs = store_->ClaimItems(dead);
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(theirs->size(), 1u);
  // Past their lease in steps shorter than our heartbeat, so our own lease stays renewed.
  for (int step = 1; step <= 4; ++step) {
    clock_.Advance(9s);
    const common::TimePoint now = clock_.Now();
    ASSERT_TRUE(WaitFor([&] {
      for (const auto& item : Items(job_id)) {
        if (item.lease_owner == "test-worker")
          return item.lease_expires_at && *item.lease_expires_at > now + 10s;
      }
      return false;
    })) << "step "
        << step;
  }
  // The runner counts a release once the store has committed it, so the item can read as pending
  // a moment before the counter moves: wait for both.
  ASSERT_TRUE(WaitFor([&] {
    return Full((*theirs)[0].item).status == store::ItemStatus::kPending &&
           runner_->stats().released >= 1;
  })) << Describe(job_id)
      << " released=" << runner_->stats().released;
  EXPECT_EQ(runner_->in_flight(), 1);
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Ok());
  analyzer_.ReleaseAll();
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  ExpectCountersEqualItems(job_id);
}

TEST_F(BatchRunnerTest, AnAnalysisPastItsTimeBudgetIsAbortedAndRetried) {
  analyzer_.Script("hang.se", {ScriptedLeadAnalyzer::Block(ScriptedLeadAnalyzer::Ok()),
                               ScriptedLeadAnalyzer::Ok()});
  const std::string job_id = MakeJob({"hang.se"}, {{"timeout", 1000}});
  BatchRunnerOptions options;
  options.timeout_slack = 1s;
  options.retry.base_delay = 1s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return analyzer_.Blocked() == 1; }));
  clock_.Advance(3s);  // past timeout + slack
  ASSERT_TRUE(WaitFor([&] { return Items(job_id)[0].retry_count == 1; }));
  EXPECT_EQ(analyzer_.CancelsSeen(), 1);
  EXPECT_EQ(Items(job_id)[0].error_code, "timeout");
  clock_.Advance(1s);
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  EXPECT_EQ(Items(job_id)[0].status, store::ItemStatus::kCompleted);
}

TEST_F(BatchRunnerTest, ItemsOfACrashedWorkerAreRecoveredAtStart) {
  const std::string job_id = MakeJob({"a.se", "b.se", "c.se"});
  // A worker claims everything and dies without a word.
  store::ClaimRequest dead;
  dead.worker_id = "crashed-worker";
  dead.max_items = 10;
  dead.lease = 30s;
  auto claimed = store_->ClaimItems(dead);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 3u);
  for (const auto& item : Items(job_id))
    EXPECT_EQ(item.status, store::ItemStatus::kProcessing);

  clock_.Advance(31s);
  StartRunner();
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_GE(runner_->stats().released, 3);
  for (const auto& item : Items(job_id)) {
    EXPECT_EQ(item.status, store::ItemStatus::kCompleted);
    auto history = store_->ListAnalyses(*org_, item.lead_id, 10, 0);
    ASSERT_TRUE(history.ok());
    EXPECT_EQ(history->rows.size(), 1u);  // exactly one final result per item
  }
  EXPECT_EQ(analyzer_.TotalCalls(), 3);
  ExpectCountersEqualItems(job_id);
  // The dead worker's late completion is refused.
  store::ItemCompletion late;
  late.item_id = (*claimed)[0].item.id;
  late.worker_id = "crashed-worker";
  late.lease_token = (*claimed)[0].item.lease_token;
  EXPECT_EQ(store_->CompleteItem(late).status().error_code(), "lease_lost");
}

TEST_F(BatchRunnerTest, ItemsOfAWorkerThatDiesWhileWeRunAreRecoveredAfterTheirLease) {
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Ok());
  const std::string job_id = MakeJob({"a.se", "b.se"});
  store::ClaimRequest dead;
  dead.worker_id = "crashed-worker";
  dead.max_items = 10;
  dead.lease = 30s;
  ASSERT_EQ(store_->ClaimItems(dead)->size(), 2u);
  // The runner starts while the leases are still valid: nothing to recover yet.
  BatchRunnerOptions options;
  options.lease = 30s;
  StartRunner(options);
  EXPECT_EQ(runner_->stats().released, 0);
  // Past the lease: the runner's periodic check (once a lease) gives them back.
  clock_.Advance(31s);
  ASSERT_TRUE(WaitFor([&] {
    if (runner_->stats().released >= 2)
      return true;
    clock_.Advance(1s);
    return false;
  })) << Describe(job_id);
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  for (const auto& item : Items(job_id))
    EXPECT_EQ(item.status, store::ItemStatus::kCompleted);
  EXPECT_EQ(analyzer_.TotalCalls(), 2);
}

// A store outage longer than a lease lets the lease of every live holder run out. Those
// expiries say nothing about the items, so the runner that releases them afterwards (it could
// not reach the store either) does not count them toward the poison-item rule until the store
// has answered it for a lease and a third; expiries after that count again.
TEST_F(BatchRunnerTest, LeasesThatRunOutDuringAStoreOutageDoNotMakePoisonItems) {
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Ok());
  const std::string job_id = MakeJob({"cut-off.se"});
  // The item's lease ran out once already (a process died on it): one more counted expiry
  // fails it as a poison item.
  store::ClaimRequest claim;
  claim.worker_id = "died";
  claim.lease = 30s;
  ASSERT_EQ(store_->ClaimItems(claim)->size(), 1u);
  clock_.Advance(31s);
  {
    auto released = store_->ReleaseExpiredLeases();
    ASSERT_TRUE(released.ok()) << released.status().ToString();
    ASSERT_EQ(*released, 1);
  }
  // A live process holds it now (a worker elsewhere, its lease valid until +30 s).
  claim.worker_id = "alive-elsewhere";
  ASSERT_EQ(store_->ClaimItems(claim)->size(), 1u);

  outage_ = std::make_unique<store::testing::OutageStore>(*store_);
  store::testing::OutageStore& outage = *outage_;
  BatchRunnerOptions options;
  options.worker_id = "test-worker";
  options.seed = 42;
  options.lease = 30s;
  runner_ = std::make_unique<BatchRunner>(outage, analyzer_, clock_, &hub_, options);
  ASSERT_TRUE(runner_->Start().ok());
  EXPECT_EQ(runner_->stats().released, 0);
  // The store goes away for longer than a lease; the runner keeps trying (claims, releases).
  outage.SetReachable(false);
  const common::TimePoint outage_start = clock_.Now();
  for (int step = 0; step < 4; ++step) {
    const int64_t refused = outage.refused();
    clock_.Advance(10s);
    // The runner's next call may be planned from a time read after this advance.
    ASSERT_TRUE(WaitFor([&] {
      if (outage.refused() > refused)
        return true;
      clock_.Advance(1s);
      return false;
    })) << "step "
        << step;
  }
  ASSERT_GE(clock_.Now() - outage_start, 40s);
  outage.SetReachable(true);
  // At the runner's next release the holder's lease has run out: the item goes back to pending
  // uncounted, and the runner itself then completes it.
  ASSERT_TRUE(WaitFor([&] {
    if (JobFinal(job_id))
      return true;
    clock_.Advance(1s);
    return false;
  })) << Describe(job_id);
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  EXPECT_EQ(Items(job_id)[0].status, store::ItemStatus::kCompleted) << Describe(job_id);
  EXPECT_GE(runner_->stats().released, 1);

  // Long after an outage an expiry counts again: this item's second one fails it. (The runner
  // cannot reach the store while the item is set up, so it cannot claim it first; the second
  // holder's lease runs out well after the runner's grace.)
  outage.SetReachable(false);
  const std::string second = MakeJob({"dies-twice.se"});
  claim.worker_id = "died";
  ASSERT_EQ(store_->ClaimItems(claim)->size(), 1u);
  clock_.Advance(31s);
  {
    auto released = store_->ReleaseExpiredLeases();
    ASSERT_TRUE(released.ok()) << released.status().ToString();
    ASSERT_EQ(*released, 1);
  }
  claim.worker_id = "died-again";
  claim.lease = 60s;
  ASSERT_EQ(store_->ClaimItems(claim)->size(), 1u);
  {
    const int64_t refused = outage.refused();
    ASSERT_TRUE(WaitFor([&] {
      if (outage.refused() > refused)
        return true;
      clock_.Advance(1s);
      return false;
    }));
  }
  outage.SetReachable(true);
  ASSERT_TRUE(WaitFor([&] {
    if (JobFinal(second))
      return true;
    clock_.Advance(1s);
    return false;
  })) << Describe(second);
  EXPECT_EQ(Items(second)[0].status, store::ItemStatus::kFailed) << Describe(second);
  EXPECT_EQ(Items(second)[0].error_code, "poison_item") << Describe(second);
}

TEST_F(BatchRunnerTest, GracefulStopLetsInFlightItemsFinishWithinTheGracePeriod) {
  analyzer_.SetDefault(ScriptedLeadAnalyzer::Block(ScriptedLeadAnalyzer::Ok()));
  const std::string job_id = MakeJob({"a.se", "b.se", "c.se"});
  BatchRunnerOptions options;
  options.concurrency = 2;
  options.grace_period = 30s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return analyzer_.Blocked() == 2; }));
  std::thread stopper([&] { runner_->Stop(); });
  ASSERT_TRUE(WaitFor([&] { return !runner_->running(); }));
  analyzer_.ReleaseAll();
  stopper.join();
  auto counts = CountByStatus(job_id);
  EXPECT_EQ(counts[store::ItemStatus::kCompleted], 2);
  // The third was never started: stop claiming means no new analyses.
  EXPECT_EQ(counts[store::ItemStatus::kPending], 1);
  EXPECT_EQ(analyzer_.TotalCalls(), 2);
  EXPECT_EQ(analyzer_.CancelsSeen(), 0);
  for (const auto& item : Items(job_id)) {
    if (item.status == store::ItemStatus::kPending) {
      EXPECT_TRUE(item.lease_owner.empty());
    }
  }
}

TEST_F(BatchRunnerTest, GracefulStopReleasesWhatIsStillRunningAfterTheGracePeriod) {
  analyzer_.Script("stuck.se", {ScriptedLeadAnalyzer::Block(ScriptedLeadAnalyzer::Ok()),
                                ScriptedLeadAnalyzer::Ok()});
  const std::string job_id = MakeJob({"stuck.se"}, {{"timeout", 600000}});
  BatchRunnerOptions options;
  options.grace_period = 10s;
  StartRunner(options);
  ASSERT_TRUE(WaitFor([&] { return analyzer_.Blocked() == 1; }));
  std::thread stopper([&] { runner_->Stop(); });
  // Stop() reads its deadline from the clock once the dispatcher has joined; time passes after.
  ASSERT_TRUE(WaitFor([&] { return runner_->draining(); }));
  clock_.Advance(11s);
  stopper.join();
  EXPECT_EQ(analyzer_.CancelsSeen(), 1);
  store::Item item = Items(job_id)[0];
  EXPECT_EQ(item.status, store::ItemStatus::kPending);
  EXPECT_TRUE(item.lease_owner.empty());
  EXPECT_EQ(item.retry_count, 0);  // a release is not a failed attempt

  // The next process picks it up at once.
  runner_.reset();
  StartRunner();
  ASSERT_TRUE(WaitForJobFinal(job_id));
  EXPECT_EQ(Items(job_id)[0].status, store::ItemStatus::kCompleted);
  EXPECT_EQ(analyzer_.Calls("stuck.se"), 2);
}

// ---- leads without a domain: a web search finds one (issue 12) ----

// A DomainLookup that answers from a script by company name and records what it was asked.
class ScriptedDomainLookup final : public search::DomainLookup {
 public:
  common::Result<search::DomainSearch> Find(std::string_view company_name, std::string_view country,
                                            std::shared_ptr<std::atomic<bool>>) override {
    std::lock_guard lock(mu_);
    asked.emplace_back(std::string(company_name), std::string(country));
    auto it = answers.find(std::string(company_name));
    if (it == answers.end())
      return common::Status::Internal("unscripted company " + std::string(company_name));
    return it->second;
  }

  static search::DomainSearch Found(const std::string& name, const std::string& domain,
                                    int confidence) {
    search::DomainSearch s;
    s.company_name = name;
    s.name_key = name;
    s.provider = "brave";
    s.domain = domain;
    s.confidence = confidence;
    s.min_confidence = 60;
    search::DomainCandidate own;
    own.url = "https://" + (domain.empty() ? std::string("weak.se") : domain) + "/";
    own.host = domain.empty() ? "weak.se" : domain;
    own.score = confidence;
    own.why = {"domain name equals the company name"};
    own.home_page = "title";
    own.chosen = true;
    search::DomainCandidate directory;
    directory.url = "https://www.allabolag.se/1";
    directory.host = "allabolag.se";
    directory.skipped = "business directory";
    s.candidates = {own, directory};
    return s;
  }

  std::map<std::string, common::Result<search::DomainSearch>> answers;
  std::vector<std::pair<std::string, std::string>> asked;  // company name, country
  std::mutex mu_;
};

class BatchRunnerDomainSearchTest : public BatchRunnerTest {
 protected:
  // A job over leads with these company names and no domain.
  std::string MakeNamedJob(const std::vector<std::string>& names,
                           nlohmann::json config = nlohmann::json::object(),
                           nlohmann::json extra = nlohmann::json::object()) {
    std::vector<store::NewLead> leads;
    for (const auto& n : names)
      leads.push_back({n, "", extra});
    auto created = store_->CreateLeads(*org_, leads);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    store::NewJob job;
    job.job_name = "find";
    job.job_type = "tech_analysis";
    job.analysis_config = std::move(config);
    for (const auto& lead : *created) {
      job.lead_ids.push_back(lead.id);
      lead_ids_[lead.company_name] = lead.id;
    }
    auto made = store_->CreateJob(*org_, job);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made->job.id;
  }

  BatchRunner& StartWithLookup(std::string country = "") {
    BatchRunnerOptions options;
    options.domain_lookup = &lookup_;
    options.search_country = std::move(country);
    options.retry.base_delay = 1s;
    return StartRunner(options);
  }

  ScriptedDomainLookup lookup_;
  std::map<std::string, std::string> lead_ids_;
};

TEST_F(BatchRunnerDomainSearchTest, ALeadWithoutADomainIsAnalysedAtTheDomainASearchFound) {
  lookup_.answers.emplace("Kaffebönan AB",
                          ScriptedDomainLookup::Found("Kaffebönan AB", "kaffebonan.se", 88));
  const std::string job_id = MakeNamedJob({"Kaffebönan AB"});
  StartWithLookup("se");
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  const store::Item item = Full(Items(job_id)[0]);
  ASSERT_EQ(item.status, store::ItemStatus::kCompleted) << item.error_message;
  EXPECT_EQ(analyzer_.Calls("kaffebonan.se"), 1);
  EXPECT_EQ(item.result["domain"], "kaffebonan.se");
  EXPECT_EQ(item.result["domain_source"], "search");
  EXPECT_EQ(item.result["domain_confidence"], 88);
  EXPECT_EQ(item.result["domain_search"]["candidates"].size(), 2u);
  EXPECT_EQ(item.result["domain_search"]["provider"], "brave");
  // The lead keeps no domain of its own until a user accepts the suggestion.
  const std::string lead_id = lead_ids_["Kaffebönan AB"];
  EXPECT_EQ(store_->GetLead(*org_, lead_id)->domain, "");
  auto suggestion = store_->GetDomainSuggestion(*org_, lead_id);
  ASSERT_TRUE(suggestion.ok() && suggestion->has_value());
  EXPECT_EQ((*suggestion)->status, store::kSuggestionSuggested);
  EXPECT_EQ((*suggestion)->domain, "kaffebonan.se");
  EXPECT_EQ((*suggestion)->confidence, 88);
  EXPECT_EQ((*suggestion)->evidence["candidates"][0]["domain"], "kaffebonan.se");
  ASSERT_EQ(lookup_.asked.size(), 1u);
  EXPECT_EQ(lookup_.asked[0].second, "se");  // the runner's default country
}

TEST_F(BatchRunnerDomainSearchTest, NoSiteSureEnoughFailsDomainNotFoundWithTheCandidates) {
  lookup_.answers.emplace("Okänt AB", ScriptedDomainLookup::Found("Okänt AB", "", 41));
  const std::string job_id = MakeNamedJob({"Okänt AB"});
  StartWithLookup();
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  const store::Item item = Items(job_id)[0];
  EXPECT_EQ(item.status, store::ItemStatus::kFailed);
  EXPECT_EQ(item.error_code, "domain_not_found");
  EXPECT_NE(item.error_message.find("best 41"), std::string::npos) << item.error_message;
  ASSERT_TRUE(item.error_details.is_object()) << item.error_details.dump();
  EXPECT_EQ(item.error_details["confidence"], 41);
  ASSERT_EQ(item.error_details["candidates"].size(), 2u);
  EXPECT_EQ(item.error_details["candidates"][0]["url"], "https://weak.se/");
  EXPECT_EQ(item.error_details["candidates"][1]["skipped"], "business directory");
  EXPECT_EQ(analyzer_.TotalCalls(), 0);
  auto suggestion = store_->GetDomainSuggestion(*org_, lead_ids_["Okänt AB"]);
  ASSERT_TRUE(suggestion.ok() && suggestion->has_value());
  EXPECT_EQ((*suggestion)->status, store::kSuggestionNotFound);
}

TEST_F(BatchRunnerDomainSearchTest, FindDomainFalseOrNoProviderKeepsNoDomain) {
  const std::string off = MakeNamedJob({"Av AB"}, {{"find_domain", false}});
  StartWithLookup();
  ASSERT_TRUE(WaitForJobFinal(off)) << Describe(off);
  EXPECT_EQ(Items(off)[0].error_code, "no_domain");
  EXPECT_TRUE(lookup_.asked.empty());
  runner_->Stop();
  runner_.reset();
  // Without a provider a job that asks for the search is told why it cannot have one.
  const std::string on = MakeNamedJob({"På AB"}, {{"find_domain", true}});
  StartRunner();
  ASSERT_TRUE(WaitForJobFinal(on)) << Describe(on);
  const store::Item item = Items(on)[0];
  EXPECT_EQ(item.error_code, "no_domain");
  EXPECT_NE(item.error_message.find("no search provider"), std::string::npos);
}

TEST_F(BatchRunnerDomainSearchTest, CountryComesFromTheJobThenTheLeadThenTheDefault) {
  for (const char* n : {"Ett AB", "Två AB", "Tre AB"})
    lookup_.answers.emplace(n, ScriptedDomainLookup::Found(n, "x.se", 90));
  const std::string job_config =
      MakeNamedJob({"Ett AB"}, {{"search_country", "fi"}}, {{"country", "NO"}});
  const std::string lead_extra =
      MakeNamedJob({"Två AB"}, nlohmann::json::object(), {{"country", "NO"}});
  const std::string fallback = MakeNamedJob({"Tre AB"});
  StartWithLookup("dk");
  for (const auto& id : {job_config, lead_extra, fallback})
    ASSERT_TRUE(WaitForJobFinal(id)) << Describe(id);
  std::map<std::string, std::string> country(lookup_.asked.begin(), lookup_.asked.end());
  EXPECT_EQ(country["Ett AB"], "fi");
  EXPECT_EQ(country["Två AB"], "no");
  EXPECT_EQ(country["Tre AB"], "dk");
}

TEST_F(BatchRunnerDomainSearchTest, ProviderErrorsAreRetriedOrFailWithTheirCode) {
  lookup_.answers.emplace("Långsam AB",
                          providers::ProviderError(providers::kProviderRateLimited,
                                                   "brave: HTTP 429 (retry-after=5s)"));
  lookup_.answers.emplace("Nyckel AB",
                          providers::ProviderError(providers::kProviderAuth, "brave: HTTP 401"));
  const std::string job_id = MakeNamedJob({"Långsam AB", "Nyckel AB"}, {{"max_retries", 1}});
  StartWithLookup();
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& item : Items(job_id)) {
      if (item.company_name == "Långsam AB" && item.retry_count == 1)
        return true;
    }
    return false;
  })) << Describe(job_id);
  for (const auto& item : Items(job_id)) {
    if (item.company_name == "Långsam AB") {
      ASSERT_TRUE(item.not_before.has_value());
      EXPECT_GE(*item.not_before, clock_.Now() + 5s);  // the provider's Retry-After
    }
  }
  clock_.Advance(10s);
  ASSERT_TRUE(WaitForJobFinal(job_id)) << Describe(job_id);
  std::map<std::string, std::string> codes;
  for (const auto& item : Items(job_id))
    codes[item.company_name] = item.error_code;
  EXPECT_EQ(codes["Långsam AB"], "provider_rate_limited");
  EXPECT_EQ(codes["Nyckel AB"], "provider_auth");
  EXPECT_EQ(analyzer_.TotalCalls(), 0);
}

}  // namespace
}  // namespace leadscan::jobs
