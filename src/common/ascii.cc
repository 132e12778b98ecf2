#include "common/ascii.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace leadscan::common {
namespace {

char AsciiUpper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// Whether text[at ..] starts with needle, text folded.
bool MatchesAt(std::string_view text, size_t at, std::string_view needle) {
  for (size_t k = 0; k < needle.size(); ++k) {
    if (AsciiLower(text[at + k]) != needle[k])
      return false;
  }
  return true;
}

}  // namespace

bool ContainsAsciiFolded(std::string_view text, std::string_view needle) {
  if (needle.empty())
    return true;
  if (text.size() < needle.size())
    return false;
  // A candidate start is confirmed from the needle's first byte on: an upper-case letter in the
  // needle passes the quick tests below but never the folded comparison.
  const char first = needle[0];
  const char first_upper = AsciiUpper(first);
  const size_t last = text.size() - needle.size();  // the last start that fits
#if defined(__SSE2__)
  if (needle.size() >= 2 && last >= 15) {
    // Starts i .. i+15 at once: where the first byte and the next both match (either case). The
    // second load reads text[i+1 .. i+16], inside text as i + 15 <= last. The last block is
    // moved back to end at `last` (it may test some starts twice).
    const __m128i a_lower = _mm_set1_epi8(first);
    const __m128i a_upper = _mm_set1_epi8(first_upper);
    const __m128i b_lower = _mm_set1_epi8(needle[1]);
    const __m128i b_upper = _mm_set1_epi8(AsciiUpper(needle[1]));
    for (size_t i = 0;; i = std::min(i + 16, last - 15)) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
      const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i + 1));
      const __m128i a = _mm_or_si128(_mm_cmpeq_epi8(x, a_lower), _mm_cmpeq_epi8(x, a_upper));
      const __m128i b = _mm_or_si128(_mm_cmpeq_epi8(y, b_lower), _mm_cmpeq_epi8(y, b_upper));
      for (unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(a, b))); mask != 0;
           mask &= mask - 1) {
        if (MatchesAt(text, i + static_cast<size_t>(__builtin_ctz(mask)), needle))
          return true;
      }
      if (i == last - 15)
        return false;
    }
  }
#endif
  for (size_t i = 0; i <= last; ++i) {
    if ((text[i] == first || text[i] == first_upper) && MatchesAt(text, i, needle))
      return true;
  }
  return false;
}

}  // namespace leadscan::common
