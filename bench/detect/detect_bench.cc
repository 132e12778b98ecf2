// Detection benchmark driver: reads saved pages (a list of `path<TAB>url` lines, .gz files
// read as gzip), runs leadscan_detect over each page alone and prints one JSON line per page
// with its findings, the time Analyze took and the part of it spent matching (without HTML
// parsing). With --features FILE it also writes the extracted page features (the reference
// harness's input) as JSON lines; with --features-only it does only that and times nothing.
//
// usage: leadscan_detect_bench --rules PATH [--rules PATH]... [--no-dom] [--no-js]
//        [--no-words] [--features FILE [--features-only]] [--cache DIR] [--repeat N] LIST
// --cache DIR keeps the compiled rules in DIR between runs, as leadscan does
// (detect/compiled_cache.h); without it every run compiles.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/allocator.h"
#include "common/file_read.h"
#include "detect/detector.h"
#include "detect/rule_set.h"

namespace {

namespace common = leadscan::common;
using leadscan::detect::Detector;
using leadscan::detect::DetectorOptions;
using leadscan::detect::Finding;
using leadscan::detect::PageFeatures;
using leadscan::detect::PageInput;
using leadscan::detect::RuleSet;

constexpr int64_t kMaxPageBytes = 256LL * 1024 * 1024;

// Replaces invalid UTF-8 so the JSON writer never throws (pages are as sites sent them).
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    if (ok && n == 2 && c < 0xc2)
      ok = false;
    if (ok) {
      out.append(s, i, n);
      i += n;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

nlohmann::json FeaturesJson(const PageFeatures& f) {
  nlohmann::json j;
  j["url"] = ValidUtf8(f.url);
  j["html"] = ValidUtf8(f.html);
  j["text"] = ValidUtf8(f.text);
  j["css"] = ValidUtf8(f.css);
  j["scripts"] = ValidUtf8(f.scripts);
  j["robots"] = ValidUtf8(f.robots);
  j["certIssuer"] = ValidUtf8(f.cert_issuer);
  nlohmann::json src = nlohmann::json::array();
  for (const std::string& s : f.script_src)
    src.push_back(ValidUtf8(s));
  j["scriptSrc"] = src;
  auto keyed = [](const std::map<std::string, std::vector<std::string>>& m) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [k, vs] : m) {
      nlohmann::json a = nlohmann::json::array();
      for (const std::string& v : vs)
        a.push_back(ValidUtf8(v));
      o[ValidUtf8(k)] = a;
    }
    return o;
  };
  j["headers"] = keyed(f.headers);
  j["cookies"] = keyed(f.cookies);
  j["meta"] = keyed(f.meta);
  return j;
}

