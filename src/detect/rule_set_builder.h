// RuleSetBuilder: internal to detect. Parses rule files into a RuleSet and records every
// problem it meets (shared by RuleSet::Load and CheckRules). Single-threaded.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "detect/fragments.h"
#include "detect/rule_set.h"
#include "detect/rules_check.h"

namespace leadscan::detect {

// What one dom selector part needs on a page: DomVocabulary tokens and dom literal indices.
struct DomPartNeeds {
  std::vector<uint32_t> tokens;
  std::vector<uint32_t> literals;
};

class RuleSetBuilder {
 public:
  using Json = nlohmann::ordered_json;

  // check_vectorscan: also warn about patterns Vectorscan refuses (rules check).
  RuleSetBuilder(std::vector<RuleProblem>* problems, bool check_vectorscan);

  // Folders become their *.json files, sorted; files stay as given.
  static std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths);

  // Reads one file; false when it cannot be read or parsed (problem recorded).
  bool AddFile(const std::string& path);

  // Compiles everything added so far (through cache when not null). With stop_at_fatal, null
  // as soon as a fatal problem is known (fatal()), before anything is compiled by Vectorscan.
  std::shared_ptr<RuleSet> Build(CompiledCache* cache = nullptr, bool stop_at_fatal = false);

  // The first problem that fails RuleSet::Load: a fragment that cannot be defined or expanded,
  // or a pattern naming such a fragment (its patterns would otherwise be lost without a word).
  // Null when there is none.
  const RuleProblem* fatal() const { return first_fatal_ ? &(*problems_)[*first_fatal_] : nullptr; }

 private:
  struct RawTech {
    std::string name;
    std::string file;
    Json body;
  };

  void AddCategories(const std::string& path, const Json& doc);
  // repeated: names the JSON text gives twice (parsing keeps the last value only).
  void AddFragments(const std::string& path, const Json& doc,
                    const std::vector<std::string>& repeated);
  void AddTechnology(RuleSet* rs, const RawTech& raw);
  void AddDom(RuleSet* rs, uint32_t tech, const Json& dom, const std::string& file);
  void AddExtension(Technology* t, const Json& x, const std::string& file);
  uint32_t AddPattern(RuleSet* rs, uint32_t tech, Field field, const std::string& key,
                      uint32_t key_order, uint32_t order, const std::string& kind,
                      const std::string& raw, const std::string& file);
  bool StringList(const Json& v, const std::string& file, const std::string& tech,
                  const std::string& field, std::vector<std::string>* out);
  void Problem(RuleProblem::Severity severity, const std::string& file, const std::string& tech,
               const std::string& field, const std::string& pattern, const std::string& message);
  void Error(const std::string& file, const std::string& tech, const std::string& field,
             const std::string& pattern, const std::string& message);
  // An error that fails RuleSet::Load (fatal()).
  void Fatal(const std::string& file, const std::string& tech, const std::string& field,
             const std::string& pattern, const std::string& message);

  std::vector<RuleProblem>* problems_;
  bool check_vectorscan_;
  std::vector<RawTech> raw_;
  std::unordered_map<std::string, size_t> index_;
  std::map<int, Category> categories_;
  Fragments fragments_;
  std::optional<size_t> first_fatal_;  // index into *problems_
  // Dom selector parts by their text: equal parts share one id (DomSelectorPart::id).
  std::unordered_map<std::string, uint32_t> dom_part_ids_;

  // What each selector of the RuleSet's dom_ needs on a page, in its order, until Build
  // flattens it into the RuleSet's DomPrefilter (whose literal ids wait for every token).
  struct DomNeeds {
    bool gated = false;          // every pattern reads an attribute: one of `gate` must be there
    std::vector<uint32_t> gate;  // those attributes' tokens
    std::vector<DomPartNeeds> parts;
  };

  std::vector<DomNeeds> dom_needs_;
};

}  // namespace leadscan::detect
