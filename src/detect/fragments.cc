#include "detect/fragments.h"

#include <algorithm>

namespace leadscan::detect {

using common::Result;
using common::Status;

namespace {

bool NameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool NameChar(char c) {
  return NameStart(c) || (c >= '0' && c <= '9');
}

// One piece of a text: a reference's name (is_reference) or text to copy.
struct Piece {
  bool is_reference = false;
  std::string_view text;
};

// Splits text into literal text and `{{name}}` references. A backslash escapes the character
// after it, so `\{{name}}` is literal text, as it is in the regex.
std::vector<Piece> Split(std::string_view text) {
  std::vector<Piece> pieces;
  size_t literal_start = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\\') {
      i += 2;
      continue;
    }
    if (text.compare(i, 2, "{{") == 0 && i + 2 < text.size() && NameStart(text[i + 2])) {
      size_t end = i + 3;
      while (end < text.size() && NameChar(text[end]))
        ++end;
      if (text.compare(end, 2, "}}") == 0) {
        if (i > literal_start)
          pieces.push_back(Piece{false, text.substr(literal_start, i - literal_start)});
        pieces.push_back(Piece{true, text.substr(i + 2, end - i - 2)});
        i = end + 2;
        literal_start = i;
        continue;
      }
    }
    ++i;
  }
  if (literal_start < text.size())
    pieces.push_back(Piece{false, text.substr(literal_start)});
  return pieces;
}

std::string Reference(std::string_view name) {
  return "{{" + std::string(name) + "}}";
}

std::string TooLong() {
  return "expands to more than " + std::to_string(Fragments::kMaxExpandedBytes) + " bytes";
}

}  // namespace

bool Fragments::IsValidName(std::string_view name) {
  return !name.empty() && NameStart(name[0]) && std::all_of(name.begin(), name.end(), NameChar);
}

bool Fragments::HasReference(std::string_view text) {
  return text.find("{{") != std::string_view::npos;
}

bool Fragments::Define(const std::string& name, std::string value, const std::string& file,
                       std::string* earlier_file) {
  auto [it, added] = index_.try_emplace(name, defs_.size());
  if (!added) {
    if (earlier_file != nullptr)
      *earlier_file = defs_[it->second].file;
    return false;
  }
  Def d;
  d.name = name;
  d.value = std::move(value);
  d.file = file;
  defs_.push_back(std::move(d));
  return true;
}

std::vector<Fragments::Problem> Fragments::Resolve() {
  std::vector<Problem> problems;
  for (size_t i = 0; i < defs_.size(); ++i) {
    if (Visit(i, &problems) == Outcome::kTooDeep) {
      defs_[i].state = State::kBroken;
      problems.push_back(
          Problem{defs_[i].name, defs_[i].file,
                  "fragments nest more than " + std::to_string(kMaxDepth) + " levels deep here"});
    }
  }
  return problems;
}

// Expands defs_[i] (memoized). kTooDeep leaves i as it was found, so that it is judged again
// from its own level when Resolve comes to it: only the fragment Resolve started from is
// certainly too deep.
Fragments::Outcome Fragments::Visit(size_t i, std::vector<Problem>* problems) {
  Def& d = defs_[i];
  switch (d.state) {
    case State::kDone:
      return stack_.size() + static_cast<size_t>(d.level) > static_cast<size_t>(kMaxDepth)
                 ? Outcome::kTooDeep
                 : Outcome::kOk;
    case State::kBroken:
      return Outcome::kBroken;
    case State::kVisiting: {
      std::string cycle;
      for (auto it = std::find(stack_.begin(), stack_.end(), i); it != stack_.end(); ++it)
        cycle += defs_[*it].name + " -> ";
      problems->push_back(Problem{d.name, d.file, "fragment cycle: " + cycle + d.name});
      return Outcome::kBroken;
    }
    case State::kNew:
      break;
  }
  if (stack_.size() >= static_cast<size_t>(kMaxDepth))
    return Outcome::kTooDeep;
  d.state = State::kVisiting;
  stack_.push_back(i);
  std::string expanded;
  std::vector<size_t> uses;
  int level = 1;
  Outcome outcome = Outcome::kOk;
  // defs_ does not grow during Resolve: d stays valid across the recursion.
  for (const Piece& piece : Split(d.value)) {
    if (!piece.is_reference) {
      expanded += piece.text;
    } else {
      auto it = index_.find(std::string(piece.text));
      if (it == index_.end()) {
        problems->push_back(Problem{d.name, d.file, "unknown fragment " + Reference(piece.text)});
        outcome = Outcome::kBroken;
        break;
      }
      outcome = Visit(it->second, problems);
      if (outcome != Outcome::kOk)
        break;
      const Def& used = defs_[it->second];
      uses.push_back(it->second);
      level = std::max(level, used.level + 1);
      expanded += used.expanded;
    }
    if (expanded.size() > kMaxExpandedBytes) {
      problems->push_back(Problem{d.name, d.file, TooLong()});
      outcome = Outcome::kBroken;
      break;
    }
  }
  stack_.pop_back();
  switch (outcome) {
    case Outcome::kOk:
      d.state = State::kDone;
      d.expanded = std::move(expanded);
      d.level = level;
      d.uses = std::move(uses);
      break;
    case Outcome::kTooDeep:
      d.state = State::kNew;
      break;
    case Outcome::kBroken:
      d.state = State::kBroken;
      break;
  }
  return outcome;
}

Result<std::string> Fragments::Expand(std::string_view text) {
  std::string out;
  for (const Piece& piece : Split(text)) {
    if (!piece.is_reference) {
      out += piece.text;
      continue;
    }
    auto it = index_.find(std::string(piece.text));
    if (it == index_.end())
      return Status::InvalidArgument("invalid_fragment",
                                     "unknown fragment " + Reference(piece.text));
    Def& d = defs_[it->second];
    if (d.state != State::kDone) {
      return Status::InvalidArgument("invalid_fragment", "uses fragment " + Reference(piece.text) +
                                                             ", which has an error of its own");
    }
    d.used = true;
    out += d.expanded;
    if (out.size() > kMaxExpandedBytes)
      return Status::InvalidArgument("invalid_fragment", TooLong());
  }
  return out;
}

std::vector<Fragments::Problem> Fragments::Unused() const {
  std::vector<bool> reached(defs_.size(), false);
  std::vector<size_t> todo;
  for (size_t i = 0; i < defs_.size(); ++i) {
    if (defs_[i].used) {
      reached[i] = true;
      todo.push_back(i);
    }
  }
  while (!todo.empty()) {
    size_t i = todo.back();
    todo.pop_back();
    for (size_t u : defs_[i].uses) {
      if (!reached[u]) {
        reached[u] = true;
        todo.push_back(u);
      }
    }
  }
  std::vector<Problem> unused;
  for (size_t i = 0; i < defs_.size(); ++i) {
    if (!reached[i] && defs_[i].state == State::kDone)
      unused.push_back(Problem{defs_[i].name, defs_[i].file, "fragment is never used"});
  }
  return unused;
}

}  // namespace leadscan::detect
