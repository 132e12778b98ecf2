// Bounded JSON parsing: the one way leadscan parses JSON that comes from outside (request
// bodies, JWT parts, values read back from the store). Nesting deeper than a limit is refused
// before the parser sees the text, so hostile input cannot exhaust the stack (parsing,
// copying, dumping and destroying a nlohmann::json are all recursive). Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"
#include "common/status.h"

namespace leadscan::common {

// Deepest nesting of arrays and objects accepted anywhere ({"a":[1]} has depth 2).
inline constexpr int kMaxJsonDepth = 64;

// Counts '[' / '{' nesting outside strings (escapes honoured) without parsing. Fails with
// kInvalidArgument `json_too_deep` ("<what> nests deeper than 64 levels at byte N") when the
// depth exceeds `max_depth`; malformed text is left for the parser to report.
Status CheckJsonDepth(std::string_view text, std::string_view what = "JSON",
                      int max_depth = kMaxJsonDepth);

// Depth check, then parse. Fails with kInvalidArgument `json_too_deep` (see above) or
// `invalid_json` ("invalid <what> at byte N: <reason>"; invalid UTF-8 in a string is such a
// reason: "invalid string: ill-formed UTF-8 byte"). An empty text is `invalid_json` too.
Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what = "JSON",
                                 int max_depth = kMaxJsonDepth);

}  // namespace leadscan::common
