#include "jobs/cron_zone.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>
#include <vector>

namespace leadscan::jobs {

namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Where USE_OS_TZDB's date/tz reads the zones from (Debian's tzdata).
constexpr const char* kZoneInfoDir = "/usr/share/zoneinfo";
constexpr std::size_t kMaxTzifBytes = 1 << 20;
constexpr std::size_t kMaxFooterBytes = 256;
constexpr int kMaxRuleHours = 167;  // RFC 8536 allows transition times up to 167 hours

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  bool done() const { return pos_ >= s_.size(); }

  char peek() const { return done() ? '\0' : s_[pos_]; }

  bool Take(char c) {
    if (peek() != c)
      return false;
    ++pos_;
    return true;
  }

  // An abbreviation: three or more letters, or <...> with letters, digits, '+' and '-'.
  bool Abbrev(std::string* out) {
    std::size_t start = pos_;
    if (Take('<')) {
      while (!done() && peek() != '>')
        ++pos_;
      if (!Take('>'))
        return false;
      *out = std::string(s_.substr(start + 1, pos_ - start - 2));
      return out->size() >= 3;
    }
    while (!done() && std::isalpha(static_cast<unsigned char>(peek())))
      ++pos_;
    *out = std::string(s_.substr(start, pos_ - start));
    return out->size() >= 3;
  }

  bool Number(int* out, int max) {
    std::size_t start = pos_;
    int v = 0;
    while (!done() && std::isdigit(static_cast<unsigned char>(peek())) && pos_ - start < 4) {
      v = v * 10 + (s_[pos_++] - '0');
    }
    if (pos_ == start || v > max)
      return false;
    *out = v;
    return true;
  }

  // [+-]hh[:mm[:ss]], as a duration with the sign as written.
  bool Time(seconds* out, int max_hours) {
    int sign = 1;
    if (Take('-')) {
      sign = -1;
    } else {
      Take('+');
    }
    int h = 0, m = 0, s = 0;
    if (!Number(&h, max_hours))
      return false;
    if (Take(':')) {
      if (!Number(&m, 59))
        return false;
      if (Take(':') && !Number(&s, 59))
        return false;
    }
    *out = sign * (hours{h} + minutes{m} + seconds{s});
    return true;
  }

  bool Rule(PosixTzRule::When* w) {
    using Kind = PosixTzRule::When::Kind;
    if (Take('M')) {
      w->kind = Kind::kMonthWeekDay;
      if (!Number(&w->month, 12) || w->month < 1 || !Take('.') || !Number(&w->week, 5) ||
          w->week < 1 || !Take('.') || !Number(&w->weekday, 6)) {
        return false;
      }
    } else if (Take('J')) {
      w->kind = Kind::kJulianNoLeap;
      if (!Number(&w->day, 365) || w->day < 1)
        return false;
    } else {
      w->kind = Kind::kZeroBasedDay;
      if (!Number(&w->day, 365))
        return false;
    }
    w->time = hours{2};
    if (Take('/'))
      return Time(&w->time, kMaxRuleHours);
    return true;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

date::local_days RuleDay(const PosixTzRule::When& w, date::year y) {
  using Kind = PosixTzRule::When::Kind;
  switch (w.kind) {
    case Kind::kMonthWeekDay: {
      date::year_month ym = y / date::month{static_cast<unsigned>(w.month)};
      date::local_days first{ym / 1};
      int first_wd = static_cast<int>(date::weekday{first}.c_encoding());
      int day = 1 + (w.weekday - first_wd + 7) % 7 + (w.week - 1) * 7;
      int len = static_cast<int>(unsigned((ym / date::last).day()));
      while (day > len)
        day -= 7;
      return first + date::days{day - 1};
    }
    case Kind::kJulianNoLeap: {
      // Day 60 is always March 1: February 29 is never counted.
      int n = w.day;
      if (y.is_leap() && n >= 60)
        ++n;
      return date::local_days{y / date::January / 1} + date::days{n - 1};
    }
    case Kind::kZeroBasedDay:
      return date::local_days{y / date::January / 1} + date::days{w.day};
  }
  return date::local_days{y / date::January / 1};
}

date::sys_seconds RuleInstant(const PosixTzRule::When& w, date::year y, seconds offset) {
  date::local_seconds local = date::local_seconds{RuleDay(w, y)} + w.time;
  return date::sys_seconds{local.time_since_epoch() - offset};
}

date::sys_info FooterInfo(const PosixTzRule& r, date::sys_seconds t) {
  date::year y = date::year_month_day{date::floor<date::days>(t)}.year();
  std::vector<std::pair<date::sys_seconds, bool>> changes;  // (instant, dst after it)
  for (date::year yy : {y - date::years{1}, y, y + date::years{1}}) {
    changes.emplace_back(RuleInstant(r.start, yy, r.std_offset), true);
    changes.emplace_back(RuleInstant(r.end, yy, r.dst_offset), false);
  }
  std::sort(changes.begin(), changes.end());
  std::size_t i = 0;
  for (std::size_t k = 0; k < changes.size(); ++k) {
    if (changes[k].first <= t)
      i = k;
  }
  date::sys_info info;
  info.begin = changes[i].first;
  info.end = i + 1 < changes.size() ? changes[i + 1].first : date::sys_seconds::max();
  bool dst = changes[i].second;
  info.offset = dst ? r.dst_offset : r.std_offset;
  info.save = dst ? date::floor<minutes>(r.dst_offset - r.std_offset) : minutes{0};
  info.abbrev = dst ? r.dst_abbrev : r.std_abbrev;
  return info;
}

std::shared_ptr<const PosixTzRule> LoadFooter(const std::string& name) {
  std::ifstream in(std::string(kZoneInfoDir) + "/" + name, std::ios::binary);
  if (!in)
    return nullptr;
  std::string data;
  data.resize(kMaxTzifBytes);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  // TZif version 2 and later end with "\n<POSIX TZ string>\n".
  if (data.size() < 6 || data.compare(0, 4, "TZif") != 0 || data[4] < '2' || data.back() != '\n') {
    return nullptr;
  }
  std::size_t start = data.rfind('\n', data.size() - 2);
  if (start == std::string::npos || data.size() - start - 2 > kMaxFooterBytes)
    return nullptr;
  auto rule = ParsePosixTz(std::string_view(data).substr(start + 1, data.size() - start - 2));
  if (!rule)
    return nullptr;
  return std::make_shared<const PosixTzRule>(std::move(*rule));
}

// The footers read so far, by zone name; never evicted (there are a few hundred zones).
std::shared_ptr<const PosixTzRule> FooterFor(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const PosixTzRule>> footers;
  std::lock_guard<std::mutex> lock(mu);
  auto it = footers.find(name);
  if (it != footers.end())
    return it->second;
  auto rule = LoadFooter(name);
  footers.emplace(name, rule);
  return rule;
}

}  // namespace

