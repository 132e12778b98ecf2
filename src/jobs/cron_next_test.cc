#include "jobs/cron_next.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"

namespace leadscan::jobs {
namespace {

TimePoint At(const std::string& iso) {
  auto t = ParseIsoInstant(iso, nullptr);
  EXPECT_TRUE(t.ok()) << iso << ": " << t.status().ToString();
  return t.ok() ? *t : TimePoint{};
}

TEST(CronNextTest, TextHasTheReadingThenOneUtcTimePerLine) {
  CronNextRequest req;
  req.expression = "0 2 * * *";
  req.timezone = "Europe/Stockholm";
  req.from = "2026-03-28T12:00:00Z";
  req.count = 3;
  auto out = RenderCronNext(req, TimePoint{});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "At 02:00 every day\n"
            "2026-03-29T01:00:00Z\n"
            "2026-03-30T00:00:00Z\n"
            "2026-03-31T00:00:00Z\n");
}

TEST(CronNextTest, JsonShape) {
  CronNextRequest req;
  req.expression = " @hourly ";
  req.timezone = "Europe/Stockholm";
  req.from = "2026-10-25T02:30:00+02:00";  // first pass of the repeated hour
  req.count = 3;
  req.format = CronNextRequest::Format::kJson;
  auto out = RenderCronNext(req, TimePoint{});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "{\"expression\":\"@hourly\",\"timezone\":\"Europe/Stockholm\",\"description\":"
            "\"Every hour, at minute 0\",\"next_runs\":[\"2026-10-25T01:00:00Z\","
            "\"2026-10-25T02:00:00Z\",\"2026-10-25T03:00:00Z\"]}\n");
  auto j = nlohmann::json::parse(*out);
  EXPECT_EQ(j["expression"], "@hourly");
  EXPECT_EQ(j["timezone"], "Europe/Stockholm");
  EXPECT_EQ(j["description"], "Every hour, at minute 0");
  EXPECT_EQ(j["next_runs"], (nlohmann::json{"2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z",
                                            "2026-10-25T03:00:00Z"}));
}

TEST(CronNextTest, DefaultsToNowAndFiveRuns) {
  common::FakeClock clock(At("2026-01-01T00:07:30Z"));
  CronNextRequest req;
  req.expression = "*/15 * * * *";
  auto p = PreviewCron(req, clock.Now());
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->next_runs.size(), 5u);
  EXPECT_EQ(FormatIsoUtc(p->next_runs[0]), "2026-01-01T00:15:00Z");
  EXPECT_EQ(FormatIsoUtc(p->next_runs[4]), "2026-01-01T01:15:00Z");
  EXPECT_EQ(p->timezone, "UTC");
  // Exactly on a run time: that run is not "next" any more.
  clock.Advance(std::chrono::seconds{450});
  p = PreviewCron(req, clock.Now());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(FormatIsoUtc(p->next_runs[0]), "2026-01-01T00:30:00Z");
}

TEST(CronNextTest, LocalFromIsReadInTheZone) {
  CronNextRequest req;
  req.expression = "0 * * * *";
  req.timezone = "Europe/Stockholm";
  req.from = "2026-07-01T10:00";
  req.count = 1;
  auto p = PreviewCron(req, TimePoint{});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(FormatIsoUtc(p->next_runs[0]), "2026-07-01T09:00:00Z");
}

TEST(CronNextTest, ErrorsCarryCodeAndField) {
  struct Case {
    CronNextRequest req;
    const char* code;
    const char* field;
  };

  CronNextRequest bad_cron;
  bad_cron.expression = "61 * * * *";
  CronNextRequest bad_zone;
  bad_zone.expression = "* * * * *";
  bad_zone.timezone = "Europe/Atlantis";
  CronNextRequest bad_from;
  bad_from.expression = "* * * * *";
  bad_from.from = "2026-02-30T00:00:00Z";
  CronNextRequest bad_count;
  bad_count.expression = "* * * * *";
  bad_count.count = 0;
  CronNextRequest too_many;
  too_many.expression = "* * * * *";
  too_many.count = kMaxCronNextCount + 1;
  for (const Case& c :
       {Case{bad_cron, "invalid_cron", "schedule_cron"},
        Case{bad_zone, "invalid_timezone", "timezone"}, Case{bad_from, "invalid_from", "from"},
        Case{bad_count, "invalid_count", "n"}, Case{too_many, "invalid_count", "n"}}) {
    auto out = RenderCronNext(c.req, TimePoint{});
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().error_code(), c.code);
    EXPECT_EQ(out.status().field(), c.field);
  }
}

TEST(CronNextTest, ParseIsoInstantForms) {
  auto* utc = *LookupTimeZone("UTC");
  auto* sthlm = *LookupTimeZone("Europe/Stockholm");
  EXPECT_EQ(FormatIsoUtc(*ParseIsoInstant("2026-03-29T02:00:00+02:00", utc)),
            "2026-03-29T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(*ParseIsoInstant("2026-03-29T02:00:00-0130", utc)),
            "2026-03-29T03:30:00Z");
  EXPECT_EQ(FormatIsoUtc(*ParseIsoInstant("2026-03-29 01:00:00.999Z", utc)),
            "2026-03-29T01:00:00Z");
  EXPECT_EQ(FormatIsoUtc(*ParseIsoInstant("2026-03-29", sthlm)), "2026-03-28T23:00:00Z");
  // In the DST gap: the end of the gap. In the repeated hour: the first occurrence.
  EXPECT_EQ(FormatIsoUtc(*ParseIsoInstant("2026-03-29T02:30", sthlm)), "2026-03-29T01:00:00Z");
  EXPECT_EQ(FormatIsoUtc(*ParseIsoInstant("2026-10-25T02:30", sthlm)), "2026-10-25T00:30:00Z");
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-29T00:00Z", "2026-01-01T24:00",
                          "2026-01-01T10:00Zjunk", "2026-01-01T10:00+25:00", "2026-1-1",
                          "9999-12-31T23:59:59Z", "1000-01-01T00:00:00Z"}) {
    auto r = ParseIsoInstant(bad, utc);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().error_code(), "invalid_from");
    }
  }
  EXPECT_FALSE(ParseIsoInstant("2026-01-01T10:00", nullptr).ok());
}

}  // namespace
}  // namespace leadscan::jobs
