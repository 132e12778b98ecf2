// Fuzz target: cron schedules as a user or an API caller gives them (jobs/cron_*): the
// expression, the time zone name and the ISO 8601 start of a preview, and POSIX TZ footers.
// Input: up to three lines: expression, zone (empty: UTC), start (optional).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/utf8.h"
#include "fuzz_check.h"
#include "jobs/cron_description.h"
#include "jobs/cron_expression.h"
#include "jobs/cron_next.h"
#include "jobs/cron_zone.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace jobs = leadscan::jobs;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto [expression, rest] = leadscan::fuzz::SplitFirstLine(in);
  auto [zone, from] = leadscan::fuzz::SplitFirstLine(rest);

  (void)jobs::ParsePosixTz(expression);
  auto parsed = jobs::CronExpression::Parse(expression);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().error_code() == "invalid_cron");
    FUZZ_CHECK(leadscan::common::IsValidUtf8(parsed.status().message()) ||
               !leadscan::common::IsValidUtf8(expression));
  } else {
    FUZZ_CHECK(!jobs::DescribeCron(*parsed).empty());
    // Parse refuses schedules that never run, so every accepted one has a next run.
    auto utc = jobs::LookupTimeZone("UTC");
    FUZZ_CHECK(utc.ok());
    auto next = parsed->Next(leadscan::common::TimePoint{}, *utc);
    FUZZ_CHECK(next.has_value());
  }

  jobs::CronNextRequest request;
  request.expression = std::string(expression);
  request.timezone = zone.empty() ? "UTC" : std::string(zone);
  if (!from.empty())
    request.from = std::string(from);
  request.count = 3;
  request.format = jobs::CronNextRequest::Format::kJson;
  auto rendered = jobs::RenderCronNext(request, leadscan::common::TimePoint{});
  if (rendered.ok()) {
    FUZZ_CHECK(leadscan::common::IsValidUtf8(*rendered));
    auto preview = jobs::PreviewCron(request, leadscan::common::TimePoint{});
    FUZZ_CHECK(preview.ok());
    for (size_t i = 1; i < preview->next_runs.size(); ++i)
      FUZZ_CHECK(preview->next_runs[i - 1] < preview->next_runs[i]);
  }
  return 0;
}
