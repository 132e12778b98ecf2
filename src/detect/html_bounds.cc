#include "detect/html_bounds.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "common/ascii.h"

namespace leadscan::detect {
namespace {

// Elements that never have children.
constexpr std::array<std::string_view, 16> kVoid = {
    "area", "base", "br",    "col",    "embed", "hr",  "img",    "input",
    "link", "meta", "param", "source", "track", "wbr", "keygen", "frame"};

// Elements whose content is text up to their end tag (no tags inside).
constexpr std::array<std::string_view, 8> kRawText = {"script", "style",  "textarea", "title",
                                                      "xmp",    "iframe", "noembed",  "noframes"};

// Elements a new one of the same kind closes (<li><li>, <p><p>, <td><td>, ...).
constexpr std::array<std::string_view, 15> kSelfClosingSiblings = {
    "p",  "li", "dt", "dd", "option", "optgroup", "tr",   "td",
    "th", "rb", "rt", "rp", "tbody",  "thead",    "tfoot"};

// How far down the stack an implied end tag is looked for (keeps the pass linear).
constexpr size_t kImpliedEndSearch = 4;

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Bytes that end a tag name.
bool EndsName(char c) {
  return IsSpace(c) || c == '/' || c == '>';
}

// The tag names of one document, each numbered once (lower-case), with what kind of element
// each is, so that the pass compares and counts numbers instead of strings.
class TagNames {
 public:
  enum Kind : uint8_t { kOther, kVoidElement, kRawTextElement, kSibling, kPlainText, kForeignRoot };

  // The number of the lower-case tag name starting at html[i]; *end is just past it.
  uint32_t Read(std::string_view html, size_t i, size_t* end) {
    const size_t start = i;
    uint64_t h = 14695981039346656037ull;  // FNV-1a over the lower-case bytes
    while (i < html.size() && !EndsName(html[i])) {
      h = (h ^ static_cast<unsigned char>(common::AsciiLower(html[i]))) * 1099511628211ull;
      ++i;
    }
    *end = i;
    const std::string_view raw = html.substr(start, i - start);
    if (slots_.empty())
      slots_.assign(kInitialSlots, kEmpty);
    size_t mask = slots_.size() - 1;
    for (size_t s = h & mask;; s = (s + 1) & mask) {
      const uint32_t id = slots_[s];
      if (id == kEmpty)
        return Insert(raw, h, s);
      if (hashes_[id] == h && SameFolded(names_[id], raw))
        return id;
    }
  }

  Kind kind(uint32_t id) const { return kinds_[id]; }

  const std::string& name(uint32_t id) const { return names_[id]; }

