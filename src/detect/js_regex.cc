#include "detect/js_regex.h"

#include <cctype>
#include <cstdlib>

namespace leadscan::detect {

namespace {

using common::Result;
using common::Status;

// Bounded repeats above this become unbounded in the prefilter form.
constexpr int kLooseRepeat = 32;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool IsHex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

bool IsAsciiLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string Hex2(unsigned v) {
  static const char* kDigits = "0123456789abcdef";
  std::string s = "\\x";
  s += kDigits[(v >> 4) & 0xf];
  s += kDigits[v & 0xf];
  return s;
}

// A code point as bytes of UTF-8, each written as \xHH (we match bytes, not characters).
std::string CodePointBytes(unsigned cp) {
  std::string out;
  if (cp < 0x80) {
    out = Hex2(cp);
  } else if (cp < 0x800) {
    out = Hex2(0xc0 | (cp >> 6)) + Hex2(0x80 | (cp & 0x3f));
  } else {
    out = Hex2(0xe0 | (cp >> 12)) + Hex2(0x80 | ((cp >> 6) & 0x3f)) + Hex2(0x80 | (cp & 0x3f));
  }
  return out;
}

// Capture groups of a JavaScript regex, for telling back references from octal escapes.
int CountGroups(std::string_view s, bool* named) {
  int n = 0;
  bool in_class = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']')
        in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      if (i + 1 < s.size() && s[i + 1] == '?') {
        if (i + 2 < s.size() && s[i + 2] == '<' && i + 3 < s.size() && s[i + 3] != '=' &&
            s[i + 3] != '!') {
          ++n;
          *named = true;
        }
      } else {
        ++n;
      }
    }
  }
  return n;
}

// Is s[i] (a '{') the start of a valid quantifier {n}, {n,}, {n,m}? Sets *end past the '}'.
bool IsQuantifier(std::string_view s, size_t i, size_t* end) {
  size_t j = i + 1;
  size_t start = j;
  while (j < s.size() && IsDigit(s[j]))
    ++j;
  if (j == start)
    return false;
  if (j < s.size() && s[j] == ',') {
    ++j;
    while (j < s.size() && IsDigit(s[j]))
      ++j;
  }
  if (j < s.size() && s[j] == '}') {
    *end = j + 1;
    return true;
  }
  return false;
}

// Translates one escape (s[i] == '\\'); returns the PCRE text and advances *i past it.
Result<std::string> TranslateEscape(std::string_view s, size_t* i, bool in_class, int groups,
                                    bool named) {
  size_t p = *i + 1;
  if (p >= s.size())
    return Status::InvalidArgument("invalid_regex", "\\ at end of pattern");
  char c = s[p];
  *i = p + 1;
  switch (c) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 's':
    case 'S':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      return std::string("\\") + c;
    case 'b':
      return std::string(in_class ? "\\x08" : "\\b");
    case 'B':
      return std::string(in_class ? "B" : "\\B");
    case 'v':
      return std::string("\\x0b");
    case 'c':
      if (p + 1 < s.size() && IsAsciiLetter(s[p + 1])) {
        *i = p + 2;
        return Hex2(static_cast<unsigned>(s[p + 1]) % 32);
      }
      return std::string("\\\\c");
    case 'x':
      if (p + 2 < s.size() && IsHex(s[p + 1]) && IsHex(s[p + 2])) {
        *i = p + 3;
        return Hex2(static_cast<unsigned>(
            std::strtoul(std::string(s.substr(p + 1, 2)).c_str(), nullptr, 16)));
      }
      return std::string("x");
    case 'u':
      if (p + 4 < s.size() && IsHex(s[p + 1]) && IsHex(s[p + 2]) && IsHex(s[p + 3]) &&
          IsHex(s[p + 4])) {
        *i = p + 5;
        unsigned cp = static_cast<unsigned>(
            std::strtoul(std::string(s.substr(p + 1, 4)).c_str(), nullptr, 16));
        std::string bytes = CodePointBytes(cp);
        if (cp >= 0x80 && !in_class)
          bytes = "(?:" + bytes + ")";
        return bytes;
      }
      return std::string("u");
    case 'k':
      if (named && !in_class && p + 1 < s.size() && s[p + 1] == '<') {
        size_t close = s.find('>', p);
        if (close != std::string_view::npos) {
          *i = close + 1;
          return std::string(s.substr(p - 1, close + 2 - p));
        }
      }
      return std::string("k");
    default:
      break;
  }
  if (IsDigit(c)) {
    size_t j = p;
    while (j < s.size() && IsDigit(s[j]))
      ++j;
    std::string digits(s.substr(p, j - p));
    if (!in_class && c != '0') {
      long n = std::strtol(digits.c_str(), nullptr, 10);
      if (n <= groups) {
        *i = j;
        return "(?:\\" + digits + ")";
      }
    }
    // Legacy octal escape (at most three octal digits, value <= 0377), else the digit itself.
    if (c >= '8')
      return std::string(1, c);
    size_t k = p;
    unsigned v = 0;
    while (k < s.size() && k < p + 3 && s[k] >= '0' && s[k] <= '7' && v * 8 + (s[k] - '0') < 256) {
      v = v * 8 + static_cast<unsigned>(s[k] - '0');
      ++k;
    }
    *i = k;
    return Hex2(v);
  }
  if (IsAsciiLetter(c))
    return std::string(1, c);  // identity escape: \a is 'a' in JavaScript
  if (static_cast<unsigned char>(c) >= 0x80)
    return std::string(1, c);
  return std::string("\\") + c;
}

}  // namespace

