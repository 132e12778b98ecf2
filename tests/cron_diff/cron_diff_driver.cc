// Differential test driver: reads the cases gen.mjs wrote (croner's next runs for random
// expressions, zones and start instants), computes leadscan's runs for each and classifies every
// disagreement by rule (docs/cron.md, "Differential test"):
//   equal          the run lists are identical (or both engines find the expression never runs);
//   known: tzdata  Node's time zone data gives another UTC offset than the system tzdata at one
//                  of croner's runs;
//   known: dom/dow croner treats only a bare "*" day field as unrestricted; recomputing with that
//                  one rule (CronSemantics::DomDow::kBareStarOnly) reproduces croner exactly;
//   known: dst     croner shifts skipped times by the gap and runs repeated times once for every
//                  job; recomputing with that one rule (CronSemantics::Dst::kShiftAndFirst)
//                  reproduces croner exactly;
//   known: both    both rules together reproduce croner exactly;
//                  (when cronie's rule makes the expression impossible and we reject it, the
//                  dom/dow rule is proven by writing the '*' of the day field as its full range)
//   croner defect: unordered    croner's own list is not strictly increasing after the start
//                  (it happens next to DST changes);
//   croner defect: overflow     croner skips the first days of a month after trying a day the
//                  previous month does not have, named by day-of-month or matched by weekday
//                  (Feb 30 becomes Mar 2, so Mar 1 is skipped):
//                  every croner run is one of ours (under one of the rule sets above) and every
//                  run of ours that croner lacks falls on such a day;
//   unexplained    anything else: printed, and the driver fails.
// Usage: cron_diff_driver CASES_FILE [MIN_CASES]. Exit 0 when nothing is unexplained and at least
// MIN_CASES (default 10000) cases were compared.
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "jobs/cron_expression.h"
#include "jobs/cron_next.h"
#include "jobs/cron_zone.h"

namespace {

using leadscan::jobs::CronExpression;
using leadscan::jobs::CronSemantics;
using leadscan::jobs::FormatIsoUtc;
using leadscan::jobs::TimePoint;

constexpr std::size_t kDefaultMinCases = 10000;
constexpr int kMaxPrinted = 25;
constexpr std::size_t kMaxRunsCompared = 200000;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep))
    out.push_back(cur);
  if (!s.empty() && s.back() == sep)
    out.emplace_back();
  return out;
}

std::vector<long long> Numbers(const std::string& s) {
  std::vector<long long> out;
  if (s.empty())
    return out;
  for (const std::string& part : Split(s, ','))
    out.push_back(std::stoll(part));
  return out;
}

TimePoint FromUnix(long long s) {
  return TimePoint{std::chrono::seconds{s}};
}

