// FUZZ_CHECK: an invariant of a fuzz target. A violation prints what failed and aborts, so
// libFuzzer records the input as a crash (an invariant broken is a bug like a memory error).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace leadscan::fuzz {

// The input up to the first '\n' (the target's parameter line) and the rest after it.
inline std::pair<std::string_view, std::string_view> SplitFirstLine(std::string_view in) {
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos)
    return {in, {}};
  return {in.substr(0, nl), in.substr(nl + 1)};
}

}  // namespace leadscan::fuzz
