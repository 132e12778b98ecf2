// CronZone: UTC offsets of an IANA zone at any instant, for the cron engine. date/tz reads the
// system's TZif files but not their POSIX-TZ footer, so past a zone's last listed transition
// (2037 in Debian's files) it freezes the offset and drops DST; CronZone applies the footer's
// rule there. Cheap to copy; the parsed footers are memoised per zone behind a mutex, so any
// thread may construct and use CronZone values.
#pragma once

#include <date/tz.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace leadscan::jobs {

// A parsed POSIX TZ string with DST rules ("CET-1CEST,M3.5.0,M10.5.0/3").
struct PosixTzRule {
  struct When {
    enum class Kind { kMonthWeekDay, kJulianNoLeap, kZeroBasedDay };
    Kind kind = Kind::kMonthWeekDay;
    int month = 0, week = 0, weekday = 0;  // kMonthWeekDay (week 5 = last)
    int day = 0;                           // kJulianNoLeap: 1-365; kZeroBasedDay: 0-365
    std::chrono::seconds time{7200};       // local wall time of the change (may exceed 24h)
  };

  std::string std_abbrev;
  std::string dst_abbrev;
  std::chrono::seconds std_offset{0};  // east of UTC, like sys_info::offset
  std::chrono::seconds dst_offset{0};
  When start;  // std -> dst, in standard time
  When end;    // dst -> std, in daylight time
};

// Parses a POSIX TZ string; nullopt if it is malformed or has no DST rule (then the offset
// after the last transition never changes and date/tz is already right).
std::optional<PosixTzRule> ParsePosixTz(std::string_view text);

class CronZone {
 public:
  explicit CronZone(const date::time_zone* zone);

  const date::time_zone* zone() const { return zone_; }

  // Like date::time_zone::get_info, with the footer rule after the last listed transition.
  date::sys_info Info(date::sys_seconds t) const;

  date::local_info Info(date::local_seconds t) const;

 private:
  const date::time_zone* zone_;
  std::shared_ptr<const PosixTzRule> rule_;  // null: date/tz alone is right
  date::sys_seconds rule_from_{};            // the last listed transition
};

}  // namespace leadscan::jobs
