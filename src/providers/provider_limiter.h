// ProviderLimiter: one provider's own limits in this process: at most `per_second` calls start
// per second (evenly spaced, no burst) and at most `daily_quota` calls per UTC day. The
// remaining quota is the gauge leadscan_provider_quota_remaining{provider="<name>"} (only when
// a quota is set). Thread-safe; the counts live in memory, per process.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"

namespace leadscan::providers {

inline constexpr char kQuotaRemainingGauge[] = "leadscan_provider_quota_remaining";

struct ProviderLimits {
  double per_second = 0;    // calls started per second; 0: no limit
  int64_t daily_quota = 0;  // calls per UTC day; 0: no limit
};

class ProviderLimiter {
 public:
  // `metrics` (may be null) must outlive this limiter's last use; the gauge reads shared state,
  // so rendering metrics after the limiter is gone is safe.
  ProviderLimiter(std::string provider, ProviderLimits limits, common::Clock& clock,
                  common::Metrics* metrics);

  // Takes one call's place: counts it against today's quota and blocks the calling thread until
  // the per-second spacing lets it start. Fails at once with provider_quota when today's quota
  // is spent, with provider_rate_limited (retryable, retry-after tagged) when the start would
  // come after `deadline`, and with cancelled when `cancel` is set while waiting (the place is
  // given back then).
  common::Status Acquire(common::TimePoint deadline,
                         const std::shared_ptr<std::atomic<bool>>& cancel = nullptr);

  // Calls left today; -1 when there is no daily quota.
  int64_t RemainingToday() const;

  const ProviderLimits& limits() const { return limits_; }

 private:
  struct State {
    mutable std::mutex mu;
    int64_t day = 0;   // days since the epoch (UTC) the count belongs to
    int64_t used = 0;  // calls counted on `day`
  };

  // Rolls the count over to today's day when the day has changed; needs state_->mu held.
  static void RollOver(State& state, common::TimePoint now);

  const std::string provider_;
  const ProviderLimits limits_;
  common::Clock& clock_;
  std::shared_ptr<State> state_;
  std::mutex spacing_mu_;
  std::condition_variable spacing_cv_;
  common::TimePoint next_start_{};  // guarded by spacing_mu_
};

}  // namespace leadscan::providers
