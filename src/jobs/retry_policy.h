// RetryPolicy: how long a transiently failed item waits before its next attempt (SPEC §4):
// exponential backoff from a base delay, capped, with random jitter, and never less than the
// server's Retry-After (itself capped). Thread-safe (the random source is guarded).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>

namespace leadscan::jobs {

struct RetryOptions {
  std::chrono::milliseconds base_delay{std::chrono::seconds(2)};  // before the first retry
  std::chrono::milliseconds max_delay{std::chrono::minutes(5)};   // backoff cap
  // Fraction of the backoff taken off at random: the delay lies in [d * (1 - jitter), d].
  double jitter = 0.5;
  // A Retry-After longer than this is cut to it, so one server cannot park an item for days.
  std::chrono::milliseconds max_retry_after{std::chrono::minutes(10)};
};

class RetryPolicy {
 public:
  // `seed` 0: seeded from std::random_device.
  explicit RetryPolicy(RetryOptions options = {}, uint64_t seed = 0);

  // The wait before the next attempt of an item that has already been retried `retry_count`
  // times (0 before the first retry): base * 2^retry_count capped at max_delay, minus jitter,
  // and at least `retry_after` (capped at max_retry_after) when the server sent one.
  std::chrono::milliseconds Delay(int retry_count,
                                  std::optional<std::chrono::seconds> retry_after = std::nullopt);

  // The backoff before jitter for `retry_count`.
  std::chrono::milliseconds Backoff(int retry_count) const;

  const RetryOptions& options() const { return options_; }

 private:
  const RetryOptions options_;
  std::mutex mu_;
  std::mt19937_64 rng_;
};

}  // namespace leadscan::jobs
