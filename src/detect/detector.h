// Detector: runs a RuleSet over the pages of one site and returns findings with evidence,
// with the reference Wappalyzer matcher's semantics (docs/rules-format.md lists the
// deliberate differences). Pure computation: no I/O, no threads. A Detector is immutable and
// Analyze may be called from many threads at once.
#pragma once

#include <cstddef>
#include <memory>
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
  size_t candidates = 0;   // patterns offered by Vectorscan (or fallback) for confirmation
  size_t confirmed = 0;    // of those, confirmed by PCRE2
  size_t limit_hits = 0;   // PCRE2 runs stopped by the match/depth limit (counted as no match)
  size_t dom_queries = 0;  // selectors run against the DOM after the prefilter
  double parse_ms = 0;     // time spent parsing HTML into page features (the rest is matching)
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
  std::shared_ptr<const RuleSet> rules_;
  DetectorOptions options_;
};

}  // namespace leadscan::detect
