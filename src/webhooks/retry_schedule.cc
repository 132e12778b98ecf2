#include "webhooks/retry_schedule.h"

#include <algorithm>

namespace leadscan::webhooks {

std::chrono::milliseconds RetrySchedule::Backoff(int attempts) const {
  std::chrono::milliseconds d = options_.first_delay;
  for (int i = 1; i < attempts && d < options_.max_delay; ++i)
    d *= 2;
  return std::min(d, options_.max_delay);
}

std::optional<common::TimePoint> RetrySchedule::Next(
    int attempts, common::TimePoint created_at, common::TimePoint now, double unit_random,
    std::optional<std::chrono::seconds> retry_after) const {
  const common::TimePoint deadline = created_at + options_.max_age;
  if (now >= deadline)
    return std::nullopt;
  const double r = std::clamp(unit_random, 0.0, 1.0);
  const std::chrono::milliseconds backoff = Backoff(std::max(1, attempts));
  auto delay = std::chrono::milliseconds(static_cast<int64_t>(
      static_cast<double>(backoff.count()) * (1.0 - std::clamp(options_.jitter, 0.0, 1.0) * r)));
  if (retry_after) {
    delay = std::max(delay, std::min<std::chrono::milliseconds>(*retry_after, options_.max_delay));
  }
  delay = std::max(delay, std::chrono::milliseconds(1));
  return std::min(now + delay, deadline);
}

}  // namespace leadscan::webhooks
