#include "jobs/cron_expression.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/utf8.h"
#include "jobs/cron_next.h"

namespace leadscan::jobs {
namespace {

TimePoint At(const std::string& iso) {
  auto t = ParseIsoInstant(iso, nullptr);
  EXPECT_TRUE(t.ok()) << iso;
  return t.ok() ? *t : TimePoint{};
}

std::string Iso(TimePoint t) {
  return FormatIsoUtc(t);
}

const date::time_zone* Zone(const std::string& name) {
  auto z = LookupTimeZone(name);
  EXPECT_TRUE(z.ok()) << name;
  return z.ok() ? *z : nullptr;
}

CronExpression MustParse(const std::string& text) {
  auto e = CronExpression::Parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << e.status().ToString();
  return e.ok() ? *e : *CronExpression::Parse("* * * * *");
}

std::vector<std::string> Runs(const std::string& expr, const std::string& zone,
                              const std::string& from, std::size_t n) {
  std::vector<std::string> out;
  for (TimePoint t : MustParse(expr).NextN(At(from), Zone(zone), n))
    out.push_back(Iso(t));
  return out;
}

using V = std::vector<std::string>;

// --- Europe/Stockholm, spring forward: 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z). ---

TEST(CronDstTest, FixedTimeInSkippedHourRunsAtTheEndOfTheGap) {
  EXPECT_EQ(Runs("0 2 * * *", "Europe/Stockholm", "2026-03-28T12:00:00Z", 3),
            (V{"2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z", "2026-03-31T00:00:00Z"}));
  // 02:30 does not exist either: it runs at 03:00 local, right after the gap, not at 03:30.
  EXPECT_EQ(Runs("30 2 * * *", "Europe/Stockholm", "2026-03-28T12:00:00Z", 2),
            (V{"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}));
}

TEST(CronDstTest, WildcardMinuteInSkippedHourDoesNotRun) {
  // "*/20 2" follows the wall clock; the wall clock never shows 02:xx on 2026-03-29.
  EXPECT_EQ(Runs("*/20 2 * * *", "Europe/Stockholm", "2026-03-28T12:00:00Z", 3),
            (V{"2026-03-30T00:00:00Z", "2026-03-30T00:20:00Z", "2026-03-30T00:40:00Z"}));
}

TEST(CronDstTest, HourListAcrossTheGap) {
  EXPECT_EQ(Runs("15 1,2 * * *", "Europe/Stockholm", "2026-03-28T12:00:00Z", 4),
            (V{"2026-03-29T00:15:00Z", "2026-03-29T01:00:00Z", "2026-03-29T23:15:00Z",
               "2026-03-30T00:15:00Z"}));
}

TEST(CronDstTest, HourStepFollowsTheWallClockInSpring) {
  EXPECT_EQ(Runs("0 */6 * * *", "Europe/Stockholm", "2026-03-28T12:00:00Z", 4),
            (V{"2026-03-28T17:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T04:00:00Z",
               "2026-03-29T10:00:00Z"}));
}

// --- Europe/Stockholm, fall back: 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z). ---

TEST(CronDstTest, FixedTimeInRepeatedHourRunsOnce) {
  EXPECT_EQ(Runs("0 2 * * *", "Europe/Stockholm", "2026-10-24T12:00:00Z", 2),
            (V{"2026-10-25T00:00:00Z", "2026-10-26T01:00:00Z"}));
  EXPECT_EQ(Runs("30 2 * * *", "Europe/Stockholm", "2026-10-24T12:00:00Z", 2),
            (V{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}));
}

TEST(CronDstTest, WildcardMinuteInRepeatedHourRunsInBothPasses) {
  EXPECT_EQ(Runs("*/20 2 * * *", "Europe/Stockholm", "2026-10-24T12:00:00Z", 7),
            (V{"2026-10-25T00:00:00Z", "2026-10-25T00:20:00Z", "2026-10-25T00:40:00Z",
               "2026-10-25T01:00:00Z", "2026-10-25T01:20:00Z", "2026-10-25T01:40:00Z",
               "2026-10-26T01:00:00Z"}));
}

TEST(CronDstTest, HourListAcrossTheOverlap) {
  EXPECT_EQ(Runs("15 1,2 * * *", "Europe/Stockholm", "2026-10-24T12:00:00Z", 4),
            (V{"2026-10-24T23:15:00Z", "2026-10-25T00:15:00Z", "2026-10-26T00:15:00Z",
               "2026-10-26T01:15:00Z"}));
}

TEST(CronDstTest, HourStepFollowsTheWallClockInAutumn) {
  EXPECT_EQ(Runs("0 */6 * * *", "Europe/Stockholm", "2026-10-24T12:00:00Z", 4),
            (V{"2026-10-24T16:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T05:00:00Z",
               "2026-10-25T11:00:00Z"}));
  EXPECT_EQ(Runs("0 * * * *", "Europe/Stockholm", "2026-10-24T22:30:00Z", 4),
            (V{"2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z",
               "2026-10-25T02:00:00Z"}));
}

TEST(CronDstTest, NextFromInsideTheRepeatedHour) {
  // First pass (02:30 CEST): the next is 02:40 CEST, not a second-pass time.
  EXPECT_EQ(Runs("*/20 2 * * *", "Europe/Stockholm", "2026-10-25T00:30:00Z", 2),
            (V{"2026-10-25T00:40:00Z", "2026-10-25T01:00:00Z"}));
  // Second pass (02:05 CET).
  EXPECT_EQ(Runs("*/20 2 * * *", "Europe/Stockholm", "2026-10-25T01:05:00Z", 1),
            (V{"2026-10-25T01:20:00Z"}));
  // A fixed-time job already ran in the first pass: nothing more that night.
  EXPECT_EQ(Runs("30 2 * * *", "Europe/Stockholm", "2026-10-25T00:45:00Z", 1),
            (V{"2026-10-26T01:30:00Z"}));
}

TEST(CronDstTest, SearchStopsBeforeTheEndOfTimePointRange) {
  auto e = MustParse("0 0 29 2 */7");  // Feb 29 on a Sunday: years apart
  EXPECT_FALSE(e.Next(TimePoint::max() - std::chrono::hours{24 * 365}, Zone("UTC")).has_value());
  EXPECT_FALSE(MustParse("* * * * *").Next(TimePoint::max(), Zone("Europe/Stockholm")).has_value());
  EXPECT_EQ(Runs("0 0 1 1 *", "UTC", "2200-06-01T00:00:00Z", 1), (V{"2201-01-01T00:00:00Z"}));
}

TEST(CronDstTest, NextIsStrictlyAfter) {
  EXPECT_EQ(Runs("0 2 * * *", "Europe/Stockholm", "2026-03-29T01:00:00Z", 1),
            (V{"2026-03-30T00:00:00Z"}));
  EXPECT_EQ(Runs("*/15 * * * *", "UTC", "2026-01-01T00:15:00Z", 1), (V{"2026-01-01T00:30:00Z"}));
  EXPECT_EQ(Runs("*/15 * * * *", "UTC", "2026-01-01T00:14:59Z", 1), (V{"2026-01-01T00:15:00Z"}));
}

TEST(CronDstTest, AlternativePolicyShiftsAndRunsOnce) {
  CronSemantics shift;
  shift.dst = CronSemantics::Dst::kShiftAndFirst;
  auto e = MustParse("30 2 * * *");
  auto* z = Zone("Europe/Stockholm");
  EXPECT_EQ(Iso(*e.Next(At("2026-03-28T12:00:00Z"), z, shift)), "2026-03-29T01:30:00Z");
  auto w = MustParse("*/20 2 * * *");
  std::vector<std::string> got;
  for (TimePoint t : w.NextN(At("2026-10-24T12:00:00Z"), z, 4, shift))
    got.push_back(Iso(t));
  EXPECT_EQ(got, (V{"2026-10-25T00:00:00Z", "2026-10-25T00:20:00Z", "2026-10-25T00:40:00Z",
                    "2026-10-26T01:00:00Z"}));
}

TEST(CronDstTest, OtherZones) {
  // New York, 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z).
  EXPECT_EQ(Runs("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2),
            (V{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}));
  // Lord Howe moves by 30 minutes: 2026-10-04 02:00 -> 02:30 (+10:30 -> +11).
  EXPECT_EQ(Runs("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 2),
            (V{"2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"}));
  EXPECT_EQ(Runs("0 9 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", 1),
            (V{"2026-01-01T03:30:00Z"}));
}

// --- Calendar ---

TEST(CronCalendarTest, LeapDays) {
  EXPECT_EQ(Runs("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 3),
            (V{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"}));
  // 2100 is not a leap year.
  EXPECT_EQ(Runs("0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", 1), (V{"2104-02-29T00:00:00Z"}));
  // Feb 29 that is also a Sunday (AND because day-of-week starts with '*').
  EXPECT_EQ(Runs("0 0 29 2 */7", "UTC", "2026-01-01T00:00:00Z", 1), (V{"2032-02-29T00:00:00Z"}));
}

TEST(CronCalendarTest, MonthEnds) {
  EXPECT_EQ(Runs("0 0 31 * *", "UTC", "2026-01-31T00:00:00Z", 6),
            (V{"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z",
               "2026-08-31T00:00:00Z", "2026-10-31T00:00:00Z", "2026-12-31T00:00:00Z"}));
  EXPECT_EQ(Runs("59 23 30 * *", "UTC", "2026-01-31T00:00:00Z", 2),
            (V{"2026-03-30T23:59:00Z", "2026-04-30T23:59:00Z"}));
  // Year rollover.
  EXPECT_EQ(Runs("59 23 31 12 *", "UTC", "2026-12-31T23:59:00Z", 1), (V{"2027-12-31T23:59:00Z"}));
}

TEST(CronCalendarTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  EXPECT_EQ(Runs("0 0 1,15 * MON", "UTC", "2026-05-31T12:00:00Z", 6),
            (V{"2026-06-01T00:00:00Z", "2026-06-08T00:00:00Z", "2026-06-15T00:00:00Z",
               "2026-06-22T00:00:00Z", "2026-06-29T00:00:00Z", "2026-07-01T00:00:00Z"}));
}

TEST(CronCalendarTest, StarPrefixedDayFieldMeansAnd) {
  // "*/2" counts as unrestricted: odd days that are Mondays.
  EXPECT_EQ(Runs("0 0 */2 * MON", "UTC", "2026-05-31T12:00:00Z", 3),
            (V{"2026-06-01T00:00:00Z", "2026-06-15T00:00:00Z", "2026-06-29T00:00:00Z"}));
  // The 1st of a month that is a Sunday, Tuesday, Thursday or Saturday.
  EXPECT_EQ(Runs("0 0 1 * */2", "UTC", "2026-01-02T00:00:00Z", 3),
            (V{"2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-08-01T00:00:00Z"}));
  // Only the day-of-month restricted: the day of week does not matter.
  EXPECT_EQ(Runs("0 0 15 * *", "UTC", "2026-06-01T00:00:00Z", 1), (V{"2026-06-15T00:00:00Z"}));
  // Only the day-of-week restricted.
  EXPECT_EQ(Runs("0 0 * * MON", "UTC", "2026-06-02T00:00:00Z", 1), (V{"2026-06-08T00:00:00Z"}));
  // The alternative reading (only a bare '*' is unrestricted) gives OR here.
  CronSemantics bare;
  bare.dom_dow = CronSemantics::DomDow::kBareStarOnly;
  EXPECT_EQ(Iso(*MustParse("0 0 */2 * MON").Next(At("2026-06-01T00:00:00Z"), Zone("UTC"), bare)),
            "2026-06-03T00:00:00Z");
}

TEST(CronCalendarTest, MatchesWallTime) {
  auto e = MustParse("0 0 */2 * MON");
  auto wall = [](int y, unsigned m, unsigned d, int h, int mi) {
    return date::local_days{date::year{y} / m / d} + std::chrono::hours{h} +
           std::chrono::minutes{mi};
  };
  EXPECT_TRUE(e.MatchesWallTime(wall(2026, 6, 1, 0, 0)));   // odd day, Monday
  EXPECT_FALSE(e.MatchesWallTime(wall(2026, 6, 8, 0, 0)));  // even day, Monday
  EXPECT_FALSE(e.MatchesWallTime(wall(2026, 6, 3, 0, 0)));  // odd day, Wednesday
  EXPECT_FALSE(e.MatchesWallTime(wall(2026, 6, 1, 0, 1)));  // wrong minute
  CronSemantics bare;
  bare.dom_dow = CronSemantics::DomDow::kBareStarOnly;
  EXPECT_TRUE(e.MatchesWallTime(wall(2026, 6, 3, 0, 0), bare));  // OR: any odd day
}

TEST(CronCalendarTest, SevenIsSundayAndNamesAreCaseInsensitive) {
  V sundays{"2026-06-07T00:00:00Z", "2026-06-14T00:00:00Z"};
  EXPECT_EQ(Runs("0 0 * * 7", "UTC", "2026-06-01T00:00:00Z", 2), sundays);
  EXPECT_EQ(Runs("0 0 * * 0", "UTC", "2026-06-01T00:00:00Z", 2), sundays);
  EXPECT_EQ(Runs("0 0 * * sun", "UTC", "2026-06-01T00:00:00Z", 2), sundays);
  EXPECT_EQ(Runs("0 0 * * Sun", "UTC", "2026-06-01T00:00:00Z", 2), sundays);
  // 5-7: Friday, Saturday, Sunday.
  EXPECT_EQ(Runs("0 0 * * 5-7", "UTC", "2026-06-01T00:00:00Z", 3),
            (V{"2026-06-05T00:00:00Z", "2026-06-06T00:00:00Z", "2026-06-07T00:00:00Z"}));
  EXPECT_EQ(Runs("0 12 * * mon-FRI", "UTC", "2026-06-05T13:00:00Z", 1),
            (V{"2026-06-08T12:00:00Z"}));
  EXPECT_EQ(Runs("0 0 1 jan,Jul *", "UTC", "2026-01-01T00:00:00Z", 2),
            (V{"2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"}));
  EXPECT_EQ(Runs("0 0 1 feb-apr/2 *", "UTC", "2026-01-01T00:00:00Z", 2),
            (V{"2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z"}));
}

TEST(CronCalendarTest, ListsRangesAndSteps) {
  EXPECT_EQ(Runs("1-10/4,30 * * * *", "UTC", "2026-01-01T00:00:00Z", 5),
            (V{"2026-01-01T00:01:00Z", "2026-01-01T00:05:00Z", "2026-01-01T00:09:00Z",
               "2026-01-01T00:30:00Z", "2026-01-01T01:01:00Z"}));
  EXPECT_EQ(Runs("*/15 9-17 * * 1-5", "UTC", "2026-06-05T17:40:00Z", 2),
            (V{"2026-06-05T17:45:00Z", "2026-06-08T09:00:00Z"}));
  // A step larger than the range keeps only the start, as in cronie.
  EXPECT_EQ(Runs("*/90 0 * * *", "UTC", "2026-01-01T00:00:00Z", 1), (V{"2026-01-02T00:00:00Z"}));
}

TEST(CronMacroTest, EveryMacroExpandsAsCronie) {
  struct Case {
    const char* macro;
    const char* equivalent;
  };

  for (Case c :
       {Case{"@hourly", "0 * * * *"}, Case{"@daily", "0 0 * * *"}, Case{"@midnight", "0 0 * * *"},
        Case{"@weekly", "0 0 * * 0"}, Case{"@monthly", "0 0 1 * *"}, Case{"@yearly", "0 0 1 1 *"},
        Case{"@annually", "0 0 1 1 *"}}) {
    EXPECT_EQ(Runs(c.macro, "Europe/Stockholm", "2026-03-28T12:00:00Z", 5),
              Runs(c.equivalent, "Europe/Stockholm", "2026-03-28T12:00:00Z", 5))
        << c.macro;
    EXPECT_EQ(MustParse(c.macro).macro(), std::string(c.macro).substr(1));
  }
  EXPECT_EQ(Runs("@weekly", "UTC", "2026-06-01T00:00:00Z", 1), (V{"2026-06-07T00:00:00Z"}));
  EXPECT_EQ(Runs("@yearly", "UTC", "2026-06-01T00:00:00Z", 1), (V{"2027-01-01T00:00:00Z"}));
  EXPECT_EQ(Runs("@monthly", "UTC", "2026-06-01T00:00:00Z", 1), (V{"2026-07-01T00:00:00Z"}));
  EXPECT_TRUE(MustParse("@hourly").is_wildcard_time());
  EXPECT_FALSE(MustParse("@daily").is_wildcard_time());
  EXPECT_TRUE(CronExpression::Parse("  @DAILY ").ok());
}

// --- Invalid input: every error is invalid_cron on schedule_cron, naming the field. ---

struct BadCase {
  const char* text;
  const char* message_part;
};

class CronInvalidTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(CronInvalidTest, RejectedWithFieldAndProblem) {
  auto r = CronExpression::Parse(GetParam().text);
  ASSERT_FALSE(r.ok()) << GetParam().text;
  EXPECT_EQ(r.status().error_code(), "invalid_cron");
  EXPECT_EQ(r.status().field(), "schedule_cron");
  EXPECT_EQ(r.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(GetParam().message_part), std::string::npos)
      << "message: " << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Messages, CronInvalidTest,
    ::testing::Values(
        BadCase{"", "empty"}, BadCase{"   ", "empty"},
        BadCase{"* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
        BadCase{"0 * * * * *", "seconds and year fields are not supported"},
        BadCase{"60 * * * *", "minute field \"60\": 60 is out of range 0-59"},
        BadCase{"0 24 * * *", "hour field \"24\": 24 is out of range 0-23"},
        BadCase{"0 0 0 * *", "day-of-month field \"0\": 0 is out of range 1-31"},
        BadCase{"0 0 32 * *", "day-of-month field \"32\": 32 is out of range 1-31"},
        BadCase{"0 0 * 13 *", "month field \"13\": 13 is out of range 1-12 or JAN-DEC"},
        BadCase{"0 0 * 0 *", "month field \"0\""},
        BadCase{"0 0 * * 8", "day-of-week field \"8\": 8 is out of range 0-7"},
        BadCase{"0 0 * * FUN", "day-of-week field \"FUN\": unknown day name 'FUN'"},
        BadCase{"0 0 * * Monday", "unknown day name 'Monday'"},
        BadCase{"0 0 * JANUARY *", "month field \"JANUARY\": unknown month name"},
        BadCase{"0 MON * * *", "hour field \"MON\": names such as 'MON' are not allowed"},
        BadCase{"5-1 * * * *", "minute field \"5-1\": the range 5-1 runs backwards"},
        BadCase{"0 0 * * FRI-SUN", "runs backwards"}, BadCase{"0 0 * * 5-0", "write 5-7"},
        BadCase{"5/10 * * * *", "a step needs a range or '*' before it: write 5-59/10 or */10"},
        BadCase{"*/0 * * * *", "a step of 0 is not allowed"},
        BadCase{"*/ * * * *", "a step is missing after '/'"},
        BadCase{"*/x * * * *", "the step after '/' must be a number"},
        BadCase{"1,,2 * * * *", "empty element in the list"},
        BadCase{"1, * * * *", "empty element"}, BadCase{"*5 * * * *", "unexpected '5' after '*'"},
        BadCase{"1-2-3 * * * *", "unexpected '-'"},
        BadCase{"0 0 ? * *", "'?' is not cron syntax here"},
        BadCase{"0 0 L * *", "'L' (last day) is not supported"},
        BadCase{"0 0 * * 5#2", "'#' (nth weekday) is not supported"},
        BadCase{"0 0 15W * *", "'W' (nearest weekday) is not supported"},
        BadCase{"0~30 * * * *", "'~' (random value) is not supported"},
        BadCase{"0 0 1- * *", "a value is missing"}, BadCase{"99999999999 * * * *", "out of range"},
        BadCase{"@reboot", "@reboot is not supported"},
        BadCase{"@every_minute", "unknown macro '@every_minute'"},
        BadCase{"@daily extra", "a macro stands alone"},
        BadCase{"0 0 30 2 *",
                "day-of-month field \"30\": the expression can never run: day 30 "
                "does not occur in February"},
        BadCase{"0 0 31 4,6,9,11 *",
                "can never run: day 31 does not occur in April, June, September or November"},
        BadCase{"0 0 30,31 feb *", "day 30 and later days do not occur in February"},
        BadCase{"0 0 31 2 */2", "can never run"}));

TEST(CronParseTest, HugeInputGivesABoundedMessage) {
  std::string huge(100000, '9');
  auto r = CronExpression::Parse(huge + " * * * *");
  ASSERT_FALSE(r.ok());
  EXPECT_LE(r.status().message().size(), 410u);
  EXPECT_NE(r.status().message().find("minute field"), std::string::npos);
  std::string long_list;
  for (int i = 0; i < 5000; ++i)
    long_list += "1,";
  r = CronExpression::Parse(long_list + "x * * * *");
  ASSERT_FALSE(r.ok());
  EXPECT_LE(r.status().message().size(), 410u);
  EXPECT_NE(r.status().message().find("unexpected character 'x'"), std::string::npos);
}

TEST(CronParseTest, ImpossibleDayIsFineWhenDayOfWeekCanMatch) {
  // Both day fields restricted: OR, so Mondays in February still run.
  EXPECT_EQ(Runs("0 0 30 2 MON", "UTC", "2026-01-01T00:00:00Z", 1), (V{"2026-02-02T00:00:00Z"}));
}

TEST(CronParseTest, KeepsTextFlagsAndMasks) {
  auto e = MustParse("  */5 2 1-10/3 * 7 ");
  EXPECT_EQ(e.text(), "*/5 2 1-10/3 * 7");
  EXPECT_TRUE(e.starts_with_star(CronField::kMinute));
  EXPECT_FALSE(e.is_bare_star(CronField::kMinute));
  EXPECT_TRUE(e.is_bare_star(CronField::kMonth));
  EXPECT_EQ(e.mask(CronField::kDayOfMonth), (1u << 1) | (1u << 4) | (1u << 7) | (1u << 10));
  EXPECT_EQ(e.mask(CronField::kDayOfWeek), 1u);
  EXPECT_TRUE(e.is_wildcard_time());
  EXPECT_FALSE(MustParse("0 2 * * *").is_wildcard_time());
  EXPECT_EQ(e.items(CronField::kDayOfMonth).size(), 1u);
  EXPECT_EQ(e.items(CronField::kDayOfMonth)[0].step, 3);
}

// Found by fuzzing (tests/fuzz/cron): the byte after '*' was echoed alone, so a multi-byte
// character there (or a clip inside one) made the error message invalid UTF-8.
TEST(CronParseTest, ErrorMessagesStayUtf8ForUtf8Input) {
  for (const std::string& text :
       std::vector<std::string>{"*\xC3\xA5 * * * *", "0 *\xDE\xBA * * *",
                                std::string(300, '1') + "\xC3\xA5\xC3\xA5 * * * *"}) {
    auto parsed = CronExpression::Parse(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().error_code(), "invalid_cron");
    EXPECT_TRUE(common::IsValidUtf8(parsed.status().message())) << parsed.status().message();
  }
}

TEST(CronTimeZoneTest, LookupKnownAndUnknownZones) {
  auto z = LookupTimeZone("Europe/Stockholm");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ((*z)->name(), "Europe/Stockholm");
  EXPECT_TRUE(LookupTimeZone("UTC").ok());
  for (const char* bad :
       {"", "Mars/Olympus", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/Stockholm;rm"}) {
    auto r = LookupTimeZone(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().error_code(), "invalid_timezone");
    EXPECT_EQ(r.status().field(), "timezone");
  }
}

TEST(CronTimeZoneTest, UsesTheSystemTzdata) {
  // USE_OS_TZDB: the zone data is read from the system's zoneinfo directory.
  EXPECT_NE(date::get_tzdb().version, "");
  auto info = Zone("Europe/Stockholm")
                  ->get_info(std::chrono::floor<std::chrono::seconds>(At("2026-07-01T00:00:00Z")));
  EXPECT_EQ(info.offset, std::chrono::hours{2});
}

}  // namespace
}  // namespace leadscan::jobs