ParsedPattern ParseWappalyzerPattern(std::string_view raw) {
  ParsedPattern out;
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = raw.find("\\;", start);
    if (pos == std::string_view::npos) {
      parts.push_back(raw.substr(start));
      break;
    }
    parts.push_back(raw.substr(start, pos - start));
    start = pos + 2;
  }
  std::string confidence;
  for (size_t i = 1; i < parts.size(); ++i) {
    size_t colon = parts[i].find(':');
    if (colon == std::string_view::npos)
      continue;
    std::string_view key = parts[i].substr(0, colon);
    std::string_view val = parts[i].substr(colon + 1);
    if (key == "version")
      out.version = std::string(val);
    if (key == "confidence")
      confidence = std::string(val);
  }
  if (!confidence.empty()) {
    // parseInt: leading digits; no digits gives NaN, which sums to nothing useful: use 0.
    out.confidence = std::atoi(confidence.c_str());
  }
  out.value = std::string(parts[0]);
  std::string& js = out.js_regex;
  for (size_t i = 0; i < parts[0].size(); ++i) {
    char c = parts[0][i];
    if (c == '\\' && i + 1 < parts[0].size() && parts[0][i + 1] == '+') {
      js += "\\+";
      ++i;
    } else if (c == '/') {
      js += "\\/";
    } else if (c == '+') {
      js += "{1,250}";
    } else if (c == '*') {
      js += "{0,250}";
    } else {
      js += c;
    }
  }
  return out;
}

namespace {

// The length of the well-formed UTF-8 character of two to four bytes at s[at], else 1.
size_t Utf8Width(std::string_view s, size_t at) {
  const auto lead = static_cast<unsigned char>(s[at]);
  const size_t width = lead >= 0xF0 && lead <= 0xF4   ? 4
                       : lead >= 0xE0 && lead <= 0xEF ? 3
                       : lead >= 0xC2 && lead <= 0xDF ? 2
                                                      : 1;
  if (width == 1 || at + width > s.size())
    return 1;
  for (size_t k = 1; k < width; ++k) {
    if ((static_cast<unsigned char>(s[at + k]) & 0xC0) != 0x80)
      return 1;
  }
  return width;
}

}  // namespace

