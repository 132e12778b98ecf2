// The Store contract of webhooks and their outbox, on every adapter: SQLite in memory, SQLite
// in a file and PostgreSQL on a throw-away server (store/testing/pg_server.h). Webhooks are
// organisation-scoped; events are enqueued in the transaction of the change they report;
// claims never hand one delivery to two workers, not even to two stores (processes) on one
// database; the retry schedule a worker writes is obeyed; a given-up delivery stays failed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/uuid.h"
#include "store/sql_backend.h"
#include "store/sql_store.h"
#include "store/store.h"
#include "store/testing/pg_server.h"
#include "store/webhook_outbox.h"

namespace leadscan::store {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMemory = "sqlite_memory";
constexpr const char* kFile = "sqlite_file";
constexpr const char* kPostgres = "postgres";
constexpr int64_t kMaxHooks = 5;

TimePoint T0() {
  return *ParseTime("2026-01-05T10:00:00Z");
}

bool RequirePostgres() {
  const char* ci = std::getenv("CI");
  const char* req = std::getenv("LEADSCAN_REQUIRE_POSTGRES");
  return (ci && std::string(ci) == "true") || (req && std::string(req) == "1");
}

class WebhookStoreTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    std::string kind = GetParam();
    if (kind == kMemory) {
      url_ = "sqlite::memory:";
    } else if (kind == kFile) {
      dir_ = std::filesystem::temp_directory_path() / ("leadscan-hooks-" + common::RandomHex(8));
      url_ = "sqlite://" + (dir_ / "test.db").string();
    } else {
      testing::PgServer* pg = testing::PgServer::Shared();
      if (!pg->available()) {
        ASSERT_FALSE(RequirePostgres())
            << "CI must run the PostgreSQL variant: install postgresql-15";
        GTEST_SKIP() << "PostgreSQL 15 binaries not installed";
      }
      ASSERT_TRUE(pg->running()) << pg->error();
      auto url = pg->NewSchemaUrl();
      ASSERT_TRUE(url.ok()) << url.status().ToString();
      url_ = url.value();
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  void TearDown() override {
    store_.reset();
    if (!dir_.empty())
      std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Store> Open() {
    StoreOptions options;
    options.clock = &clock_;
    auto s = OpenStore(url_, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  bool SharesDatabase() const { return std::string(GetParam()) != kMemory; }

  OrgId NewOrg() {
    auto org = store_->CreateOrganization("org-" + common::RandomHex(4));
    EXPECT_TRUE(org.ok()) << org.status().ToString();
    return *OrgId::Parse(org.ok() ? org->id : "missing");
  }

  std::string NewHook(const OrgId& org, std::vector<std::string> events = {"job.completed"},
                      const std::string& url = "https://hooks.example.com/in") {
    NewWebhook w;
    w.url = url;
    w.events = std::move(events);
    w.secret = "0123456789abcdef";
    w.created_by = "token-1";
    auto created = store_->CreateWebhook(org, w, kMaxHooks);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->id : "";
  }

  // A manual job over `n` new leads; returns its id and its items claimed by "w".
  std::pair<std::string, std::vector<ClaimedItem>> RunningJob(
      const OrgId& org, int n, const std::string& job_type = "tech_analysis") {
    std::vector<NewLead> leads;
    for (int i = 0; i < n; ++i)
      leads.push_back({"Shop " + std::to_string(i), "shop" + std::to_string(i) + ".se"});
    auto created = store_->CreateLeads(org, leads);
    EXPECT_TRUE(created.ok());
    NewJob job;
    job.job_name = "Batch";
    job.job_type = job_type;
    for (const Lead& l : *created)
      job.lead_ids.push_back(l.id);
    auto j = store_->CreateJob(org, job);
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    ClaimRequest claim;
    claim.worker_id = "w";
    claim.max_items = n;
    claim.job_id = j->job.id;
    auto items = store_->ClaimItems(claim);
    EXPECT_TRUE(items.ok());
    return {j->job.id, *items};
  }

  Result<ItemUpdate> Complete(const ClaimedItem& ci) {
    ItemCompletion c;
    c.item_id = ci.item.id;
    c.worker_id = "w";
    c.lease_token = ci.item.lease_token;
    c.result = {{"domain", ci.item.domain}};
    return store_->CompleteItem(c);
  }

  Result<ItemUpdate> Fail(const ClaimedItem& ci) {
    ItemFailure f;
    f.item_id = ci.item.id;
    f.worker_id = "w";
    f.lease_token = ci.item.lease_token;
    f.error_code = "http_404";
    f.error_message = "gone";
    return store_->FailItem(f);
  }

  std::vector<WebhookDelivery> Deliveries(const OrgId& org, const std::string& hook) {
    DeliveryFilter f;
    f.limit = 1000;
    auto page = store_->ListWebhookDeliveries(org, hook, f);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->rows : std::vector<WebhookDelivery>{};
  }

  std::vector<ClaimedDelivery> ClaimAll(Store& s, const std::string& worker, int max = 100) {
    DeliveryClaimRequest r;
    r.worker_id = worker;
    r.max_deliveries = max;
    r.lease = 60s;
    auto got = s.ClaimWebhookDeliveries(r);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::vector<ClaimedDelivery>{};
  }

  DeliveryOutcome Outcome(const ClaimedDelivery& cd, const std::string& worker, bool delivered,
                          std::optional<TimePoint> next = std::nullopt) {
    DeliveryOutcome o;
    o.delivery_id = cd.delivery.id;
    o.worker_id = worker;
    o.lease_token = cd.delivery.lease_token;
    o.delivered = delivered;
    o.status_code = delivered ? 200 : 503;
    o.error = delivered ? "" : "HTTP 503";
    o.duration_ms = 12.5;
    o.started_at = clock_.Now();
    o.next_attempt_at = next;
    return o;
  }

  common::FakeClock clock_{T0()};
  std::string url_;
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(WebhookStoreTest, WebhooksBelongToTheirOrganisation) {
  OrgId acme = NewOrg();
  OrgId other = NewOrg();
  std::string hook = NewHook(acme, {"job.completed", "lead.changed"});
  auto got = store_->GetWebhook(acme, hook);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->url, "https://hooks.example.com/in");
  EXPECT_EQ(got->events, (std::vector<std::string>{"job.completed", "lead.changed"}));
  EXPECT_EQ(got->secret, "0123456789abcdef");
  EXPECT_EQ(got->created_by, "token-1");
  EXPECT_EQ(got->created_at, T0());
  EXPECT_EQ(store_->ListWebhooks(acme)->size(), 1u);

  // Another organisation's webhook looks missing everywhere.
  EXPECT_EQ(store_->GetWebhook(other, hook).status().code(), common::StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListWebhooks(other)->empty());
  EXPECT_EQ(store_->ListWebhookDeliveries(other, hook, {}).status().code(),
            common::StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteWebhook(other, hook).code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetWebhook(acme, "not-a-uuid").status().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetWebhook(acme, common::NewUuid()).status().code(),
            common::StatusCode::kNotFound);

  ASSERT_TRUE(store_->DeleteWebhook(acme, hook).ok());
  EXPECT_EQ(store_->GetWebhook(acme, hook).status().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteWebhook(acme, hook).code(), common::StatusCode::kNotFound);
}

TEST_P(WebhookStoreTest, AnOrganisationHasAtMostTheLimit) {
  OrgId org = NewOrg();
  for (int i = 0; i < kMaxHooks; ++i)
    NewHook(org);
  NewWebhook w{"https://x.example.com/", {"job.completed"}, "0123456789abcdef", ""};
  auto refused = store_->CreateWebhook(org, w, kMaxHooks);
  EXPECT_EQ(refused.status().error_code(), "too_many_webhooks");
  // The limit is per organisation.
  EXPECT_TRUE(store_->CreateWebhook(NewOrg(), w, kMaxHooks).ok());
  auto missing = store_->CreateWebhook(*OrgId::Parse(common::NewUuid()), w, kMaxHooks);
  EXPECT_EQ(missing.status().code(), common::StatusCode::kNotFound);
}

TEST_P(WebhookStoreTest, AFinishedRunEnqueuesJobCompletedForSubscribedWebhooksOnly) {
  OrgId org = NewOrg();
  OrgId other = NewOrg();
  std::string jobs_a = NewHook(org, {"job.completed"});
  std::string jobs_b = NewHook(org, {"lead.changed", "job.completed"});
  std::string leads = NewHook(org, {"lead.changed"});
  std::string foreign = NewHook(other, {"job.completed"});
  auto [job_id, items] = RunningJob(org, 3);
  ASSERT_EQ(items.size(), 3u);
  ASSERT_TRUE(Complete(items[0]).ok());
  ASSERT_TRUE(Fail(items[1]).ok());
  // Nothing until the run ends.
  EXPECT_TRUE(Deliveries(org, jobs_a).empty());
  clock_.Advance(5s);
  auto last = Complete(items[2]);
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last->run_finished);

  auto a = Deliveries(org, jobs_a);
  auto b = Deliveries(org, jobs_b);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(Deliveries(org, leads).empty());
  EXPECT_TRUE(Deliveries(other, foreign).empty());
  // One event, one delivery per webhook.
  EXPECT_EQ(a[0].event_id, b[0].event_id);
  EXPECT_NE(a[0].id, b[0].id);
  EXPECT_EQ(a[0].event, "job.completed");
  EXPECT_EQ(a[0].status, DeliveryStatus::kPending);
  EXPECT_EQ(a[0].attempts, 0);
  EXPECT_EQ(a[0].org_id, org.str());
  EXPECT_EQ(a[0].event_created_at, T0() + 5s);
  EXPECT_EQ(a[0].next_attempt_at, T0() + 5s);
  const Json& data = a[0].data;
  EXPECT_EQ(data["job_id"], job_id);
  EXPECT_EQ(data["status"], "completed");
  EXPECT_EQ(data["job_status"], "completed");
  EXPECT_EQ(data["total_items"], 3);
  EXPECT_EQ(data["successful_count"], 2);
  EXPECT_EQ(data["failed_count"], 1);
  EXPECT_EQ(data["progress"], 3);
  EXPECT_EQ(data["trigger"], "manual");
  EXPECT_EQ(data["completed_at"], "2026-01-05T10:00:05Z");
  EXPECT_EQ(store_->CountPendingWebhookDeliveries().value(), 2);
}

TEST_P(WebhookStoreTest, CancelledAndFailedRunsReportTheirStatus) {
  OrgId org = NewOrg();
  std::string hook = NewHook(org);
  auto [cancelled_job, unused] = RunningJob(org, 2);
  ASSERT_TRUE(store_->CancelJob(org, cancelled_job).ok());
  auto after_cancel = Deliveries(org, hook);
  ASSERT_EQ(after_cancel.size(), 1u);
  EXPECT_EQ(after_cancel[0].data["status"], "cancelled");
  EXPECT_EQ(after_cancel[0].data["job_status"], "cancelled");
  // A second cancel is refused and enqueues nothing.
  EXPECT_FALSE(store_->CancelJob(org, cancelled_job).ok());

  auto [failed_job, items] = RunningJob(org, 1);
  auto job = store_->GetJob(org, failed_job);
  ASSERT_TRUE(store_->FinishRun(job->current_run_id, RunStatus::kFailed, "boom").ok());
  auto all = Deliveries(org, hook);
  ASSERT_EQ(all.size(), 2u);
  std::set<std::string> statuses;
  for (const auto& d : all)
    statuses.insert(d.data["status"].get<std::string>());
  EXPECT_EQ(statuses, (std::set<std::string>{"cancelled", "failed"}));
}

TEST_P(WebhookStoreTest, AnEventIsEnqueuedOnlyWhenItsTransactionCommits) {
  OrgId org = NewOrg();
  std::string hook = NewHook(org);
  auto* sql = dynamic_cast<SqlStore*>(store_.get());
  ASSERT_NE(sql, nullptr);
  Status rolled_back = sql->backend_for_testing().Write([&](SqlConn& c) -> Status {
    Status s = EnqueueWebhookEventTx(c, org.str(), kWebhookEventJobCompleted, {{"x", 1}}, T0());
    EXPECT_TRUE(s.ok()) << s.ToString();
    return Status::Conflict("later_step_failed", "a later step of the change failed");
  });
  EXPECT_EQ(rolled_back.error_code(), "later_step_failed");
  EXPECT_TRUE(Deliveries(org, hook).empty());
  // A completion refused for its lease writes nothing, no event either.
  auto [job_id, items] = RunningJob(org, 1);
  ClaimedItem stale = items[0];
  stale.item.lease_token += 7;
  EXPECT_EQ(Complete(stale).status().error_code(), "lease_lost");
  EXPECT_TRUE(Deliveries(org, hook).empty());
  ASSERT_TRUE(Complete(items[0]).ok());
  EXPECT_EQ(Deliveries(org, hook).size(), 1u);
}

TEST_P(WebhookStoreTest, AClaimHoldsADeliveryUntilItsLeaseRunsOut) {
  OrgId org = NewOrg();
  std::string hook = NewHook(org);
  auto [job_id, items] = RunningJob(org, 1);
  ASSERT_TRUE(Complete(items[0]).ok());
  auto first = ClaimAll(*store_, "w1");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].url, "https://hooks.example.com/in");
  EXPECT_EQ(first[0].secret, "0123456789abcdef");
  EXPECT_EQ(first[0].delivery.data["job_id"], job_id);
  EXPECT_TRUE(ClaimAll(*store_, "w2").empty());
  // The lease runs out (w1 died): w2 takes it with a new token; w1's late outcome is refused.
  clock_.Advance(61s);
  auto second = ClaimAll(*store_, "w2");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].delivery.id, first[0].delivery.id);
  EXPECT_GT(second[0].delivery.lease_token, first[0].delivery.lease_token);
  EXPECT_EQ(store_->RecordDeliveryAttempt(Outcome(first[0], "w1", true)).error_code(),
            "lease_lost");
  ASSERT_TRUE(store_->RecordDeliveryAttempt(Outcome(second[0], "w2", true)).ok());
  auto log = Deliveries(org, hook);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(log[0].attempts, 1);
  EXPECT_EQ(log[0].delivered_at, clock_.Now());
  // A delivered delivery is never claimed again, nor written again.
  clock_.Advance(1h);
  EXPECT_TRUE(ClaimAll(*store_, "w3").empty());
  EXPECT_EQ(store_->RecordDeliveryAttempt(Outcome(second[0], "w2", true)).error_code(),
            "lease_lost");
  EXPECT_EQ(store_->CountPendingWebhookDeliveries().value(), 0);
}

