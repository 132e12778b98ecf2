#include "detect/required_literals.h"

#include <algorithm>

namespace leadscan::detect {

namespace {

constexpr int kMaxDepth = 64;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsAsciiAlnum(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

unsigned HexValue(char c) {
  if (IsDigit(c))
    return static_cast<unsigned>(c - '0');
  return static_cast<unsigned>((c | 0x20) - 'a' + 10);
}

// How well clauses filter: by their weakest clause, whose longest literal is what the matcher
// looks for first; fewer clauses break ties.
size_t Strength(const LiteralClauses& clauses) {
  size_t weakest = SIZE_MAX;
  for (const auto& clause : clauses) {
    size_t longest = 0;
    for (const std::string& l : clause)
      longest = std::max(longest, l.size());
    weakest = std::min(weakest, longest);
  }
  return weakest;
}

bool Better(const LiteralClauses& a, const LiteralClauses& b) {
  const size_t sa = Strength(a);
  const size_t sb = Strength(b);
  return sa != sb ? sa > sb : a.size() < b.size();
}

void Normalize(LiteralClauses* clauses) {
  for (auto& clause : *clauses) {
    std::sort(clause.begin(), clause.end());
    clause.erase(std::unique(clause.begin(), clause.end()), clause.end());
  }
  std::sort(clauses->begin(), clauses->end());
  clauses->erase(std::unique(clauses->begin(), clauses->end()), clauses->end());
}

class Analysis {
 public:
  Analysis(std::string_view s, size_t min_length) : s_(s), min_(std::max<size_t>(1, min_length)) {}

  std::optional<LiteralClauses> Run() {
    std::optional<LiteralClauses> result = Alternation(0);
    if (bad_ || i_ != s_.size())
      return std::nullopt;
    return result;
  }

 private:
  // Branches up to `)` or the end: the clauses of every branch, or nullopt when a branch has
  // none.
  std::optional<LiteralClauses> Alternation(int depth) {
    if (depth > kMaxDepth) {
      bad_ = true;
      return std::nullopt;
    }
    LiteralClauses all;
    bool every = true;
    while (true) {
      std::optional<LiteralClauses> branch = Sequence(depth);
      if (bad_)
        return std::nullopt;
      if (branch)
        all.insert(all.end(), branch->begin(), branch->end());
      else
        every = false;
      if (i_ < s_.size() && s_[i_] == '|') {
        ++i_;
        continue;
      }
      break;
    }
    if (!every || all.size() > kMaxLiteralClauses)
      return std::nullopt;
    Normalize(&all);
    return all;
  }

  // One branch: all its literal runs and single-clause groups, joined with the best of its
  // groups of several clauses.
  std::optional<LiteralClauses> Sequence(int depth) {
    std::vector<std::string> conjunction;
    std::optional<LiteralClauses> split;  // the best group of several clauses
    std::string run;
    auto flush = [&] {
      if (run.size() >= min_)
        conjunction.push_back(run);
      run.clear();
    };
    auto group = [&](LiteralClauses clauses) {
      if (clauses.size() == 1) {
        conjunction.insert(conjunction.end(), clauses[0].begin(), clauses[0].end());
      } else if (!split || Better(clauses, *split)) {
        split = std::move(clauses);
      }
    };
    while (i_ < s_.size() && !bad_) {
      const char c = s_[i_];
      if (c == '|' || c == ')')
        break;
      if (c == '(') {
        flush();
        std::optional<LiteralClauses> g = Group(depth);
        if (g)
          group(std::move(*g));
        continue;
      }
      if (c == '[') {
        flush();
        SkipClass();
        Quantifier();
        continue;
      }
      if (c == '.' || c == '^' || c == '$') {
        flush();
        ++i_;
        Quantifier();
        continue;
      }
      if (c == '*' || c == '+' || c == '?') {  // nothing to repeat: not a pattern we know
        bad_ = true;
        break;
      }
      std::optional<char> literal;
      if (c == '\\') {
        literal = Escape();
      } else {
        literal = c;
        ++i_;
      }
      if (bad_)
        break;
      std::optional<unsigned> min = Quantifier();
      if (!literal) {
        flush();
        continue;
      }
      if (!min) {
        run += *literal;
        continue;
      }
      if (*min > 0)
        run += *literal;  // present at least once; what follows is not adjacent for sure
      flush();
    }
    if (bad_)
      return std::nullopt;
    flush();
    if (!split) {
      if (conjunction.empty())
        return std::nullopt;
      return LiteralClauses{conjunction};
    }
    for (auto& clause : *split)
      clause.insert(clause.end(), conjunction.begin(), conjunction.end());
    return split;
  }

  // At `(`: consumes the group and its quantifier; its literals when it must match.
  std::optional<LiteralClauses> Group(int depth) {
    ++i_;
    bool counts = true;
    if (i_ < s_.size() && s_[i_] == '?') {
      ++i_;
      if (i_ >= s_.size()) {
        bad_ = true;
        return std::nullopt;
      }
      const char k = s_[i_];
      const char next = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
      if (k == ':' || k == '>' || k == '|') {
        ++i_;
      } else if (k == '=' || k == '!') {  // lookahead: zero width, not required here
        ++i_;
        counts = false;
      } else if (k == '<' && (next == '=' || next == '!')) {  // lookbehind
        i_ += 2;
        counts = false;
      } else if (k == '<' || k == '\'' || (k == 'P' && next == '<')) {  // named group
        const char close = k == '\'' ? '\'' : '>';
        size_t end = s_.find(close, i_ + (k == 'P' ? 2 : 1));
        if (end == std::string_view::npos) {
          bad_ = true;
          return std::nullopt;
        }
        i_ = end + 1;
      } else if (k == '#') {  // comment
        size_t end = s_.find(')', i_);
        if (end == std::string_view::npos) {
          bad_ = true;
          return std::nullopt;
        }
        i_ = end + 1;
        return std::nullopt;
      } else {  // option letters: `(?i)` or `(?i:...)`; (?x) would change how spaces read
        size_t j = i_;
        while (j < s_.size() && std::string_view("imnsJU-^").find(s_[j]) != std::string_view::npos)
          ++j;
        if (j == i_ || j >= s_.size() || (s_[j] != ')' && s_[j] != ':')) {
          bad_ = true;  // recursion, conditionals, callouts, (?x) ...
          return std::nullopt;
        }
        i_ = j + 1;
        if (s_[j] == ')')
          return std::nullopt;
      }
    }
    std::optional<LiteralClauses> inner = Alternation(depth + 1);
    if (bad_)
      return std::nullopt;
    if (i_ >= s_.size() || s_[i_] != ')') {
      bad_ = true;
      return std::nullopt;
    }
    ++i_;
    std::optional<unsigned> min = Quantifier();
    if (!counts || (min && *min == 0))
      return std::nullopt;
    return inner;
  }

  // At `[`: consumes the class.
  void SkipClass() {
    size_t j = i_ + 1;
    if (j < s_.size() && s_[j] == '^')
      ++j;
    if (j < s_.size() && s_[j] == ']')
      ++j;  // a leading `]` is a member
    while (j < s_.size()) {
      const char c = s_[j];
      if (c == '\\') {
        if (j + 1 < s_.size() && (s_[j + 1] == 'Q' || s_[j + 1] == 'E'))
          break;  // quoting inside a class: not handled
        j += 2;
        continue;
      }
      if (c == '[' && j + 1 < s_.size() &&
          (s_[j + 1] == ':' || s_[j + 1] == '.' || s_[j + 1] == '=')) {
        const char closing[] = {s_[j + 1], ']', '\0'};
        size_t end = s_.find(closing, j + 2);
        if (end == std::string_view::npos)
          break;
        j = end + 2;
        continue;
      }
      if (c == ']') {
        i_ = j + 1;
        return;
      }
      ++j;
    }
    bad_ = true;
  }

  // At `\`: consumes the escape; its byte when it stands for one, else nullopt (a class, an
  // assertion, a reference). Unknown escapes set bad_.
  std::optional<char> Escape() {
    if (i_ + 1 >= s_.size()) {
      bad_ = true;
      return std::nullopt;
    }
    const char c = s_[i_ + 1];
    i_ += 2;
    if (!IsAsciiAlnum(c))
      return c;  // an escaped punctuation or high byte is itself
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
      case 'h':
      case 'H':
      case 'v':
      case 'V':
      case 'R':
      case 'X':
      case 'b':
      case 'B':
      case 'A':
      case 'z':
      case 'Z':
      case 'G':
      case 'K':
        return std::nullopt;
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      case 'e':
        return '\x1b';
      case 'a':
        return '\x07';
      case 'x': {
        if (i_ < s_.size() && s_[i_] == '{') {
          SkipPast('}');
          return std::nullopt;
        }
        unsigned v = 0;
        for (int k = 0; k < 2 && i_ < s_.size() && IsHex(s_[i_]); ++k, ++i_)
          v = v * 16 + HexValue(s_[i_]);
        return static_cast<char>(v);
      }
      case 'c':
        if (i_ >= s_.size()) {
          bad_ = true;
          return std::nullopt;
        }
        ++i_;
        return std::nullopt;
      case 'o':
        if (i_ < s_.size() && s_[i_] == '{') {
          SkipPast('}');
          return std::nullopt;
        }
        bad_ = true;
        return std::nullopt;
      case 'p':
      case 'P':
        if (i_ < s_.size() && s_[i_] == '{')
          SkipPast('}');
        else
          ++i_;
        return std::nullopt;
      case 'k':
      case 'g':
        if (i_ < s_.size() && (s_[i_] == '<' || s_[i_] == '{' || s_[i_] == '\'')) {
          SkipPast(s_[i_] == '<' ? '>' : s_[i_] == '{' ? '}' : '\'');
          return std::nullopt;
        }
        if (c == 'g') {
          if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-'))
            ++i_;
          while (i_ < s_.size() && IsDigit(s_[i_]))
            ++i_;
          return std::nullopt;
        }
        bad_ = true;
        return std::nullopt;
      default:
        break;
    }
    if (IsDigit(c)) {  // a back reference or an octal escape: not a literal we can use
      while (i_ < s_.size() && IsDigit(s_[i_]))
        ++i_;
      return std::nullopt;
    }
    bad_ = true;  // \Q, \E, \N, \u ...
    return std::nullopt;
  }

  void SkipPast(char close) {
    size_t end = s_.find(close, i_ + 1);
    if (end == std::string_view::npos) {
      bad_ = true;
      return;
    }
    i_ = end + 1;
  }

  // A quantifier at i_: consumes it and returns its minimum; nullopt when there is none.
  std::optional<unsigned> Quantifier() {
    if (i_ >= s_.size())
      return std::nullopt;
    unsigned min = 0;
    const char c = s_[i_];
    if (c == '?' || c == '*') {
      ++i_;
    } else if (c == '+') {
      min = 1;
      ++i_;
    } else if (c == '{') {
      size_t j = i_ + 1;
      const size_t digits = j;
      while (j < s_.size() && IsDigit(s_[j])) {
        if (min < 100000)
          min = min * 10 + static_cast<unsigned>(s_[j] - '0');
        ++j;
      }
      if (j == digits)
        return std::nullopt;  // `{` that is no quantifier is a literal (PCRE2 10.42)
      if (j < s_.size() && s_[j] == ',') {
        ++j;
        while (j < s_.size() && IsDigit(s_[j]))
          ++j;
      }
      if (j >= s_.size() || s_[j] != '}')
        return std::nullopt;
      i_ = j + 1;
    } else {
      return std::nullopt;
    }
    if (i_ < s_.size() && (s_[i_] == '?' || s_[i_] == '+'))
      ++i_;  // lazy or possessive
    return min;
  }

  std::string_view s_;
  size_t min_;
  size_t i_ = 0;
  bool bad_ = false;
};

}  // namespace

std::optional<LiteralClauses> RequiredLiterals(std::string_view pcre, size_t min_length) {
  return Analysis(pcre, min_length).Run();
}

}  // namespace leadscan::detect
