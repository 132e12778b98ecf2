// CheckRules: validation of Wappalyzer-format rule files (and our "x-leadscan" extension) for
// `leadscan rules check`. Reads the files named; no other I/O. Thread-safe.
#pragma once

#include <string>
#include <vector>

namespace leadscan::detect {

struct RuleProblem {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;
  std::string technology;  // empty for file-level problems
  std::string field;       // "html", "headers.server", "dom.<selector>", "implies", ...
  std::string pattern;     // the offending pattern or value, when there is one
  std::string message;

  // "file: technology "X": field: pattern "...": message"
  std::string ToString() const;
};

// Validates every file (folders: every *.json below). Returns every problem found: unreadable
// file, bad JSON, unknown field, wrong type, regex that does not translate or compile (error)
// or that Vectorscan cannot take and so runs on PCRE2 alone (warning), unknown category,
// implies/excludes/requires naming a technology that does not exist, bad x-leadscan values,
// and of fragments (fragments.json): a name defined twice, a bad name or value, a reference to
// an unknown fragment (in a pattern or in a fragment), a cycle, nesting too deep, a fragment
// never used (warning). An empty list means the files are clean.
std::vector<RuleProblem> CheckRules(const std::vector<std::string>& paths);

}  // namespace leadscan::detect
