// CronExpression: a parsed five-field cron schedule with cronie's syntax and semantics, and the
// computation of its next run times in any IANA time zone (Howard Hinnant's date/tz over the
// system's tzdata). Immutable after Parse; all const methods are safe to call from any thread.
// docs/cron.md describes the accepted syntax, the day-of-month/day-of-week rule and the DST rules.
#pragma once

#include <date/tz.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace leadscan::jobs {

using common::TimePoint;

// The error code and input field every cron parse error carries.
inline constexpr std::string_view kInvalidCronCode = "invalid_cron";
inline constexpr std::string_view kCronFieldName = "schedule_cron";
inline constexpr std::string_view kInvalidTimezoneCode = "invalid_timezone";
inline constexpr std::string_view kTimezoneFieldName = "timezone";

enum class CronField { kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek };

// "minute", "hour", "day-of-month", "month", "day-of-week".
std::string_view CronFieldName(CronField field);

// How the engine reads the day fields and DST. The defaults are cronie's and are what leadscan
// uses; the alternatives describe other engines' choices so the differential test can prove that
// every disagreement with them is one of these documented choices (docs/cron.md).
struct CronSemantics {
  enum class DomDow {
    kCronie,        // OR when both day fields are restricted; a field starting with '*' is not.
    kBareStarOnly,  // as kCronie, but only a field that is exactly "*" counts as unrestricted.
  };
  enum class Dst {
    kCronie,  // fixed-time: skipped time runs at the end of the gap, repeated time runs once;
              // wildcard minute or hour: follows the wall clock (skipped: none, repeated: twice).
    kShiftAndFirst,  // every job: skipped time is shifted by the gap, repeated time runs once.
  };
  DomDow dom_dow = DomDow::kCronie;
  Dst dst = Dst::kCronie;
};

// One parsed element of a field's comma-separated list, kept for the plain-language reading.
struct CronListItem {
  enum class Kind { kStar, kValue, kRange };
  Kind kind = Kind::kValue;
  int first = 0;  // kValue: the value; kRange: the start; kStar: the field's minimum.
  int last = 0;   // kRange: the end; kStar: the field's maximum.
  int step = 1;
};

class CronExpression {
 public:
  // Parses five fields ("0 2 * * *") or a macro (@hourly @daily @midnight @weekly @monthly
  // @yearly @annually). On failure the Status has error_code "invalid_cron", field
  // "schedule_cron" and a message that names the cron field and the problem. Expressions that
  // can never run ("0 0 30 2 *") are rejected too. Does not block.
  static common::Result<CronExpression> Parse(std::string_view text);

  // The first run strictly after `after` in `zone`, or nullopt if there is none within the
  // search horizon (400 years; never happens for an expression Parse accepted). Never blocks.
  std::optional<TimePoint> Next(TimePoint after, const date::time_zone* zone,
                                const CronSemantics& semantics = {}) const;

  // Up to `count` successive runs strictly after `after`.
  std::vector<TimePoint> NextN(TimePoint after, const date::time_zone* zone, std::size_t count,
                               const CronSemantics& semantics = {}) const;

  // True if the wall-clock minute matches the fields (the day rule per `semantics`).
  bool MatchesWallTime(date::local_time<std::chrono::minutes> wall,
                       const CronSemantics& semantics = {}) const;

  // cronie's "wildcard" job: the minute or the hour field starts with '*' (or @hourly). Such a
  // job follows the wall clock across DST changes; any other job is a fixed-time job.
  bool is_wildcard_time() const { return minute_star_ || hour_star_; }

  // The text as given, trimmed.
  const std::string& text() const { return text_; }

  // The macro name without '@' ("daily") when the text was a macro, else empty.
  const std::string& macro() const { return macro_; }

  // The parsed list of one field, in the order written (a macro yields its expansion).
  const std::vector<CronListItem>& items(CronField field) const {
    return items_[static_cast<int>(field)];
  }

  // True if the field was written starting with '*' (cronie's DOM_STAR, DOW_STAR, ...).
  bool starts_with_star(CronField field) const { return star_[static_cast<int>(field)]; }

  // True if the field was written exactly "*".
  bool is_bare_star(CronField field) const { return bare_star_[static_cast<int>(field)]; }

  // The set of values of a field as a bit mask (bit v set when value v matches; day-of-week
  // uses 0-6 with Sunday 0 after folding 7).
  std::uint64_t mask(CronField field) const { return mask_[static_cast<int>(field)]; }

 private:
  CronExpression() = default;

  bool DayMatches(date::year_month_day ymd, date::weekday wd, const CronSemantics& s) const;

  // The first wall-clock minute at or after `from` that matches, up to `limit`.
  std::optional<date::local_time<std::chrono::minutes>> NextMatchingWall(
      date::local_time<std::chrono::minutes> from, date::local_time<std::chrono::minutes> limit,
      const CronSemantics& semantics) const;

  std::string text_;
  std::string macro_;
  std::uint64_t mask_[5] = {0, 0, 0, 0, 0};
  bool star_[5] = {false, false, false, false, false};
  bool bare_star_[5] = {false, false, false, false, false};
  std::vector<CronListItem> items_[5];
  bool minute_star_ = false;
  bool hour_star_ = false;
};

// Finds an IANA zone in the system's tzdata (/usr/share/zoneinfo). Unknown or empty names
// give error_code "invalid_timezone", field "timezone". Thread-safe; the first call reads the
// zone list from disk.
common::Result<const date::time_zone*> LookupTimeZone(std::string_view name);

}  // namespace leadscan::jobs
