#include "detect/html_bounds.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>
#include <vector>

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
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

// The lower-case tag name starting at html[i]; *end is just past it.
std::string TagName(std::string_view html, size_t i, size_t* end) {
  std::string name;
  while (i < html.size() && !IsSpace(html[i]) && html[i] != '/' && html[i] != '>') {
    name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(html[i]))));
    ++i;
  }
  *end = i;
  return name;
}

// Index just past the '>' that ends the tag whose attributes start at html[i] (quoted values
// may hold '>'); html.size() when the tag never ends. *self_closing: it ended with "/>".
size_t TagEnd(std::string_view html, size_t i, bool* self_closing) {
  *self_closing = false;
  while (i < html.size()) {
    char c = html[i];
    if (c == '"' || c == '\'') {
      size_t close = html.find(c, i + 1);
      if (close == std::string_view::npos)
        return html.size();
      i = close + 1;
      continue;
    }
    if (c == '>') {
      *self_closing = i > 0 && html[i - 1] == '/';
      return i + 1;
    }
    ++i;
  }
  return html.size();
}

// Index just past the end tag </name ...> at or after i; html.size() when there is none.
size_t SkipRawText(std::string_view html, size_t i, std::string_view name) {
  while (true) {
    size_t at = html.find("</", i);
    if (at == std::string_view::npos)
      return html.size();
    size_t p = at + 2;
    bool same = p + name.size() <= html.size();
    for (size_t k = 0; same && k < name.size(); ++k) {
      same = std::tolower(static_cast<unsigned char>(html[p + k])) == name[k];
    }
    size_t after = p + name.size();
    if (same && (after >= html.size() || IsSpace(html[after]) || html[after] == '>' ||
                 html[after] == '/')) {
      size_t gt = html.find('>', after);
      return gt == std::string_view::npos ? html.size() : gt + 1;
    }
    i = p;
  }
}

}  // namespace

HtmlCut BoundHtml(std::string_view html, const HtmlLimits& limits) {
  HtmlCut out;
  out.keep = html.size();
  std::vector<std::string> stack;
  std::unordered_map<std::string, size_t> open;  // name -> elements of that name on the stack
  size_t elements = 0;
  auto pop = [&] {
    --open[stack.back()];
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
      if (html.substr(lt, 4) == "<!--") {
        size_t end = html.find("-->", lt + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
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
      std::string name = TagName(html, lt + 2, &name_end);
      bool unused = false;
      i = TagEnd(html, name_end, &unused);
      auto it = open.find(name);
      if (it != open.end() && it->second > 0) {
        while (!stack.empty()) {
          bool match = stack.back() == name;
          pop();
          if (match)
            break;
        }
      }
      continue;
    }
    if (!IsAlpha(next)) {
      i = lt + 1;
      continue;
    }
    size_t name_end = 0;
    std::string name = TagName(html, lt + 1, &name_end);
    bool self_closing = false;
    size_t tag_end = TagEnd(html, name_end, &self_closing);
    if (++elements > limits.max_elements) {
      out.keep = lt;
      out.cut = true;
      out.reason = "more than " + std::to_string(limits.max_elements) + " elements";
      return out;
    }
    i = tag_end;
    if (OneOf(kVoid, name) || self_closing)
      continue;
    if (OneOf(kRawText, name)) {
      i = SkipRawText(html, tag_end, name);
      continue;
    }
    if (name == "plaintext")
      break;  // everything after it is text
    if (OneOf(kSelfClosingSiblings, name) && open[name] > 0) {
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
    ++open[name];
    stack.push_back(std::move(name));
  }
  return out;
}

}  // namespace leadscan::detect
