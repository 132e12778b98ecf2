#include "detect/dom_index.h"

#include <modest/finder/finder.h>
#include <modest/finder/type.h>
#include <mycss/selectors/list.h>
#include <mycss/selectors/value.h>
#include <myhtml/myhtml.h>
#include <strings.h>

#include <algorithm>
#include <array>

#include "common/ascii.h"

namespace leadscan::detect {

namespace {

// Attribute names longer than this are lower-cased into a heap string.
constexpr size_t kShortName = 64;

// modest's type map (modest/finder/resource.h), by the exported functions.
bool TypeMatches(modest_finder_t* finder, myhtml_tree_node_t* node, mycss_selectors_entry_t* sel,
                 mycss_selectors_specificity_t* spec) {
  switch (sel->type) {
    case MyCSS_SELECTORS_TYPE_ELEMENT:
      return modest_finder_selector_type_element(finder, node, sel, spec);
    case MyCSS_SELECTORS_TYPE_ID:
      return modest_finder_selector_type_id(finder, node, sel, spec);
    case MyCSS_SELECTORS_TYPE_CLASS:
      return modest_finder_selector_type_class(finder, node, sel, spec);
    case MyCSS_SELECTORS_TYPE_ATTRIBUTE:
      return modest_finder_selector_type_attribute(finder, node, sel, spec);
    case MyCSS_SELECTORS_TYPE_PSEUDO_CLASS_FUNCTION:
      return modest_finder_selector_type_pseudo_class_function(finder, node, sel, spec);
    case MyCSS_SELECTORS_TYPE_PSEUDO_CLASS:
      return modest_finder_selector_type_pseudo_class(finder, node, sel, spec);
    case MyCSS_SELECTORS_TYPE_PSEUDO_ELEMENT_FUNCTION:
      return modest_finder_selector_type_pseudo_element_function(finder, node, sel, spec);
    case MyCSS_SELECTORS_TYPE_PSEUDO_ELEMENT:
      return modest_finder_selector_type_pseudo_element(finder, node, sel, spec);
    default:
      return false;
  }
}

// modest's combinator map, likewise.
modest_finder_selector_combinator_f CombinatorOf(mycss_selectors_combinator_t c) {
  switch (c) {
    case MyCSS_SELECTORS_COMBINATOR_UNDEF:
      return modest_finder_node_combinator_undef;
    case MyCSS_SELECTORS_COMBINATOR_DESCENDANT:
      return modest_finder_node_combinator_descendant;
    case MyCSS_SELECTORS_COMBINATOR_CHILD:
      return modest_finder_node_combinator_child;
    case MyCSS_SELECTORS_COMBINATOR_NEXT_SIBLING:
      return modest_finder_node_combinator_next_sibling;
    case MyCSS_SELECTORS_COMBINATOR_FOLLOWING_SIBLING:
      return modest_finder_node_combinator_following_sibling;
    default:
      return modest_finder_node_combinator_column;
  }
}

void Collect(modest_finder_t* /*finder*/, myhtml_tree_node_t* node,
             mycss_selectors_list_t* /*list*/, mycss_selectors_entry_t* /*selector*/,
             mycss_selectors_specificity_t* /*spec*/, void* ctx) {
  static_cast<std::vector<myhtml_tree_node_t*>*>(ctx)->push_back(node);
}

// Whether the node's first attribute named lead.attr exists and, with has_value, has a value
// containing lead.value (names and values compared ASCII case-insensitively, as modest does).
bool AttrPasses(myhtml_tree_node_t* node, const DomLead& lead) {
  auto same = [](char x, char y) { return common::AsciiLower(x) == y; };
  for (myhtml_tree_attr_t* a = myhtml_node_attribute_first(node); a != nullptr;
       a = myhtml_attribute_next(a)) {
    size_t klen = 0;
    const char* k = myhtml_attribute_key(a, &klen);
    if (k == nullptr || klen != lead.attr.size() ||
        !std::equal(k, k + klen, lead.attr.begin(), same))
      continue;
    if (!lead.has_value)
      return true;
    size_t vlen = 0;
    const char* v = myhtml_attribute_value(a, &vlen);
    if (v == nullptr)
      return lead.value.empty();
    return common::ContainsAsciiFolded(std::string_view(v, vlen), lead.value);
  }
  return false;
}

bool Inside(myhtml_tree_node_t* node, myhtml_tree_node_t* ancestor) {
  for (myhtml_tree_node_t* p = myhtml_node_parent(node); p != nullptr; p = myhtml_node_parent(p)) {
    if (p == ancestor)
      return true;
  }
  return false;
}

// Orders DomIndex's (token, position) pairs against a token.
struct ByToken {
  bool operator()(const std::pair<uint32_t, uint32_t>& a, uint32_t token) const {
    return a.first < token;
  }

