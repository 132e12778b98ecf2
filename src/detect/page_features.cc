#include "detect/page_features.h"

#include <modest/finder/finder.h>
#include <myhtml/myhtml.h>

#include <algorithm>
#include <boost/url.hpp>
#include <cstring>
#include <deque>
#include <optional>

#include "common/ascii.h"
#include "common/utf8.h"
#include "detect/html_bounds.h"
#include "detect/json_state.h"

namespace leadscan::detect {

namespace {

void AppendCapped(std::string* out, const char* data, size_t len, size_t cap) {
  if (out->size() >= cap)
    return;
  out->append(data, std::min(len, cap - out->size()));
}

void PushCapped(std::vector<std::string>* out, std::string v) {
  if (out->size() < kMaxListItems)
    out->push_back(std::move(v));
}

bool IsBlock(myhtml_tag_id_t id) {
  switch (id) {
    case MyHTML_TAG_P:
    case MyHTML_TAG_DIV:
    case MyHTML_TAG_LI:
    case MyHTML_TAG_UL:
    case MyHTML_TAG_OL:
    case MyHTML_TAG_BR:
    case MyHTML_TAG_H1:
    case MyHTML_TAG_H2:
    case MyHTML_TAG_H3:
    case MyHTML_TAG_H4:
    case MyHTML_TAG_H5:
    case MyHTML_TAG_H6:
    case MyHTML_TAG_TR:
    case MyHTML_TAG_TD:
    case MyHTML_TAG_TH:
    case MyHTML_TAG_TABLE:
    case MyHTML_TAG_SECTION:
    case MyHTML_TAG_ARTICLE:
    case MyHTML_TAG_HEADER:
    case MyHTML_TAG_FOOTER:
    case MyHTML_TAG_NAV:
    case MyHTML_TAG_ASIDE:
    case MyHTML_TAG_FORM:
    case MyHTML_TAG_BLOCKQUOTE:
    case MyHTML_TAG_PRE:
    case MyHTML_TAG_DT:
    case MyHTML_TAG_DD:
    case MyHTML_TAG_HR:
    case MyHTML_TAG_MAIN:
    case MyHTML_TAG_ADDRESS:
    case MyHTML_TAG_FIGCAPTION:
    case MyHTML_TAG_LABEL:
    case MyHTML_TAG_OPTION:
      return true;
    default:
      return false;
  }
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Appends text with whitespace runs collapsed to one space (or one newline at block edges),
// stopping at kMaxFieldBytes. Copies runs of other bytes whole.
void AppendText(std::string* out, const char* s, size_t n) {
  size_t i = 0;
  while (i < n && out->size() < kMaxFieldBytes) {
    size_t j = i;
    while (j < n && !IsSpace(s[j]))
      ++j;
    if (j > i) {
      out->append(s + i, std::min(j - i, kMaxFieldBytes - out->size()));
      i = j;
      continue;
    }
    if (!out->empty() && out->back() != ' ' && out->back() != '\n')
      out->push_back(' ');
    while (i < n && IsSpace(s[i]))
      ++i;
  }
}

void BlockBreak(std::string* out) {
  if (out->empty())
    return;
  if (out->back() == ' ')
    out->back() = '\n';
  if (out->back() != '\n')
    out->push_back('\n');
}

// The value of an attribute found by myhtml_attribute_by_key (empty for none).
std::string AttrValue(myhtml_tree_attr_t* a) {
  if (a == nullptr)
    return {};
  size_t len = 0;
  const char* v = myhtml_attribute_value(a, &len);
  return v == nullptr ? std::string() : std::string(v, len);
}

myhtml_tree_attr_t* FindAttr(myhtml_tree_node_t* node, std::string_view key) {
  return myhtml_attribute_by_key(node, key.data(), key.size());
}

std::string Attr(myhtml_tree_node_t* node, std::string_view key) {
  return AttrValue(FindAttr(node, key));
}

using TextOp = PageParser::TextOp;

// Records the texts of a node's text children (appended up to kMaxFieldBytes on replay).
void NodeText(myhtml_tree_node_t* node, std::vector<TextOp>* ops) {
  for (myhtml_tree_node_t* c = myhtml_node_child(node); c != nullptr; c = myhtml_node_next(c)) {
    if (myhtml_node_tag_id(c) == MyHTML_TAG__TEXT) {
      size_t len = 0;
      const char* t = myhtml_node_text(c, &len);
      if (t != nullptr)
        ops->push_back({t, len});
    }
  }
}

// Builds a field from the appends the walk recorded, in their order, into a string reserved
// once: min(text bytes, kMaxFieldBytes) plus one byte per separator bounds the result (the
// appends stop at the cap; a separator adds one byte).
void Replay(const std::vector<TextOp>& ops, std::string* out) {
  size_t text_bytes = 0;
  size_t separators = 0;
  for (const TextOp& op : ops) {
    if (op.data == nullptr)
      ++separators;
    else
      text_bytes += op.size;
  }
  out->reserve(std::min(text_bytes, kMaxFieldBytes) + separators);
  for (const TextOp& op : ops) {
    if (op.data == nullptr) {
      if (!out->empty())
        out->push_back('\n');
    } else {
      AppendCapped(out, op.data, op.size, kMaxFieldBytes);
    }
  }
}

}  // namespace

namespace {

// ResolveUrl with the base parsed already (null: it did not parse, ref is kept).
std::string ResolveAgainst(const boost::urls::url_view* base, const std::string& ref) {
  if (base == nullptr)
    return ref;
  auto r = boost::urls::parse_uri_reference(ref);
  if (!r)
    return ref;
  boost::urls::url dest;
  auto rc = boost::urls::resolve(*base, *r, dest);
  if (!rc)
    return ref;
  return std::string(dest.buffer());
}

}  // namespace

std::string ResolveUrl(const std::string& base, const std::string& ref) {
  auto b = boost::urls::parse_uri(base);
  return ResolveAgainst(b ? &*b : nullptr, ref);
}

PageParser::PageParser() {
  myhtml_t* h = myhtml_create();
  myhtml_init(h, MyHTML_OPTIONS_PARSE_MODE_SINGLE, 1, 0);
  myhtml_tree_t* tree = myhtml_tree_create();
  myhtml_tree_init(tree, h);
  myhtml_ = h;
  tree_ = tree;
  finder_ = modest_finder_create_simple();
}

PageParser::~PageParser() {
  if (finder_ != nullptr)
    modest_finder_destroy(static_cast<modest_finder_t*>(finder_), true);
  myhtml_tree_destroy(static_cast<myhtml_tree_t*>(tree_));
  myhtml_destroy(static_cast<myhtml_t*>(myhtml_));
}

const PageParser::RawText* PageParser::ClaimRawText(void* node) {
  const size_t k = FindRawText(node);
  // An SVG or MathML script or style (where the pre-pass's rough element stack had already
  // closed the <svg>) is no raw text: unclaimed, it makes the page parse again the plain way.
  if (k == raw_texts_.size() || raw_texts_[k].claimed ||
      myhtml_node_namespace(static_cast<myhtml_tree_node_t*>(node)) != MyHTML_NAMESPACE_HTML)
    return nullptr;
  raw_texts_[k].claimed = true;
  ++claimed_;
  return &raw_texts_[k];
}

void* PageParser::root() const {
  return myhtml_tree_get_document(static_cast<myhtml_tree_t*>(tree_));
}

void PageParser::Parse(const PageInput& page, PageFeatures* f, const DomVocabulary* dom) {
  const bool take = take_raw_text_ && (dom == nullptr || !dom->reads_element_text());
  if (!ParseOnce(page, f, dom, take))
    ParseOnce(page, f, dom, false);
}

size_t PageParser::FindRawText(void* node) const {
  if (raw_texts_.empty())
    return raw_texts_.size();
  const size_t tag = myhtml_node_element_position(static_cast<myhtml_tree_node_t*>(node)).begin;
  auto it = std::lower_bound(raw_texts_.begin(), raw_texts_.end(), tag,
                             [](const RawText& r, size_t t) { return r.tag < t; });
  return it != raw_texts_.end() && it->tag == tag ? it - raw_texts_.begin() : raw_texts_.size();
}

bool PageParser::RawTextOf(void* node, std::string_view* text) const {
  const size_t k = FindRawText(node);
  if (k == raw_texts_.size())
    return false;
  *text = raw_texts_[k].text;
  return true;
}

// Takes the contents of the script and style elements out of what the tree builder gets (it
// copies them byte by byte, with its tokenizer's states) and keeps them in raw_texts_, as the
// tokenizer would have delivered them: CR LF and CR as LF, NUL as U+FFFD.
std::string_view PageParser::TakeRawText(std::string_view input) {
  raw_texts_.clear();
  normalized_.clear();
  if (element_texts_.empty())
    return input;
  tree_input_.clear();
  tree_input_.reserve(input.size());
  size_t at = 0;
  for (const ElementText& e : element_texts_) {
    if (e.end == input.size())
      break;  // a text running to the end stays with myhtml (its end-of-input handling is its own)
    const size_t tag = e.tag - (at - tree_input_.size());  // where the tag lands in tree_input_
    tree_input_.append(input, at, e.begin - at);
    at = e.end;
    std::string_view text = input.substr(e.begin, e.end - e.begin);
    if (std::memchr(text.data(), '\r', text.size()) != nullptr ||
        std::memchr(text.data(), '\0', text.size()) != nullptr) {
      std::string& n = normalized_.emplace_back();
      n.reserve(text.size());
      for (size_t k = 0; k < text.size(); ++k) {
        if (text[k] == '\0') {
          n += "\xEF\xBF\xBD";
        } else if (text[k] != '\r') {
          n += text[k];
        } else {
          n += '\n';
          if (k + 1 < text.size() && text[k + 1] == '\n')
            ++k;
        }
      }
      text = n;
    }
    raw_texts_.push_back({tag, text, false});
  }
  tree_input_.append(input, at, std::string_view::npos);
  return tree_input_;
}

bool PageParser::ParseOnce(const PageInput& page, PageFeatures* f, const DomVocabulary* dom,
                           bool take_raw_text) {
  *f = PageFeatures{};
  f->url = page.url;
  f->source = page.source;
  f->role = page.role;
  const std::string& src = page.rendered_html.empty() ? page.html : page.rendered_html;
  f->html = std::string_view(src).substr(0, std::min(src.size(), kMaxHtmlBytes));
  f->robots = page.robots.substr(0, std::min(page.robots.size(), kMaxFieldBytes));
  f->cert_issuer = page.cert_issuer;
  for (const std::string& x : page.xhr)
    PushCapped(&f->xhr, x);
  f->js.assign(page.js.begin(), page.js.end());
  for (const auto& [name, value] : page.headers) {
    std::string key = common::AsciiLower(name);
    f->headers[key].push_back(value);
    if (key == "set-cookie") {
      size_t eq = value.find('=');
      size_t semi = value.find(';');
      if (eq != std::string::npos && (semi == std::string::npos || eq < semi)) {
        auto trim = [](std::string s) {
          size_t a = s.find_first_not_of(" \t");
          size_t b = s.find_last_not_of(" \t");
          return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
        };
        std::string cname = common::AsciiLower(trim(value.substr(0, eq)));
        std::string cval = trim(
            value.substr(eq + 1, semi == std::string::npos ? std::string::npos : semi - eq - 1));
        if (!cname.empty())
          f->cookies[cname].push_back(cval);
      }
    }
  }
  for (const auto& [name, value] : page.cookies)
    f->cookies[common::AsciiLower(name)].push_back(value);

  auto* tree = static_cast<myhtml_tree_t*>(tree_);
  // The parser's cost grows with nesting depth times tokens; it gets at most the bounded
  // prefix of the document.
  element_texts_.clear();
  HtmlCut cut = BoundHtml(f->html, {}, take_raw_text ? &element_texts_ : nullptr);
  f->truncated = cut.cut;
  f->parsed_bytes = cut.keep;
  f->truncated_reason = std::move(cut.reason);
  myhtml_tree_clean(tree);
  // libmodest gets valid UTF-8 only: on invalid sequences it copies text with overlapping
  // memcpy (found by the html fuzz target). Fetched and rendered pages are already valid; this
  // keeps the guarantee for every other caller of the detector.
  std::string_view parse_input = f->html.substr(0, cut.keep);
  if (common::FindInvalidUtf8(parse_input)) {
    repaired_ = common::ToValidUtf8(parse_input);
    parse_input = repaired_;
    if (take_raw_text) {  // the repair moved the offsets
      element_texts_.clear();
      BoundHtml(parse_input, {}, &element_texts_);
    }
  }
  const std::string_view tree_input = TakeRawText(parse_input);
  myhtml_parse(tree, MyENCODING_UTF_8, tree_input.data(), tree_input.size());
  if (dom != nullptr)
    dom_index_.Clear(*dom);
  else
    dom_index_.Reset();

  // The page's URL parsed once, on the first script src to resolve against it.
  std::optional<boost::urls::url_view> base;
  bool base_parsed = false;
  auto resolve = [&](const std::string& ref) {
    if (!base_parsed) {
      base_parsed = true;
      if (auto b = boost::urls::parse_uri(page.url))
        base = *b;
    }
    return ResolveAgainst(base ? &*base : nullptr, ref);
  };

  script_ops_.clear();
  css_ops_.clear();
  claimed_ = 0;
  myhtml_tree_node_t* body = myhtml_tree_get_node_body(tree);
  myhtml_tree_node_t* root = myhtml_tree_get_document(tree);
  // Iterative pre-order walk; skip_depth > 0 while inside script/style/noscript/template.
  myhtml_tree_node_t* node = myhtml_node_child(root);
  int in_body = 0;
  int hidden = 0;
  while (node != nullptr) {
    myhtml_tag_id_t id = myhtml_node_tag_id(node);
    if (id == MyHTML_TAG__TEXT) {
      if (in_body > 0 && hidden == 0) {
        size_t len = 0;
        const char* t = myhtml_node_text(node, &len);
        if (t != nullptr)
          AppendText(&f->text, t, len);
      }
    } else if (id != MyHTML_TAG__COMMENT) {
      if (dom != nullptr)
        dom_index_.Add(tree, node, *dom);
      switch (id) {
        case MyHTML_TAG_META: {
          std::string key = Attr(node, "name");
          if (key.empty())
            key = Attr(node, "property");
          if (key.empty())
            key = Attr(node, "http-equiv");
          if (!key.empty())
            f->meta[common::AsciiLower(key)].push_back(Attr(node, "content"));
          break;
        }
        case MyHTML_TAG_SCRIPT: {
          const RawText* raw = ClaimRawText(node);
          if (myhtml_tree_attr_t* src_attr = FindAttr(node, "src")) {
            std::string s = AttrValue(src_attr);
            if (!s.empty())
              PushCapped(&f->script_src, resolve(s));
          } else {
            script_ops_.push_back({nullptr, 0});
            const size_t first = script_ops_.size();
            if (raw != nullptr)
              script_ops_.push_back({raw->text.data(), raw->text.size()});
            else
              NodeText(node, &script_ops_);
            if (IsJsonScriptType(Attr(node, "type"))) {
              size_t bytes = 0;
              for (size_t k = first; k < script_ops_.size(); ++k)
                bytes += script_ops_[k].size;
              if (bytes <= kMaxJsonStateScript) {
                std::string json;
                json.reserve(bytes);
                for (size_t k = first; k < script_ops_.size(); ++k)
                  json.append(script_ops_[k].data, script_ops_[k].size);
                AppendJsonState(json, kMaxJsonStateBytes, &f->json_state);
              }
            }
          }
          break;
        }
        case MyHTML_TAG_STYLE: {
          css_ops_.push_back({nullptr, 0});
          if (const RawText* raw = ClaimRawText(node))
            css_ops_.push_back({raw->text.data(), raw->text.size()});
          else
            NodeText(node, &css_ops_);
          break;
        }
        case MyHTML_TAG_A:
          if (myhtml_tree_attr_t* href = FindAttr(node, "href"))
            PushCapped(&f->links, AttrValue(href));
          break;
        case MyHTML_TAG_IFRAME:
          if (myhtml_tree_attr_t* src_attr = FindAttr(node, "src"))
            PushCapped(&f->iframes, AttrValue(src_attr));
          break;
        case MyHTML_TAG_FORM:
          PushCapped(&f->forms, Attr(node, "action"));
          break;
        case MyHTML_TAG_IMG:
          if (myhtml_tree_attr_t* src_attr = FindAttr(node, "src"))
            PushCapped(&f->img_src, AttrValue(src_attr));
          if (myhtml_tree_attr_t* alt = FindAttr(node, "alt"))
            PushCapped(&f->img_alt, AttrValue(alt));
          break;
        default:
          break;
      }
    }
    // Descend into elements (not into script/style text beyond what NodeText took).
    myhtml_tree_node_t* child = myhtml_node_child(node);
    if (child != nullptr) {
      if (node == body)
        ++in_body;
      if (id == MyHTML_TAG_SCRIPT || id == MyHTML_TAG_STYLE || id == MyHTML_TAG_NOSCRIPT ||
          id == MyHTML_TAG_TEMPLATE) {
        ++hidden;
      }
      if (in_body > 0 && IsBlock(id))
        BlockBreak(&f->text);
      node = child;
      continue;
    }
    if (in_body > 0 && IsBlock(id))
      BlockBreak(&f->text);
    // Climb until a sibling exists, closing the elements we leave.
    while (node != nullptr && myhtml_node_next(node) == nullptr) {
      node = myhtml_node_parent(node);
      if (node == nullptr || node == root) {
        node = nullptr;
        break;
      }
      myhtml_tag_id_t pid = myhtml_node_tag_id(node);
      if (node == body)
        --in_body;
      if (pid == MyHTML_TAG_SCRIPT || pid == MyHTML_TAG_STYLE || pid == MyHTML_TAG_NOSCRIPT ||
          pid == MyHTML_TAG_TEMPLATE) {
        --hidden;
      }
      if (in_body > 0 && IsBlock(pid))
        BlockBreak(&f->text);
    }
    if (node != nullptr)
      node = myhtml_node_next(node);
  }
  if (claimed_ != raw_texts_.size())
    return false;  // the tree builder did not make an element of every text taken (<frameset>)
  Replay(script_ops_, &f->scripts);
  Replay(css_ops_, &f->css);
  while (!f->text.empty() && (f->text.back() == ' ' || f->text.back() == '\n'))
    f->text.pop_back();
  if (dom != nullptr)
    dom_index_.Finish(tree, *dom);
  return true;
}

}  // namespace leadscan::detect
