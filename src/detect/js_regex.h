// Wappalyzer pattern strings: the `\;version:` / `\;confidence:` tags, the reference
// matcher's own rewrite of the regex text, and the translation of JavaScript regex syntax to
// the PCRE syntax that both PCRE2 and Vectorscan read. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::detect {

struct ParsedPattern {
  std::string value;     // the text before the first `\;` (the regex as written)
  std::string js_regex;  // after the reference's rewrite (`/` escaped, `+` -> {1,250}, ...)
  int confidence = 100;  // `\;confidence:N`
  std::string version;   // `\;version:` template, may use \1 and \1?a:b
};

// Splits a pattern string at `\;` exactly as wappalyzer-core's parsePattern does.
ParsedPattern ParseWappalyzerPattern(std::string_view raw);

// Translates a JavaScript regex (no flags) into PCRE syntax for byte-oriented matching
// (PCRE2 without UTF, Vectorscan without HS_FLAG_UTF8). Fails with invalid_regex when the
// JavaScript source is not translatable (for example an unbalanced class).
// When prefilter is not null it receives a looser form for Vectorscan's prefilter mode:
// large bounded repeats ({1,250} from the rewrite) become unbounded, which matches a superset
// and compiles far faster.
common::Result<std::string> TranslateJsRegex(std::string_view js, std::string* prefilter = nullptr);

// The reference's resolveVersion: fills `\N` and `\N?a:b` in `tmpl` from the capture groups
// of the first match (groups[0] is the whole match; nullopt = group did not take part).
std::string ResolveVersion(std::string_view tmpl,
                           const std::vector<std::optional<std::string>>& groups);

// The reference's slugify: lower-case, [^a-z0-9-] -> '-', runs of '-' collapsed, trimmed.
std::string Slugify(std::string_view name);

}  // namespace leadscan::detect
