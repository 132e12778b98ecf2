// RuleSet: Wappalyzer-format technology and category files plus our "x-leadscan" extension,
// loaded and compiled once (one Vectorscan database per field, PCRE2 per pattern). Immutable
// after Load and shared between threads through std::shared_ptr<const RuleSet>.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "detect/compiled_cache.h"
#include "detect/dom_index.h"
#include "detect/finding.h"
#include "detect/matcher.h"

namespace leadscan::detect {

// Fields in the order the reference matcher evaluates them (analyze()'s relations), then ours.
enum class Field : uint8_t {
  kCertIssuer,
  kCookies,
  kCss,
  kDns,
  kHeaders,
  kHtml,
  kMeta,
  kProbe,
  kRobots,
  kScriptSrc,
  kScripts,
  kText,
  kUrl,
  kXhr,
  kDom,
  kJs,
};

const char* FieldName(Field field);

struct Category {
  int id = 0;
  std::string name;
  int priority = 0;
};

// One pattern of one technology (a regex with its tags).
struct PatternInfo {
  uint32_t tech = 0;
  Field field = Field::kHtml;
  std::string key;         // header/cookie/meta/js name, dom selector; empty for plain fields
  uint32_t order = 0;      // position among the technology's patterns of this field (and key)
  uint32_t key_order = 0;  // position of key among the technology's keys of this field
  std::string dom_kind;    // dom only: "exists", "text", "attributes.<name>", "properties.<name>"
  std::string source;      // the pattern as written
  int confidence = 100;
  std::string version;           // version template
  bool always = false;           // empty regex: matches any value
  std::unique_ptr<Regex> regex;  // null when always or when it failed to compile
};

struct Implied {
  std::string name;
  int confidence = 100;
  std::string version;
};

struct Technology {
  std::string name;
  std::string slug;
  std::vector<int> categories;
  Group group = Group::kTechnology;
  std::vector<std::string> formerly;
  std::vector<std::string> words;
  bool strong_only = false;
  std::vector<std::string> logos;
  std::vector<uint32_t> logo_literals;  // per logo: its RuleSet::logos() literal, or UINT32_MAX
  std::vector<Implied> implies;
  std::vector<std::string> excludes;
  std::vector<std::string> requires_names;
  std::vector<int> requires_category;
  std::string website;  // the provider's own site ("https://www.klarna.com"), may be empty
  std::string file;     // where it was defined (last definition wins)
};

// Per field (and per key for headers/cookies/meta/js): patterns that always match plus one
// prefilter database over the others.
struct FieldIndex {
  std::vector<uint32_t> always;
  MultiMatcher matcher;
};

// One comma-separated part of a dom selector, compiled on its own.
struct DomSelectorPart {
  uint32_t id = 0;           // equal for parts of the same text (they select the same elements)
  void* compiled = nullptr;  // mycss_selectors_list_t*, owned by the RuleSet; null if custom_tag
  std::string custom_tag;    // a bare element name ("script", "kqs-cookie"), matched by us
  // (What must be on a page for it to run is in RuleSet::dom_prefilter().)
  // Per entry of compiled: where the elements that can start a match are (DomIndex::Select).
  std::vector<std::vector<DomLead>> leads;
};

struct DomSelector {
  uint32_t tech = 0;
  std::string selector;
  std::vector<uint32_t> patterns;  // PatternInfo ids, in rule order
  std::vector<DomSelectorPart> parts;
};

// What must be on a page for each dom selector to run, in a few contiguous arrays the per-page
// loop over the selectors reads. A part needs the tag names, ids, classes and attribute names
// (DomVocabulary tokens) and the attribute values (dom literals, found by the html field's
// scan) of every compound of it. A selector whose patterns all read an attribute
// (attributes.<name>; properties.* are never evaluated) yields nothing where no element
// carries one of them. An id below literal_base is a token, one from literal_base on a dom
// literal (its index + literal_base), and `never` is on no page.
struct DomPrefilter {
  uint32_t literal_base = 0;
  uint32_t never = 0;
  // Selector s runs only when one of gate_ids[gate_begin[s], gate_begin[s + 1]) is on the page
  // (an empty range: no such condition).
  std::vector<uint32_t> gate_begin;
  std::vector<uint32_t> gate_ids;
  // Selector s's parts are numbered part_begin[s] .. part_begin[s + 1] - 1 here, in order; part
  // p runs only when all of ids[needs_begin[p], needs_begin[p + 1]) are on the page.
  std::vector<uint32_t> part_begin;
  std::vector<uint32_t> needs_begin;
  std::vector<uint32_t> ids;
};

// How RuleSet::Load compiles.
struct LoadOptions {
  // A folder where compiled Vectorscan databases are kept between runs (CompiledCache); empty:
  // compile every time.
  std::string compiled_cache_dir;
};

class RuleSet {
 public:
  // Loads every file named (folders: every *.json below, in name order; later definitions of
  // a technology replace earlier ones, as the reference's object spread does). Categories come
  // from files named categories.json, from objects whose keys are all numeric, or from a
  // "categories" member next to "technologies"; regex fragments likewise from files named
  // fragments.json or a "fragments" member (detect/fragments.h). Fails with rules_invalid
  // naming the first error of a file that cannot be read or parsed, or of a fragment (one that
  // cannot be defined or expanded, or a pattern naming one); other problems skip what they
  // concern and are listed in warnings(). Use CheckRules for the full list.
  static common::Result<std::shared_ptr<const RuleSet>> Load(const std::vector<std::string>& paths,
                                                             const LoadOptions& options = {});

  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  const std::vector<Technology>& technologies() const { return techs_; }

