// The cron preview behind `leadscan cron next "<expr>" --tz ZONE [--from ISO8601] [-n N]
// [--format json]` and GET /api/cron/preview: the next N runs (UTC ISO 8601) and the
// plain-language reading. Pure functions of their inputs and `now`; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "jobs/cron_expression.h"

namespace leadscan::jobs {

inline constexpr int kDefaultCronNextCount = 5;
inline constexpr int kMaxCronNextCount = 1000;

struct CronNextRequest {
  enum class Format { kText, kJson };
  std::string expression;
  std::string timezone = "UTC";
  // ISO 8601 start: "2026-03-29T00:00:00Z", "2026-03-29T02:00:00+02:00", or without an offset
  // ("2026-03-29T02:00", "2026-03-29") meaning the wall clock of `timezone`. Empty: now.
  std::optional<std::string> from;
  int count = kDefaultCronNextCount;
  Format format = Format::kText;
};

struct CronPreview {
  std::string expression;  // as given, trimmed
  std::string timezone;    // the zone's IANA name
  std::string description;
  std::vector<TimePoint> next_runs;  // strictly after the start, ascending
};

// Validates and computes. Errors: invalid_cron (field schedule_cron), invalid_timezone (field
// timezone), invalid_from (field from), invalid_count (field n; allowed 1..kMaxCronNextCount).
common::Result<CronPreview> PreviewCron(const CronNextRequest& request, TimePoint now);

// Text: the reading on the first line, then one UTC time per line. JSON: one object
// {"expression","timezone","description","next_runs":[...]} and a newline.
common::Result<std::string> RenderCronNext(const CronNextRequest& request, TimePoint now);

std::string RenderCronPreviewText(const CronPreview& preview);

std::string RenderCronPreviewJson(const CronPreview& preview);

// "2026-03-29T01:00:00Z" (whole seconds; sub-second parts are dropped).
std::string FormatIsoUtc(TimePoint t);

// Parses the ISO 8601 forms described at CronNextRequest::from. A local time that falls in a
// DST gap resolves to the end of the gap; one in a repeated hour to its first occurrence.
common::Result<TimePoint> ParseIsoInstant(std::string_view text, const date::time_zone* zone);

}  // namespace leadscan::jobs
