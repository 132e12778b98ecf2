// The CSS selector syntax leadscan hands to libmodest (dom rules). Debian's libmodest 0.0.6
// crashes (a null function pointer) or never returns on some malformed selectors, e.g.
// `:not([1]x)` and `:not(a:{not(`, found by the rules fuzz target, so every selector of a rule
// file is checked here first and one outside this grammar is skipped with a warning:
//
//   list      := complex (',' complex)*
//   complex   := compound (combinator compound)*       combinator: ' ', '>', '+', '~'
//   compound  := [type | '*'] (#id | .class | [attr] | [attr op value flag?] | :pseudo)+
//   pseudo    := one of the structural / state classes, :not(list) :is(list) :matches(list)
//                :has(relative list) :nth-*(an+b) :contains(ident) :lang(ident)
//
// with CSS identifiers, strings and escapes, at most 8 levels of nested pseudo-class lists and
// 1,024 bytes. Thread-safe (pure).
#pragma once

#include <string_view>

namespace leadscan::detect {

struct SelectorCheck {
  bool supported = false;   // inside the grammar above
  bool reads_text = false;  // uses :contains() or :empty, which read an element's text
};

// Checks `selector` against the grammar above; `reads_text` is set only for a supported one.
SelectorCheck CheckSelector(std::string_view selector);

// Whether `selector` is inside the grammar above.
inline bool IsSupportedSelector(std::string_view selector) {
  return CheckSelector(selector).supported;
}

}  // namespace leadscan::detect
