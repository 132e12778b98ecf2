#include "jobs/cron_description.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <vector>

namespace leadscan::jobs {

namespace {

using Kind = CronListItem::Kind;
using Items = std::vector<CronListItem>;

// Readings list at most this many clock times ("At 01:15 and 02:15") before switching to
// "at minute M past hours ...".
constexpr std::size_t kMaxListedTimes = 6;

constexpr std::array<std::string_view, 8> kDayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 13> kMonthNames = {
    "",     "January", "February",  "March",   "April",    "May",     "June",
    "July", "August",  "September", "October", "November", "December"};

std::string Ordinal(int n) {
  std::string suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1)
      suffix = "st";
    if (n % 10 == 2)
      suffix = "nd";
    if (n % 10 == 3)
      suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

std::string Clock(int hour, int minute) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", hour, minute);
  return buf;
}

std::string JoinList(const std::vector<std::string>& parts, std::string_view last_sep = " and ") {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0)
      out += i + 1 == parts.size() ? std::string(last_sep) : std::string(", ");
    out += parts[i];
  }
  return out;
}

bool IsFull(const Items& items) {
  return items.size() == 1 && items[0].kind == Kind::kStar && items[0].step == 1;
}

bool IsStarStep(const Items& items) {
  return items.size() == 1 && items[0].kind == Kind::kStar && items[0].step > 1;
}

bool AllValues(const Items& items) {
  return std::all_of(items.begin(), items.end(),
                     [](const CronListItem& i) { return i.kind == Kind::kValue; });
}

// A single range "a-b" (any step) or a single value, as one hour span.
bool IsOneHourSpan(const Items& items) {
  return items.size() == 1 && (items[0].kind == Kind::kRange || items[0].kind == Kind::kValue);
}

std::string HourSpan(const CronListItem& item) {
  return "between " + Clock(item.first, 0) + " and " + Clock(item.last, 59);
}

std::string HourList(const Items& items) {
  std::vector<std::string> parts;
  for (const CronListItem& i : items) {
    if (i.kind == Kind::kValue) {
      parts.push_back(Clock(i.first, 0));
    } else if (i.kind == Kind::kRange && i.step == 1) {
      parts.push_back(Clock(i.first, 0) + "-" + Clock(i.last, 59));
    } else if (i.kind == Kind::kRange) {
      parts.push_back("every " + Ordinal(i.step) + " hour from " + Clock(i.first, 0) + " to " +
                      Clock(i.last, 59));
    } else {
      parts.push_back("every " + Ordinal(i.step) + " hour");
    }
  }
  return JoinList(parts);
}

std::string MinuteList(const Items& items) {
  std::vector<std::string> parts;
  for (const CronListItem& i : items) {
    if (i.kind == Kind::kValue) {
      parts.push_back(std::to_string(i.first));
    } else if (i.kind == Kind::kRange && i.step == 1) {
      parts.push_back(std::to_string(i.first) + " through " + std::to_string(i.last));
    } else if (i.kind == Kind::kRange) {
      parts.push_back("every " + Ordinal(i.step) + " minute from " + std::to_string(i.first) +
                      " through " + std::to_string(i.last));
    } else {
      parts.push_back("every " + Ordinal(i.step) + " minute");
    }
  }
  return JoinList(parts);
}

std::string TimePhrase(const CronExpression& e, bool* is_clock_time) {
  const Items& m = e.items(CronField::kMinute);
  const Items& h = e.items(CronField::kHour);
  *is_clock_time = false;
  if (AllValues(m) && AllValues(h) && m.size() * h.size() <= kMaxListedTimes) {
    std::vector<std::pair<int, int>> times;
    for (const CronListItem& hi : h) {
      for (const CronListItem& mi : m)
        times.emplace_back(hi.first, mi.first);
    }
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    std::vector<std::string> parts;
    for (auto [hour, minute] : times)
      parts.push_back(Clock(hour, minute));
    *is_clock_time = true;
    return "At " + JoinList(parts);
  }
  if (m.size() == 1 && m[0].kind == Kind::kValue) {
    std::string at_minute = "at minute " + std::to_string(m[0].first);
    if (IsFull(h))
      return "Every hour, " + at_minute;
    if (IsStarStep(h))
      return "Every " + std::to_string(h[0].step) + " hours, " + at_minute;
    if (IsOneHourSpan(h)) {
      std::string every = h[0].step > 1 ? "Every " + std::to_string(h[0].step) + " hours "
                                        : std::string("Every hour ");
      return every + HourSpan(h[0]) + ", " + at_minute;
    }
    return "At minute " + std::to_string(m[0].first) + " past " + HourList(h);
  }
  std::string minutes;
  if (IsFull(m)) {
    minutes = "Every minute";
  } else if (IsStarStep(m)) {
    minutes = "Every " + std::to_string(m[0].step) + " minutes";
  } else if (m.size() == 1 && m[0].kind == Kind::kRange) {
    minutes = (m[0].step > 1 ? "Every " + std::to_string(m[0].step) + " minutes"
                             : std::string("Every minute")) +
              " from minute " + std::to_string(m[0].first) + " through " +
              std::to_string(m[0].last);
  } else {
    minutes = "At minutes " + MinuteList(m);
  }
  if (IsFull(h)) {
    return minutes.starts_with("At ") ? minutes + " past every hour" : minutes;
  }
  if (IsStarStep(h))
    return minutes + " of every " + Ordinal(h[0].step) + " hour";
  if (IsOneHourSpan(h)) {
    if (h[0].step > 1)
      return minutes + " of every " + Ordinal(h[0].step) + " hour " + HourSpan(h[0]);
    return minutes + " " + HourSpan(h[0]);
  }
  return minutes + " past " + HourList(h);
}

