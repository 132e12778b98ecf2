#include "jobs/cron_expression.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <exception>
#include <string>
#include <utility>

#include "common/ascii.h"
#include "jobs/cron_zone.h"

namespace leadscan::jobs {

namespace {

using common::Result;
using common::Status;
using std::chrono::floor;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using LocalMinutes = date::local_time<minutes>;

// cronie's clock-jump classes (cron.c): a forward jump of under 5 minutes is caught up minute
// by minute (every job runs), one under 3 hours runs the skipped fixed-time jobs, a larger one
// drops them; a backward jump of up to 181 minutes runs only wildcard jobs again, a larger one
// runs everything again.
constexpr seconds kSmallForwardJump = minutes{5};
constexpr seconds kLargeForwardJump = minutes{180};
constexpr seconds kLargeBackwardJump = minutes{182};

// Search horizon for the next run: long enough for Feb 29 on a given weekday (at most 40 years
// apart in the Gregorian calendar), short enough to bound the work.
constexpr date::days kSearchHorizon{146097};  // 400 Gregorian years

constexpr int kMaxNumberDigits = 6;
constexpr std::size_t kMaxEchoedFieldBytes = 60;
constexpr std::size_t kMaxMessageBytes = 400;

// Distance kept from the end of TimePoint's range (local offsets and gaps are under a day).
constexpr date::days kTimePointMargin{3};

// Beyond any real transition: date/tz marks "no further change" with year 32767.
constexpr date::days kFarFuture{2932896};  // 10000-01-01

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED",
                                                       "THU", "FRI", "SAT"};
constexpr std::array<std::string_view, 12> kMonthFullNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

struct FieldSpec {
  CronField field;
  int low;
  int high;
  const std::string_view* names;  // nullptr when the field takes no names
  int name_count;
  int name_base;  // value of names[0]
};

constexpr FieldSpec kSpecs[5] = {
    {CronField::kMinute, 0, 59, nullptr, 0, 0},
    {CronField::kHour, 0, 23, nullptr, 0, 0},
    {CronField::kDayOfMonth, 1, 31, nullptr, 0, 1},
    {CronField::kMonth, 1, 12, kMonthNames.data(), 12, 1},
    {CronField::kDayOfWeek, 0, 7, kDayNames.data(), 7, 0},
};

struct Macro {
  std::string_view name;
  std::string_view expansion;
};

constexpr Macro kMacros[] = {
    {"yearly", "0 0 1 1 *"}, {"annually", "0 0 1 1 *"}, {"monthly", "0 0 1 * *"},
    {"weekly", "0 0 * * 0"}, {"daily", "0 0 * * *"},    {"midnight", "0 0 * * *"},
    {"hourly", "0 * * * *"},
};

// Echoed input is clipped so a huge expression cannot make a huge message.
std::string Clip(std::string_view text, std::size_t max) {
  if (text.size() <= max)
    return std::string(text);
  // Never cut inside a UTF-8 sequence.
  while (max > 0 && (static_cast<unsigned char>(text[max]) & 0xC0) == 0x80)
    --max;
  return std::string(text.substr(0, max)) + "...";
}

Status CronError(std::string message) {
  return Status::InvalidArgument(std::string(kInvalidCronCode), Clip(message, kMaxMessageBytes),
                                 std::string(kCronFieldName));
}

Status FieldError(const FieldSpec& spec, std::string_view text, std::string_view problem) {
  std::string msg(CronFieldName(spec.field));
  msg += " field \"";
  msg += Clip(text, kMaxEchoedFieldBytes);
  msg += "\": ";
  msg += problem;
  return CronError(std::move(msg));
}

std::string RangeText(const FieldSpec& spec) {
  int high = spec.field == CronField::kDayOfWeek ? 7 : spec.high;
  std::string s = std::to_string(spec.low) + "-" + std::to_string(high);
  if (spec.field == CronField::kMonth)
    s += " or JAN-DEC";
  if (spec.field == CronField::kDayOfWeek)
    s += " (0 and 7 are Sunday) or SUN-SAT";
  return s;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string UnsupportedCharacterProblem(char c) {
  switch (c) {
    case '?':
      return "'?' is not cron syntax here; use '*'";
    case 'L':
    case 'l':
      return "'L' (last day) is not supported; cronie has no such syntax";
    case 'W':
    case 'w':
      return "'W' (nearest weekday) is not supported; cronie has no such syntax";
    case '#':
      return "'#' (nth weekday) is not supported; cronie has no such syntax";
    case '~':
      return "'~' (random value) is not supported";
    default:
      break;
  }
  if (static_cast<unsigned char>(c) >= 0x80 || !std::isprint(static_cast<unsigned char>(c))) {
    return "unexpected non-ASCII or control character";
  }
  return std::string("unexpected character '") + c + "'";
}

// Parses a number or (where the field has them) a three-letter name at text[*pos].
Status ParseValue(const FieldSpec& spec, std::string_view field_text, std::string_view text,
                  std::size_t* pos, int* value) {
  std::size_t start = *pos;
  if (start < text.size() && std::isdigit(static_cast<unsigned char>(text[start]))) {
    std::size_t end = start;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])))
      ++end;
    std::string_view digits = text.substr(start, end - start);
    // Leading zeros are fine ("05"), as in cronie; the digit cap keeps int safe.
    std::size_t first_nonzero = digits.find_first_not_of('0');
    std::string_view significant =
        first_nonzero == std::string_view::npos ? "0" : digits.substr(first_nonzero);
    if (significant.size() > static_cast<std::size_t>(kMaxNumberDigits)) {
      return FieldError(spec, field_text,
                        std::string(digits) + " is out of range " + RangeText(spec));
    }
    int v = std::stoi(std::string(significant));
    if (v < spec.low || v > spec.high) {
      return FieldError(spec, field_text,
                        std::string(digits) + " is out of range " + RangeText(spec));
    }
    *value = v;
    *pos = end;
    return Status::Ok();
  }
  if (start < text.size() && std::isalpha(static_cast<unsigned char>(text[start]))) {
    std::size_t end = start;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end])))
      ++end;
    std::string_view word = text.substr(start, end - start);
    if (spec.names == nullptr) {
      if (word.size() == 1) {
        return FieldError(spec, field_text, UnsupportedCharacterProblem(word[0]));
      }
      return FieldError(
          spec, field_text,
          "names such as '" + std::string(word) + "' are not allowed here; use " + RangeText(spec));
    }
    std::string upper = Upper(word);
    for (int i = 0; i < spec.name_count; ++i) {
      if (upper == spec.names[i]) {
        *value = spec.name_base + i;
        *pos = end;
        return Status::Ok();
      }
    }
    if (word.size() == 1)
      return FieldError(spec, field_text, UnsupportedCharacterProblem(word[0]));
    std::string what = spec.field == CronField::kMonth ? "month" : "day";
    return FieldError(spec, field_text,
                      "unknown " + what + " name '" + std::string(word) + "'; use " +
                          RangeText(spec) + " (three-letter names, any case)");
  }
  if (start >= text.size()) {
    return FieldError(spec, field_text, "a value is missing");
  }
  return FieldError(spec, field_text, UnsupportedCharacterProblem(text[start]));
}