TEST_P(WebhookStoreTest, TheRetryScheduleIsObeyedAndGivingUpIsFinal) {
  OrgId org = NewOrg();
  std::string hook = NewHook(org);
  auto [job_id, items] = RunningJob(org, 1);
  ASSERT_TRUE(Complete(items[0]).ok());
  TimePoint next = T0() + 30s;
  auto c1 = ClaimAll(*store_, "w");
  ASSERT_EQ(c1.size(), 1u);
  ASSERT_TRUE(store_->RecordDeliveryAttempt(Outcome(c1[0], "w", false, next)).ok());
  // Not due yet, then due.
  clock_.Set(next - 1s);
  EXPECT_TRUE(ClaimAll(*store_, "w").empty());
  clock_.Set(next);
  auto c2 = ClaimAll(*store_, "w");
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0].delivery.attempts, 1);
  // The worker gives it up (a day is over): failed, never claimed again.
  clock_.Set(T0() + 24h);
  ASSERT_TRUE(store_->RecordDeliveryAttempt(Outcome(c2[0], "w", false, std::nullopt)).ok());
  clock_.Advance(24h);
  EXPECT_TRUE(ClaimAll(*store_, "w").empty());
  auto log = Deliveries(org, hook);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, DeliveryStatus::kFailed);
  EXPECT_EQ(log[0].attempts, 2);
  EXPECT_FALSE(log[0].next_attempt_at.has_value());
  EXPECT_EQ(log[0].last_status_code, 503);
  EXPECT_EQ(log[0].last_error, "HTTP 503");
  EXPECT_EQ(log[0].last_attempt_at, T0() + 24h);
  ASSERT_EQ(log[0].attempt_log.size(), 2u);
  EXPECT_EQ(log[0].attempt_log[0].attempt, 1);
  EXPECT_EQ(log[0].attempt_log[0].started_at, T0());
  EXPECT_EQ(log[0].attempt_log[1].attempt, 2);
  EXPECT_EQ(log[0].attempt_log[1].status_code, 503);
  EXPECT_DOUBLE_EQ(log[0].attempt_log[1].duration_ms, 12.5);
  EXPECT_EQ(store_->CountPendingWebhookDeliveries().value(), 0);
}

