#include "providers/provider_limiter.h"

#include <cmath>

#include "providers/provider_errors.h"

namespace leadscan::providers {

using common::Status;

namespace {

constexpr std::chrono::milliseconds kCancelPoll{50};

int64_t DayOf(common::TimePoint t) {
  return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

}  // namespace

ProviderLimiter::ProviderLimiter(std::string provider, ProviderLimits limits, common::Clock& clock,
                                 common::Metrics* metrics)
    : provider_(std::move(provider)),
      limits_(limits),
      clock_(clock),
      state_(std::make_shared<State>()) {
  state_->day = DayOf(clock_.Now());
  if (metrics != nullptr && limits_.daily_quota > 0) {
    metrics->DefineGauge(kQuotaRemainingGauge,
                         "Calls left today (UTC) under the provider's daily quota setting");
    // Read at render time and never calls back into Metrics; the limiter's own mutex is never
    // held while it touches Metrics, so the two locks cannot deadlock.
    std::shared_ptr<State> state = state_;
    common::Clock* clock_ptr = &clock_;
    const int64_t quota = limits_.daily_quota;
    metrics->SetCallback(kQuotaRemainingGauge, {{"provider", provider_}},
                         [state, clock_ptr, quota] {
                           std::lock_guard<std::mutex> lock(state->mu);
                           RollOver(*state, clock_ptr->Now());
                           return static_cast<double>(std::max<int64_t>(0, quota - state->used));
                         });
  }
}

void ProviderLimiter::RollOver(State& state, common::TimePoint now) {
  const int64_t today = DayOf(now);
  if (today != state.day) {
    state.day = today;
    state.used = 0;
  }
}

int64_t ProviderLimiter::RemainingToday() const {
  if (limits_.daily_quota <= 0)
    return -1;
  std::lock_guard<std::mutex> lock(state_->mu);
  RollOver(*state_, clock_.Now());
  return std::max<int64_t>(0, limits_.daily_quota - state_->used);
}

Status ProviderLimiter::Acquire(common::TimePoint deadline,
                                const std::shared_ptr<std::atomic<bool>>& cancel) {
  if (limits_.daily_quota > 0) {
    std::lock_guard<std::mutex> lock(state_->mu);
    RollOver(*state_, clock_.Now());
    if (state_->used >= limits_.daily_quota) {
      return ProviderError(kProviderQuota, provider_ + ": the daily quota of " +
                                               std::to_string(limits_.daily_quota) +
                                               " calls set for this provider is spent (UTC day)");
    }
    ++state_->used;
  }
  auto give_back = [&] {
    if (limits_.daily_quota <= 0)
      return;
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->used > 0)
      --state_->used;
  };
  if (limits_.per_second <= 0)
    return Status::Ok();

  const auto gap = std::chrono::duration_cast<common::TimePoint::duration>(
      std::chrono::duration<double>(1.0 / limits_.per_second));
  std::unique_lock<std::mutex> lock(spacing_mu_);
  const common::TimePoint now = clock_.Now();
  const common::TimePoint start = std::max(now, next_start_);
  if (start > deadline) {
    lock.unlock();
    give_back();
    const auto wait = std::chrono::ceil<std::chrono::seconds>(start - now);
    return ProviderError(kProviderRateLimited,
                         provider_ + ": the limit of " + std::to_string(limits_.per_second) +
                             " calls per second leaves no start before the deadline (retry-after=" +
                             std::to_string(wait.count()) + "s)");
  }
  next_start_ = start + gap;
  // Wait for our start in slices, so a cancel is seen promptly.
  while (clock_.Now() < start) {
    if (cancel && cancel->load()) {
      lock.unlock();
      give_back();
      return Status::Cancelled(provider_ + ": cancelled while waiting for the rate limit");
    }
    // The predicate serves a FakeClock (it polls); the slice serves the system clock.
    const common::TimePoint until = std::min(start, clock_.Now() + kCancelPoll);
    clock_.WaitUntil(spacing_cv_, lock, until, [&] { return cancel && cancel->load(); });
  }
  return Status::Ok();
}

}  // namespace leadscan::providers