Status ParseStep(const FieldSpec& spec, std::string_view field_text, std::string_view text,
                 std::size_t* pos, int* step) {
  std::size_t start = *pos;
  std::size_t end = start;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])))
    ++end;
  if (end == start) {
    if (start >= text.size())
      return FieldError(spec, field_text, "a step is missing after '/'");
    return FieldError(spec, field_text,
                      "the step after '/' must be a number, " +
                          UnsupportedCharacterProblem(text[start]).insert(0, "got: "));
  }
  std::string_view digits = text.substr(start, end - start);
  std::size_t first_nonzero = digits.find_first_not_of('0');
  if (first_nonzero == std::string_view::npos) {
    return FieldError(spec, field_text, "a step of 0 is not allowed");
  }
  std::string_view significant = digits.substr(first_nonzero);
  if (significant.size() > static_cast<std::size_t>(kMaxNumberDigits)) {
    return FieldError(spec, field_text, "the step " + std::string(digits) + " is too large");
  }
  *step = std::stoi(std::string(significant));
  *pos = end;
  return Status::Ok();
}

// One comma-separated field: list = item {"," item}; item = "*" ["/" step] | value ["-" value
// ["/" step]]. A step after a single value ("5/10") is rejected, as cronie does.
Status ParseField(const FieldSpec& spec, std::string_view text, std::uint64_t* mask,
                  std::vector<CronListItem>* items) {
  *mask = 0;
  items->clear();
  std::size_t item_start = 0;
  while (true) {
    std::size_t comma = text.find(',', item_start);
    std::string_view item_text = text.substr(
        item_start, comma == std::string_view::npos ? std::string_view::npos : comma - item_start);
    if (item_text.empty()) {
      return FieldError(spec, text, "empty element in the list (check the commas)");
    }
    CronListItem item;
    std::size_t pos = 0;
    if (item_text[0] == '*') {
      item.kind = CronListItem::Kind::kStar;
      item.first = spec.low;
      item.last = spec.high;
      pos = 1;
      if (pos < item_text.size() && item_text[pos] != '/') {
        // Only a printable ASCII byte is echoed: a lone byte of a multi-byte character would
        // make the message invalid UTF-8.
        unsigned char u = static_cast<unsigned char>(item_text[pos]);
        std::string what = u < 0x80 && std::isprint(u)
                               ? std::string("'") + item_text[pos] + "'"
                               : std::string("non-ASCII or control character");
        return FieldError(spec, text, "unexpected " + what + " after '*'");
      }
    } else {
      int a = 0;
      LEADSCAN_RETURN_IF_ERROR(ParseValue(spec, text, item_text, &pos, &a));
      item.first = a;
      item.last = a;
      if (pos < item_text.size() && item_text[pos] == '-') {
        ++pos;
        int b = 0;
        LEADSCAN_RETURN_IF_ERROR(ParseValue(spec, text, item_text, &pos, &b));
        if (a > b) {
          std::string hint;
          if (spec.field == CronField::kDayOfWeek && b == 0) {
            hint = "; to end on Sunday write " + std::to_string(a) + "-7";
          }
          return FieldError(spec, text,
                            "the range " + std::string(item_text.substr(0, pos)) +
                                " runs backwards (start after end)" + hint);
        }
        item.kind = CronListItem::Kind::kRange;
        item.last = b;
      }
    }
    if (pos < item_text.size() && item_text[pos] == '/') {
      if (item.kind == CronListItem::Kind::kValue) {
        return FieldError(spec, text,
                          "a step needs a range or '*' before it: write " +
                              std::to_string(item.first) + "-" + std::to_string(spec.high) + "/" +
                              std::string(item_text.substr(pos + 1)) + " or */" +
                              std::string(item_text.substr(pos + 1)));
      }
      ++pos;
      LEADSCAN_RETURN_IF_ERROR(ParseStep(spec, text, item_text, &pos, &item.step));
    }
    if (pos < item_text.size()) {
      char c = item_text[pos];
      if (c == '-' || c == '/') {
        return FieldError(spec, text,
                          std::string("unexpected '") + c + "' in " + std::string(item_text));
      }
      return FieldError(spec, text, UnsupportedCharacterProblem(c));
    }
    for (int v = item.first; v <= item.last; v += item.step)
      *mask |= std::uint64_t{1} << v;
    items->push_back(item);
    if (comma == std::string_view::npos)
      break;
    item_start = comma + 1;
  }
  return Status::Ok();
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    if (i > start)
      out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

int NextBit(std::uint64_t mask, int from, int max) {
  if (from > max)
    return -1;
  std::uint64_t rest = mask >> from;
  if (rest == 0)
    return -1;
  int v = from + std::countr_zero(rest);
  return v <= max ? v : -1;
}

// Longest length of each month in any year (February 29).
constexpr int kMaxDaysInMonth[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

std::string JoinMonthNames(std::uint64_t month_mask) {
  std::vector<std::string_view> names;
  for (int m = 1; m <= 12; ++m) {
    if (month_mask >> m & 1)
      names.push_back(kMonthFullNames[m - 1]);
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

TimePoint ToTimePoint(date::sys_seconds s) {
  return std::chrono::time_point_cast<TimePoint::duration>(s);
}

// The instants at which the wall-clock minute `wall` fires in `zone` (zero, one or two).
struct Instants {
  TimePoint at[2];
  int count = 0;
  bool ambiguous = false;
};

Instants InstantsFor(LocalMinutes wall, const CronZone& zone, bool fixed_time,
                     const CronSemantics& semantics) {
  Instants out;
  date::local_seconds local{wall};
  date::local_info li = zone.Info(local);
  auto at = [&](seconds offset) {
    return ToTimePoint(date::sys_seconds{local.time_since_epoch() - offset});
  };
  switch (li.result) {
    case date::local_info::unique:
      out.at[out.count++] = at(li.first.offset);
      break;
    case date::local_info::nonexistent: {
      if (semantics.dst == CronSemantics::Dst::kShiftAndFirst) {
        out.at[out.count++] = at(li.first.offset);
        break;
      }
      seconds gap = li.second.offset - li.first.offset;
      TimePoint gap_end = ToTimePoint(li.second.begin);
      if (gap < kSmallForwardJump || (fixed_time && gap < kLargeForwardJump)) {
        out.at[out.count++] = gap_end;
      }
      break;
    }
    case date::local_info::ambiguous: {
      out.ambiguous = true;
      out.at[out.count++] = at(li.first.offset);
      seconds overlap = li.first.offset - li.second.offset;
      if (semantics.dst == CronSemantics::Dst::kCronie &&
          (!fixed_time || overlap >= kLargeBackwardJump)) {
        out.at[out.count++] = at(li.second.offset);
      }
      break;
    }
  }
  return out;
}

}  // namespace

std::string_view CronFieldName(CronField field) {
  switch (field) {
    case CronField::kMinute:
      return "minute";
    case CronField::kHour:
      return "hour";
    case CronField::kDayOfMonth:
      return "day-of-month";
    case CronField::kMonth:
      return "month";
    case CronField::kDayOfWeek:
      return "day-of-week";
  }
  return "unknown";
}

Result<CronExpression> CronExpression::Parse(std::string_view raw) {
  std::string_view text = Trim(raw);
  if (text.empty()) {
    return CronError(
        "the cron expression is empty; expected five fields (minute hour day-of-month month "
        "day-of-week) or a macro such as @daily");
  }
  CronExpression expr;
  expr.text_ = std::string(text);
  std::string_view fields_text = text;
  if (text[0] == '@') {
    std::vector<std::string_view> words = SplitWhitespace(text);
    std::string name = common::AsciiLower(words[0].substr(1));
    if (name == "reboot") {
      return CronError(
          "@reboot is not supported: leadscan schedules run at times of day, not when a machine "
          "starts; use a time schedule such as @daily or \"0 2 * * *\"");
    }
    const Macro* found = nullptr;
    for (const Macro& m : kMacros) {
      if (m.name == name)
        found = &m;
    }
    if (found == nullptr) {
      return CronError("unknown macro '" + std::string(words[0]) +
                       "'; use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or "
                       "@annually");
    }
    if (words.size() > 1) {
      return CronError("a macro stands alone; unexpected '" + std::string(words[1]) + "' after " +
                       std::string(words[0]));
    }
    expr.macro_ = std::string(found->name);
    fields_text = found->expansion;
  }
  std::vector<std::string_view> fields = SplitWhitespace(fields_text);
  if (fields.size() != 5) {
    std::string msg = "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                      std::to_string(fields.size());
    if (fields.size() == 6 || fields.size() == 7) {
      msg += "; seconds and year fields are not supported";
    }
    return CronError(std::move(msg));
  }
  for (int i = 0; i < 5; ++i) {
    LEADSCAN_RETURN_IF_ERROR(ParseField(kSpecs[i], fields[i], &expr.mask_[i], &expr.items_[i]));
    expr.star_[i] = fields[i][0] == '*';
    expr.bare_star_[i] = fields[i] == "*";
  }
  // Sunday is both 0 and 7.
  std::uint64_t& dow = expr.mask_[static_cast<int>(CronField::kDayOfWeek)];
  if (dow >> 7 & 1)
    dow = (dow | 1) & ~(std::uint64_t{1} << 7);
  expr.minute_star_ = expr.star_[static_cast<int>(CronField::kMinute)];
  expr.hour_star_ = expr.star_[static_cast<int>(CronField::kHour)];

  // With a '*'-prefixed day field, the days must match day-of-month AND day-of-week; if no
  // month given ever has one of the days of month given, the expression can never run.
  const int dom_i = static_cast<int>(CronField::kDayOfMonth);
  const int month_i = static_cast<int>(CronField::kMonth);
  if (expr.star_[dom_i] || expr.star_[static_cast<int>(CronField::kDayOfWeek)]) {
    bool possible = false;
    int smallest_day = NextBit(expr.mask_[dom_i], 1, 31);
    for (int m = 1; m <= 12 && !possible; ++m) {
      if ((expr.mask_[month_i] >> m & 1) && smallest_day <= kMaxDaysInMonth[m])
        possible = true;
    }
    if (!possible) {
      std::string days_text(fields[dom_i]);
      return FieldError(
          kSpecs[dom_i], fields[dom_i],
          "the expression can never run: day " + std::to_string(smallest_day) +
              (expr.mask_[dom_i] == (std::uint64_t{1} << smallest_day) ? " does"
                                                                       : " and later days do") +
              " not occur in " + JoinMonthNames(expr.mask_[month_i]));
    }
  }
  return expr;
}

bool CronExpression::DayMatches(date::year_month_day ymd, date::weekday wd,
                                const CronSemantics& s) const {
  const int dom_i = static_cast<int>(CronField::kDayOfMonth);
  const int dow_i = static_cast<int>(CronField::kDayOfWeek);
  bool dom_ok = mask_[dom_i] >> unsigned(ymd.day()) & 1;
  bool dow_ok = mask_[dow_i] >> wd.c_encoding() & 1;
  bool dom_unrestricted =
      s.dom_dow == CronSemantics::DomDow::kCronie ? star_[dom_i] : bare_star_[dom_i];
  bool dow_unrestricted =
      s.dom_dow == CronSemantics::DomDow::kCronie ? star_[dow_i] : bare_star_[dow_i];
  // cronie's rule: either day field unrestricted -> both must match; else either may.
  if (dom_unrestricted || dow_unrestricted)
    return dom_ok && dow_ok;
  return dom_ok || dow_ok;
}

bool CronExpression::MatchesWallTime(LocalMinutes wall, const CronSemantics& semantics) const {
  auto day = date::floor<date::days>(wall);
  date::year_month_day ymd{day};
  if (!(mask_[static_cast<int>(CronField::kMonth)] >> unsigned(ymd.month()) & 1))
    return false;
  if (!DayMatches(ymd, date::weekday{day}, semantics))
    return false;
  auto mins = (wall - day).count();
  return (mask_[static_cast<int>(CronField::kHour)] >> (mins / 60) & 1) &&
         (mask_[static_cast<int>(CronField::kMinute)] >> (mins % 60) & 1);
}

std::optional<LocalMinutes> CronExpression::NextMatchingWall(LocalMinutes from, LocalMinutes limit,
                                                             const CronSemantics& s) const {
  const std::uint64_t months = mask_[static_cast<int>(CronField::kMonth)];
  const std::uint64_t hour_mask = mask_[static_cast<int>(CronField::kHour)];
  const std::uint64_t minute_mask = mask_[static_cast<int>(CronField::kMinute)];
  LocalMinutes t = from;
  while (t <= limit) {
    date::local_days day = date::floor<date::days>(t);
    date::year_month_day ymd{day};
    if (!(months >> unsigned(ymd.month()) & 1)) {
      date::year_month next_month = ymd.year() / ymd.month() + date::months{1};
      t = LocalMinutes{date::local_days{next_month / 1}};
      continue;
    }
    if (!DayMatches(ymd, date::weekday{day}, s)) {
      t = LocalMinutes{day + date::days{1}};
      continue;
    }
    auto mins = static_cast<int>((t - day).count());
    int h = mins / 60;
    int m = mins % 60;
    int next_h = NextBit(hour_mask, h, 23);
    if (next_h < 0) {
      t = LocalMinutes{day + date::days{1}};
      continue;
    }
    if (next_h != h) {
      h = next_h;
      m = 0;
    }
    int next_m = NextBit(minute_mask, m, 59);
    if (next_m < 0) {
      t = LocalMinutes{day} + hours{h + 1};
      continue;
    }
    return LocalMinutes{day} + hours{h} + minutes{next_m};
  }
  return std::nullopt;
}

std::optional<TimePoint> CronExpression::Next(TimePoint after, const date::time_zone* zone,
                                              const CronSemantics& semantics) const {
  if (zone == nullptr)
    return std::nullopt;
  const date::sys_seconds after_s = floor<seconds>(after);
  // Start the wall-clock search early enough to see the second pass of a repeated hour that
  // `after` may sit in front of: use the smaller of the current and the next UTC offset.
  const CronZone cron_zone(zone);
  date::sys_info info = cron_zone.Info(after_s);
  seconds offset = info.offset;
  if (info.end < date::sys_seconds{kFarFuture}) {
    offset = std::min(offset, cron_zone.Info(info.end).offset);
  }
  LocalMinutes from = floor<minutes>(date::local_seconds{(after_s + offset).time_since_epoch()});
  // TimePoint counts nanoseconds and ends in 2262; stay a few days short of that.
  const LocalMinutes last_wall = floor<minutes>(date::local_seconds{
      (floor<seconds>(TimePoint::max()) - kTimePointMargin).time_since_epoch()});
  if (from > last_wall)
    return std::nullopt;
  const LocalMinutes limit = from + kSearchHorizon < last_wall ? from + kSearchHorizon : last_wall;
  const bool fixed_time = !is_wildcard_time();
  std::optional<TimePoint> best;
  while (true) {
    std::optional<LocalMinutes> wall = NextMatchingWall(from, limit, semantics);
    if (!wall)
      break;
    Instants inst = InstantsFor(*wall, cron_zone, fixed_time, semantics);
    for (int i = 0; i < inst.count; ++i) {
      if (inst.at[i] > after && (!best || inst.at[i] < *best))
        best = inst.at[i];
    }
    // Wall times map to increasing instants except inside a repeated hour, where a later wall
    // time's first pass comes before an earlier one's second pass: keep looking until past it.
    if (best && !inst.ambiguous)
      break;
    from = *wall + minutes{1};
  }
  return best;
}

std::vector<TimePoint> CronExpression::NextN(TimePoint after, const date::time_zone* zone,
                                             std::size_t count,
                                             const CronSemantics& semantics) const {
  std::vector<TimePoint> out;
  out.reserve(count);
  TimePoint t = after;
  while (out.size() < count) {
    std::optional<TimePoint> next = Next(t, zone, semantics);
    if (!next)
      break;
    out.push_back(*next);
    t = *next;
  }
  return out;
}

Result<const date::time_zone*> LookupTimeZone(std::string_view name) {
  auto invalid = [&](std::string why) {
    return Status::InvalidArgument(std::string(kInvalidTimezoneCode), std::move(why),
                                   std::string(kTimezoneFieldName));
  };
  if (name.empty())
    return invalid("the time zone is empty; use an IANA name such as UTC");
  // Zone names are plain IANA identifiers; refuse anything that looks like a path.
  bool plain = name.front() != '/' && name.find("..") == std::string_view::npos;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
        c != '+') {
      plain = false;
    }
  }
  std::string quoted = "'" + std::string(name) + "'";
  if (!plain)
    return invalid("unknown time zone " + quoted +
                   "; use an IANA name such as "
                   "Europe/Stockholm");
  try {
    return date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    return invalid("unknown time zone " + quoted +
                   "; use an IANA name such as Europe/Stockholm (tzdata in /usr/share/zoneinfo)");
  }
}

}  // namespace leadscan::jobs
