#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace leadscan::http {

RateLimiter::RateLimiter(RateLimitOptions options, common::Clock& clock)
    : options_(options), clock_(clock) {}

RateLimiter::Decision RateLimiter::Take(std::string_view key) {
  if (!options_.enabled || options_.per_second <= 0)
    return {};
  common::TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxKeys)
      EvictLocked(now);
    it = buckets_.emplace(std::string(key), Bucket{options_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  if (elapsed > 0) {
    bucket.tokens = std::min(options_.burst, bucket.tokens + elapsed * options_.per_second);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return {};
  }
  double wait = (1 - bucket.tokens) / options_.per_second;
  return {false, std::max(1, static_cast<int>(std::ceil(wait)))};
}

void RateLimiter::EvictLocked(common::TimePoint now) {
  // A bucket that has refilled completely carries no state worth keeping.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * options_.per_second >= options_.burst) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  // Still full of busy keys: forget an arbitrary half rather than grow without bound.
  if (buckets_.size() >= kMaxKeys) {
    size_t drop = buckets_.size() / 2;
    for (auto it = buckets_.begin(); it != buckets_.end() && drop > 0; --drop) {
      it = buckets_.erase(it);
    }
  }
}

}  // namespace leadscan::http
