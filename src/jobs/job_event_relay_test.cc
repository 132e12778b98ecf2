// The job event relay: its wire form and packing (pure), and delivery between two relays over
// a real PostgreSQL (store/testing/pg_server.h): other processes' events arrive, a process' own
// events arrive once, large batches stay under the NOTIFY limit, a killed LISTEN connection is
// made again.
#include "jobs/job_event_relay.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/uuid.h"
#include "store/event_channel.h"
#include "store/testing/pg_server.h"

namespace leadscan::jobs {
namespace {

using namespace std::chrono_literals;

constexpr auto kPatience = std::chrono::seconds(30);

bool WaitFor(const std::function<bool()>& pred) {
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

JobEvent ItemEvent(int n) {
  JobEvent e;
  e.kind = JobEventKind::kItemFailed;
  e.org_id = "3f1b7c1e-0000-4000-8000-000000000001";
  e.job_id = "9a1b7c1e-0000-4000-8000-000000000002";
  e.run_id = "8a1b7c1e-0000-4000-8000-000000000003";
  e.item_id = "item-" + std::to_string(n);
  e.lead_id = "lead-" + std::to_string(n);
  e.domain = "shop" + std::to_string(n) + ".se";
  e.error_code = "timeout";
  e.error_message = "no answer within 20 s";
  e.duration_seconds = 20.5;
  e.successful_count = n;
  e.failed_count = 1;
  e.total_leads = 300;
  e.at = *store::ParseTime("2026-12-06T00:10:00.123456Z");
  return e;
}

TEST(JobEventWireTest, EveryFieldSurvivesTheRoundTrip) {
  JobEvent retry = ItemEvent(7);
  retry.kind = JobEventKind::kItemRetrying;
  retry.retry_count = 2;
  retry.not_before = *store::ParseTime("2026-12-06T00:11:00Z");
  JobEvent done = ItemEvent(8);
  done.kind = JobEventKind::kItemCompleted;
  done.coalesced = true;
  done.error_code.clear();
  done.error_message.clear();
  JobEvent status;
  status.kind = JobEventKind::kJobStatus;
  status.job_id = "j";
  status.job_status = store::JobStatus::kCompleted;
  status.at = done.at;
  auto messages = PackRelayMessages("origin-a", {retry, done, status}, 7999);
  ASSERT_EQ(messages.size(), 1u);
  auto decoded = DecodeRelayMessage(messages[0]);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->origin, "origin-a");
  ASSERT_EQ(decoded->events.size(), 3u);
  // The SSE form of an event (what the browser gets) is the same on both sides; only the
  // sequence is the receiving hub's.
  for (size_t i = 0; i < 3; ++i) {
    const JobEvent& sent = i == 0 ? retry : i == 1 ? done : status;
    EXPECT_EQ(decoded->events[i].ToJson().dump(), sent.ToJson().dump());
    EXPECT_EQ(decoded->events[i].org_id, sent.org_id);
  }
}

TEST(JobEventWireTest, PackingKeepsEveryMessageUnderTheLimitAndInOrder) {
  std::vector<JobEvent> events;
  for (int i = 0; i < 200; ++i) {
    events.push_back(ItemEvent(i));
    // Long messages with multi-byte characters are cut on a character boundary.
    std::string text = "x";
    for (int k = 0; k < 2000; ++k)
      text += "\xC3\xA5";  // å
    events.back().error_message = text;
  }
  size_t left_out = 99;
  auto messages = PackRelayMessages("o", events, store::EventChannel::kMaxPayloadBytes, &left_out);
  EXPECT_EQ(left_out, 0u);
  EXPECT_GT(messages.size(), 20u);
  int next = 0;
  for (const auto& m : messages) {
    EXPECT_LE(m.size(), store::EventChannel::kMaxPayloadBytes);
    auto decoded = DecodeRelayMessage(m);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    for (const auto& e : decoded->events) {
      EXPECT_EQ(e.item_id, "item-" + std::to_string(next++));
      EXPECT_LE(e.error_message.size(), kMaxWireTextBytes);
      EXPECT_EQ(e.error_message.size(), kMaxWireTextBytes - 1);  // cut before a split "å"
      EXPECT_EQ(e.error_message.find("\xEF\xBF\xBD"), std::string::npos);  // no replacement
    }
  }
  EXPECT_EQ(next, 200);

  // An event that cannot fit a message even alone is left out and counted, not sent broken.
  auto tiny = PackRelayMessages("o", {ItemEvent(1), ItemEvent(2)}, 100, &left_out);
  EXPECT_TRUE(tiny.empty());
  EXPECT_EQ(left_out, 2u);
}

TEST(JobEventWireTest, MalformedMessagesAreRefused) {
  const std::string good_event =
      R"({"k":"counters","job":"j","at":"2026-12-06T00:00:00Z","js":"running","s":1})";
  EXPECT_TRUE(DecodeRelayMessage(R"({"o":"x","e":[)" + good_event + "]}").ok());
  for (const std::string& bad : {
           std::string("not json"),
           std::string("[]"),
           std::string(R"({"o":"x"})"),
           std::string(R"({"o":1,"e":[]})"),
           std::string(R"({"o":"x","e":[{"k":"bogus","job":"j","at":"2026-12-06T00:00:00Z"}]})"),
           std::string(R"({"o":"x","e":[{"k":"counters","job":"j","at":"yesterday"}]})"),
           std::string(R"({"o":"x","e":[{"k":"counters","at":"2026-12-06T00:00:00Z"}]})"),
           std::string(R"({"o":"x","e":[{"k":"counters","job":"j","at":"2026-12-06T00:00:00Z",)"
                       R"("s":"many"}]})"),
           std::string(R"({"o":"x","e":[{"k":"counters","job":"j","at":"2026-12-06T00:00:00Z",)"
                       R"("js":"sleeping"}]})"),
           std::string(R"({"o":"x","e":[)") + std::string(100, '[') + std::string(100, ']') + "]}",
           std::string(8000, ' '),
       }) {
    auto decoded = DecodeRelayMessage(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.status().error_code(), "invalid_relay_message") << bad;
  }
}

bool RequirePostgres() {
  const char* ci = std::getenv("CI");
  const char* req = std::getenv("LEADSCAN_REQUIRE_POSTGRES");
  return (ci && std::string(ci) == "true") || (req && std::string(req) == "1");
}

// One "process": its hub, its channel and its relay.
struct Node {
  Node(const std::string& url, const std::string& channel_name, const std::string& origin) {
    store::EventChannelOptions options;
    options.channel = channel_name;
    options.poll_interval = 50ms;
    auto opened = store::OpenEventChannel(url, options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    channel = std::move(*opened);
    JobEventRelayOptions relay_options;
    relay_options.origin = origin;
    relay = std::make_unique<JobEventRelay>(hub, *channel, relay_options);
  }

  JobEventHub hub;
  std::unique_ptr<store::EventChannel> channel;
  std::unique_ptr<JobEventRelay> relay;
};

class JobEventRelayPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = store::testing::PgServer::Shared();
    if (!pg_->available()) {
      ASSERT_FALSE(RequirePostgres()) << "CI must run the PostgreSQL tests: install postgresql-15";
      GTEST_SKIP() << "PostgreSQL 15 binaries not installed";
    }
    ASSERT_TRUE(pg_->running()) << pg_->error();
    channel_ = "relay_test_" + common::RandomHex(6);
    a_ = std::make_unique<Node>(pg_->base_url(), channel_, "node-a");
    b_ = std::make_unique<Node>(pg_->base_url(), channel_, "node-b");
    ASSERT_TRUE(a_->relay->Start().ok());
    ASSERT_TRUE(b_->relay->Start().ok());
    // Both listen before anything is sent (NOTIFY reaches only current listeners).
    ASSERT_TRUE(WaitFor(
        [&] { return a_->channel->stats().connects >= 1 && b_->channel->stats().connects >= 1; }));
  }