TEST_P(WebhookStoreTest, DeliveriesListNewestFirstWithPagingAndAStatusFilter) {
  OrgId org = NewOrg();
  std::string hook = NewHook(org);
  for (int i = 0; i < 3; ++i) {
    auto [job_id, items] = RunningJob(org, 1);
    clock_.Advance(1s);
    ASSERT_TRUE(Complete(items[0]).ok());
  }
  auto claimed = ClaimAll(*store_, "w", 1);  // the oldest
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(store_->RecordDeliveryAttempt(Outcome(claimed[0], "w", true)).ok());
  DeliveryFilter page;
  page.limit = 2;
  auto first = store_->ListWebhookDeliveries(org, hook, page);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->total, 3);
  ASSERT_EQ(first->rows.size(), 2u);
  EXPECT_GT(first->rows[0].created_at, first->rows[1].created_at);
  page.offset = 2;
  auto rest = store_->ListWebhookDeliveries(org, hook, page);
  ASSERT_EQ(rest->rows.size(), 1u);
  EXPECT_EQ(rest->rows[0].id, claimed[0].delivery.id);
  DeliveryFilter delivered;
  delivered.status = DeliveryStatus::kDelivered;
  auto only = store_->ListWebhookDeliveries(org, hook, delivered);
  EXPECT_EQ(only->total, 1);
  ASSERT_EQ(only->rows.size(), 1u);
  EXPECT_EQ(only->rows[0].attempt_log.size(), 1u);
}

