// Detector: runs a RuleSet over the pages of one site and returns findings with evidence,
// with the reference Wappalyzer matcher's semantics (docs/rules-format.md lists the
// deliberate differences). Pure computation: no I/O, no threads. A Detector is immutable and
// Analyze may be called from many threads at once.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "detect/finding.h"
#include "detect/page.h"
#include "detect/page_features.h"
#include "detect/rule_set.h"

namespace leadscan::detect {

struct DetectorOptions {
  bool dom = true;    // evaluate `dom` rules (the reference core's analyze() does not)
  bool js = true;     // evaluate `js` rules against PageInput::js (browser pages only)
  bool words = true;  // x-leadscan words/logos (our extension)
};

// Counters of one Analyze call, for tests and benchmarks.
struct AnalyzeStats {
  size_t candidates = 0;    // patterns offered by Vectorscan (or fallback) for confirmation
  size_t confirmed = 0;     // of those, confirmed by PCRE2
  size_t limit_hits = 0;    // PCRE2 runs stopped by the match/depth limit (counted as no match)
  size_t dom_queries = 0;   // selectors run against the DOM after the prefilter
  double parse_ms = 0;      // time spent parsing HTML into page features (the rest is matching)
  double dom_ms = 0;        // of the matching, time spent on dom rules
  double words_ms = 0;      // of the matching, time spent on words and logos
  size_t pages_parsed = 0;  // HTML documents parsed
};

class Detector {
 public:
  explicit Detector(std::shared_ptr<const RuleSet> rules, DetectorOptions options = {});

  // Analyses the pages of one site together (as the reference accumulates detections per
  // site) and returns its findings sorted by name, one per technology. Never fails: bad input
  // yields fewer findings. Thread-safe.
  std::vector<Finding> Analyze(const std::vector<PageInput>& pages,
                               AnalyzeStats* stats = nullptr) const;

  // The features Analyze extracts from one page (for the reference harness and debugging).
  static void ExtractFeatures(const PageInput& page, PageFeatures* out);

  const RuleSet& rules() const { return *rules_; }

 private:
  friend class SiteDetection;

  std::shared_ptr<const RuleSet> rules_;
  DetectorOptions options_;
};

// What parsing one page left out (html_bounds.h): only the first parsed_bytes of its HTML
// were parsed when truncated.
struct PageNote {
  std::string url;
  bool truncated = false;
  size_t parsed_bytes = 0;
  std::string reason;
};

// One site's detection page by page, for callers that choose the next pages from the findings
// so far (the analyzer): each page is parsed once, Findings() may be asked at any time and
// equals Detector::Analyze over the pages added. Takes a Vectorscan scratch from the
// detector's pool only for the length of a call. Not thread-safe; use it on one thread (the
// HTML parser is per thread).
class SiteDetection {
 public:
  explicit SiteDetection(const Detector& detector, AnalyzeStats* stats = nullptr);
  ~SiteDetection();
  SiteDetection(const SiteDetection&) = delete;
  SiteDetection& operator=(const SiteDetection&) = delete;

  // Parses and matches one page. When `expired` returns true between stages (before the parse,
  // before the DOM rules, every few DOM selectors), stops: the page adds nothing and false is
  // returned.
  bool AddPage(PageInput page, const std::function<bool()>& expired = {});

  // The findings over every page added so far, sorted by name.
  std::vector<Finding> Findings() const;

  const std::deque<PageInput>& pages() const;  // the pages added, in order
  const std::vector<PageNote>& notes() const;  // one per page added, in order

 private:
  struct State;

  const Detector& detector_;
  AnalyzeStats* stats_;
  std::unique_ptr<State> state_;
};

}  // namespace leadscan::detect
