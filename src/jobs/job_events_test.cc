#include "jobs/job_events.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace leadscan::jobs {
namespace {

JobEvent Event(const std::string& job_id, JobEventKind kind = JobEventKind::kCounters,
               int64_t successful = 0) {
  JobEvent e;
  e.kind = kind;
  e.job_id = job_id;
  e.successful_count = successful;
  e.total_leads = 10;
  return e;
}

TEST(JobEventHubTest, FansOutToEverySubscriberOfTheJob) {
  JobEventHub hub;
  auto all = hub.Subscribe("");
  auto one = hub.Subscribe("job-1");
  auto two = hub.Subscribe("job-2");
  hub.Publish(Event("job-1"));
  hub.Publish(Event("job-2"));
  hub.Publish(Event("job-1"));
  EXPECT_EQ(all->Drain().size(), 3u);
  auto got = one->Drain();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_LT(got[0].sequence, got[1].sequence);
  EXPECT_EQ(two->Drain().size(), 1u);
  EXPECT_TRUE(one->Drain().empty());
  EXPECT_EQ(hub.published(), 3u);
}

TEST(JobEventHubTest, AFullQueueDropsTheOldestAndCountsThem) {
  JobEventHub hub;
  auto sub = hub.Subscribe("job", 3);
  for (int i = 1; i <= 5; ++i)
    hub.Publish(Event("job", JobEventKind::kCounters, i));
  auto got = sub->Drain();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].successful_count, 3);
  EXPECT_EQ(got[2].successful_count, 5);
  EXPECT_EQ(sub->dropped(), 2u);
}

TEST(JobEventHubTest, ClosedOrDroppedSubscriptionsAreForgotten) {
  JobEventHub hub;
  auto keep = hub.Subscribe("");
  auto closed = hub.Subscribe("");
  {
    auto dropped = hub.Subscribe("");
    EXPECT_EQ(hub.subscriber_count(), 3u);
  }
  closed->Close();
  EXPECT_EQ(hub.subscriber_count(), 1u);
  hub.Publish(Event("job"));
  EXPECT_TRUE(closed->Drain().empty());
  EXPECT_EQ(keep->Drain().size(), 1u);
  EXPECT_FALSE(closed->WaitNext(std::chrono::milliseconds(0)).has_value());
}

TEST(JobEventHubTest, WakerRunsOnEveryQueuedEventAndWaitNextReturnsIt) {
  JobEventHub hub;
  std::atomic<int> wakes{0};
  auto sub = hub.Subscribe("job", 0, [&] { ++wakes; });
  hub.Publish(Event("other"));
  hub.Publish(Event("job", JobEventKind::kJobStatus));
  EXPECT_EQ(wakes.load(), 1);
  auto e = sub->WaitNext(std::chrono::seconds(5));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, JobEventKind::kJobStatus);
}

TEST(JobEventHubTest, ManyPublishersAndSubscribersAtOnce) {
  JobEventHub hub;
  std::vector<std::shared_ptr<JobEventSubscription>> subs;
  for (int i = 0; i < 8; ++i)
    subs.push_back(hub.Subscribe("", 100000));
  std::vector<std::thread> publishers;
  for (int t = 0; t < 4; ++t) {
    publishers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        hub.Publish(Event("job"));
    });
  }
  for (auto& t : publishers)
    t.join();
  for (auto& sub : subs) {
    auto got = sub->Drain();
    ASSERT_EQ(got.size(), 4000u);
    for (size_t i = 1; i < got.size(); ++i)
      EXPECT_LT(got[i - 1].sequence, got[i].sequence);
  }
}

TEST(JobEventTest, JsonCarriesTheFieldsOfItsKind) {
  JobEvent counters = Event("job", JobEventKind::kCounters, 4);
  counters.failed_count = 1;
  counters.job_status = store::JobStatus::kRunning;
  auto j = counters.ToJson();
  EXPECT_EQ(j["type"], "counters");
  EXPECT_EQ(j["progress"], 5);
  EXPECT_EQ(j["status"], "running");
  EXPECT_FALSE(j.contains("item_id"));

  JobEvent failed;
  failed.kind = JobEventKind::kItemFailed;
  failed.job_id = "job";
  failed.item_id = "item";
  failed.error_code = "dns_not_found";
  j = failed.ToJson();
  EXPECT_EQ(j["type"], "item_failed");
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["error_code"], "dns_not_found");
  EXPECT_EQ(j["item_id"], "item");
}

}  // namespace
}  // namespace leadscan::jobs
