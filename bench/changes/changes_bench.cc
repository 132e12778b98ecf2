// The changes benchmark (issue 14): fills a SQLite store through Store::RecordAnalysis — the
// same transaction that stores every analysis and decides its changes — until it holds at least
// --changes change rows, then times the change feed (Store::ListChanges, the query behind
// GET /api/changes) with the filters the API offers, page after page along the keyset cursor,
// and the lead list's change filter. Prints one line per query with p50 / p95 / p99 / max in
// milliseconds and a JSON summary last.
//
// usage: leadscan-changes-bench --db FILE [--changes N] [--leads N] [--runs N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "store/store.h"

namespace {

using leadscan::common::FakeClock;
using leadscan::common::OrgId;
using leadscan::store::ChangeFilter;
using leadscan::store::Store;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* kCheckouts[] = {"Klarna Checkout", "Walley Checkout", "Svea Checkout",
                            "Qliro One",       "Avarda",          "Nexi Checkout"};
const char* kCarriers[] = {"PostNord", "DHL", "Budbee", "Instabox", "Bring", "Airmee"};

int Arg(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name)
      return std::atoi(argv[i + 1]);
  }
  return fallback;
}

std::string StrArg(int argc, char** argv, const std::string& name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name)
      return argv[i + 1];
  }
  return "";
}

Json On(const std::string& page) {
  return Json::array({{{"page", page}, {"field", "html"}, {"matched", "x"}}});
}

// The second carrier of shop `lead` in analysis `round` (PostNord is always the first).
const char* SecondCarrier(int lead, int round) {
  const size_t i = static_cast<size_t>(lead + round / 2) % 6;
  return kCarriers[i == 0 ? 1 : i];
}

// A few shops add shipping software for one analysis in seven (a rare field for the feed).
bool HasShippingSoftware(int lead, int round) {
  return lead % 50 == 0 && round % 7 == 3;
}

// The change rows analysis `round` (> 0) of shop `lead` writes: the checkout switches every
// time; the second carrier and the shipping software now and then.
int ChangesOf(int lead, int round) {
  int n = 2;
  if (std::string(SecondCarrier(lead, round)) != SecondCarrier(lead, round - 1))
    n += 2;
  if (HasShippingSoftware(lead, round) != HasShippingSoftware(lead, round - 1))
    n += 1;
  return n;
}

// A full analysis of shop `lead` number `round`: WooCommerce on the home page, the round's
// checkout on /kassa, and two carriers (one changes every other round) on /frakt.
Json Result(int lead, int round) {
  const std::string host = "https://shop" + std::to_string(lead) + ".se";
  auto page = [&](const std::string& path, const char* reason) {
    return Json{{"url", host + path}, {"status", 200},  {"bytes", 1000},
                {"ms", 10.0},         {"via", "https"}, {"reason", reason}};
  };
  const size_t checkout = static_cast<size_t>(lead + round) % 6;
  return {
      {"domain", "shop" + std::to_string(lead) + ".se"},
      {"analysis_type", "full_analysis"},
      {"pages", Json::array({page("/", "home"), page("/kassa", "link path /kassa"),
                             page("/frakt", "link path /frakt")})},
      {"ecommerce_platform", {{"name", "WooCommerce"}, {"evidence", On(host + "/")}}},
      {"technologies", Json::array({{{"name", "PHP"}, {"evidence", On(host + "/")}}})},
      {"checkout_solutions",
       Json::array({{{"name", kCheckouts[checkout]}, {"evidence", On(host + "/kassa")}}})},
      {"payment_methods", Json::array()},
      {"carriers",
       Json::array({{{"name", "PostNord"}, {"evidence", On(host + "/frakt")}},
                    {{"name", SecondCarrier(lead, round)}, {"evidence", On(host + "/frakt")}}})},
      {"shipping_software",
       HasShippingSoftware(lead, round)
           ? Json::array({{{"name", "nShift"}, {"evidence", On(host + "/frakt")}}})
           : Json::array()},
      {"set_aside", Json::array()},
      {"errors", Json::array()}};
}

leadscan::store::LeadFindings FindingsOf(const Json& r) {
  leadscan::store::LeadFindings f;
  f.ecommerce_platform = r["ecommerce_platform"];
  f.checkout_solutions = r["checkout_solutions"];
  f.payment_methods = r["payment_methods"];
  f.carriers = r["carriers"];
  f.shipping_software = r["shipping_software"];
  f.technologies = r["technologies"];
  return f;
}