  const std::vector<PatternInfo>& patterns() const { return patterns_; }

  const Category* category(int id) const;
  // Index of a technology by name, or -1.
  int Find(const std::string& name) const;
  // Technologies whose rules need another technology / a category (reference driver order).
  bool IsConditional(uint32_t tech) const;

  // Problems found while loading that did not stop it (patterns that failed to compile, ...).
  const std::vector<std::string>& warnings() const { return warnings_; }

  size_t pattern_count() const { return patterns_.size(); }

  // Compiled indexes, for Detector.
  const std::map<Field, FieldIndex>& plain_index() const { return plain_; }

  const std::map<Field, std::unordered_map<std::string, FieldIndex>>& keyed_index() const {
    return keyed_;
  }

  const std::vector<DomSelector>& dom_selectors() const { return dom_; }

  const DomPrefilter& dom_prefilter() const { return dom_prefilter_; }

  const ScratchPool& scratch_pool() const { return scratch_; }

  const LiteralSet& dom_literals() const { return dom_literals_; }

  // The tokens the dom rules' prefilter and selectors look for on a page.
  const DomVocabulary& dom_vocabulary() const { return dom_vocabulary_; }

  // x-leadscan words, lower-case, and who owns each: (technology, position among its words).
  const LiteralSet& words() const { return words_; }

  // x-leadscan logos, lower-case (Technology::logo_literals numbers them).
  const LiteralSet& logos() const { return logos_; }

  const std::vector<std::vector<std::pair<uint32_t, uint32_t>>>& word_owners() const {
    return word_owners_;
  }

  const std::vector<std::pair<std::string, std::vector<uint32_t>>>& requires_lists() const {
    return requires_lists_;
  }

  const std::vector<std::pair<int, std::vector<uint32_t>>>& category_lists() const {
    return category_lists_;
  }

  size_t fallback_count() const;

  // What the compiled-database cache did while loading (all zero without one).
  const CompiledCache::Stats& cache_stats() const { return cache_stats_; }

  // The folder of that cache (LoadOptions::compiled_cache_dir); empty when there was none.
  const std::string& compiled_cache_dir() const { return compiled_cache_dir_; }

 private:
  friend class RuleSetBuilder;
  friend class Detector;
  RuleSet() = default;

  std::vector<Technology> techs_;
  std::unordered_map<std::string, uint32_t> by_name_;
  std::map<int, Category> categories_;
  std::vector<PatternInfo> patterns_;
  std::vector<std::string> warnings_;
  CompiledCache::Stats cache_stats_;
  std::string compiled_cache_dir_;

  // The reference driver's second pass: technologies analysed when a named technology or a
  // category was found. Lists in the reference's order.
  std::vector<std::pair<std::string, std::vector<uint32_t>>> requires_lists_;
  std::vector<std::pair<int, std::vector<uint32_t>>> category_lists_;

  std::map<Field, FieldIndex> plain_;  // html, text, css, scripts, url, robots, ...
  std::map<Field, std::unordered_map<std::string, FieldIndex>> keyed_;  // headers, cookies, ...
  std::vector<DomSelector> dom_;
  DomPrefilter dom_prefilter_;
  void* mycss_ = nullptr;        // mycss_t*
  void* mycss_entry_ = nullptr;  // mycss_entry_t*
  LiteralSet dom_literals_;
  DomVocabulary dom_vocabulary_;
  LiteralSet words_{true};
  LiteralSet logos_{true};
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> word_owners_;
  ScratchPool scratch_;
};

}  // namespace leadscan::detect