std::string DayOfMonthPhrase(const Items& items) {
  if (IsStarStep(items))
    return "on every " + Ordinal(items[0].step) + " day of the month";
  std::vector<std::string> parts;
  bool plural = items.size() > 1;
  for (const CronListItem& i : items) {
    if (i.kind == Kind::kValue) {
      parts.push_back(std::to_string(i.first));
    } else if (i.kind == Kind::kRange && i.step == 1) {
      parts.push_back(std::to_string(i.first) + " through " + std::to_string(i.last));
      plural = true;
    } else if (i.kind == Kind::kRange) {
      parts.push_back("every " + Ordinal(i.step) + " day from " + std::to_string(i.first) +
                      " through " + std::to_string(i.last));
      plural = true;
    } else {
      parts.push_back("every " + Ordinal(i.step) + " day");
      plural = true;
    }
  }
  return std::string(plural ? "on days " : "on day ") + JoinList(parts) + " of the month";
}

std::string DayOfWeekList(const Items& items) {
  std::vector<std::string> parts;
  for (const CronListItem& i : items) {
    if (i.kind == Kind::kValue) {
      parts.emplace_back(kDayNames[i.first]);
    } else if (i.kind == Kind::kRange && i.step == 1) {
      parts.push_back(std::string(kDayNames[i.first]) + " through " +
                      std::string(kDayNames[i.last]));
    } else if (i.kind == Kind::kRange) {
      parts.push_back("every " + Ordinal(i.step) + " day of the week from " +
                      std::string(kDayNames[i.first]) + " through " +
                      std::string(kDayNames[i.last]));
    } else {
      parts.push_back("every " + Ordinal(i.step) + " day of the week from Sunday");
    }
  }
  return JoinList(parts);
}

std::string MonthPhrase(const Items& items) {
  std::vector<std::string> parts;
  for (const CronListItem& i : items) {
    if (i.kind == Kind::kValue) {
      parts.emplace_back(kMonthNames[i.first]);
    } else if (i.kind == Kind::kRange && i.step == 1) {
      parts.push_back(std::string(kMonthNames[i.first]) + " through " +
                      std::string(kMonthNames[i.last]));
    } else if (i.kind == Kind::kRange) {
      parts.push_back("every " + Ordinal(i.step) + " month from " +
                      std::string(kMonthNames[i.first]) + " through " +
                      std::string(kMonthNames[i.last]));
    } else {
      parts.push_back("every " + Ordinal(i.step) + " month");
    }
  }
  return "in " + JoinList(parts);
}

}  // namespace

std::string DescribeCron(const CronExpression& e) {
  bool is_clock_time = false;
  std::string out = TimePhrase(e, &is_clock_time);
  const Items& dom = e.items(CronField::kDayOfMonth);
  const Items& dow = e.items(CronField::kDayOfWeek);
  const Items& month = e.items(CronField::kMonth);
  bool dom_restricted = !IsFull(dom);
  bool dow_restricted = !IsFull(dow);
  std::string days;
  if (dom_restricted && dow_restricted) {
    bool both_must_match =
        e.starts_with_star(CronField::kDayOfMonth) || e.starts_with_star(CronField::kDayOfWeek);
    days = DayOfMonthPhrase(dom) + (both_must_match ? ", but only on " : " or on ") +
           DayOfWeekList(dow);
  } else if (dom_restricted) {
    days = DayOfMonthPhrase(dom);
  } else if (dow_restricted) {
    days = "on " + DayOfWeekList(dow);
  } else if (is_clock_time) {
    days = "every day";
  }
  // "Every 6 hours, at minute 0" reads better with a comma before what follows.
  std::string sep = out.find(", at minute") != std::string::npos ? ", " : " ";
  if (!days.empty())
    out += sep + days;
  if (!IsFull(month))
    out += sep + MonthPhrase(month);
  return out;
}

}  // namespace leadscan::jobs
