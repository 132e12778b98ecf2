#include "detect/required_literals.h"

#include <algorithm>

namespace leadscan::detect {

namespace {

constexpr int kMaxDepth = 64;
// At most this many strings stand for one adjacent run ("https?" is 2, "[\"'](?:a|b)" is 4);
// past it the run ends there.
constexpr size_t kMaxExact = 16;
// A class of at most this many members (single ASCII bytes) is read as alternatives.
constexpr size_t kMaxClassMembers = 4;

using Strings = std::vector<std::string>;

std::string Folded(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

void SortUnique(Strings* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

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
    std::optional<LiteralClauses> result = Alternation(0, nullptr);
    if (bad_ || i_ != s_.size())
      return std::nullopt;
    return result;
  }

 private:
  // Branches up to `)` or the end: the clauses of every branch, or nullopt when a branch has
  // none. *exact (when asked): the strings the alternation can match, when every branch is one
  // adjacent run of literals and there are at most kMaxExact of them.
  std::optional<LiteralClauses> Alternation(int depth, std::optional<Strings>* exact) {
    if (depth > kMaxDepth) {
      bad_ = true;
      return std::nullopt;
    }
    LiteralClauses all;
    bool every = true;
    std::optional<Strings> strings = Strings{};
    while (true) {
      std::optional<Strings> branch_strings;
      std::optional<LiteralClauses> branch = Sequence(depth, &branch_strings);
      if (bad_)
        return std::nullopt;
      if (branch)
        all.insert(all.end(), branch->begin(), branch->end());
      else
        every = false;
      if (strings && branch_strings && strings->size() + branch_strings->size() <= kMaxExact) {
        strings->insert(strings->end(), branch_strings->begin(), branch_strings->end());
      } else {
        strings.reset();
      }
      if (i_ < s_.size() && s_[i_] == '|') {
        ++i_;
        continue;
      }
      break;
    }
    if (exact != nullptr && strings) {
      SortUnique(&*strings);
      *exact = std::move(strings);
    }
    if (!every || all.size() > kMaxLiteralClauses)
      return std::nullopt;
    Normalize(&all);
    return all;
  }

  // One branch: all its literal runs and single-clause groups, joined with the best of its
  // groups of several clauses. A run is adjacent text, kept as the set of strings it can be
  // ("https?://" is "http://" or "https://"), so optional characters, small classes and groups
  // of literal alternatives extend it instead of ending it. *exact: that set when the whole
  // branch is one run.
  std::optional<LiteralClauses> Sequence(int depth, std::optional<Strings>* exact) {
    std::vector<std::string> conjunction;
    std::optional<LiteralClauses> split;  // the best group of several clauses
    Strings run{std::string()};
    bool whole = true;  // the branch so far is one run
    auto group = [&](LiteralClauses clauses) {
      if (clauses.size() == 1) {
        conjunction.insert(conjunction.end(), clauses[0].begin(), clauses[0].end());
      } else if (!split || Better(clauses, *split)) {
        split = std::move(clauses);
      }
    };
    auto flush = [&] {
      if (run.size() == 1) {
        if (run[0].size() >= min_)
          conjunction.push_back(run[0]);
      } else if (std::all_of(run.begin(), run.end(),
                             [&](const std::string& r) { return r.size() >= min_; })) {
        // A string that holds another is implied by it: "abc" or "xabc" is "abc". Of strings
        // equal but for case the first stays.
        Strings folded;
        for (const std::string& r : run)
          folded.push_back(Folded(r));
        LiteralClauses alternatives;
        for (size_t a = 0; a < run.size(); ++a) {
          bool implied = false;
          for (size_t b = 0; b < run.size() && !implied; ++b) {
            implied = b != a && folded[a].find(folded[b]) != std::string::npos &&
                      (folded[b].size() < folded[a].size() || b < a);
          }
          if (!implied)
            alternatives.push_back({run[a]});
        }
        group(std::move(alternatives));
      }
      run.assign(1, std::string());
    };
    auto end_run = [&] {
      flush();
      whole = false;
    };
    // The run followed by one of tails; past kMaxExact strings the run ends and tails start
    // the next.
    auto extend = [&](Strings tails) {
      SortUnique(&tails);
      if (run.size() * tails.size() > kMaxExact) {
        end_run();
        run = std::move(tails);
        return;
      }
      Strings next;
      for (const std::string& r : run) {
        for (const std::string& t : tails)
          next.push_back(r + t);
      }
      SortUnique(&next);
      run = std::move(next);
    };
    while (i_ < s_.size() && !bad_) {
      const char c = s_[i_];
      if (c == '|' || c == ')')
        break;
      if (c == '(') {
        std::optional<Strings> strings;
        std::optional<LiteralClauses> g = Group(depth, &strings);
        if (bad_)
          break;
        if (strings) {
          extend(std::move(*strings));
          continue;
        }
        end_run();
        if (g)
          group(std::move(*g));
        continue;
      }
      if (c == '[') {
        std::optional<Strings> members = ClassMembers();
        if (bad_)
          break;
        bool at_most_one = false;
        std::optional<unsigned> min = Quantifier(&at_most_one);
        if (members && (!min || at_most_one)) {
          if (min && *min == 0)
            members->push_back(std::string());
          extend(std::move(*members));
        } else {
          end_run();
        }
        continue;
      }
      if (c == '.' || c == '^' || c == '$') {
        end_run();
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
      bool at_most_one = false;
      std::optional<unsigned> min = Quantifier(&at_most_one);
      if (!literal) {
        end_run();
        continue;
      }
      if (!min) {
        extend({std::string(1, *literal)});
        continue;
      }
      if (at_most_one) {
        extend(*min == 0 ? Strings{std::string(), std::string(1, *literal)}
                         : Strings{std::string(1, *literal)});
        continue;
      }
      if (*min > 0)
        extend({std::string(1, *literal)});  // present at least once; what follows is not
                                             // adjacent for sure
      end_run();
    }
    if (bad_)
      return std::nullopt;
    if (exact != nullptr && whole)
      *exact = run;
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

  // At `(`: consumes the group and its quantifier; its literals when it must match. *exact:
  // the strings it can match when it is literal alternatives taken at most once (with the
  // empty string when it may be skipped).
  std::optional<LiteralClauses> Group(int depth, std::optional<Strings>* exact) {
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
    std::optional<Strings> strings;
    std::optional<LiteralClauses> inner = Alternation(depth + 1, &strings);
    if (bad_)
      return std::nullopt;
    if (i_ >= s_.size() || s_[i_] != ')') {
      bad_ = true;
      return std::nullopt;
    }
    ++i_;
    bool at_most_one = false;
    std::optional<unsigned> min = Quantifier(&at_most_one);
    if (counts && strings && (!min || at_most_one)) {
      if (min && *min == 0)
        strings->push_back(std::string());
      *exact = std::move(strings);
    }
    if (!counts || (min && *min == 0))
      return std::nullopt;
    return inner;
  }

  // At `[`: consumes the class; its members as one-byte strings (ASCII letters lower-cased:
  // literals are compared caseless) when it is a short list of ASCII bytes without ranges or
  // negation, else nullopt.
  std::optional<Strings> ClassMembers() {
    const size_t start = i_;
    Strings members;
    bool simple = true;
    size_t j = i_ + 1;
    if (j < s_.size() && s_[j] == '^')
      simple = false;
    for (bool first = true; j < s_.size() && simple; first = false) {
      char c = s_[j];
      if (c == ']' && !first)
        break;
      if (c == '\\') {
        if (j + 1 >= s_.size() || IsAsciiAlnum(s_[j + 1]) ||
            static_cast<unsigned char>(s_[j + 1]) >= 0x80) {
          simple = false;
          break;
        }
        c = s_[j + 1];
        j += 2;
      } else if (c == '[' || (c == '-' && !first && j + 1 < s_.size() && s_[j + 1] != ']') ||
                 static_cast<unsigned char>(c) >= 0x80) {
        simple = false;
        break;
      } else {
        ++j;
      }
      if (c >= 'A' && c <= 'Z')
        c = static_cast<char>(c - 'A' + 'a');
      members.push_back(std::string(1, c));
    }
    i_ = start;
    SkipClass();
    if (bad_ || !simple || members.empty())
      return std::nullopt;
    SortUnique(&members);
    if (members.size() > kMaxClassMembers)
      return std::nullopt;
    return members;
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
  // *at_most_one (when given): whether it allows one repetition at most (`?`, `{0,1}`, `{1}`).
  std::optional<unsigned> Quantifier(bool* at_most_one = nullptr) {
    if (at_most_one != nullptr)
      *at_most_one = false;
    if (i_ >= s_.size())
      return std::nullopt;
    unsigned min = 0;
    unsigned max = 2;  // more than one
    const char c = s_[i_];
    if (c == '?') {
      max = 1;
      ++i_;
    } else if (c == '*') {
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
      max = min;
      if (j < s_.size() && s_[j] == ',') {
        ++j;
        const size_t upper = j;
        unsigned m = 0;
        while (j < s_.size() && IsDigit(s_[j])) {
          if (m < 100000)
            m = m * 10 + static_cast<unsigned>(s_[j] - '0');
          ++j;
        }
        max = j == upper ? 2 : m;  // `{n,}` is unbounded
      }
      if (j >= s_.size() || s_[j] != '}')
        return std::nullopt;
      i_ = j + 1;
    } else {
      return std::nullopt;
    }
    if (i_ < s_.size() && (s_[i_] == '?' || s_[i_] == '+'))
      ++i_;  // lazy or possessive
    if (at_most_one != nullptr)
      *at_most_one = max <= 1 && min <= max;
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
