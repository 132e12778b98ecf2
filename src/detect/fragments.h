// Fragments: the named regex fragments of a rule set (files named fragments.json, or a
// "fragments" member next to "technologies") and the expansion of `{{name}}` references in
// patterns (docs/rules-format.md, "Fragments"). Filled while the files are read, resolved once,
// then used for every pattern. Single-threaded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace leadscan::detect {

class Fragments {
 public:
  // Levels of fragments inside fragments: a fragment that uses no other is level 1.
  static constexpr int kMaxDepth = 8;
  // Longest text a fragment or a pattern may expand to (our longest pattern is under 500 bytes).
  static constexpr size_t kMaxExpandedBytes = size_t{64} << 10;

  struct Problem {
    std::string name;  // the fragment
    std::string file;  // where it is defined
    std::string message;
  };

  // Whether name can be defined and referenced: [A-Za-z_][A-Za-z0-9_]*.
  static bool IsValidName(std::string_view name);

  // Whether text holds a reference (a cheap test; expansion is what checks the names).
  static bool HasReference(std::string_view text);

  // Adds a definition. False when name is already defined: the first definition stays and
  // *earlier_file (when not null) names its file.
  bool Define(const std::string& name, std::string value, const std::string& file,
              std::string* earlier_file);

  bool empty() const { return defs_.empty(); }

  // Expands the references inside every definition. Returns one problem per fragment that
  // cannot be expanded: a reference to an unknown name, a cycle (reported once, on the
  // fragment where it was found), nesting deeper than kMaxDepth, a text longer than
  // kMaxExpandedBytes. A fragment that only uses a broken one is broken without a problem of
  // its own. Call once, after the last Define and before Expand.
  std::vector<Problem> Resolve();

  // text with every reference replaced by its fragment's expanded text. Fails (invalid_fragment)
  // naming the first unknown or broken fragment, or when the result is longer than
  // kMaxExpandedBytes. Marks the fragments it uses as used.
  common::Result<std::string> Expand(std::string_view text);

  // The fragments no Expand used, directly or through another fragment, in definition order
  // (broken ones are left out: they have a problem already).
  std::vector<Problem> Unused() const;

 private:
  enum class State { kNew, kVisiting, kDone, kBroken };
  enum class Outcome { kOk, kBroken, kTooDeep };

  struct Def {
    std::string name;
    std::string value;  // as written
    std::string file;
    State state = State::kNew;
    std::string expanded;      // kDone only
    int level = 0;             // kDone only
    std::vector<size_t> uses;  // kDone only: the fragments its value names
    bool used = false;         // named by a pattern
  };

  Outcome Visit(size_t i, std::vector<Problem>* problems);

  std::vector<Def> defs_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<size_t> stack_;  // Resolve's fragments being expanded, outermost first
};

}  // namespace leadscan::detect