TEST_P(WebhookStoreTest, DeletingAWebhookDropsItsDeliveries) {
  OrgId org = NewOrg();
  std::string hook = NewHook(org);
  auto [job_id, items] = RunningJob(org, 1);
  ASSERT_TRUE(Complete(items[0]).ok());
  auto claimed = ClaimAll(*store_, "w");
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(store_->DeleteWebhook(org, hook).ok());
  // The worker's outcome for a deleted webhook's delivery finds nothing.
  EXPECT_EQ(store_->RecordDeliveryAttempt(Outcome(claimed[0], "w", true)).code(),
            common::StatusCode::kNotFound);
  clock_.Advance(2h);
  EXPECT_TRUE(ClaimAll(*store_, "w").empty());
  EXPECT_EQ(store_->CountPendingWebhookDeliveries().value(), 0);
}

TEST_P(WebhookStoreTest, PruningDeletesOldFinishedDeliveriesOnly) {
  OrgId org = NewOrg();
  std::string hook = NewHook(org);
  for (int i = 0; i < 2; ++i) {
    auto [job_id, items] = RunningJob(org, 1);
    ASSERT_TRUE(Complete(items[0]).ok());
  }
  auto claimed = ClaimAll(*store_, "w", 1);
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(store_->RecordDeliveryAttempt(Outcome(claimed[0], "w", true)).ok());
  clock_.Advance(31 * 24h);
  auto pruned = store_->PruneWebhookDeliveries(clock_.Now() - 30 * 24h);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(*pruned, 1);
  auto left = Deliveries(org, hook);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].status, DeliveryStatus::kPending);
}