struct Figures {
  std::string name;
  std::vector<double> ms;
  size_t rows = 0;  // rows of the last run

  double Pct(double p) const {
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    size_t i = static_cast<size_t>(p * static_cast<double>(s.size() - 1) + 0.5);
    return s[std::min(i, s.size() - 1)];
  }
};

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string db = StrArg(argc, argv, "--db");
  if (db.empty()) {
    std::fprintf(stderr,
                 "usage: leadscan-changes-bench --db FILE [--changes N] [--leads N] "
                 "[--runs N]\n");
    return 2;
  }
  const int target_changes = Arg(argc, argv, "--changes", 100000);
  const int leads_n = Arg(argc, argv, "--leads", 2000);
  const int runs = Arg(argc, argv, "--runs", 300);
  std::filesystem::remove(db);
  std::filesystem::remove(db + "-wal");
  std::filesystem::remove(db + "-shm");

  FakeClock clock(*leadscan::store::ParseTime("2026-01-05T08:00:00Z"));
  leadscan::store::StoreOptions options;
  options.clock = &clock;
  auto opened = leadscan::store::OpenStore("sqlite://" + db, options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  Store& store = **opened;
  auto org_made = store.CreateOrganization("bench");
  auto other_made = store.CreateOrganization("other");
  if (!org_made.ok() || !other_made.ok())
    return 1;
  const OrgId org = *OrgId::Parse(org_made->id);
  const OrgId other = *OrgId::Parse(other_made->id);

  std::vector<leadscan::store::NewLead> new_leads;
  for (int i = 0; i < leads_n; ++i)
    new_leads.push_back({"Shop " + std::to_string(i) + " AB", "shop" + std::to_string(i) + ".se"});
  auto leads = store.CreateLeads(org, new_leads);
  auto other_leads = store.CreateLeads(other, {new_leads.begin(), new_leads.begin() + 100});
  if (!leads.ok() || !other_leads.ok())
    return 1;

  // Fill: every lead analysed round after round (its first analysis is its baseline); each
  // later analysis switches the checkout (2 changes) and every other one a carrier (2 more).
  // The other organisation gets one analysis in ten, so scoping has rows to skip.
  const auto fill_start = Clock::now();
  int64_t analyses = 0;
  int64_t changes = 0;
  std::vector<double> write_ms;
  for (int round = 0; changes < target_changes; ++round) {
    for (int i = 0; i < leads_n && changes < target_changes; ++i) {
      leadscan::store::AnalysisRecord rec;
      rec.lead_id = (*leads)[static_cast<size_t>(i)].id;
      rec.job_type = "full_analysis";
      rec.result = Result(i, round);
      const auto t0 = Clock::now();
      auto saved = store.RecordAnalysis(org, rec, FindingsOf(rec.result));
      write_ms.push_back(Ms(t0, Clock::now()));
      if (!saved.ok()) {
        std::fprintf(stderr, "record: %s\n", saved.status().ToString().c_str());
        return 1;
      }
      ++analyses;
      if (round > 0)
        changes += ChangesOf(i, round);
      if (i < 100 && i % 10 == round % 10) {
        rec.lead_id = (*other_leads)[static_cast<size_t>(i)].id;
        (void)store.RecordAnalysis(other, rec, FindingsOf(rec.result));
      }
      clock.Advance(std::chrono::seconds(37));
    }
  }
  const double fill_s = Ms(fill_start, Clock::now()) / 1000.0;
  ChangeFilter all;
  all.limit = 500;
  int64_t counted = 0;
  for (auto page = store.ListChanges(org, all); page.ok();) {
    counted += static_cast<int64_t>(page->rows.size());
    if (!page->next)
      break;
    all.after = page->next;
    page = store.ListChanges(org, all);
  }
  const auto now = clock.Now();
  std::printf(
      "filled: %lld analyses, %lld change rows of the organisation (counted by paging), "
      "%d leads, in %.1f s\n",
      static_cast<long long>(analyses), static_cast<long long>(counted), leads_n, fill_s);

  std::vector<Figures> figures;
  auto time_query = [&](const std::string& name, const std::function<size_t()>& run) {
    Figures f;
    f.name = name;
    for (int i = 0; i < 5; ++i)
      (void)run();  // warm the page cache and the prepared statements
    for (int i = 0; i < runs; ++i) {
      const auto t0 = Clock::now();
      f.rows = run();
      f.ms.push_back(Ms(t0, Clock::now()));
    }
    figures.push_back(std::move(f));
  };
  auto feed = [&](ChangeFilter filter) {
    return [&store, &org, filter]() -> size_t {
      auto page = store.ListChanges(org, filter);
      if (!page.ok()) {
        std::fprintf(stderr, "query: %s\n", page.status().ToString().c_str());
        std::exit(1);
      }
      return page->rows.size();
    };
  };
  ChangeFilter newest;
  time_query("feed, newest 50", feed(newest));
  ChangeFilter field;
  field.field = "checkout_solutions";
  time_query("feed, field=checkout_solutions", feed(field));
  ChangeFilter rare;
  rare.field = "shipping_software";
  time_query("feed, field=shipping_software (rare)", feed(rare));
  ChangeFilter name;
  name.name = "klarna checkout";
  name.change = "removed";
  time_query("feed, name=Klarna Checkout change=removed", feed(name));
  ChangeFilter week;
  week.since = now - std::chrono::hours(24 * 14);
  week.until = now - std::chrono::hours(24 * 7);
  time_query("feed, since/until one week, two weeks ago", feed(week));
  ChangeFilter lead;
  lead.lead_id = (*leads)[7].id;
  time_query("feed, lead_id", feed(lead));
  ChangeFilter none;
  none.name = "no such checkout";
  time_query("feed, a name with no rows", feed(none));
  ChangeFilter deep;
  {
    // A cursor half-way down the feed.
    ChangeFilter walk;
    walk.limit = 500;
    for (int64_t seen = 0; seen < counted / 2;) {
      auto page = store.ListChanges(org, walk);
      seen += static_cast<int64_t>(page->rows.size());
      walk.after = page->next;
    }
    deep.after = walk.after;
  }
  time_query("feed, page 50 after a cursor half-way down", feed(deep));
  {
    // Every page of the whole feed, 50 rows a page, along the cursor.
    Figures f;
    f.name = "feed, every page along the cursor (50 a page)";
    ChangeFilter walk;
    walk.limit = 50;
    while (true) {
      const auto t0 = Clock::now();
      auto page = store.ListChanges(org, walk);
      f.ms.push_back(Ms(t0, Clock::now()));
      f.rows += page->rows.size();
      if (!page->next)
        break;
      walk.after = page->next;
    }
    figures.push_back(std::move(f));
  }
  leadscan::store::LeadFilter plain;
  time_query("lead list, no filter (50 leads; reference)", [&]() -> size_t {
    auto page = store.ListLeads(org, plain);
    return page.ok() ? page->rows.size() : 0;
  });
  leadscan::store::LeadFilter added;
  added.added = {"Walley Checkout"};
  added.since = now - std::chrono::hours(24 * 7);
  time_query("lead list, added=Walley Checkout since 7 days (50 leads)", [&]() -> size_t {
    auto page = store.ListLeads(org, added);
    return page.ok() ? page->rows.size() : 0;
  });

  Json summary = {{"analyses", analyses},
                  {"change_rows", counted},
                  {"leads", leads_n},
                  {"runs", runs},
                  {"queries", Json::array()}};
  std::sort(write_ms.begin(), write_ms.end());
  auto wpct = [&](double p) {
    return write_ms[std::min(write_ms.size() - 1,
                             static_cast<size_t>(p * static_cast<double>(write_ms.size() - 1)))];
  };
  std::printf(
      "RecordAnalysis (write + diff + changes, one transaction): p50 %.3f ms, p99 %.3f "
      "ms\n",
      wpct(0.5), wpct(0.99));
  summary["record_analysis_ms"] = {{"p50", wpct(0.5)}, {"p99", wpct(0.99)}};
  bool all_under = true;
  for (const Figures& f : figures) {
    const double p99 = f.Pct(0.99);
    if (f.name.rfind("feed", 0) == 0)  // the goal is the change feed's
      all_under = all_under && p99 < 50.0;
    std::printf("%-58s p50 %7.3f  p95 %7.3f  p99 %7.3f  max %7.3f ms  (%zu runs, %zu rows)\n",
                f.name.c_str(), f.Pct(0.5), f.Pct(0.95), p99, f.Pct(1.0), f.ms.size(), f.rows);
    summary["queries"].push_back({{"name", f.name},
                                  {"p50_ms", f.Pct(0.5)},
                                  {"p95_ms", f.Pct(0.95)},
                                  {"p99_ms", p99},
                                  {"max_ms", f.Pct(1.0)},
                                  {"runs", f.ms.size()}});
  }
  summary["feed_p99_under_50_ms"] = all_under;
  std::printf("%s\n", summary.dump().c_str());
  return all_under ? 0 : 3;
}