  bool operator()(uint32_t token, const std::pair<uint32_t, uint32_t>& a) const {
    return token < a.first;
  }
};

}  // namespace

uint32_t DomVocabulary::Token(Map<uint32_t>* m, const std::string& s) {
  bool added = false;
  const uint32_t t = m->Insert(s, tokens_, &added);
  if (added)
    ++tokens_;
  return t;
}

uint32_t DomVocabulary::AddTag(const std::string& lower) {
  return Token(&tags_, lower);
}

uint32_t DomVocabulary::AddId(const std::string& id) {
  id_lengths_ |= LengthBit(id.size());
  return Token(&ids_, id);
}

uint32_t DomVocabulary::AddClass(const std::string& cls) {
  class_lengths_ |= LengthBit(cls.size());
  return Token(&classes_, cls);
}

uint32_t DomVocabulary::AddAttr(const std::string& lower) {
  attr_lengths_ |= LengthBit(lower.size());
  bool added = false;
  Attr& a = attrs_.Insert(lower, Attr{}, &added);
  if (a.token == kNone)
    a.token = tokens_++;
  return a.token;
}

uint32_t DomVocabulary::IndexAttr(const std::string& lower) {
  attr_lengths_ |= LengthBit(lower.size());
  bool added = false;
  Attr& a = attrs_.Insert(lower, Attr{}, &added);
  if (a.slot == kNone)
    a.slot = attr_slots_++;
  return a.slot;
}

std::vector<std::vector<DomLead>> DomVocabulary::Leads(const void* compiled) {
  const auto* list = static_cast<const mycss_selectors_list_t*>(compiled);
  std::vector<std::vector<DomLead>> out(list->entries_list_length);
  for (size_t i = 0; i < list->entries_list_length; ++i) {
    const mycss_selectors_entry_t* first = list->entries_list[i].entry;
    // The first compound: the simple selectors joined to the first without a combinator. When
    // a descendant combinator follows the first simple selector, the compound is that one
    // selector, so the elements it names are also the ones whose subtree modest skips.
    for (const mycss_selectors_entry_t* s = first; s != nullptr; s = s->next) {
      if (s != first && s->combinator != MyCSS_SELECTORS_COMBINATOR_UNDEF)
        break;
      if (s->ns_entry != nullptr || s->key == nullptr || s->key->data == nullptr)
        continue;
      const std::string key(s->key->data, s->key->length);
      // modest's tests (modest/finder/type.c, match.c): a type selector compares tag ids; #id
      // is `id` equal to the key, .class a `class` word equal to it, [attr op value] looks at
      // the first attribute of that name (names compared ASCII case-insensitively) and every
      // operator needs the value to contain the selector's value.
      DomLead lead;
      switch (s->type) {
        case MyCSS_SELECTORS_TYPE_ELEMENT:
          if (key == "*")
            continue;
          lead.tag = key;
          break;
        case MyCSS_SELECTORS_TYPE_ID:
        case MyCSS_SELECTORS_TYPE_CLASS:
          lead.attr = s->type == MyCSS_SELECTORS_TYPE_ID ? "id" : "class";
          lead.has_value = true;
          lead.value = common::AsciiLower(key);
          lead.token = s->type == MyCSS_SELECTORS_TYPE_ID ? AddId(key) : AddClass(key);
          break;
        case MyCSS_SELECTORS_TYPE_ATTRIBUTE: {
          lead.attr = common::AsciiLower(key);
          const auto* a = mycss_selector_value_attribute(s->value);
          if (a != nullptr && a->match < MyCSS_SELECTORS_MATCH_LAST_ENTRY && a->value != nullptr &&
              a->value->data != nullptr) {
            lead.has_value = true;
            lead.value = common::AsciiLower(std::string_view(a->value->data, a->value->length));
          }
          break;
        }
        default:
          continue;
      }
      if (lead.tag.empty())
        lead.attr_slot = IndexAttr(lead.attr);
      out[i].push_back(std::move(lead));
    }
  }
  return out;
}

void DomIndex::Clear(const DomVocabulary& vocabulary) {
  elements_.clear();
  for (std::vector<uint32_t>& l : by_tag_)
    l.clear();
  by_attr_.resize(vocabulary.attr_slots());
  for (std::vector<AttrHit>& l : by_attr_)
    l.clear();
  present_.assign(vocabulary.tokens(), 0);
  by_name_.clear();
}

void DomIndex::Reset() {
  elements_.clear();
  for (std::vector<uint32_t>& l : by_tag_)
    l.clear();
  by_attr_.clear();
  present_.clear();
  by_name_.clear();
}

void DomIndex::Add(myhtml_tree* /*tree*/, myhtml_tree_node* node, const DomVocabulary& vocabulary) {
  const auto pos = static_cast<uint32_t>(elements_.size());
  elements_.push_back(node);
  const myhtml_tag_id_t id = myhtml_node_tag_id(node);
  if (id >= by_tag_.size())
    by_tag_.resize(id + 1);
  by_tag_[id].push_back(pos);
  std::array<char, kShortName> buf;
  std::string long_name;
  for (myhtml_tree_attr_t* a = myhtml_node_attribute_first(node); a != nullptr;
       a = myhtml_attribute_next(a)) {
    size_t klen = 0;
    const char* k = myhtml_attribute_key(a, &klen);
    if (k == nullptr)
      continue;
    std::string_view key;
    if (klen <= buf.size()) {
      std::transform(k, k + klen, buf.begin(), [](char c) { return common::AsciiLower(c); });
      key = std::string_view(buf.data(), klen);
    } else {
      long_name = common::AsciiLower(std::string_view(k, klen));
      key = long_name;
    }
    size_t vlen = 0;
    const char* v = myhtml_attribute_value(a, &vlen);
    if (const DomVocabulary::Attr* known = vocabulary.FindAttr(key)) {
      if (known->token != DomVocabulary::kNone)
        present_[known->token] = 1;
      if (known->slot != DomVocabulary::kNone) {
        std::vector<AttrHit>& l = by_attr_[known->slot];
        if (l.empty() || l.back().pos != pos)  // the first attribute of the name counts
          l.push_back(AttrHit{pos, static_cast<uint32_t>(v == nullptr ? 0 : vlen), v});
      }
    }
    if (v == nullptr)
      continue;
    if (key == "id") {
      if (vocabulary.has_ids()) {
        const uint32_t t = vocabulary.FindId(std::string_view(v, vlen));
        if (t != DomVocabulary::kNone) {
          present_[t] = 1;
          by_name_.emplace_back(t, pos);
        }
      }
    } else if (key == "class" && vocabulary.has_classes()) {
      // The class words, split at " \t\n\r\f".
      auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
      };
      size_t p = 0;
      while (p < vlen) {
        while (p < vlen && space(v[p]))
          ++p;
        if (p == vlen)
          break;
        size_t e = p + 1;
        while (e < vlen && !space(v[e]))
          ++e;
        const uint32_t t = vocabulary.FindClass(std::string_view(v + p, e - p));
        if (t != DomVocabulary::kNone) {
          present_[t] = 1;
          by_name_.emplace_back(t, pos);
        }
        p = e;
      }
    }
  }
}

