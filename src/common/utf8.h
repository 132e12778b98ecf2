// UTF-8 validation for bytes from outside (request bodies, CSV cells, query strings) before they
// reach a result, a log or the store. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace leadscan::common {

// The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence), or nullopt
// when `text` is valid UTF-8 throughout.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) {
  return !FindInvalidUtf8(text).has_value();
}

}  // namespace leadscan::common
