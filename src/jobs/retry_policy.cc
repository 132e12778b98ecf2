#include "jobs/retry_policy.h"

#include <algorithm>

namespace leadscan::jobs {
namespace {

uint64_t SeedOrRandom(uint64_t seed) {
  if (seed != 0)
    return seed;
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

// More doublings than this overflow nothing useful: 2^30 times any base is past every cap.
constexpr int kMaxDoublings = 30;

}  // namespace

RetryPolicy::RetryPolicy(RetryOptions options, uint64_t seed)
    : options_(options), rng_(SeedOrRandom(seed)) {}

std::chrono::milliseconds RetryPolicy::Backoff(int retry_count) const {
  const int doublings = std::clamp(retry_count, 0, kMaxDoublings);
  const auto base = std::max<int64_t>(options_.base_delay.count(), 0);
  const auto cap = std::max<int64_t>(options_.max_delay.count(), 0);
  int64_t delay = base;
  for (int i = 0; i < doublings && delay < cap; ++i)
    delay *= 2;
  return std::chrono::milliseconds(std::min(delay, cap));
}

std::chrono::milliseconds RetryPolicy::Delay(int retry_count,
                                             std::optional<std::chrono::seconds> retry_after) {
  const auto backoff = Backoff(retry_count);
  const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
  double fraction;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fraction = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }
  auto delay = std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(backoff.count()) * (1.0 - jitter * fraction)));
  if (retry_after) {
    const auto server = std::min<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after),
        options_.max_retry_after);
    delay = std::max(delay, server);
  }
  return delay;
}

}  // namespace leadscan::jobs
