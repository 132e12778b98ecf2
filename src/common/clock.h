// Clock: the seam for time. Services take a Clock& so tests can drive time with FakeClock.
// SystemClock is stateless and thread-safe; FakeClock is thread-safe and only moves when a test
// calls Advance() or Set().
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace leadscan::common {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;

  // Wall-clock now (UTC).
  virtual TimePoint Now() const = 0;

  // Blocks on `cv` (with `lock` held on entry and exit) until `pred()` is true or Now() reaches
  // `deadline`. Returns pred(). Wakes early on cv notifications like condition_variable.
  virtual bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline, const std::function<bool()>& pred) = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }

  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline, const std::function<bool()>& pred) override;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{}) : now_(start) {}

  TimePoint Now() const override;

  // Moves time forward; waiters see the new time within one poll interval.
  void Advance(std::chrono::nanoseconds by);

  void Set(TimePoint to);

  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline, const std::function<bool()>& pred) override;

 private:
  mutable std::mutex mu_;
  TimePoint now_;
};

}  // namespace leadscan::common
