#include "jobs/completion_batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "store/store.h"

namespace leadscan::jobs {
namespace {

class CompletionBatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.clock = &clock_;
    auto opened = store::OpenStore("sqlite::memory:", options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    auto org = store_->CreateOrganization("acme");
    ASSERT_TRUE(org.ok());
    org_ = *common::OrgId::Parse(org->id);
  }

  // A running manual job of n leads, all its items claimed by "w1".
  std::vector<store::ClaimedItem> ClaimedJob(int n, std::string* job_id) {
    std::vector<store::NewLead> leads;
    for (int i = 0; i < n; ++i)
      leads.push_back({"Shop " + std::to_string(i), "shop" + std::to_string(i) + ".se"});
    auto made = store_->CreateLeads(org_, leads);
    EXPECT_TRUE(made.ok());
    store::NewJob job;
    job.job_name = "batch";
    job.job_type = "tech_analysis";
    for (const auto& l : *made)
      job.lead_ids.push_back(l.id);
    auto created = store_->CreateJob(org_, job);
    EXPECT_TRUE(created.ok());
    *job_id = created->job.id;
    store::ClaimRequest request;
    request.worker_id = "w1";
    request.max_items = n;
    auto claimed = store_->ClaimItems(request);
    EXPECT_TRUE(claimed.ok());
    return *claimed;
  }

  static store::ItemCompletion CompletionOf(const store::ClaimedItem& item,
                                            const std::string& worker) {
    store::ItemCompletion c;
    c.item_id = item.item.id;
    c.worker_id = worker;
    c.lease_token = item.item.lease_token;
    c.result = {{"domain", item.item.domain}};
    return c;
  }

  common::FakeClock clock_{*store::ParseTime("2026-01-05T10:00:00Z")};
  std::unique_ptr<store::Store> store_;
  common::OrgId org_ = *common::OrgId::Parse("none");
};

TEST_F(CompletionBatcherTest, ManyThreadsCompleteEveryItemOnceAndOneOfThemFinishesTheRun) {
  constexpr int kItems = 200;
  std::string job_id;
  auto claimed = ClaimedJob(kItems, &job_id);
  ASSERT_EQ(claimed.size(), static_cast<size_t>(kItems));
  CompletionBatcher batcher(*store_, 16);
  std::vector<common::Result<store::ItemUpdate>> results(kItems, common::Status::Internal("unset"));
  std::vector<std::thread> threads;
  constexpr int kThreads = 8;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kItems; i += kThreads)
        results[i] = batcher.Complete(CompletionOf(claimed[i], "w1"));
    });
  }
  for (auto& th : threads)
    th.join();
  int finished = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    finished += r->run_finished ? 1 : 0;
  }
  EXPECT_EQ(finished, 1);
  auto job = store_->GetJob(org_, job_id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->status, store::JobStatus::kCompleted);
  EXPECT_EQ(job->successful_count, kItems);
  EXPECT_EQ(job->progress, kItems);
  const auto stats = batcher.stats();
  EXPECT_EQ(stats.completions, kItems);
  EXPECT_LE(stats.transactions, stats.completions);
}

// What the callbacks publish comes out in commit order: the update that finished the run is the
// last one any callback sees (a subscriber ends its stream there), and each callback has run
// before its Complete() returns.
TEST_F(CompletionBatcherTest, CallbacksRunInCommitOrderSoTheRunsEndComesLast) {
  constexpr int kItems = 120;
  std::string job_id;
  auto claimed = ClaimedJob(kItems, &job_id);
  ASSERT_EQ(claimed.size(), static_cast<size_t>(kItems));
  CompletionBatcher batcher(*store_, 16);
  std::mutex mu;
  std::vector<int64_t> seen_progress;
  std::vector<bool> finished_flags;
  std::vector<int> ran(kItems, 0);
  std::vector<int> ran_before_return(kItems, 0);
  std::vector<std::thread> threads;
  constexpr int kThreads = 8;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kItems; i += kThreads) {
        auto r =
            batcher.Complete(CompletionOf(claimed[i], "w1"), [&, i](const store::ItemUpdate& u) {
              std::lock_guard<std::mutex> lock(mu);
              ++ran[i];
              seen_progress.push_back(u.successful_count + u.failed_count);
              finished_flags.push_back(u.run_finished);
            });
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        std::lock_guard<std::mutex> lock(mu);
        ran_before_return[i] = ran[i];
      }
    });
  }
  for (auto& th : threads)
    th.join();
  ASSERT_EQ(finished_flags.size(), static_cast<size_t>(kItems));
  EXPECT_TRUE(finished_flags.back());
  EXPECT_EQ(std::count(finished_flags.begin(), finished_flags.end(), true), 1);
  EXPECT_TRUE(std::is_sorted(seen_progress.begin(), seen_progress.end()));
  for (int i = 0; i < kItems; ++i) {
    EXPECT_EQ(ran[i], 1) << i;
    EXPECT_EQ(ran_before_return[i], 1) << i;
  }
}

TEST_F(CompletionBatcherTest, AnItemNotHeldIsRefusedWithLeaseLostAndTheOthersAreWritten) {
  std::string job_id;
  auto claimed = ClaimedJob(3, &job_id);
  ASSERT_EQ(claimed.size(), 3u);
  CompletionBatcher batcher(*store_);
  EXPECT_TRUE(batcher.Complete(CompletionOf(claimed[0], "w1")).ok());
  EXPECT_EQ(batcher.Complete(CompletionOf(claimed[1], "intruder")).status().error_code(),
            "lease_lost");
  EXPECT_EQ(batcher.Complete(CompletionOf(claimed[0], "w1")).status().error_code(), "lease_lost");
  EXPECT_TRUE(batcher.Complete(CompletionOf(claimed[2], "w1")).ok());
  EXPECT_EQ(store_->GetJob(org_, job_id)->successful_count, 2);
}

}  // namespace
}  // namespace leadscan::jobs
