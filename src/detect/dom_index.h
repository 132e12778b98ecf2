// DomIndex: an index of one parsed page's elements for the dom rules, filled during the one walk
// over the tree that extracts the page features: the elements in document order, by tag and by
// the attribute names selectors start from, and which tokens of the rules' prefilter (tag names,
// ids, classes, attribute names) occur. With it a selector is tried only on the elements that
// can start a match instead of on every element of the page. DomVocabulary: those tokens,
// numbered once per RuleSet. Both are owned by their holder (RuleSet, PageParser); the
// vocabulary is immutable after loading and shareable, an index belongs to one thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct myhtml_tree;
struct myhtml_tree_node;
struct modest_finder;

namespace leadscan::detect {

// One simple selector of the first compound of a selector, as a test an element must pass to
// start a match (necessary, not sufficient: modest decides) and as the list of elements that can
// pass it: the elements of a tag (the type selector's name, looked up in the page's tree as
// modest does), or those carrying an attribute (#id, .class and [attr] selectors), whose first
// value must then contain the selector's value, ASCII case-insensitively, when it has one.
struct DomLead {
  std::string tag;         // a type selector's name; empty for an attribute lead
  uint32_t attr_slot = 0;  // DomVocabulary::IndexAttr slot of attr
  // #id and .class: the DomVocabulary token of the name (the elements whose id, or a class
  // word, equals it exactly: DomIndex::Add lists them); UINT32_MAX for other leads.
  uint32_t token = UINT32_MAX;
  std::string attr;        // lower-case attribute name
  bool has_value = false;  // the value must contain `value`
  std::string value;       // lower-case
};

class DomVocabulary {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Numbers a prefilter token (build time). Tags and attribute names lower-case, ids and classes
  // as written (the prefilter compares them exactly).
  uint32_t AddTag(const std::string& lower);
  uint32_t AddId(const std::string& id);
  uint32_t AddClass(const std::string& cls);
  uint32_t AddAttr(const std::string& lower);
  // Asks the index to list the elements carrying this attribute (lower-case name); the slot.
  uint32_t IndexAttr(const std::string& lower);

  // The leads of each entry of a compiled selector list (mycss_selectors_list_t*): for every
  // entry, the simple selectors of its first compound that narrow the elements to try (empty:
  // try every element). Registers the attributes to index.
  std::vector<std::vector<DomLead>> Leads(const void* compiled);

  size_t tokens() const { return tokens_; }

  // Set when a selector reads an element's own text (:contains, :empty): the parser then keeps
  // script and style texts inside its tree, which it otherwise takes out (page_features.h).
  void set_reads_element_text() { reads_element_text_ = true; }

  bool reads_element_text() const { return reads_element_text_; }

  size_t attr_slots() const { return attr_slots_; }

  // Lookups during a page walk (kNone when absent).
  uint32_t FindTag(std::string_view lower) const { return Find(tags_, lower); }

  // (Ids, classes and attribute names of a length no token has are rejected without hashing.)
  uint32_t FindId(std::string_view id) const {
    return (id_lengths_ & LengthBit(id.size())) != 0 ? Find(ids_, id) : kNone;
  }

  uint32_t FindClass(std::string_view cls) const {
    return (class_lengths_ & LengthBit(cls.size())) != 0 ? Find(classes_, cls) : kNone;
  }

  struct Attr {
    uint32_t token = kNone;  // prefilter token of the name
    uint32_t slot = kNone;   // index slot of the name
  };

  const Attr* FindAttr(std::string_view lower) const {
    if ((attr_lengths_ & LengthBit(lower.size())) == 0)
      return nullptr;
    return attrs_.Find(lower);
  }

  bool has_ids() const { return !ids_.empty(); }

  bool has_classes() const { return !classes_.empty(); }

 private:
  // String keys to values, looked up by string_view during a page walk (once per attribute of
  // every element): open addressing over a power-of-two table, FNV-1a hashes, no allocation.
  template <typename V>
  class Map {
   public:
    const V* Find(std::string_view key) const {
      if (table_.empty())
        return nullptr;
      const uint64_t h = HashOf(key);
      const size_t mask = table_.size() - 1;
      for (size_t i = h & mask;; i = (i + 1) & mask) {
        const uint32_t e = table_[i];
        if (e == kNone)
          return nullptr;
        if (hashes_[e] == h && entries_[e].first == key)
          return &entries_[e].second;
      }
    }

