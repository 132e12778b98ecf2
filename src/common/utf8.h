// UTF-8 validation and repair for bytes from outside (request bodies, CSV cells, query strings,
// pages, headers) before they reach a parser, a result, a log or the store. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace leadscan::common {

// The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence), or nullopt
// when `text` is valid UTF-8 throughout.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) {
  return !FindInvalidUtf8(text).has_value();
}

// `text` with every invalid UTF-8 sequence replaced by U+FFFD (one per maximal invalid subpart,
// as the WHATWG decoder does); valid input comes back unchanged.
std::string ToValidUtf8(std::string_view text);

// In place: the same as text = ToValidUtf8(text), without a copy when `text` is already valid.
void MakeValidUtf8(std::string& text);

}  // namespace leadscan::common
