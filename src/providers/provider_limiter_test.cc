#include "providers/provider_limiter.h"

#include <gtest/gtest.h>

#include <thread>

#include "fetch/errors.h"
#include "providers/provider_errors.h"

namespace leadscan::providers {
namespace {

using namespace std::chrono_literals;

common::TimePoint Noon() {
  return common::TimePoint{} + std::chrono::days(20000) + 12h;
}

TEST(ProviderLimiterTest, DailyQuotaRunsOutAndComesBackTheNextUtcDay) {
  common::FakeClock clock(Noon());
  common::Metrics metrics;
  ProviderLimiter limiter("firecrawl", {.per_second = 0, .daily_quota = 2}, clock, &metrics);
  const common::MetricLabels labels = {{"provider", "firecrawl"}};
  EXPECT_EQ(metrics.Value(kQuotaRemainingGauge, labels), 2);
  EXPECT_TRUE(limiter.Acquire(clock.Now() + 1s).ok());
  EXPECT_TRUE(limiter.Acquire(clock.Now() + 1s).ok());
  EXPECT_EQ(limiter.RemainingToday(), 0);
  EXPECT_EQ(metrics.Value(kQuotaRemainingGauge, labels), 0);
  common::Status spent = limiter.Acquire(clock.Now() + 1s);
  EXPECT_EQ(spent.error_code(), kProviderQuota);
  EXPECT_FALSE(spent.retryable());
  EXPECT_NE(metrics.Render().find("leadscan_provider_quota_remaining{provider=\"firecrawl\"} 0"),
            std::string::npos);
  clock.Advance(12h);  // midnight UTC
  EXPECT_EQ(limiter.RemainingToday(), 2);
  EXPECT_EQ(metrics.Value(kQuotaRemainingGauge, labels), 2);
  EXPECT_TRUE(limiter.Acquire(clock.Now() + 1s).ok());
  EXPECT_EQ(metrics.Value(kQuotaRemainingGauge, labels), 1);
}

TEST(ProviderLimiterTest, NoQuotaMeansNoGauge) {
  common::FakeClock clock(Noon());
  common::Metrics metrics;
  ProviderLimiter limiter("brave", {}, clock, &metrics);
  EXPECT_EQ(limiter.RemainingToday(), -1);
  EXPECT_TRUE(limiter.Acquire(clock.Now() + 1s).ok());
  EXPECT_EQ(metrics.Render().find(kQuotaRemainingGauge), std::string::npos);
}

TEST(ProviderLimiterTest, GaugeOutlivesTheLimiter) {
  common::FakeClock clock(Noon());
  common::Metrics metrics;
  {
    ProviderLimiter limiter("firecrawl", {.per_second = 0, .daily_quota = 5}, clock, &metrics);
    EXPECT_TRUE(limiter.Acquire(clock.Now() + 1s).ok());
  }
  EXPECT_EQ(metrics.Value(kQuotaRemainingGauge, {{"provider", "firecrawl"}}), 4);
}

TEST(ProviderLimiterTest, PerSecondLimitSpacesStartsAndRefusesOnesPastTheDeadline) {
  common::FakeClock clock(Noon());
  ProviderLimiter limiter("brave", {.per_second = 1, .daily_quota = 10}, clock, nullptr);
  EXPECT_TRUE(limiter.Acquire(clock.Now() + 10s).ok());  // starts now
  // The next start is a second away: a deadline before it is refused at once, retryable,
  // and gives its quota place back.
  common::Status early = limiter.Acquire(clock.Now() + 500ms);
  EXPECT_EQ(early.error_code(), kProviderRateLimited);
  EXPECT_TRUE(early.retryable());
  EXPECT_EQ(fetch::RetryAfter(early)->count(), 1);
  EXPECT_EQ(limiter.RemainingToday(), 9);
  // One that can wait blocks until fake time reaches its start.
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    EXPECT_TRUE(limiter.Acquire(clock.Now() + 10s).ok());
    done = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(done.load());
  clock.Advance(1s);
  waiter.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(limiter.RemainingToday(), 8);
}

TEST(ProviderLimiterTest, CancelWhileWaitingGivesThePlaceBack) {
  common::FakeClock clock(Noon());
  ProviderLimiter limiter("brave", {.per_second = 0.5, .daily_quota = 10}, clock, nullptr);
  EXPECT_TRUE(limiter.Acquire(clock.Now() + 10s).ok());
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  common::Status result;
  std::thread waiter([&] { result = limiter.Acquire(clock.Now() + 10s, cancel); });
  std::this_thread::sleep_for(100ms);
  cancel->store(true);
  waiter.join();
  EXPECT_EQ(result.error_code(), "cancelled");
  EXPECT_EQ(limiter.RemainingToday(), 9);
}

}  // namespace
}  // namespace leadscan::providers
