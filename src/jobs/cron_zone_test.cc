#include "jobs/cron_zone.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jobs/cron_expression.h"
#include "jobs/cron_next.h"

namespace leadscan::jobs {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

date::sys_seconds At(const std::string& iso) {
  auto t = ParseIsoInstant(iso, nullptr);
  EXPECT_TRUE(t.ok()) << iso;
  return std::chrono::floor<seconds>(t.ok() ? *t : TimePoint{});
}

const date::time_zone* Zone(const std::string& name) {
  auto z = LookupTimeZone(name);
  EXPECT_TRUE(z.ok()) << name;
  return z.ok() ? *z : nullptr;
}

TEST(PosixTzTest, ParsesEuropeanRule) {
  auto r = ParsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->std_abbrev, "CET");
  EXPECT_EQ(r->dst_abbrev, "CEST");
  EXPECT_EQ(r->std_offset, hours{1});
  EXPECT_EQ(r->dst_offset, hours{2});
  EXPECT_EQ(r->start.month, 3);
  EXPECT_EQ(r->start.week, 5);
  EXPECT_EQ(r->start.weekday, 0);
  EXPECT_EQ(r->start.time, hours{2});
  EXPECT_EQ(r->end.time, hours{3});
}

TEST(PosixTzTest, ParsesOtherForms) {
  auto ny = ParsePosixTz("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(ny.has_value());
  EXPECT_EQ(ny->std_offset, -hours{5});
  EXPECT_EQ(ny->dst_offset, -hours{4});
  auto nuuk = ParsePosixTz("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  ASSERT_TRUE(nuuk.has_value());
  EXPECT_EQ(nuuk->std_abbrev, "-02");
  EXPECT_EQ(nuuk->start.time, -hours{1});
  auto lord_howe = ParsePosixTz("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
  ASSERT_TRUE(lord_howe.has_value());
  EXPECT_EQ(lord_howe->std_offset, hours{10} + minutes{30});
  EXPECT_EQ(lord_howe->dst_offset, hours{11});
  auto julian = ParsePosixTz("XXX3YYY,J60/2,300/2");
  ASSERT_TRUE(julian.has_value());
  EXPECT_EQ(julian->start.kind, PosixTzRule::When::Kind::kJulianNoLeap);
  EXPECT_EQ(julian->end.kind, PosixTzRule::When::Kind::kZeroBasedDay);
  for (const char* no_rule :
       {"", "CET", "<+0330>-3:30", "UTC0", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.5.0",
        "CET-1CEST,M3.6.0,M10.5.0", "C-1D,M3.5.0,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0/3junk"}) {
    EXPECT_FALSE(ParsePosixTz(no_rule).has_value()) << no_rule;
  }
}

TEST(CronZoneTest, AppliesTheFooterRuleAfter2037) {
  CronZone sthlm(Zone("Europe/Stockholm"));
  EXPECT_EQ(sthlm.Info(At("2040-07-01T00:00:00Z")).offset, hours{2});
  EXPECT_EQ(sthlm.Info(At("2040-07-01T00:00:00Z")).abbrev, "CEST");
  EXPECT_EQ(sthlm.Info(At("2040-01-15T00:00:00Z")).offset, hours{1});
  // 2040-03-25 is the last Sunday of March: 01:00Z is the change.
  EXPECT_EQ(sthlm.Info(At("2040-03-25T00:59:59Z")).offset, hours{1});
  EXPECT_EQ(sthlm.Info(At("2040-03-25T01:00:00Z")).offset, hours{2});
  EXPECT_EQ(sthlm.Info(At("2040-03-25T01:00:00Z")).begin, At("2040-03-25T01:00:00Z"));
  EXPECT_EQ(sthlm.Info(At("2040-03-25T01:00:00Z")).end, At("2040-10-28T01:00:00Z"));
  CronZone sydney(Zone("Australia/Sydney"));
  EXPECT_EQ(sydney.Info(At("2060-01-01T00:00:00Z")).offset, hours{11});
  EXPECT_EQ(sydney.Info(At("2060-07-01T00:00:00Z")).offset, hours{10});
  CronZone new_york(Zone("America/New_York"));
  EXPECT_EQ(new_york.Info(At("2050-07-04T12:00:00Z")).offset, -hours{4});
  // Before the last listed transition nothing changes.
  EXPECT_EQ(sthlm.Info(At("2026-07-01T00:00:00Z")).offset, hours{2});
  // A zone without DST keeps its offset.
  EXPECT_EQ(CronZone(Zone("Asia/Kolkata")).Info(At("2050-07-01T00:00:00Z")).offset,
            hours{5} + minutes{30});
}

TEST(CronZoneTest, LocalTimesAroundFooterChanges) {
  CronZone sthlm(Zone("Europe/Stockholm"));
  auto local = [](const std::string& s) {
    return date::local_seconds{At(s).time_since_epoch()};  // the wall clock read as UTC
  };
  EXPECT_EQ(sthlm.Info(local("2040-03-25T02:30:00Z")).result, date::local_info::nonexistent);
  EXPECT_EQ(sthlm.Info(local("2040-10-28T02:30:00Z")).result, date::local_info::ambiguous);
  EXPECT_EQ(sthlm.Info(local("2040-10-28T02:30:00Z")).first.offset, hours{2});
  EXPECT_EQ(sthlm.Info(local("2040-10-28T02:30:00Z")).second.offset, hours{1});
  EXPECT_EQ(sthlm.Info(local("2040-06-01T12:00:00Z")).result, date::local_info::unique);
  // Same answers as date/tz inside its table.
  for (const char* s : {"2026-03-29T02:30:00Z", "2026-10-25T02:30:00Z", "2026-06-01T12:00:00Z"}) {
    auto ours = sthlm.Info(local(s));
    auto theirs = Zone("Europe/Stockholm")->get_info(local(s));
    EXPECT_EQ(ours.result, theirs.result) << s;
    EXPECT_EQ(ours.first.offset, theirs.first.offset) << s;
    EXPECT_EQ(ours.first.end, theirs.first.end) << s;
  }
}

TEST(CronZoneTest, NextRunsKeepDstRulesAfter2037) {
  auto e = CronExpression::Parse("30 2 * * *");
  ASSERT_TRUE(e.ok());
  std::vector<std::string> got;
  for (TimePoint t : e->NextN(At("2040-03-24T12:00:00Z"), Zone("Europe/Stockholm"), 2)) {
    got.push_back(FormatIsoUtc(t));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"2040-03-25T01:00:00Z", "2040-03-26T00:30:00Z"}));
}

}  // namespace
}  // namespace leadscan::jobs
