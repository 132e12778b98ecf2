// Required literals of a regex: strings that occur (ASCII case-insensitively) in every text the
// regex matches, as clauses (`a` and `b`, or `c`). MultiMatcher scans a field once for the
// literals of all its patterns and confirms only the patterns with a clause whose literals all
// occur, the way RE2's FilteredRE2 prefilters regexes.
//
// The analysis is conservative: a run of adjacent text is kept as the few strings it can be
// (at most 16): literal characters, optional characters ("https?"), classes of up to four
// single bytes ("[\"']") and groups of literal alternatives taken at most once
// ("(?:core|plugins)", "(?:ue)?") extend it; anything else (repeats, larger classes and
// ranges, escapes with arguments, lookarounds, unknown syntax) ends it or, when it cannot be
// skipped safely, gives up. A run of several strings becomes clauses, one per string. Giving up
// is always safe: the pattern then has no literals and is prefiltered by a regex database
// instead. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscan::detect {

// Clauses of literals: every text the regex matches contains all the literals of at least
// one clause.
using LiteralClauses = std::vector<std::vector<std::string>>;

// PCRE syntax as TranslateJsRegex writes it. Literals are at least min_length bytes long.
// Returns nullopt when no clauses can be proven (or more than kMaxLiteralClauses would be
// needed).
std::optional<LiteralClauses> RequiredLiterals(std::string_view pcre, size_t min_length = 3);

inline constexpr size_t kMaxLiteralClauses = 64;

}  // namespace leadscan::detect