    // The value of key, inserted as `value` when absent; *added says which.
    V& Insert(const std::string& key, const V& value, bool* added) {
      if (const V* v = Find(key)) {
        *added = false;
        return const_cast<V&>(*v);
      }
      *added = true;
      entries_.emplace_back(key, value);
      hashes_.push_back(HashOf(key));
      if (entries_.size() * 2 > table_.size()) {  // at most half full
        table_.assign(std::max<size_t>(16, table_.size() * 2), kNone);
        for (uint32_t e = 0; e < entries_.size(); ++e)
          Place(e);
      } else {
        Place(static_cast<uint32_t>(entries_.size() - 1));
      }
      return entries_.back().second;
    }

    bool empty() const { return entries_.empty(); }

   private:
    static uint64_t HashOf(std::string_view s) {
      uint64_t h = 14695981039346656037ull;
      for (char c : s)
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
      return h;
    }

    void Place(uint32_t e) {
      const size_t mask = table_.size() - 1;
      size_t i = hashes_[e] & mask;
      while (table_[i] != kNone)
        i = (i + 1) & mask;
      table_[i] = e;
    }

    std::vector<std::pair<std::string, V>> entries_;
    std::vector<uint64_t> hashes_;  // of entries_, same order
    std::vector<uint32_t> table_;   // entry index or kNone
  };

  static uint32_t Find(const Map<uint32_t>& m, std::string_view s) {
    const uint32_t* v = m.Find(s);
    return v == nullptr ? kNone : *v;
  }

  uint32_t Token(Map<uint32_t>* m, const std::string& s);

  static uint64_t LengthBit(size_t length) { return uint64_t{1} << (length < 63 ? length : 63); }

  Map<uint32_t> tags_, ids_, classes_;
  Map<Attr> attrs_;
  uint64_t id_lengths_ = 0, class_lengths_ = 0, attr_lengths_ = 0;  // LengthBit of each token
  uint32_t tokens_ = 0;
  uint32_t attr_slots_ = 0;
  bool reads_element_text_ = false;
};

class DomIndex {
 public:
  // Forgets the last page and sizes the index for the vocabulary.
  void Clear(const DomVocabulary& vocabulary);
  // Forgets the last page (no vocabulary: the index stays empty).
  void Reset();
  // Records one element (called in document order for every node that is neither text nor a
  // comment).
  void Add(myhtml_tree* tree, myhtml_tree_node* node, const DomVocabulary& vocabulary);
  // Completes the tag tokens once every element was added.
  void Finish(myhtml_tree* tree, const DomVocabulary& vocabulary);

  bool Has(uint32_t token) const { return present_[token] != 0; }

  // Sets (*out)[token] for every token on the page (out holds at least the vocabulary's tokens).
  void CopyTokens(std::vector<uint8_t>* out) const {
    std::copy(present_.begin(), present_.begin() + std::min(present_.size(), out->size()),
              out->begin());
  }

  // Appends the elements whose tag name equals tag (ASCII case-insensitive), in document order.
  void TagNodes(myhtml_tree* tree, const std::string& tag,
                std::vector<myhtml_tree_node*>* out) const;

  // Appends what modest_finder_by_selectors_list(finder, document, compiled) would collect, in
  // the same order, trying each entry of the list only on the document node and the elements
  // its leads name.
  void Select(myhtml_tree* tree, myhtml_tree_node* document, modest_finder* finder,
              const void* compiled, const std::vector<std::vector<DomLead>>& leads,
              std::vector<myhtml_tree_node*>* out) const;

  size_t elements() const { return elements_.size(); }

 private:
  std::vector<myhtml_tree_node*> elements_;    // document order
  std::vector<std::vector<uint32_t>> by_tag_;  // tag id -> element positions

  // An element carrying an indexed attribute, and the value of its first attribute of the name.
  struct AttrHit {
    uint32_t pos;
    uint32_t length;
    const char* value;  // null without a value
  };

  std::vector<std::vector<AttrHit>> by_attr_;  // attribute slot -> elements, in document order
  std::vector<uint8_t> present_;               // vocabulary token -> occurs
  // (id or class token, element position) for every element whose id or a class word is a
  // token; sorted and without repeats once Finish ran.
  std::vector<std::pair<uint32_t, uint32_t>> by_name_;
};

}  // namespace leadscan::detect