  store::testing::PgServer* pg_ = nullptr;
  std::string channel_;
  std::unique_ptr<Node> a_, b_;
};

TEST_F(JobEventRelayPgTest, EventsOfOtherProcessesArriveAndOwnEventsArriveOnce) {
  auto sub = a_->hub.Subscribe("");
  std::vector<JobEvent> got;
  auto drain = [&] {
    for (auto& e : sub->Drain())
      got.push_back(std::move(e));
  };
  a_->relay->Publish(ItemEvent(1));  // local
  b_->relay->Publish(ItemEvent(2));  // from the other process
  ASSERT_TRUE(WaitFor([&] {
    drain();
    // b's copy of a's event travels on its own connection: wait for it too.
    return got.size() >= 2 && a_->relay->stats().own_ignored >= 1 &&
           b_->relay->stats().received >= 1;
  }));
  drain();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].item_id, "item-1");
  EXPECT_EQ(got[1].item_id, "item-2");
  EXPECT_EQ(got[1].org_id, ItemEvent(2).org_id);
  EXPECT_LT(got[0].sequence, got[1].sequence);
  EXPECT_EQ(a_->relay->stats().received, 1u);
  EXPECT_EQ(b_->relay->stats().received, 1u);
}

TEST_F(JobEventRelayPgTest, ABurstOfLargeEventsArrivesCompleteAndInOrder) {
  auto sub = a_->hub.Subscribe("", 5000);
  constexpr int kEvents = 1000;
  for (int i = 0; i < kEvents; ++i) {
    JobEvent e = ItemEvent(i);
    e.error_message = std::string(2000, 'e');
    b_->relay->Publish(std::move(e));
  }
  std::vector<JobEvent> got;
  ASSERT_TRUE(WaitFor([&] {
    for (auto& e : sub->Drain())
      got.push_back(std::move(e));
    return got.size() >= static_cast<size_t>(kEvents);
  })) << got.size();
  ASSERT_EQ(got.size(), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i)
    EXPECT_EQ(got[static_cast<size_t>(i)].item_id, "item-" + std::to_string(i));
  EXPECT_EQ(b_->relay->stats().dropped, 0u);
  EXPECT_EQ(a_->relay->stats().malformed, 0u);
}

TEST_F(JobEventRelayPgTest, AListenerWhoseConnectionIsKilledListensAgain) {
  auto sub = a_->hub.Subscribe("");
  auto killed = store::testing::PgServer::Psql(
      pg_->base_url(),
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
      "query = 'LISTEN \"" +
          channel_ + "\"'");
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  EXPECT_EQ(*killed, "2");  // both nodes' listeners
  ASSERT_TRUE(WaitFor([&] { return a_->channel->stats().connects >= 2; }));
  ASSERT_TRUE(WaitFor([&] {
    b_->relay->Publish(ItemEvent(3));
    std::this_thread::sleep_for(20ms);
    return !sub->Drain().empty();
  }));
}

TEST_F(JobEventRelayPgTest, StopSendsWhatIsQueuedAndIsIdempotent) {
  auto sub = a_->hub.Subscribe("");
  b_->relay->Publish(ItemEvent(4));
  b_->relay->Stop();
  b_->relay->Stop();
  ASSERT_TRUE(WaitFor([&] { return !sub->Drain().empty(); }));
  EXPECT_EQ(b_->relay->stats().sent, 1u);
}

}  // namespace
}  // namespace leadscan::jobs
