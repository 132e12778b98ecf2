#include "cli/ordered_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

namespace leadscan::cli {
namespace {

// Job 0 finishes last: it waits until every other job has finished.
class LastFirstJobs {
 public:
  explicit LastFirstJobs(size_t count) : count_(count) {}

  std::pair<nlohmann::json, bool> operator()(size_t i) {
    std::unique_lock<std::mutex> lock(mu_);
    if (i == 0) {
      cv_.wait(lock, [&] { return finished_ == count_ - 1; });
    } else {
      ++finished_;
      cv_.notify_all();
    }
    return {nlohmann::json{{"i", i}}, i % 2 == 1};
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t count_;
  size_t finished_ = 0;
};

TEST(OrderedRunnerTest, InputOrderWaitsForEarlierJobs) {
  std::vector<size_t> emitted;
  OrderedRunner runner(5, OrderedRunner::Order::kInput,
                       [&](size_t i, const nlohmann::json& json, bool failed) {
                         EXPECT_EQ(json["i"], i);
                         EXPECT_EQ(failed, i % 2 == 1);
                         emitted.push_back(i);
                       });
  LastFirstJobs jobs(5);
  EXPECT_TRUE(runner.Run(5, std::ref(jobs)));
  EXPECT_EQ(emitted, (std::vector<size_t>{0, 1, 2, 3, 4}));
}

TEST(OrderedRunnerTest, DoneOrderEmitsAsEachFinishes) {
  // Job 0 returns only once the three others were emitted: in done order they are written
  // without waiting for it. (Input order would hold them back; the bounded wait then lets job 0
  // go first and the test fails instead of hanging.)
  std::mutex mu;
  std::condition_variable cv;
  std::vector<size_t> emitted;
  OrderedRunner runner(4, OrderedRunner::Order::kDone, [&](size_t i, const nlohmann::json&, bool) {
    std::lock_guard<std::mutex> lock(mu);
    emitted.push_back(i);
    cv.notify_all();
  });
  runner.Run(4, [&](size_t i) {
    if (i == 0) {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::chrono::seconds(30), [&] { return emitted.size() == 3; });
    }
    return std::make_pair(nlohmann::json{{"i", i}}, false);
  });
  ASSERT_EQ(emitted.size(), 4u);
  EXPECT_EQ(emitted.back(), 0u);  // the slow first job comes last
}

TEST(OrderedRunnerTest, ReportsNoFailureWhenEveryJobSucceeds) {
  size_t count = 0;
  OrderedRunner runner(3, OrderedRunner::Order::kInput,
                       [&](size_t, const nlohmann::json&, bool) { ++count; });
  EXPECT_FALSE(runner.Run(2, [](size_t i) { return std::make_pair(nlohmann::json(i), false); }));
  EXPECT_EQ(count, 3u);
}

TEST(OrderedRunnerTest, AJobOrAnEmitThatThrowsFailsItsRowAndTheOthersGoOn) {
  std::vector<nlohmann::json> emitted(4);
  OrderedRunner runner(4, OrderedRunner::Order::kInput,
                       [&](size_t i, const nlohmann::json& json, bool) {
                         if (i == 2)
                           throw std::runtime_error("disk full");
                         emitted[i] = json;
                       });
  bool failed = runner.Run(2, [](size_t i) -> std::pair<nlohmann::json, bool> {
    if (i == 1)
      throw std::runtime_error("bad row");
    return {nlohmann::json{{"i", i}}, false};
  });
  EXPECT_TRUE(failed);
  EXPECT_EQ(emitted[0]["i"], 0);
  EXPECT_EQ(emitted[1]["error"]["code"], "internal_error");
  EXPECT_NE(emitted[1]["error"]["message"].get<std::string>().find("bad row"), std::string::npos);
  EXPECT_TRUE(emitted[2].is_null());  // its emit threw
  EXPECT_EQ(emitted[3]["i"], 3);
}

}  // namespace
}  // namespace leadscan::cli
