#include "common/clock.h"

namespace leadscan::common {
namespace {

// A FakeClock waiter cannot be woken by Advance() without owning the waiter's mutex, so it
// re-reads fake time at this real-time interval.
constexpr std::chrono::milliseconds kFakeClockPollInterval{2};

}  // namespace

bool SystemClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                            TimePoint deadline, const std::function<bool()>& pred) {
  return cv.wait_until(lock, deadline, pred);
}

TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> guard(mu_);
  return now_;
}

void FakeClock::Advance(std::chrono::nanoseconds by) {
  std::lock_guard<std::mutex> guard(mu_);
  now_ += std::chrono::duration_cast<TimePoint::duration>(by);
}

void FakeClock::Set(TimePoint to) {
  std::lock_guard<std::mutex> guard(mu_);
  now_ = to;
}

bool FakeClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          TimePoint deadline, const std::function<bool()>& pred) {
  while (!pred()) {
    if (Now() >= deadline)
      return false;
    cv.wait_for(lock, kFakeClockPollInterval);
  }
  return true;
}

}  // namespace leadscan::common
