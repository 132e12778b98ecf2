// RetrySchedule: when a webhook delivery that failed is tried again. Exponential backoff from
// a first delay, capped, with random jitter, never sooner than the receiver's Retry-After
// (itself capped), for at most max_age after the delivery was created: the last attempt falls
// on that deadline, and a failure after it gives the delivery up (docs/webhooks.md). Pure: the
// random number comes from the caller. Thread-safe.
#pragma once

#include <chrono>
#include <optional>

#include "common/clock.h"

namespace leadscan::webhooks {

struct RetryScheduleOptions {
  std::chrono::milliseconds first_delay{std::chrono::seconds(30)};  // after the first attempt
  std::chrono::milliseconds max_delay{std::chrono::hours(1)};       // backoff cap
  // Fraction of the backoff taken off at random: the delay lies in [d * (1 - jitter), d].
  double jitter = 0.5;
  std::chrono::milliseconds max_age{std::chrono::hours(24)};  // then the delivery is given up
};

class RetrySchedule {
 public:
  explicit RetrySchedule(RetryScheduleOptions options = {}) : options_(options) {}

  // The backoff before jitter after `attempts` failed attempts (>= 1): first_delay *
  // 2^(attempts-1), capped at max_delay.
  std::chrono::milliseconds Backoff(int attempts) const;

  // When to try a delivery created at `created_at` again after its `attempts`-th attempt
  // failed at `now`; nullopt: give it up (now is at or past created_at + max_age). `unit_random`
  // in [0, 1) picks the jitter; `retry_after` is the receiver's Retry-After, if any.
  std::optional<common::TimePoint> Next(
      int attempts, common::TimePoint created_at, common::TimePoint now, double unit_random,
      std::optional<std::chrono::seconds> retry_after = std::nullopt) const;

  const RetryScheduleOptions& options() const { return options_; }

 private:
  RetryScheduleOptions options_;
};

}  // namespace leadscan::webhooks
