#include "common/utf8.h"

#include <cstdint>
#include <cstring>

namespace leadscan::common {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i], or 0 with `bad` = the maximal invalid subpart
// length (at least 1), as the WHATWG decoder replaces it.
size_t Utf8Sequence(std::string_view s, size_t i, size_t& bad) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  bad = 1;
  if (c < 0x80)
    return 1;
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0)
      lo = 0xA0;
    if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0)
      lo = 0x90;
    if (c == 0xF4)
      hi = 0x8F;
  } else {
    return 0;
  }
  for (size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) {
      bad = k;
      return 0;
    }
    unsigned char d = b(i + k);
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (d < l || d > h) {
      bad = k;
      return 0;
    }
  }
  return need + 1;
}

}  // namespace

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  size_t bad = 0;
  for (size_t i = 0; i < text.size();) {
    // ASCII 32, then eight bytes at a time: most of a page is.
    if (i + 4 * sizeof(uint64_t) <= text.size()) {
      uint64_t words[4];
      std::memcpy(words, text.data() + i, sizeof words);
      if (((words[0] | words[1] | words[2] | words[3]) & 0x8080808080808080ULL) == 0) {
        i += sizeof words;
        continue;
      }
    }
    uint64_t word = 0;
    if (i + sizeof word <= text.size()) {
      std::memcpy(&word, text.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += sizeof word;
        continue;
      }
    }
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = Utf8Sequence(text, i, bad);
    if (n == 0)
      return i;
    i += n;
  }
  return std::nullopt;
}

std::string ToValidUtf8(std::string_view text) {
  std::optional<size_t> first = FindInvalidUtf8(text);
  if (!first)
    return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  size_t bad = 0;
  size_t run = 0;  // start of the valid bytes not yet copied; copied in bulk
  for (size_t i = *first; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = Utf8Sequence(text, i, bad);
    if (n == 0) {
      out.append(text.data() + run, i - run);
      out += kReplacement;
      i += bad;
      run = i;
    } else {
      i += n;
    }
  }
  out.append(text.data() + run, text.size() - run);
  return out;
}

void MakeValidUtf8(std::string& text) {
  if (FindInvalidUtf8(text))
    text = ToValidUtf8(text);
}

}  // namespace leadscan::common
