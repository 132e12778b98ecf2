// Regex: one PCRE2 pattern (JIT-compiled on first use, bounded by match and depth limits) used
// to confirm matches and extract captures. MultiMatcher: the prefilter of one field's patterns,
// so a text is scanned once however many patterns the field has: a Vectorscan literal database
// over the literals each pattern requires (RequiredLiterals), plus Vectorscan prefilter-mode
// databases for the patterns without such literals; patterns Vectorscan cannot take either are
// kept aside and always offered as candidates. Both are immutable after construction (the
// lazy JIT is internally synchronised) and safe to share between threads; scratch space is per
// caller.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"

struct pcre2_real_code_8;
struct pcre2_real_match_context_8;

namespace leadscan::detect {

// Limits that keep a pathological pattern from running away (see docs/rules-format.md).
inline constexpr uint32_t kPcreMatchLimit = 200'000;
inline constexpr uint32_t kPcreDepthLimit = 10'000;
// Fewer patterns than this in a field (or key) are run on PCRE2 directly.
inline constexpr size_t kMinVectorscanPatterns = 4;
// Required literals shorter than this filter too little; such patterns go to a regex database.
inline constexpr size_t kMinRequiredLiteral = 4;
// Patterns per Vectorscan database. Debian's Vectorscan 5.4.9 misses matches in some large
// databases depending on the buffer's address (docs/decisions/regex-engine.md); databases of
// this size showed no misses on the corpus, at a few extra scans per field.
inline constexpr size_t kMaxPatternsPerDatabase = 64;

class Regex {
 public:
  enum class Outcome { kMatch, kNoMatch, kLimit };

  // Compiles PCRE syntax (see TranslateJsRegex) caseless, byte-oriented, `$` at end only.
  // Fails with invalid_regex and PCRE2's message.
  static common::Result<std::unique_ptr<Regex>> Compile(std::string_view pcre);

  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // First (leftmost) match in text. On kMatch fills groups (index 0 = whole match; nullopt for
  // a group that did not take part) when groups is not null. kLimit when a limit stopped it.
  Outcome Match(std::string_view text, std::vector<std::optional<std::string>>* groups) const;

 private:
  Regex() = default;
  pcre2_real_code_8* code_ = nullptr;
  uint32_t capture_count_ = 0;
  // JIT code costs kilobytes per pattern and most patterns never become candidates, so the JIT
  // runs on a pattern's first match attempt.
  mutable std::once_flag jit_once_;
};

// Per-caller Vectorscan scratch, grown to fit every database it is used with.
class ScratchPool {
 public:
  ScratchPool() = default;
  ~ScratchPool();
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;

  // Grows the prototype so it fits db. Not thread-safe: call while building only.
  common::Status Fit(const hs_database_t* db);
  // Takes a scratch (a clone of the prototype or a returned one). Thread-safe.
  hs_scratch_t* Acquire() const;
  void Release(hs_scratch_t* scratch) const;

 private:
  hs_scratch_t* prototype_ = nullptr;
  mutable std::mutex mu_;
  mutable std::vector<hs_scratch_t*> free_;
};

class LiteralSet;
class CompiledCache;

class MultiMatcher {
 public:
  MultiMatcher() = default;
  ~MultiMatcher();
  MultiMatcher(MultiMatcher&& other) noexcept;
  MultiMatcher& operator=(MultiMatcher&&) = delete;
  MultiMatcher(const MultiMatcher&) = delete;

  // Adds a pattern (PCRE syntax) under caller's id. Call before Build.
  void Add(uint32_t id, std::string pcre);
  // Adds a literal whose presence (caseless) the caller wants from the same scan as the
  // patterns' (Candidates' `extra`); returns its extra index. Call before Build.
  uint32_t AddExtraLiteral(std::string literal);

  // Whether Candidates reports the extra literals (false when the field has too few patterns
  // for a database).
  bool has_extra() const { return literals_ != nullptr && !extra_.empty(); }