// Several workers, half of them on a second store instance where the database is shared (as a
// second process): every delivery is claimed exactly once.
TEST_P(WebhookStoreTest, ConcurrentClaimsNeverHandOneDeliveryToTwoWorkers) {
  OrgId org = NewOrg();
  NewHook(org, {"job.completed"}, "https://a.example.com/");
  NewHook(org, {"job.completed"}, "https://b.example.com/");
  constexpr int kJobs = 40;
  for (int i = 0; i < kJobs; ++i) {
    auto [job_id, items] = RunningJob(org, 1);
    ASSERT_TRUE(Complete(items[0]).ok());
  }
  ASSERT_EQ(store_->CountPendingWebhookDeliveries().value(), 2 * kJobs);
  std::unique_ptr<Store> second = SharesDatabase() ? Open() : nullptr;
  std::mutex mu;
  std::map<std::string, int> claims;
  std::vector<std::thread> threads;
  for (int w = 0; w < 6; ++w) {
    Store* s = (second && w % 2 == 1) ? second.get() : store_.get();
    threads.emplace_back([&, w, s] {
      const std::string worker = "worker-" + std::to_string(w);
      for (;;) {
        DeliveryClaimRequest r;
        r.worker_id = worker;
        r.max_deliveries = 3;
        auto got = s->ClaimWebhookDeliveries(r);
        if (!got.ok()) {
          ADD_FAILURE() << got.status().ToString();
          return;
        }
        if (got->empty())
          return;
        for (const auto& cd : *got) {
          {
            std::lock_guard lock(mu);
            claims[cd.delivery.id]++;
          }
          Status done = s->RecordDeliveryAttempt(Outcome(cd, worker, true));
          EXPECT_TRUE(done.ok()) << done.ToString();
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  ASSERT_EQ(claims.size(), static_cast<size_t>(2 * kJobs));
  for (const auto& [id, n] : claims)
    EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(store_->CountPendingWebhookDeliveries().value(), 0);
}

// A full analysis of a shop as the analyzer stores it: the home page (WooCommerce, PostNord)
// and /kassa with `checkout` (none when empty).
Json ShopResult(const std::string& domain, const std::string& checkout) {
  auto on = [](const std::string& page) {
    return Json::array({{{"page", page}, {"field", "html"}, {"matched", "x"}}});
  };
  const std::string home = "https://" + domain + "/";
  const std::string kassa = "https://" + domain + "/kassa";
  Json checkouts = Json::array();
  if (!checkout.empty())
    checkouts.push_back({{"name", checkout}, {"evidence", on(kassa)}});
  auto page = [](const std::string& url, const std::string& reason) {
    return Json{{"url", url}, {"status", 200},  {"bytes", 10},
                {"ms", 1.0},  {"via", "https"}, {"reason", reason}};
  };
  return {{"domain", domain},
          {"analysis_type", "full_analysis"},
          {"pages", Json::array({page(home, "home"), page(kassa, "link")})},
          {"ecommerce_platform", {{"name", "WooCommerce"}, {"evidence", on(home)}}},
          {"technologies", Json::array()},
          {"checkout_solutions", checkouts},
          {"payment_methods", Json::array()},
          {"carriers", Json::array({{{"name", "PostNord"}, {"evidence", on(home)}}})},
          {"shipping_software", Json::array()},
          {"set_aside", Json::array()},
          {"errors", Json::array()}};
}

LeadFindings FindingsOf(const Json& r) {
  LeadFindings f;
  f.ecommerce_platform = r["ecommerce_platform"];
  f.checkout_solutions = r["checkout_solutions"];
  f.carriers = r["carriers"];
  return f;
}

TEST_P(WebhookStoreTest, AnAnalysisThatChangesALeadEnqueuesLeadChangedWithItsChanges) {
  OrgId org = NewOrg();
  std::string changes_hook = NewHook(org, {"lead.changed"});
  std::string jobs_hook = NewHook(org, {"job.completed"});
  auto lead = store_->CreateLead(org, {"Kaffebönan AB", "kaffe.se"});
  ASSERT_TRUE(lead.ok());
  auto analyse = [&](const std::string& checkout) {
    AnalysisRecord rec;
    rec.lead_id = lead->id;
    rec.job_type = "full_analysis";
    rec.result = ShopResult("kaffe.se", checkout);
    auto saved = store_->RecordAnalysis(org, rec, FindingsOf(rec.result));
    EXPECT_TRUE(saved.ok()) << saved.status().ToString();
    clock_.Advance(1h);
    return saved.ok() ? *saved : AnalysisRecord{};
  };
  analyse("Klarna Checkout");  // the baseline: nothing changed
  analyse("Klarna Checkout");
  EXPECT_TRUE(Deliveries(org, changes_hook).empty());
  AnalysisRecord switched = analyse("Walley Checkout");
  auto got = Deliveries(org, changes_hook);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(Deliveries(org, jobs_hook).empty());
  EXPECT_EQ(got[0].event, "lead.changed");
  EXPECT_EQ(got[0].event_created_at, switched.analyzed_at);
  const Json& data = got[0].data;
  EXPECT_EQ(data["lead_id"], lead->id);
  EXPECT_EQ(data["company_name"], "Kaffebönan AB");
  EXPECT_EQ(data["domain"], "kaffe.se");
  EXPECT_EQ(data["analysis_id"], switched.id);
  EXPECT_TRUE(data["job_id"].is_null());
  EXPECT_EQ(data["detected_at"], "2026-01-05T12:00:00Z");
  std::set<std::string> described;
  for (const Json& c : data["changes"]) {
    described.insert(c["change"].get<std::string>() + " " + c["field"].get<std::string>() + " " +
                     c["name"].get<std::string>());
    EXPECT_TRUE(c["evidence"].is_array());
    EXPECT_TRUE(c.contains("previous"));
  }
  EXPECT_EQ(described, (std::set<std::string>{"added checkout_solutions Walley Checkout",
                                              "removed checkout_solutions Klarna Checkout"}));
}

TEST_P(WebhookStoreTest, AGroupCommitEnqueuesOneLeadChangedPerChangedLeadAndTheJobsEnd) {
  OrgId org = NewOrg();
  std::string hook = NewHook(org, {"lead.changed", "job.completed"});
  // A job of two leads, run twice.
  auto [job_id, items] = RunningJob(org, 2, "full_analysis");
  auto complete_all = [&](const std::vector<ClaimedItem>& claimed,
                          const std::vector<std::string>& checkouts) {
    std::vector<ItemCompletion> batch;
    for (size_t i = 0; i < claimed.size(); ++i) {
      ItemCompletion c;
      c.item_id = claimed[i].item.id;
      c.worker_id = "w";
      c.lease_token = claimed[i].item.lease_token;
      c.result = ShopResult(claimed[i].item.domain, checkouts[i]);
      c.findings = FindingsOf(c.result);
      batch.push_back(std::move(c));
    }
    auto written = store_->CompleteItems(batch);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    for (const auto& w : *written)
      EXPECT_TRUE(w.ok()) << w.status().ToString();
  };
  complete_all(items, {"Klarna Checkout", "Klarna Checkout"});
  ASSERT_EQ(Deliveries(org, hook).size(), 1u);  // the run's end; the baseline changed nothing
  clock_.Advance(1h);
  ASSERT_TRUE(store_->CreateRun(org, job_id, RunTrigger::kManual).ok());
  ClaimRequest claim;
  claim.worker_id = "w";
  claim.max_items = 2;
  claim.job_id = job_id;
  auto again = store_->ClaimItems(claim);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 2u);
  // One lead switches checkout, the other does not.
  std::vector<std::string> next = {"Walley Checkout", "Klarna Checkout"};
  if ((*again)[0].item.domain != items[0].item.domain)
    std::swap(next[0], next[1]);
  complete_all(*again, next);
  auto all = Deliveries(org, hook);
  std::map<std::string, int> events;
  for (const auto& d : all)
    events[d.event]++;
  EXPECT_EQ(events["job.completed"], 2);
  EXPECT_EQ(events["lead.changed"], 1);
  for (const auto& d : all) {
    if (d.event == "lead.changed") {
      EXPECT_EQ(d.data["job_id"], job_id);
      EXPECT_EQ(d.data["changes"].size(), 2u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Adapters, WebhookStoreTest, ::testing::Values(kMemory, kFile, kPostgres),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           return std::string(param.param);
                         });

TEST(WebhookOutboxTest, JobCompletedDataCarriesTheRunsCounters) {
  store::Job job;
  job.id = "j";
  job.job_name = "Nightly";
  job.job_type = "full_analysis";
  job.is_scheduled = true;
  job.status = JobStatus::kScheduled;
  store::Run run;
  run.id = "r";
  run.trigger = RunTrigger::kScheduled;
  run.status = RunStatus::kFailed;
  run.scheduled_for = T0();
  run.started_at = T0() + 1s;
  run.completed_at = T0() + 90s;
  run.total_items = 4;
  run.successful_count = 0;
  run.failed_count = 4;
  run.error_message = "every item failed";
  Json d = JobCompletedEventData(job, run);
  EXPECT_EQ(d, Json::parse(R"({"job_id":"j","job_name":"Nightly","job_type":"full_analysis",
      "is_scheduled":true,"job_status":"scheduled","run_id":"r","trigger":"scheduled",
      "status":"failed","scheduled_for":"2026-01-05T10:00:00Z",
      "started_at":"2026-01-05T10:00:01Z","completed_at":"2026-01-05T10:01:30Z",
      "total_items":4,"successful_count":0,"failed_count":4,"progress":4,
      "error_message":"every item failed"})"));
}

TEST(WebhookOutboxTest, SubscriptionsAreReadDefensively) {
  EXPECT_TRUE(WebhookWantsEvent(R"(["job.completed","lead.changed"])", "lead.changed"));
  EXPECT_FALSE(WebhookWantsEvent(R"(["job.completed"])", "lead.changed"));
  EXPECT_FALSE(WebhookWantsEvent(R"({"lead.changed":1})", "lead.changed"));
  EXPECT_FALSE(WebhookWantsEvent("not json", "lead.changed"));
  EXPECT_FALSE(WebhookWantsEvent(std::string(100, '[') + std::string(100, ']'), "x"));
}

}  // namespace
}  // namespace leadscan::store