std::optional<PosixTzRule> ParsePosixTz(std::string_view text) {
  Reader r(text);
  PosixTzRule rule;
  seconds std_west{0};
  if (!r.Abbrev(&rule.std_abbrev) || !r.Time(&std_west, 24))
    return std::nullopt;
  rule.std_offset = -std_west;  // POSIX counts west of UTC as positive
  if (r.done())
    return std::nullopt;  // no DST
  if (!r.Abbrev(&rule.dst_abbrev))
    return std::nullopt;
  rule.dst_offset = rule.std_offset + hours{1};
  if (r.peek() != ',') {
    seconds dst_west{0};
    if (!r.Time(&dst_west, 24))
      return std::nullopt;
    rule.dst_offset = -dst_west;
  }
  if (!r.Take(',') || !r.Rule(&rule.start) || !r.Take(',') || !r.Rule(&rule.end) || !r.done()) {
    return std::nullopt;
  }
  return rule;
}

CronZone::CronZone(const date::time_zone* zone) : zone_(zone) {
  if (zone_ == nullptr)
    return;
  rule_ = FooterFor(zone_->name());
  if (rule_) {
    rule_from_ = zone_->get_info(date::sys_days{date::year{9999} / 1 / 1}).begin;
  }
}

date::sys_info CronZone::Info(date::sys_seconds t) const {
  if (!rule_ || t < rule_from_)
    return zone_->get_info(t);
  return FooterInfo(*rule_, t);
}

date::local_info CronZone::Info(date::local_seconds t) const {
  if (!rule_)
    return zone_->get_info(t);
  // Walk the periods around t (offsets are under a day) and see which contain it.
  const date::sys_seconds s{t.time_since_epoch()};
  const date::sys_seconds stop = s + date::days{1};
  date::local_info out;
  int matches = 0;
  date::sys_info prev;
  bool have_prev = false;
  date::sys_info p = Info(s - date::days{1});
  while (true) {
    date::sys_seconds at{t.time_since_epoch() - p.offset};
    if (p.begin <= at && at < p.end) {
      (matches == 0 ? out.first : out.second) = p;
      ++matches;
    } else if (matches == 0 && have_prev && at < p.begin &&
               date::sys_seconds{t.time_since_epoch() - prev.offset} >= prev.end) {
      out.result = date::local_info::nonexistent;
      out.first = prev;
      out.second = p;
      return out;
    }
    if (matches == 2 || p.end > stop || p.end == date::sys_seconds::max())
      break;
    prev = p;
    have_prev = true;
    p = Info(p.end);
  }
  if (matches == 0)
    return zone_->get_info(t);
  out.result = matches == 2 ? date::local_info::ambiguous : date::local_info::unique;
  return out;
}

}  // namespace leadscan::jobs
