// RateLimiter: one token bucket per key (a credential's token_key): `burst` requests at once,
// refilled at `per_second`. Time comes from a Clock so tests drive it with FakeClock. Keeps at
// most kMaxKeys buckets, forgetting full (idle) ones first. Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"

namespace leadscan::http {

struct RateLimitOptions {
  bool enabled = true;
  double per_second = 20;  // sustained rate per token
  double burst = 100;      // bucket size
};

class RateLimiter {
 public:
  static constexpr size_t kMaxKeys = 100000;

  struct Decision {
    bool allowed = true;
    int retry_after_seconds = 0;  // when refused: whole seconds until one token is back (>= 1)
  };

  // `clock` must outlive this object.
  RateLimiter(RateLimitOptions options, common::Clock& clock);

  // Takes one token from `key`'s bucket. Never blocks.
  Decision Take(std::string_view key);

 private:
  struct Bucket {
    double tokens = 0;
    common::TimePoint updated;
  };

  void EvictLocked(common::TimePoint now);

  RateLimitOptions options_;
  common::Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace leadscan::http