  size_t size() const { return names_.size(); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kInitialSlots = 256;

  static bool SameFolded(const std::string& lower, std::string_view raw) {
    if (lower.size() != raw.size())
      return false;
    for (size_t k = 0; k < raw.size(); ++k) {
      if (common::AsciiLower(raw[k]) != lower[k])
        return false;
    }
    return true;
  }

  uint32_t Insert(std::string_view raw, uint64_t h, size_t slot) {
    const auto id = static_cast<uint32_t>(names_.size());
    std::string name = common::AsciiLower(raw);
    Kind kind = kOther;
    if (OneOf(kVoid, name))
      kind = kVoidElement;
    else if (OneOf(kRawText, name))
      kind = kRawTextElement;
    else if (name == "plaintext")
      kind = kPlainText;
    else if (name == "svg" || name == "math")
      kind = kForeignRoot;
    else if (OneOf(kSelfClosingSiblings, name))
      kind = kSibling;
    names_.push_back(std::move(name));
    hashes_.push_back(h);
    kinds_.push_back(kind);
    slots_[slot] = id;
    if (names_.size() * 2 > slots_.size()) {  // keep the table at most half full
      slots_.assign(slots_.size() * 2, kEmpty);
      const size_t mask = slots_.size() - 1;
      for (uint32_t n = 0; n < names_.size(); ++n) {
        size_t s = hashes_[n] & mask;
        while (slots_[s] != kEmpty)
          s = (s + 1) & mask;
        slots_[s] = n;
      }
    }
    return id;
  }

  std::vector<uint32_t> slots_;
  std::vector<std::string> names_;
  std::vector<uint64_t> hashes_;
  std::vector<Kind> kinds_;
};

// Index just past the '>' that ends the tag whose name ended at html[i], read as the HTML
// tokenizer's attribute states read it (a quote opens a value only after '=', and an unquoted
// value runs to white space or '>'); html.size() when the tag never ends (the tokenizer then
// drops it). *self_closing: it ended with "/>" outside a value.
size_t TagEnd(std::string_view html, size_t i, bool* self_closing) {
  *self_closing = false;
  const char* p = html.data();
  const size_t n = html.size();

  enum { kBeforeName, kName, kBeforeValue } state = kBeforeName;

  while (i < n) {
    const char c = p[i];
    if (state == kBeforeValue) {
      if (IsSpace(c)) {
        ++i;
      } else if (c == '"' || c == '\'') {
        const size_t close = html.find(c, i + 1);
        if (close == std::string_view::npos)
          return n;
        i = close + 1;
        state = kBeforeName;
      } else if (c == '>') {
        return i + 1;
      } else {
        while (i < n && !IsSpace(p[i]) && p[i] != '>')
          ++i;
        state = kBeforeName;
      }
      continue;
    }
    if (c == '>')
      return i + 1;
    if (c == '/') {
      if (i + 1 < n && p[i + 1] == '>') {
        *self_closing = true;
        return i + 2;
      }
      state = kBeforeName;
    } else if (c == '=' && state == kName) {
      state = kBeforeValue;  // (white space between a name and its '=' changes nothing)
    } else if (!IsSpace(c)) {
      state = kName;  // a name goes on, or a new one starts ('=' too when it comes first)
    }
    ++i;
  }
  return n;
}

// Whether html[i..] is name (lower-case) in any case, followed by white space, '/' or '>': the
// start of the end tag "</name" that closes raw text, or the "<script" that double-escapes
// script data.
bool NameAt(std::string_view html, size_t i, std::string_view name) {
  if (i + name.size() >= html.size())
    return false;
  for (size_t k = 0; k < name.size(); ++k) {
    if (common::AsciiLower(html[i + k]) != name[k])
      return false;
  }
  const char after = html[i + name.size()];
  return IsSpace(after) || after == '/' || after == '>';
}

// The '<' of the end tag </name ...> that ends raw text (RAWTEXT or RCDATA) starting at i;
// html.size() when there is none.
size_t RawTextEnd(std::string_view html, size_t i, std::string_view name) {
  while (true) {
    const size_t at = html.find("</", i);
    if (at == std::string_view::npos)
      return html.size();
    if (NameAt(html, at + 2, name))
      return at;
    i = at + 2;
  }
}

// The '<' of the </script> that ends script data starting at i, read as the tokenizer's script
// data states read it: after "<!--", a "<script>" hides the next "</script>" until "-->"
// (document.write("<script ...></script>") inside an old-style comment); html.size() when there
// is none.
size_t ScriptEnd(std::string_view html, size_t i) {
  enum { kData, kEscaped, kDoubleEscaped } state = kData;

  const size_t n = html.size();
  while (true) {
    const size_t at = state == kData ? html.find('<', i) : html.find_first_of("<-", i);
    if (at == std::string_view::npos)
      return n;
    if (html[at] == '-') {
      if (html.compare(at, 3, "-->") == 0) {
        state = kData;
        i = at + 3;
      } else {
        i = at + 1;
      }
      continue;
    }
    if (at + 1 < n && html[at + 1] == '/' && NameAt(html, at + 2, "script")) {
      if (state != kDoubleEscaped)
        return at;
      state = kEscaped;
      i = at + 8;
    } else if (state == kData && html.compare(at, 4, "<!--") == 0) {
      state = kEscaped;
      i = at + 2;  // "<!-->" comes back at once: its "-->" starts here
    } else if (state == kEscaped && NameAt(html, at + 1, "script")) {
      state = kDoubleEscaped;
      i = at + 7;
    } else {
      i = at + 1;
    }
  }
}

// Index just past the comment that starts with "<!--" at i: past its "-->" or "--!>", or at
// once for "<!-->" and "<!--->"; html.size() when it never ends.
size_t CommentEnd(std::string_view html, size_t i) {
  size_t p = i + 4;
  if (html.compare(p, 1, ">") == 0)
    return p + 1;
  if (html.compare(p, 2, "->") == 0)
    return p + 2;
  while (true) {
    const size_t dashes = html.find("--", p);
    if (dashes == std::string_view::npos)
      return html.size();
    size_t r = dashes + 2;
    while (r < html.size() && html[r] == '-')
      ++r;
    if (html.compare(r, 1, ">") == 0)
      return r + 1;
    if (html.compare(r, 2, "!>") == 0)
      return r + 2;
    p = dashes + 1;
  }
}

}  // namespace

HtmlCut BoundHtml(std::string_view html, const HtmlLimits& limits,
                  std::vector<ElementText>* texts) {
  HtmlCut out;
  out.keep = html.size();
  TagNames names;
  std::vector<uint32_t> stack;  // tag numbers of the open elements
  std::vector<uint32_t> open;   // tag number -> elements of that name on the stack
  size_t elements = 0;
  auto count = [&](uint32_t id) -> uint32_t& {
    if (id >= open.size())
      open.resize(names.size(), 0);
    return open[id];
  };
  size_t foreign = 0;  // open <svg> and <math> elements: their <script> and <style> are not raw
  auto pop = [&] {
    --open[stack.back()];
    if (names.kind(stack.back()) == TagNames::kForeignRoot)
      --foreign;
    stack.pop_back();
  };
  size_t i = 0;
  while (i < html.size()) {
    size_t lt = html.find('<', i);
    if (lt == std::string_view::npos || lt + 1 >= html.size())
      break;
    char next = html[lt + 1];
    if (next == '!' || next == '?') {
      // Comments (and doctypes, bogus comments) are nodes of the tree too.
      if (++elements > limits.max_elements) {
        out.keep = lt;
        out.cut = true;
        out.reason = "more than " + std::to_string(limits.max_elements) + " elements";
        return out;
      }
    }
    if (next == '!') {
      if (html.compare(lt, 4, "<!--") == 0) {
        i = CommentEnd(html, lt);
      } else {
        size_t end = html.find('>', lt);
        i = end == std::string_view::npos ? html.size() : end + 1;
      }
      continue;
    }
    if (next == '?') {
      size_t end = html.find('>', lt);
      i = end == std::string_view::npos ? html.size() : end + 1;
      continue;
    }
    if (next == '/' && lt + 2 < html.size() && IsAlpha(html[lt + 2])) {
      size_t name_end = 0;
      const uint32_t name = names.Read(html, lt + 2, &name_end);
      bool unused = false;
      i = TagEnd(html, name_end, &unused);
      if (count(name) > 0) {
        while (!stack.empty()) {
          bool match = stack.back() == name;
          pop();
          if (match)
            break;
        }
      }
      continue;
    }
    if (next == '/') {
      // "</>" is dropped; "</" before anything but a letter opens a bogus comment up to '>'.
      size_t end = html.find('>', lt + 2);
      i = end == std::string_view::npos ? html.size() : end + 1;
      continue;
    }
    if (!IsAlpha(next)) {
      i = lt + 1;
      continue;
    }
    size_t name_end = 0;
    const uint32_t name = names.Read(html, lt + 1, &name_end);
    bool self_closing = false;
    size_t tag_end = TagEnd(html, name_end, &self_closing);
    if (++elements > limits.max_elements) {
      out.keep = lt;
      out.cut = true;
      out.reason = "more than " + std::to_string(limits.max_elements) + " elements";
      return out;
    }
    i = tag_end;
    const TagNames::Kind kind = names.kind(name);
    if (kind == TagNames::kRawTextElement && (foreign == 0 || !self_closing)) {
      // An HTML element's "/>" closes nothing: raw text follows <script/> too.
      const std::string& raw = names.name(name);
      const size_t close =
          raw == "script" ? ScriptEnd(html, tag_end) : RawTextEnd(html, tag_end, raw);
      if (texts != nullptr && foreign == 0 && close > tag_end &&
          (raw == "script" || raw == "style"))
        texts->push_back({lt, tag_end, close});
      bool unused = false;
      i = close == html.size() ? close : TagEnd(html, close + 2 + raw.size(), &unused);
      continue;
    }
    if (kind == TagNames::kVoidElement || self_closing)
      continue;
    if (kind == TagNames::kPlainText)
      break;  // everything after it is text
    if (kind == TagNames::kSibling && count(name) > 0) {
      size_t limit = std::min(stack.size(), kImpliedEndSearch);
      for (size_t k = 1; k <= limit; ++k) {
        if (stack[stack.size() - k] == name) {
          for (size_t m = 0; m < k; ++m)
            pop();
          break;
        }
      }
    }
    if (stack.size() + 1 > limits.max_depth) {
      out.keep = lt;
      out.cut = true;
      out.reason = "nesting deeper than " + std::to_string(limits.max_depth) + " elements";
      return out;
    }
    ++count(name);
    if (kind == TagNames::kForeignRoot)
      ++foreign;
    stack.push_back(name);
  }
  return out;
}

}  // namespace leadscan::detect