nlohmann::json FindingJson(const Finding& f) {
  nlohmann::json j;
  j["name"] = f.name;
  j["slug"] = f.slug;
  j["group"] = leadscan::detect::GroupName(f.group);
  j["confidence"] = f.confidence;
  j["version"] = ValidUtf8(f.version);
  j["categories"] = f.categories;
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& e : f.evidence) {
    ev.push_back({{"field", e.field}, {"matched", ValidUtf8(e.matched)}});
  }
  j["evidence"] = ev;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  leadscan::common::TuneAllocator();  // as leadscan's own main does
  std::vector<std::string> rules;
  std::string list;
  std::string features_path;
  bool features_only = false;  // write --features and time nothing (a pass of its own, so the
                               // timed runs' peak memory is not the JSON writer's)
  DetectorOptions options;
  leadscan::detect::LoadOptions load_options;  // no compiled-rules cache unless --cache
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rules" && i + 1 < argc) {
      rules.push_back(argv[++i]);
    } else if (a == "--features" && i + 1 < argc) {
      features_path = argv[++i];
    } else if (a == "--features-only") {
      features_only = true;
    } else if (a == "--cache" && i + 1 < argc) {
      load_options.compiled_cache_dir = argv[++i];
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--no-dom") {
      options.dom = false;
    } else if (a == "--no-js") {
      options.js = false;
    } else if (a == "--no-words") {
      options.words = false;
    } else if (!a.empty() && a[0] != '-') {
      list = a;
    } else {
      std::cerr << "usage: leadscan_detect_bench --rules PATH... [--no-dom] [--no-words] "
                   "[--features FILE [--features-only]] [--cache DIR] [--repeat N] LIST\n";
      return 2;
    }
  }
  if (rules.empty() || list.empty()) {
    std::cerr << "leadscan_detect_bench: --rules and LIST are required\n";
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto loaded = RuleSet::Load(rules, load_options);
  if (!loaded.ok()) {
    std::cerr << "leadscan_detect_bench: " << loaded.status().ToString() << "\n";
    return 1;
  }
  double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  Detector detector(*loaded, options);
  std::ofstream features;
  if (!features_path.empty())
    features.open(features_path);

  std::ifstream in(list);
  std::string line;
  std::vector<double> times;
  std::vector<double> match_times;  // the same without HTML parsing (matching alone)
  std::vector<double> parse_times, dom_times, words_times;  // stages of the last run of a page
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (line.empty() || tab == std::string::npos)
      continue;
    PageInput page;
    std::string path = line.substr(0, tab);
    page.url = line.substr(tab + 1);
    page.role = "home";
    auto html = common::ReadFileInflated(path, kMaxPageBytes);
    if (!html.ok()) {
      std::cerr << "leadscan_detect_bench: " << html.status().message() << "\n";
      continue;
    }
    page.html = std::move(*html);
    if (features.is_open()) {
      PageFeatures f;
      Detector::ExtractFeatures(page, &f);
      nlohmann::json fj = FeaturesJson(f);
      fj["file"] = path;
      features << fj.dump() << "\n";
    }
    if (features_only)
      continue;
    std::vector<PageInput> pages;
    pages.push_back(std::move(page));
    std::vector<Finding> findings;
    double best = 1e300;
    double best_match = 1e300;
    leadscan::detect::AnalyzeStats stats;
    for (int r = 0; r < repeat; ++r) {
      stats = {};
      auto s = std::chrono::steady_clock::now();
      findings = detector.Analyze(pages, &stats);
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count();
      best = std::min(best, ms);
      best_match = std::min(best_match, ms - stats.parse_ms);
    }
    times.push_back(best);
    match_times.push_back(best_match);
    parse_times.push_back(stats.parse_ms);
    dom_times.push_back(stats.dom_ms);
    words_times.push_back(stats.words_ms);
    nlohmann::json out;
    out["file"] = path;
    out["url"] = ValidUtf8(pages[0].url);
    out["bytes"] = pages[0].html.size();
    out["ms"] = best;
    out["match_ms"] = best_match;
    out["parse_ms"] = stats.parse_ms;
    out["dom_ms"] = stats.dom_ms;
    out["words_ms"] = stats.words_ms;
    out["stats"] = {{"candidates", stats.candidates},
                    {"confirmed", stats.confirmed},
                    {"limit_hits", stats.limit_hits},
                    {"dom_queries", stats.dom_queries}};
    nlohmann::json fs = nlohmann::json::array();
    for (const Finding& f : findings)
      fs.push_back(FindingJson(f));
    out["findings"] = fs;
    std::cout << out.dump() << "\n";
  }
  auto p50 = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  auto mean = [](const std::vector<double>& v) {
    double sum = 0;
    for (double t : v)
      sum += t;
    return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
  };
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  nlohmann::json summary = {
      {"summary", true},
      {"pages", times.size()},
      {"technologies", (*loaded)->technologies().size()},
      {"patterns", (*loaded)->pattern_count()},
      {"pcre_only_patterns", (*loaded)->fallback_count()},
      {"load_ms", load_ms},
      {"compiled_cache",
       {{"hits", (*loaded)->cache_stats().hits}, {"misses", (*loaded)->cache_stats().misses}}},
      {"p50_ms", p50(times)},
      {"mean_ms", mean(times)},
      {"max_ms", times.empty() ? 0 : *std::max_element(times.begin(), times.end())},
      {"match_p50_ms", p50(match_times)},
      {"match_mean_ms", mean(match_times)},
      {"parse_mean_ms", mean(parse_times)},
      {"dom_mean_ms", mean(dom_times)},
      {"words_mean_ms", mean(words_times)},
      {"peak_rss_kb", ru.ru_maxrss}};
  std::cerr << summary.dump() << "\n";
  return 0;
}
