#include "jobs/retry_policy.h"

#include <gtest/gtest.h>

namespace leadscan::jobs {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicyTest, BackoffDoublesUpToTheCap) {
  RetryOptions options;
  options.base_delay = 2s;
  options.max_delay = 30s;
  RetryPolicy policy(options, 7);
  EXPECT_EQ(policy.Backoff(0), 2s);
  EXPECT_EQ(policy.Backoff(1), 4s);
  EXPECT_EQ(policy.Backoff(2), 8s);
  EXPECT_EQ(policy.Backoff(4), 30s);
  EXPECT_EQ(policy.Backoff(1000), 30s);
}

TEST(RetryPolicyTest, JitterStaysWithinItsFractionAndVaries) {
  RetryOptions options;
  options.base_delay = 1000ms;
  options.jitter = 0.5;
  RetryPolicy policy(options, 7);
  std::chrono::milliseconds lowest = 1h, highest = 0ms;
  for (int i = 0; i < 1000; ++i) {
    const auto d = policy.Delay(2);  // backoff 4 s
    EXPECT_GE(d, 2000ms);
    EXPECT_LE(d, 4000ms);
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  EXPECT_LT(lowest, 2500ms);
  EXPECT_GT(highest, 3500ms);
}

TEST(RetryPolicyTest, RetryAfterIsAFloorWithItsOwnCap) {
  RetryOptions options;
  options.base_delay = 1s;
  options.max_retry_after = 10min;
  RetryPolicy policy(options, 7);
  EXPECT_GE(policy.Delay(0, std::chrono::seconds(120)), 120s);
  EXPECT_LE(policy.Delay(0, std::chrono::seconds(120)), 120s);
  EXPECT_EQ(policy.Delay(0, std::chrono::seconds(86400)), 10min);
  // A Retry-After shorter than the backoff does not shorten it.
  EXPECT_GE(policy.Delay(3, std::chrono::seconds(0)), 4s);
}

TEST(RetryPolicyTest, NoJitterGivesTheExactBackoff) {
  RetryOptions options;
  options.base_delay = 500ms;
  options.jitter = 0;
  RetryPolicy policy(options, 7);
  EXPECT_EQ(policy.Delay(0), 500ms);
  EXPECT_EQ(policy.Delay(3), 4000ms);
}

}  // namespace
}  // namespace leadscan::jobs
