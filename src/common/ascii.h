// ASCII case folding for protocol text (host names, header and charset names, cron words, CSS
// selectors): only A-Z change, whatever the locale; other bytes, UTF-8 included, are kept.
#pragma once

#include <string>
#include <string_view>

namespace leadscan::common {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = AsciiLower(c);
  return out;
}

// Whether `text` contains `lower_needle` ASCII case-insensitively; `lower_needle` is already
// lower-case (an upper-case letter in it matches nothing). Linear in text's size; on x86-64 it
// looks for the needle's first two bytes sixteen positions at a time.
bool ContainsAsciiFolded(std::string_view text, std::string_view lower_needle);

}  // namespace leadscan::common
