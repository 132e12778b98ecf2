#include "detect/selector_syntax.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace leadscan::detect {
namespace {

constexpr size_t kMaxSelectorBytes = 1024;
constexpr int kMaxNesting = 8;

// Pseudo-classes without an argument that libmodest knows.
constexpr std::array<std::string_view, 24> kPlainPseudo = {
    "first-child", "last-child", "only-child", "first-of-type", "last-of-type",  "only-of-type",
    "empty",       "root",       "checked",    "disabled",      "enabled",       "link",
    "visited",     "hover",      "active",     "focus",         "target",        "required",
    "optional",    "read-only",  "read-write", "default",       "indeterminate", "any-link"};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool Whole() {
    if (!List(0, /*relative=*/false))
      return false;
    SkipSpace();
    return pos_ == s_.size();
  }

  // Whether a pseudo-class that reads an element's text was parsed.
  bool reads_text() const { return reads_text_; }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }

  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }

  static bool NameStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }

  static bool NameChar(unsigned char c) { return NameStart(c) || std::isdigit(c) || c == '-'; }

  // A backslash escape: up to six hex digits and one optional space, or any other character
  // but a newline.
  bool Escape() {
    if (Peek() != '\\' || pos_ + 1 >= s_.size() || s_[pos_ + 1] == '\n')
      return false;
    ++pos_;
    if (std::isxdigit(static_cast<unsigned char>(Peek()))) {
      for (int i = 0; i < 6 && std::isxdigit(static_cast<unsigned char>(Peek())); ++i)
        ++pos_;
      if (Peek() == ' ')
        ++pos_;
    } else {
      ++pos_;
    }
    return true;
  }

  bool Ident(std::string* out = nullptr) {
    const size_t start = pos_;
    if (Peek() == '-')
      ++pos_;
    if (NameStart(static_cast<unsigned char>(Peek()))) {
      ++pos_;
    } else if (!Escape()) {
      pos_ = start;
      return false;
    }
    while (!AtEnd()) {
      if (NameChar(static_cast<unsigned char>(Peek())))
        ++pos_;
      else if (!Escape())
        break;
    }
    if (out != nullptr)
      *out = std::string(s_.substr(start, pos_ - start));
    return true;
  }

  bool String() {
    const char quote = Peek();
    if (quote != '"' && quote != '\'')
      return false;
    ++pos_;
    while (!AtEnd() && s_[pos_] != quote) {
      if (s_[pos_] == '\n')
        return false;
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size())
        ++pos_;
      ++pos_;
    }
    if (AtEnd())
      return false;
    ++pos_;
    return true;
  }

  // [ns|]attr, or [ns|]attr op value [i|s]
  bool Attribute() {
    ++pos_;  // '['
    SkipSpace();
    if (Peek() == '*' || Peek() == '|') {
      if (Peek() == '*')
        ++pos_;
      if (Peek() != '|')
        return false;
      ++pos_;
    }
    if (!Ident())
      return false;
    if (Peek() == '|' && pos_ + 1 < s_.size() && s_[pos_ + 1] != '=') {
      ++pos_;
      if (!Ident())
        return false;
    }
    SkipSpace();
    if (Peek() == ']') {
      ++pos_;
      return true;
    }
    if (Peek() != '=') {
      if (std::string_view("~|^$*").find(Peek()) == std::string_view::npos || Peek() == '\0')
        return false;
      ++pos_;
      if (Peek() != '=')
        return false;
    }
    ++pos_;  // '='
    SkipSpace();
    if (!String() && !Ident())
      return false;
    SkipSpace();
    if (Peek() == 'i' || Peek() == 'I' || Peek() == 's' || Peek() == 'S') {
      ++pos_;
      SkipSpace();
    }
    if (Peek() != ']')
      return false;
    ++pos_;
    return true;
  }

  // an+b, odd, even (no `of S`).
  bool Nth() {
    SkipSpace();
    std::string word;
    const size_t start = pos_;
    if (Ident(&word)) {
      std::transform(word.begin(), word.end(), word.begin(), ::tolower);
      if (word == "odd" || word == "even")
        return true;
      pos_ = start;
    }
    if (Peek() == '+' || Peek() == '-')
      ++pos_;
    bool digits = false;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) {
      ++pos_;
      digits = true;
    }
    if (Peek() != 'n' && Peek() != 'N')
      return digits;
    ++pos_;
    SkipSpace();
    if (Peek() == '+' || Peek() == '-') {
      ++pos_;
      SkipSpace();
      if (!std::isdigit(static_cast<unsigned char>(Peek())))
        return false;
      while (std::isdigit(static_cast<unsigned char>(Peek())))
        ++pos_;
    }
    return true;
  }

  bool Pseudo(int depth) {
    ++pos_;  // ':'
    if (Peek() == ':')
      return false;  // pseudo-elements match nothing in a document
    std::string name;
    if (!Ident(&name))
      return false;
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (Peek() != '(') {
      reads_text_ |= name == "empty";
      return std::find(kPlainPseudo.begin(), kPlainPseudo.end(), name) != kPlainPseudo.end();
    }
    ++pos_;
    bool ok;
    if (name == "not" || name == "is" || name == "matches") {
      ok = depth < kMaxNesting && List(depth + 1, /*relative=*/false);
    } else if (name == "has") {
      ok = depth < kMaxNesting && List(depth + 1, /*relative=*/true);
    } else if (name == "nth-child" || name == "nth-last-child" || name == "nth-of-type" ||
               name == "nth-last-of-type") {
      ok = Nth();
    } else if (name == "contains") {
      // An identifier only: libmodest crashes on a quoted string here (found by
      // DetectorTest.DomRulesReadScriptAndStyleTexts).
      SkipSpace();
      ok = Ident();
      reads_text_ = true;
    } else if (name == "lang") {
      SkipSpace();
      ok = Ident();
    } else {
      return false;
    }
    SkipSpace();
    if (!ok || Peek() != ')')
      return false;
    ++pos_;
    return true;
  }

  bool Compound(int depth) {
    bool any = false;
    if (Peek() == '*') {
      ++pos_;
      any = true;
    } else if (Ident()) {
      any = true;
    }
    for (;;) {
      const char c = Peek();
      if (c == '#') {
        ++pos_;
        // An id may start with a digit when escaped; plain names as identifiers.
        if (!Ident())
          return false;
      } else if (c == '.') {
        ++pos_;
        if (!Ident())
          return false;
      } else if (c == '[') {
        if (!Attribute())
          return false;
      } else if (c == ':') {
        if (!Pseudo(depth))
          return false;
      } else {
        return any;
      }
      any = true;
    }
  }

  bool Combinator() {
    const size_t start = pos_;
    SkipSpace();
    if (Peek() == '>' || Peek() == '+' || Peek() == '~') {
      ++pos_;
      SkipSpace();
      return true;
    }
    // A descendant combinator is whitespace followed by another compound.
    if (pos_ > start && !AtEnd() && Peek() != ',' && Peek() != ')')
      return true;
    pos_ = start;
    return false;
  }

  bool Complex(int depth, bool relative) {
    SkipSpace();
    if (relative && (Peek() == '>' || Peek() == '+' || Peek() == '~')) {
      ++pos_;
      SkipSpace();
    }
    if (!Compound(depth))
      return false;
    while (Combinator()) {
      if (!Compound(depth))
        return false;
    }
    return true;
  }

  bool List(int depth, bool relative) {
    if (!Complex(depth, relative))
      return false;
    for (;;) {
      SkipSpace();
      if (Peek() != ',')
        return true;
      ++pos_;
      if (!Complex(depth, relative))
        return false;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  bool reads_text_ = false;
};

}  // namespace

SelectorCheck CheckSelector(std::string_view selector) {
  SelectorCheck check;
  if (selector.empty() || selector.size() > kMaxSelectorBytes)
    return check;
  Parser parser(selector);
  check.supported = parser.Whole();
  check.reads_text = check.supported && parser.reads_text();
  return check;
}

}  // namespace leadscan::detect