void DomIndex::Finish(myhtml_tree* tree, const DomVocabulary& vocabulary) {
  std::sort(by_name_.begin(), by_name_.end());  // by token, then document order
  by_name_.erase(std::unique(by_name_.begin(), by_name_.end()), by_name_.end());
  for (size_t id = 0; id < by_tag_.size(); ++id) {
    if (by_tag_[id].empty())
      continue;
    size_t len = 0;
    const char* name = myhtml_tag_name_by_id(tree, id, &len);
    if (name == nullptr)
      continue;
    const uint32_t t = vocabulary.FindTag(common::AsciiLower(std::string_view(name, len)));
    if (t != DomVocabulary::kNone)
      present_[t] = 1;
  }
}

void DomIndex::TagNodes(myhtml_tree* tree, const std::string& tag,
                        std::vector<myhtml_tree_node*>* out) const {
  std::vector<const std::vector<uint32_t>*> lists;
  for (size_t id = 0; id < by_tag_.size(); ++id) {
    if (by_tag_[id].empty())
      continue;
    size_t len = 0;
    const char* name = myhtml_tag_name_by_id(tree, id, &len);
    if (name != nullptr && len == tag.size() && strncasecmp(name, tag.data(), len) == 0)
      lists.push_back(&by_tag_[id]);
  }
  if (lists.size() == 1) {
    for (uint32_t pos : *lists[0])
      out->push_back(elements_[pos]);
    return;
  }
  std::vector<uint32_t> merged;
  for (const std::vector<uint32_t>* l : lists)
    merged.insert(merged.end(), l->begin(), l->end());
  std::sort(merged.begin(), merged.end());
  for (uint32_t pos : merged)
    out->push_back(elements_[pos]);
}

