#include "jobs/cron_next.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "jobs/cron_description.h"
#include "jobs/cron_zone.h"

namespace leadscan::jobs {

namespace {

using common::Result;
using common::Status;

// TimePoint (nanoseconds since 1970) spans about 1677-2262; keep --from well inside.
constexpr int kMinFromYear = 1900;
constexpr int kMaxFromYear = 2200;

Status FromError(std::string_view text, std::string_view problem) {
  return Status::InvalidArgument("invalid_from",
                                 "--from \"" + std::string(text) + "\": " + std::string(problem) +
                                     "; use ISO 8601 such as 2026-03-29T00:00:00Z",
                                 "from");
}

// Reads exactly `n` digits at text[*pos].
bool Digits(std::string_view text, std::size_t* pos, int n, int* out) {
  if (*pos + static_cast<std::size_t>(n) > text.size())
    return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view text, std::size_t* pos, char c) {
  if (*pos < text.size() && text[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

}  // namespace

std::string FormatIsoUtc(TimePoint t) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
}

Result<TimePoint> ParseIsoInstant(std::string_view raw, const date::time_zone* zone) {
  std::string_view text = raw;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!Digits(text, &pos, 4, &y) || !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &mo) ||
      !Expect(text, &pos, '-') || !Digits(text, &pos, 2, &d)) {
    return FromError(raw, "expected a date YYYY-MM-DD");
  }
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok())
    return FromError(raw, "no such date");
  if (y < kMinFromYear || y > kMaxFromYear) {
    return FromError(raw, "the year must be between " + std::to_string(kMinFromYear) + " and " +
                              std::to_string(kMaxFromYear));
  }
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
    ++pos;
    if (!Digits(text, &pos, 2, &h) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &mi)) {
      return FromError(raw, "expected a time HH:MM[:SS]");
    }
    if (Expect(text, &pos, ':')) {
      if (!Digits(text, &pos, 2, &s))
        return FromError(raw, "expected seconds after HH:MM:");
      if (Expect(text, &pos, '.') || Expect(text, &pos, ',')) {
        // Fractions are accepted and dropped: runs are whole minutes.
        std::size_t start = pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])))
          ++pos;
        if (pos == start)
          return FromError(raw, "expected digits after the decimal point");
      }
    }
    if (h > 23 || mi > 59 || s > 59)
      return FromError(raw, "no such time of day");
  }
  date::local_seconds local = date::local_days{ymd} + std::chrono::hours{h} +
                              std::chrono::minutes{mi} + std::chrono::seconds{s};
  if (pos == text.size()) {
    if (zone == nullptr)
      return FromError(raw, "a time without an offset needs a time zone");
    date::local_info li = CronZone(zone).Info(local);
    std::chrono::seconds offset = li.first.offset;
    if (li.result == date::local_info::nonexistent)
      return TimePoint{li.second.begin};
    return TimePoint{date::sys_seconds{local.time_since_epoch() - offset}};
  }
  std::chrono::seconds offset{0};
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!Digits(text, &pos, 2, &oh))
      return FromError(raw, "expected an offset such as +02:00");
    Expect(text, &pos, ':');
    if (pos < text.size() && !Digits(text, &pos, 2, &om)) {
      return FromError(raw, "expected an offset such as +02:00");
    }
    if (oh > 18 || om > 59)
      return FromError(raw, "the offset is out of range");
    offset = sign * (std::chrono::hours{oh} + std::chrono::minutes{om});
  }
  if (pos != text.size())
    return FromError(raw, "unexpected text after the time");
  return TimePoint{date::sys_seconds{local.time_since_epoch() - offset}};
}

Result<CronPreview> PreviewCron(const CronNextRequest& request, TimePoint now) {
  Result<CronExpression> expr = CronExpression::Parse(request.expression);
  if (!expr.ok())
    return expr.status();
  Result<const date::time_zone*> zone = LookupTimeZone(request.timezone);
  if (!zone.ok())
    return zone.status();
  if (request.count < 1 || request.count > kMaxCronNextCount) {
    return Status::InvalidArgument("invalid_count",
                                   "the number of runs must be between 1 and " +
                                       std::to_string(kMaxCronNextCount) + ", got " +
                                       std::to_string(request.count),
                                   "n");
  }
  TimePoint start = now;
  if (request.from && !request.from->empty()) {
    Result<TimePoint> parsed = ParseIsoInstant(*request.from, *zone);
    if (!parsed.ok())
      return parsed.status();
    start = *parsed;
  }
  CronPreview preview;
  preview.expression = expr->text();
  preview.timezone = (*zone)->name();
  preview.description = DescribeCron(*expr);
  preview.next_runs = expr->NextN(start, *zone, static_cast<std::size_t>(request.count));
  return preview;
}

std::string RenderCronPreviewText(const CronPreview& preview) {
  std::string out = preview.description + "\n";
  for (TimePoint t : preview.next_runs)
    out += FormatIsoUtc(t) + "\n";
  return out;
}

std::string RenderCronPreviewJson(const CronPreview& preview) {
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (TimePoint t : preview.next_runs)
    runs.push_back(FormatIsoUtc(t));
  nlohmann::ordered_json j = {{"expression", preview.expression},
                              {"timezone", preview.timezone},
                              {"description", preview.description},
                              {"next_runs", std::move(runs)}};
  return j.dump() + "\n";
}

Result<std::string> RenderCronNext(const CronNextRequest& request, TimePoint now) {
  Result<CronPreview> preview = PreviewCron(request, now);
  if (!preview.ok())
    return preview.status();
  if (request.format == CronNextRequest::Format::kJson)
    return RenderCronPreviewJson(*preview);
  return RenderCronPreviewText(*preview);
}

}  // namespace leadscan::jobs