  // Compiles the database; patterns Vectorscan refuses are kept as fallbacks (always offered).
  // multi_value: the database will scan many short values at once (CandidatesPerValue).
  // With a cache, databases an earlier run compiled from the same patterns are loaded instead.
  common::Status Build(ScratchPool* pool, bool multi_value = false, CompiledCache* cache = nullptr);

  // For many values at once (one scan of the values joined by newlines, `^`/`$` per line):
  // appends (value index, id) for every pattern that may match each value, fallbacks included.
  void CandidatesPerValue(const std::vector<std::string>& values, hs_scratch_t* scratch,
                          std::vector<std::pair<uint32_t, uint32_t>>* out) const;

  // Appends to out the ids that may match text: every pattern Vectorscan saw match (a superset
  // of the real matches, prefilter semantics) plus every fallback pattern.
  // With has_extra() and extra, (*extra)[i] also tells whether extra literal i occurs.
  void Candidates(std::string_view text, hs_scratch_t* scratch, std::vector<uint32_t>* out,
                  std::vector<bool>* extra = nullptr) const;

  size_t size() const { return ids_.size(); }

  size_t fallback_count() const { return fallback_.size(); }

  // Patterns prefiltered by their required literals (the rest need a regex database).
  size_t literal_prefiltered() const { return literal_prefiltered_; }

 private:
  std::vector<uint32_t> ids_;
  std::vector<std::string> sources_;
  std::vector<uint32_t> fallback_;
  std::vector<hs_database_t*> dbs_;  // prefilter mode, patterns without literals

  // A pattern's clause of required literals, found through its anchor (its longest literal).
  struct Clause {
    uint32_t id;                   // the caller's id
    std::vector<uint32_t> others;  // literal indices that must occur too
  };

  // Calls emit(id) for the clauses anchored at hit literals [begin, end) whose other literals
  // are all marked with `mark` in stamps.
  template <typename Emit>
  void Satisfied(const std::pair<uint32_t, size_t>* begin, const std::pair<uint32_t, size_t>* end,
                 const std::vector<uint32_t>& stamps, uint32_t mark, Emit emit) const;

  std::unique_ptr<LiteralSet> literals_;       // every required literal of the field
  std::vector<std::vector<Clause>> anchored_;  // literal index -> clauses anchored there
  size_t literal_prefiltered_ = 0;
  bool multi_value_ = false;
  std::vector<std::string> extra_;          // extra literals, until Build
  std::vector<uint32_t> extra_of_literal_;  // literal index -> extra index (or UINT32_MAX)

  // Compiles sources_[pending...] into dbs_; returns the indices Vectorscan refused, in order.
  common::Result<std::vector<uint32_t>> Compile(const std::vector<uint32_t>& pending,
                                                unsigned flags);
};

// LiteralSet: one Vectorscan literal database (caseless) telling which of many strings occur
// in a text. Immutable after Build; thread-safe with per-caller scratch.
class LiteralSet {
 public:
  // all_matches: report every occurrence (ScanAll); else only presence (Scan).
  explicit LiteralSet(bool all_matches = false) : all_matches_(all_matches) {}

  ~LiteralSet();
  LiteralSet(const LiteralSet&) = delete;
  LiteralSet& operator=(const LiteralSet&) = delete;

  // Returns the index of literal (adding it once). Call before Build.
  uint32_t Add(const std::string& literal);
  common::Status Build(ScratchPool* pool, CompiledCache* cache = nullptr);
  // present[i] becomes true for every literal i found in text (present is resized).
  void Scan(std::string_view text, hs_scratch_t* scratch, std::vector<bool>* present) const;

  // Appends (literal index, end offset) for every occurrence in text order (with all_matches;
  // else the first of each literal). Without a scratch nothing is found.
  void ScanAll(std::string_view text, hs_scratch_t* scratch,
               std::vector<std::pair<uint32_t, size_t>>* hits) const;

  const std::string& literal(uint32_t i) const { return literals_[i]; }

  size_t size() const { return literals_.size(); }

 private:
  bool all_matches_ = false;
  std::vector<std::string> literals_;
  std::unordered_map<std::string, uint32_t> index_;
  hs_database_t* db_ = nullptr;
};

}  // namespace leadscan::detect