Result<std::string> TranslateJsRegex(std::string_view s, std::string* prefilter) {
  bool named = false;
  int groups = CountGroups(s, &named);
  std::vector<std::pair<size_t, std::string>> loose;  // (offset in out, unbounded quantifier)
  std::string out;
  out.reserve(s.size() + 16);
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\') {
      Result<std::string> e = TranslateEscape(s, &i, false, groups, named);
      if (!e.ok())
        return e.status();
      out += *e;
      continue;
    }
    if (c == '[') {
      size_t j = i + 1;
      bool negated = j < s.size() && s[j] == '^';
      if (negated)
        ++j;
      if (j < s.size() && s[j] == ']') {
        out += negated ? "[\\s\\S]" : "(?!)";
        i = j + 1;
        continue;
      }
      // The class body as bytes, and apart: its one-byte members and its characters of two to
      // four UTF-8 bytes. Matching is byte-oriented, where [aå] would be three one-byte
      // members; JavaScript (the rules' language) means two characters, so a class with such
      // characters becomes (?:[a]|å). Negated classes and ranges that end at such a character
      // keep the bytes (no byte-level equivalent).
      std::string body;
      std::string narrow;
      std::vector<std::string_view> wide;
      bool wide_range = false;
      bool closed = false;
      while (j < s.size()) {
        char d = s[j];
        if (d == ']') {
          closed = true;
          ++j;
          break;
        }
        if (d == '\\') {
          Result<std::string> e = TranslateEscape(s, &j, true, groups, named);
          if (!e.ok())
            return e.status();
          body += *e;
          narrow += *e;
          continue;
        }
        const size_t width = Utf8Width(s, j);
        if (width > 1) {
          const bool dash_before = j > 0 && s[j - 1] == '-' && !narrow.empty();
          const bool dash_after =
              j + width + 1 < s.size() && s[j + width] == '-' && s[j + width + 1] != ']';
          wide_range = wide_range || dash_before || dash_after;
          wide.push_back(s.substr(j, width));
          body.append(s.substr(j, width));
          j += width;
          continue;
        }
        if (d == '[') {
          body += "\\[";
          narrow += "\\[";
        } else {
          body += d;
          narrow += d;
        }
        ++j;
      }
      if (!closed)
        return Status::InvalidArgument("invalid_regex", "unterminated character class");
      if (wide.empty() || negated || wide_range) {
        out += negated ? "[^" : "[";
        out += body;
        out += ']';
      } else {
        out += "(?:";
        if (!narrow.empty())
          out += "[" + narrow + "]|";
        for (size_t k = 0; k < wide.size(); ++k) {
          if (k > 0)
            out += '|';
          out.append(wide[k]);
        }
        out += ')';
      }
      i = j;
      continue;
    }
    if (c == '(' && i + 1 < s.size() && s[i + 1] == '?') {
      std::string_view rest = s.substr(i + 2);
      if (!(rest.starts_with(":") || rest.starts_with("=") || rest.starts_with("!") ||
            rest.starts_with("<"))) {
        return Status::InvalidArgument("invalid_regex",
                                       "invalid group (?" + std::string(rest.substr(0, 1)) + ")");
      }
      out += "(?";
      i += 2;
      continue;
    }
    if (c == '{') {
      size_t end = 0;
      if (IsQuantifier(s, i, &end)) {
        std::string_view q = s.substr(i, end - i);
        size_t comma = q.find(',');
        if (comma != std::string_view::npos && comma + 2 < q.size() &&
            std::atoi(std::string(q.substr(comma + 1)).c_str()) > kLooseRepeat) {
          loose.push_back({out.size(), std::string(q.substr(0, comma + 1)) + "}"});
        }
        out += q;
        i = end;
      } else {
        out += "\\{";
        ++i;
      }
      continue;
    }
    if (c == '}') {
      out += "\\}";
      ++i;
      continue;
    }
    if (c == '.') {
      out += "[^\\n\\r]";
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  if (prefilter != nullptr) {
    prefilter->clear();
    size_t from = 0;
    for (const auto& [at, q] : loose) {
      prefilter->append(out, from, at - from);
      *prefilter += q;
      from = out.find('}', at) + 1;
    }
    prefilter->append(out, from, std::string::npos);
  }
  return out;
}

std::string ResolveVersion(std::string_view tmpl,
                           const std::vector<std::optional<std::string>>& groups) {
  const std::string version(tmpl);
  std::string resolved = version;
  for (size_t index = 0; index < groups.size(); ++index) {
    const std::optional<std::string>& match = groups[index];
    const std::string text = match ? *match : std::string("undefined");
    if (text.size() > 10)
      continue;
    const bool truthy = match && !match->empty();
    const std::string ref = "\\" + std::to_string(index);
    // Ternary: /\\N\?([^:]+):(.*)$/ on the original template, leftmost match.
    for (size_t p = version.find(ref + "?"); p != std::string::npos;
         p = version.find(ref + "?", p + 1)) {
      size_t a = p + ref.size() + 1;
      size_t colon = version.find(':', a);
      if (colon == std::string::npos || colon == a)
        continue;
      std::string tail = version.substr(colon + 1);
      if (tail.find_first_of("\n\r") != std::string::npos)
        continue;
      std::string whole = version.substr(p);
      std::string replacement = truthy ? version.substr(a, colon - a) : tail;
      resolved = version;
      resolved.replace(resolved.find(whole), whole.size(), replacement);
      break;
    }
    size_t b = resolved.find_first_not_of(" \t\n\r\f\v");
    size_t e = resolved.find_last_not_of(" \t\n\r\f\v");
    resolved = b == std::string::npos ? std::string() : resolved.substr(b, e - b + 1);
    const std::string with = truthy ? *match : std::string();
    for (size_t p = resolved.find(ref); p != std::string::npos; p = resolved.find(ref, p)) {
      resolved.replace(p, ref.size(), with);
      p += with.size();
    }
  }
  for (size_t p = 0; p + 1 < resolved.size(); ++p) {
    if (resolved[p] == '\\' && IsDigit(resolved[p + 1])) {
      resolved.erase(p, 2);
      break;
    }
  }
  return resolved;
}

std::string Slugify(std::string_view name) {
  std::string s;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || IsDigit(l) || l == '-';
    char o = ok ? l : '-';
    if (o == '-' && !s.empty() && s.back() == '-')
      continue;
    s += o;
  }
  if (!s.empty() && s.front() == '-')
    s.erase(0, 1);
  if (!s.empty() && s.back() == '-')
    s.pop_back();
  return s;
}

}  // namespace leadscan::detect