long long ToUnix(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::vector<long long> Ours(const CronExpression& e, const date::time_zone* zone, long long from,
                            std::size_t n, const CronSemantics& semantics) {
  std::vector<long long> out;
  for (TimePoint t : e.NextN(FromUnix(from), zone, n, semantics))
    out.push_back(ToUnix(t));
  return out;
}

bool StrictlyIncreasingAfter(const std::vector<long long>& runs, long long from) {
  long long prev = from;
  for (long long r : runs) {
    if (r <= prev)
      return false;
    prev = r;
  }
  return true;
}

// The overflow defect (see the file comment): `theirs` is `ours_long` with some runs left out,
// and each left-out run (before croner's last) is on a day of month d with d <= M - L, where M
// is the largest day-of-month the expression names (31 when day-of-week is restricted, since
// croner then tries every day up to 31 by weekday) and L the length of the previous month.
bool ExplainedByMonthOverflow(const CronExpression& e, const date::time_zone* zone,
                              const std::vector<long long>& ours_long,
                              const std::vector<long long>& theirs) {
  if (theirs.empty())
    return false;
  std::uint64_t dom = e.mask(leadscan::jobs::CronField::kDayOfMonth);
  int max_dom = 63 - std::countl_zero(dom);
  // With a restricted day-of-week, croner also tries days 29-31 of a short month by weekday.
  if (!e.is_bare_star(leadscan::jobs::CronField::kDayOfWeek))
    max_dom = 31;
  std::size_t j = 0;
  for (long long r : ours_long) {
    if (j == theirs.size())
      return true;
    if (r == theirs[j]) {
      ++j;
      continue;
    }
    if (r > theirs[j])
      return false;
    auto sys = date::sys_seconds{std::chrono::seconds{r}};
    auto local = date::local_seconds{sys.time_since_epoch() +
                                     leadscan::jobs::CronZone(zone).Info(sys).offset};
    date::year_month_day ymd{date::floor<date::days>(local)};
    date::year_month prev = ymd.year() / ymd.month() - date::months{1};
    int prev_len = static_cast<int>(unsigned((prev / date::last).day()));
    if (static_cast<int>(unsigned(ymd.day())) > max_dom - prev_len)
      return false;
  }
  return j == theirs.size();
}

// Our runs after `from` up to and including `until` (bounded by kMaxRunsCompared).
std::vector<long long> OursUntil(const CronExpression& e, const date::time_zone* zone,
                                 long long from, long long until, const CronSemantics& semantics) {
  std::vector<long long> out;
  TimePoint t = FromUnix(from);
  while (out.size() < kMaxRunsCompared) {
    std::optional<TimePoint> next = e.Next(t, zone, semantics);
    if (!next || ToUnix(*next) > until)
      break;
    out.push_back(ToUnix(*next));
    t = *next;
  }
  return out;
}

// Under cronie's rule a '*'-prefixed day field makes the days combine with AND, which can make
// an expression impossible ("31 SEP */3"); croner combines them with OR and finds runs. Writing
// the '*' as the field's full range ("0-7/3") gives the same sets under our OR rule: if that
// reproduces croner's runs, the difference is the dom/dow rule (plus, maybe, the DST rule).
bool ExplainedByBareStarRewrite(const std::string& text, const date::time_zone* zone,
                                long long from, const std::vector<long long>& theirs,
                                bool* dst_needed) {
  std::vector<std::string> fields;
  std::istringstream in(text);
  for (std::string f; in >> f;)
    fields.push_back(f);
  if (fields.size() != 5)
    return false;
  if (fields[2].size() > 1 && fields[2][0] == '*')
    fields[2] = "1-31" + fields[2].substr(1);
  if (fields[4].size() > 1 && fields[4][0] == '*')
    fields[4] = "0-7" + fields[4].substr(1);
  auto rewritten = CronExpression::Parse(fields[0] + " " + fields[1] + " " + fields[2] + " " +
                                         fields[3] + " " + fields[4]);
  if (!rewritten.ok())
    return false;
  std::size_t n = theirs.size();
  if (Ours(*rewritten, zone, from, n, {}) == theirs) {
    *dst_needed = false;
    return true;
  }
  CronSemantics shift;
  shift.dst = CronSemantics::Dst::kShiftAndFirst;
  if (Ours(*rewritten, zone, from, n, shift) == theirs) {
    *dst_needed = true;
    return true;
  }
  return false;
}

std::string Show(const std::vector<long long>& runs) {
  std::string out;
  for (long long r : runs)
    out += (out.empty() ? "" : " ") + FormatIsoUtc(FromUnix(r));
  return out.empty() ? "(none)" : out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: cron_diff_driver CASES_FILE [MIN_CASES]\n";
    return 2;
  }
  std::size_t min_cases = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : kDefaultMinCases;
  const bool verbose = std::getenv("CRON_DIFF_VERBOSE") != nullptr;
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 2;
  }
  std::size_t compared = 0, equal = 0, never_both = 0, tzdata = 0, domdow = 0, dst = 0, both = 0,
              unordered = 0, overflow = 0, unexplained = 0, printed = 0;
  CronSemantics bare_star;
  bare_star.dom_dow = CronSemantics::DomDow::kBareStarOnly;
  CronSemantics shift;
  shift.dst = CronSemantics::Dst::kShiftAndFirst;
  CronSemantics bare_and_shift = shift;
  bare_and_shift.dom_dow = CronSemantics::DomDow::kBareStarOnly;

  auto report = [&](const std::string& what, const std::string& line, const std::string& detail) {
    ++unexplained;
    if (printed++ < kMaxPrinted)
      std::cout << "UNEXPLAINED " << what << ": " << line << "\n" << detail;
  };

  std::string line;
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    std::vector<std::string> cols = Split(line, '\t');
    if (cols.size() < 4) {
      std::cerr << "malformed line: " << line << "\n";
      return 2;
    }
    ++compared;
    const std::string& expr_text = cols[0];
    auto zone = leadscan::jobs::LookupTimeZone(cols[1]);
    if (!zone.ok()) {
      report("zone", line, "  " + zone.status().ToString() + "\n");
      continue;
    }
    long long from = std::stoll(cols[2]);
    bool croner_error = cols[3].rfind("ERR:", 0) == 0;
    std::vector<long long> theirs = croner_error ? std::vector<long long>{} : Numbers(cols[3]);
    std::vector<long long> offsets = cols.size() > 4 ? Numbers(cols[4]) : std::vector<long long>{};

    bool dst_needed = false;
    auto parsed = CronExpression::Parse(expr_text);
    if (!parsed.ok()) {
      // We reject expressions that can never run; croner accepts them and finds no run.
      bool never_runs = parsed.status().message().find("can never run") != std::string::npos;
      if (!croner_error && theirs.empty() && never_runs) {
        ++equal;
        ++never_both;
      } else if (!croner_error && never_runs &&
                 ExplainedByBareStarRewrite(expr_text, *zone, from, theirs, &dst_needed)) {
        ++(dst_needed ? both : domdow);
      } else {
        report("parse", line, "  ours: " + parsed.status().ToString() + "\n");
      }
      continue;
    }
    if (croner_error) {
      report("croner rejects", line, "  " + cols[3] + "\n");
      continue;
    }
    const std::size_t n = 5;
    std::vector<long long> ours = Ours(*parsed, *zone, from, n, {});
    std::vector<long long> theirs_n(theirs.begin(), theirs.begin() + std::min(theirs.size(), n));
    if (ours == theirs_n) {
      ++equal;
      continue;
    }
    bool tz_differs = false;
    for (std::size_t i = 0; i < theirs.size() && i < offsets.size(); ++i) {
      auto info =
          leadscan::jobs::CronZone(*zone).Info(date::sys_seconds{std::chrono::seconds{theirs[i]}});
      if (info.offset.count() != offsets[i])
        tz_differs = true;
    }
    if (tz_differs) {
      if (verbose)
        std::cout << "tzdata: " << line << "\n";
      ++tzdata;
      continue;
    }
    if (Ours(*parsed, *zone, from, n, bare_star) == theirs_n) {
      ++domdow;
    } else if (Ours(*parsed, *zone, from, n, shift) == theirs_n) {
      ++dst;
    } else if (Ours(*parsed, *zone, from, n, bare_and_shift) == theirs_n) {
      ++both;
    } else if (!StrictlyIncreasingAfter(theirs_n, from)) {
      ++unordered;
    } else if (!theirs_n.empty() &&
               (ExplainedByMonthOverflow(*parsed, *zone,
                                         OursUntil(*parsed, *zone, from, theirs_n.back(), {}),
                                         theirs_n) ||
                ExplainedByMonthOverflow(
                    *parsed, *zone, OursUntil(*parsed, *zone, from, theirs_n.back(), bare_star),
                    theirs_n) ||
                ExplainedByMonthOverflow(*parsed, *zone,
                                         OursUntil(*parsed, *zone, from, theirs_n.back(), shift),
                                         theirs_n) ||
                ExplainedByMonthOverflow(
                    *parsed, *zone,
                    OursUntil(*parsed, *zone, from, theirs_n.back(), bare_and_shift), theirs_n))) {
      ++overflow;
    } else {
      report("runs", line,
             "  from:   " + FormatIsoUtc(FromUnix(from)) + "\n  ours:   " + Show(ours) +
                 "\n  croner: " + Show(theirs_n) + "\n");
    }
  }
  std::size_t known = tzdata + domdow + dst + both;
  std::size_t defects = unordered + overflow;
  std::cout << "cron_diff: compared " << compared << ", equal " << equal << " (of which both never "
            << "run: " << never_both << "), known-difference " << known << " (dom/dow " << domdow
            << ", dst " << dst << ", dom/dow+dst " << both << ", tzdata " << tzdata
            << "), croner defect " << defects << " (unordered " << unordered << ", month overflow "
            << overflow << "), unexplained " << unexplained << "\n";
  if (compared < min_cases) {
    std::cout << "cron_diff: FAILED: only " << compared << " cases, need " << min_cases << "\n";
    return 1;
  }
  if (unexplained > 0) {
    std::cout << "cron_diff: FAILED: " << unexplained << " unexplained differences\n";
    return 1;
  }
  std::cout << "cron_diff: OK\n";
  return 0;
}
