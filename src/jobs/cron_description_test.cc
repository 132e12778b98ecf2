#include "jobs/cron_description.h"

#include <gtest/gtest.h>

#include <string>

namespace leadscan::jobs {
namespace {

std::string Describe(const std::string& text) {
  auto e = CronExpression::Parse(text);
  EXPECT_TRUE(e.ok()) << text;
  return e.ok() ? DescribeCron(*e) : "";
}

TEST(CronDescriptionTest, ReadingsFromTheIssue) {
  EXPECT_EQ(Describe("0 2 * * *"), "At 02:00 every day");
  EXPECT_EQ(Describe("0 */6 * * *"), "Every 6 hours, at minute 0");
  EXPECT_EQ(Describe("0 0 * * 0"), "At 00:00 on Sunday");
  EXPECT_EQ(Describe("*/15 9-17 * * 1-5"),
            "Every 15 minutes between 09:00 and 17:59 on Monday through Friday");
}

TEST(CronDescriptionTest, Times) {
  EXPECT_EQ(Describe("* * * * *"), "Every minute");
  EXPECT_EQ(Describe("*/5 * * * *"), "Every 5 minutes");
  EXPECT_EQ(Describe("15 1,2 * * *"), "At 01:15 and 02:15 every day");
  EXPECT_EQ(Describe("0,30 8 * * *"), "At 08:00 and 08:30 every day");
  EXPECT_EQ(Describe("*/20 2 * * *"), "Every 20 minutes between 02:00 and 02:59");
  EXPECT_EQ(Describe("0 * * * *"), "Every hour, at minute 0");
  EXPECT_EQ(Describe("30 9-17 * * *"), "Every hour between 09:00 and 17:59, at minute 30");
  EXPECT_EQ(Describe("0 8-18/2 * * *"), "Every 2 hours between 08:00 and 18:59, at minute 0");
  EXPECT_EQ(Describe("5 0,3,6,9,12,15,18,21 * * *"),
            "At minute 5 past 00:00, 03:00, 06:00, 09:00, 12:00, 15:00, 18:00 and 21:00");
  EXPECT_EQ(Describe("0-10 * * * *"), "Every minute from minute 0 through 10");
  EXPECT_EQ(Describe("1,2,40-45 * * * *"), "At minutes 1, 2 and 40 through 45 past every hour");
  EXPECT_EQ(Describe("*/10 */2 * * *"), "Every 10 minutes of every 2nd hour");
}

TEST(CronDescriptionTest, DaysAndMonths) {
  EXPECT_EQ(Describe("0 0 1,15 * *"), "At 00:00 on days 1 and 15 of the month");
  EXPECT_EQ(Describe("0 0 1 * *"), "At 00:00 on day 1 of the month");
  EXPECT_EQ(Describe("0 0 1,15 * MON"), "At 00:00 on days 1 and 15 of the month or on Monday");
  EXPECT_EQ(Describe("0 0 */2 * MON"),
            "At 00:00 on every 2nd day of the month, but only on Monday");
  EXPECT_EQ(Describe("0 0 * * 5-7"), "At 00:00 on Friday through Sunday");
  EXPECT_EQ(Describe("0 0 * * 1,3,5"), "At 00:00 on Monday, Wednesday and Friday");
  EXPECT_EQ(Describe("0 0 29 2 *"), "At 00:00 on day 29 of the month in February");
  EXPECT_EQ(Describe("0 12 * jan-mar *"), "At 12:00 every day in January through March");
  EXPECT_EQ(Describe("0 12 1 */3 *"), "At 12:00 on day 1 of the month in every 3rd month");
  EXPECT_EQ(Describe("0 */6 * * SUN"), "Every 6 hours, at minute 0, on Sunday");
}

TEST(CronDescriptionTest, Macros) {
  EXPECT_EQ(Describe("@hourly"), "Every hour, at minute 0");
  EXPECT_EQ(Describe("@daily"), "At 00:00 every day");
  EXPECT_EQ(Describe("@midnight"), "At 00:00 every day");
  EXPECT_EQ(Describe("@weekly"), "At 00:00 on Sunday");
  EXPECT_EQ(Describe("@monthly"), "At 00:00 on day 1 of the month");
  EXPECT_EQ(Describe("@yearly"), "At 00:00 on day 1 of the month in January");
  EXPECT_EQ(Describe("@annually"), "At 00:00 on day 1 of the month in January");
}

}  // namespace
}  // namespace leadscan::jobs