void DomIndex::Select(myhtml_tree* tree, myhtml_tree_node* document, modest_finder* finder,
                      const void* compiled, const std::vector<std::vector<DomLead>>& leads,
                      std::vector<myhtml_tree_node*>* out) const {
  auto* list = static_cast<mycss_selectors_list_t*>(const_cast<void*>(compiled));
  static const std::vector<uint32_t> kNoElements;
  static const std::vector<AttrHit> kNoHits;
  std::vector<myhtml_tag_id_t> tag_ids;
  for (size_t i = 0; i < list->entries_list_length; ++i) {
    mycss_selectors_entry_t* sel = list->entries_list[i].entry;
    if (sel == nullptr)
      continue;
    mycss_selectors_specificity_t spec = list->entries_list[i].specificity;
    // The smallest list of elements that can match the first compound (null: every element),
    // and the tests the compound implies.
    static const std::vector<DomLead> kNoLeads;
    const std::vector<DomLead>& tests = i < leads.size() ? leads[i] : kNoLeads;
    const std::vector<uint32_t>* candidates = nullptr;
    const std::vector<AttrHit>* attr_candidates = nullptr;  // or those, with their values
    // or the elements with an id or class word equal to a token (by_name_[named.first, second))
    std::pair<size_t, size_t> named{0, 0};
    bool by_name = false;
    size_t chosen = tests.size();  // the lead they come from
    size_t smallest = elements_.size() + 1;
    tag_ids.assign(tests.size(), MyHTML_TAG__UNDEF);
    for (size_t t = 0; t < tests.size(); ++t) {
      const DomLead& lead = tests[t];
      if (!lead.tag.empty()) {
        tag_ids[t] = myhtml_tag_id_by_name(tree, lead.tag.data(), lead.tag.size());
        const std::vector<uint32_t>* l =
            tag_ids[t] < by_tag_.size() ? &by_tag_[tag_ids[t]] : &kNoElements;
        if (l->size() < smallest) {
          smallest = l->size();
          candidates = l;
          attr_candidates = nullptr;
          by_name = false;
          chosen = t;
        }
      } else if (lead.token != DomVocabulary::kNone) {
        const auto range =
            std::equal_range(by_name_.begin(), by_name_.end(), lead.token, ByToken());
        const auto size = static_cast<size_t>(range.second - range.first);
        if (size < smallest) {
          smallest = size;
          named = {static_cast<size_t>(range.first - by_name_.begin()),
                   static_cast<size_t>(range.second - by_name_.begin())};
          by_name = true;
          candidates = nullptr;
          attr_candidates = nullptr;
          chosen = t;
        }
      } else {
        const std::vector<AttrHit>* l =
            lead.attr_slot < by_attr_.size() ? &by_attr_[lead.attr_slot] : &kNoHits;
        if (l->size() < smallest) {
          smallest = l->size();
          attr_candidates = l;
          candidates = nullptr;
          by_name = false;
          chosen = t;
        }
      }
    }
    // The tests of the other leads (the chosen one is passed by construction, or checked on
    // the value it came with).
    auto passes = [&](myhtml_tree_node_t* node) {
      for (size_t t = 0; t < tests.size(); ++t) {
        if (t == chosen)
          continue;
        const DomLead& lead = tests[t];
        if (!lead.tag.empty() ? myhtml_node_tag_id(node) != tag_ids[t] : !AttrPasses(node, lead))
          return false;
      }
      return true;
    };
    // modest_finder_node_combinator_begin's step on one node: true when it would skip the
    // node's subtree (a descendant combinator has searched it already).
    auto visit = [&](myhtml_tree_node_t* node) {
      if (!TypeMatches(finder, node, sel, &spec))
        return false;
      if (sel->next == nullptr) {
        out->push_back(node);
        return false;
      }
      return CombinatorOf(sel->next->combinator)(finder, node, list, sel->next, &spec, Collect,
                                                 out) == nullptr;
    };
    // The document node is the walk's first node (modest tries selectors on it too).
    if (visit(document))
      continue;
    myhtml_tree_node_t* skipped = nullptr;
    auto step = [&](myhtml_tree_node_t* node) {
      if (skipped != nullptr) {
        if (Inside(node, skipped))
          return;
        skipped = nullptr;  // document order: no later element is inside it either
      }
      if (passes(node) && visit(node))
        skipped = node;
    };
    if (by_name) {  // an equal id or class word passes the chosen lead's test
      for (size_t k = named.first; k < named.second; ++k)
        step(elements_[by_name_[k].second]);
    } else if (attr_candidates != nullptr) {
      const DomLead& lead = tests[chosen];
      for (const AttrHit& hit : *attr_candidates) {
        if (lead.has_value &&
            (hit.value == nullptr ? !lead.value.empty()
                                  : !common::ContainsAsciiFolded(
                                        std::string_view(hit.value, hit.length), lead.value))) {
          continue;
        }
        step(elements_[hit.pos]);
      }
    } else if (candidates != nullptr) {
      for (uint32_t pos : *candidates)
        step(elements_[pos]);
    } else {
      for (myhtml_tree_node_t* node : elements_)
        step(node);
    }
  }
}

}  // namespace leadscan::detect
