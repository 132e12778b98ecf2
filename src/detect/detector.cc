#include "detect/detector.h"

#include <modest/finder/finder.h>
#include <myhtml/myhtml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "detect/detection.h"
#include "detect/js_regex.h"
#include "detect/words.h"

namespace leadscan::detect {

namespace {

constexpr size_t kMaxEvidence = 5;
constexpr size_t kMaxEvidenceChars = 200;
constexpr size_t kMaxDomNodeText = 1024 * 1024;
// DOM selectors run between two looks at the caller's deadline.
constexpr size_t kDomSelectorsPerDeadlineCheck = 64;

bool DetectionBefore(const Detection& x, const Detection& y) {
  return std::tie(x.tech, x.page, x.field, x.a, x.b, x.c) <
         std::tie(y.tech, y.page, y.field, y.a, y.b, y.c);
}

std::string Bounded(std::string_view s) {
  if (s.size() <= kMaxEvidenceChars)
    return std::string(s);
  size_t n = kMaxEvidenceChars;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80)
    --n;  // whole UTF-8 chars
  return std::string(s.substr(0, n)) + "...";
}

// parseInt(v, 10) || 0, as a double (NaN -> 0).
double ParseIntJs(const std::string& v) {
  size_t i = v.find_first_not_of(" \t\n\r\f\v");
  if (i == std::string::npos)
    return 0;
  bool neg = false;
  if (v[i] == '+' || v[i] == '-') {
    neg = v[i] == '-';
    ++i;
  }
  double n = 0;
  bool any = false;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
    n = n * 10 + (v[i] - '0');
    any = true;
    ++i;
  }
  if (!any)
    return 0;
  return neg ? -n : n;
}

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// One thread's parser, reused across calls.
// A parser keeps the memory pools of the largest page it has parsed; after a page this large
// it is replaced, so one huge page does not pin its pools for the life of the thread.
constexpr size_t kParserResetBytes = 256 * 1024;

std::unique_ptr<PageParser>& ThreadParserSlot() {
  thread_local std::unique_ptr<PageParser> parser;
  return parser;
}

PageParser& ThreadParser() {
  std::unique_ptr<PageParser>& parser = ThreadParserSlot();
  if (parser == nullptr)
    parser = std::make_unique<PageParser>();
  return *parser;
}

void ReleaseParserAfter(const PageInput& page) {
  const std::string& html = page.rendered_html.empty() ? page.html : page.rendered_html;
  if (html.size() >= kParserResetBytes)
    ThreadParserSlot().reset();
}

class Run {
 public:
  Run(const RuleSet& rs, const DetectorOptions& options, AnalyzeStats* stats, hs_scratch_t* scratch)
      : rs_(rs), options_(options), stats_(stats), scratch_(scratch) {}

  // Matches one page; false (and nothing of the page kept) when `expired` says so before or
  // during the DOM rules.
  bool Page(uint32_t page_index, const PageFeatures& f, PageParser* parser,
            const std::function<bool()>& expired = {}) {
    const size_t before = detections_.size();
    page_ = page_index;
    url_ = &f.url;
    source_ = &f.source;
    Plain(Field::kCertIssuer, f.cert_issuer);
    Keyed(Field::kCookies, f.cookies);
    Plain(Field::kCss, f.css);
    Keyed(Field::kHeaders, f.headers);
    html_literals_.clear();
    Plain(Field::kHtml, f.html, &html_literals_);
    Keyed(Field::kMeta, f.meta);
    Plain(Field::kRobots, f.robots);
    List(Field::kScriptSrc, f.script_src);
    Plain(Field::kScripts, f.scripts);
    Plain(Field::kText, f.text);
    Plain(Field::kUrl, f.url);
    List(Field::kXhr, f.xhr);
    if (expired && expired()) {
      detections_.resize(before);
      return false;
    }
    if (options_.dom) {
      const auto dom_start = std::chrono::steady_clock::now();
      const bool done = Dom(f, parser, expired);
      if (stats_ != nullptr)
        stats_->dom_ms += MsSince(dom_start);
      if (!done) {
        detections_.resize(before);
        return false;
      }
    }
    if (options_.js) {
      std::map<std::string, std::vector<std::string>> js;
      for (const auto& [k, v] : f.js)
        js[k].push_back(v);
      Keyed(Field::kJs, js);
    }
    return true;
  }

  std::vector<Detection>& detections() { return detections_; }

  void set_scratch(hs_scratch_t* scratch) { scratch_ = scratch; }

 private:
  // Confirms candidates (ids in pattern order) on value; a, b, c position the detection.
  void Confirm(std::vector<uint32_t>* cands, std::string_view value, const std::string& field_name,
               uint32_t item, bool item_first, uint32_t value_index) {
    std::sort(cands->begin(), cands->end());
    cands->erase(std::unique(cands->begin(), cands->end()), cands->end());
    if (stats_ != nullptr)
      stats_->candidates += cands->size();
    for (uint32_t id : *cands) {
      const PatternInfo& p = rs_.patterns()[id];
      groups_.clear();
      if (p.always) {
        groups_.push_back(std::string());
      } else {
        if (p.regex == nullptr)
          continue;
        Regex::Outcome o = p.regex->Match(value, &groups_);
        if (o == Regex::Outcome::kLimit && stats_ != nullptr)
          ++stats_->limit_hits;
        if (o != Regex::Outcome::kMatch)
          continue;
      }
      if (stats_ != nullptr)
        ++stats_->confirmed;
      Detection d;
      d.tech = p.tech;
      d.page = page_;
      d.field = p.field;
      if (item_first) {
        d.a = item;
        d.b = p.order;
        d.c = 0;
      } else {
        d.a = p.key_order;
        d.b = p.order;
        d.c = value_index;
      }
      d.confidence = p.confidence;
      d.version = p.version.empty() ? std::string() : ResolveVersion(p.version, groups_);
      d.evidence = Evidence{*url_, field_name, Bounded(groups_[0].value_or("")), *source_};
      if (d.evidence.matched.empty())
        d.evidence.matched = Bounded(value);
      detections_.push_back(std::move(d));
    }
  }

  void Scan(const FieldIndex& index, std::string_view value, std::vector<uint32_t>* out,
            std::vector<bool>* extra = nullptr) {
    out->assign(index.always.begin(), index.always.end());
    index.matcher.Candidates(value, scratch_, out, extra);
  }

  // extra: also which of the field matcher's extra literals occur (the html field's scan
  // reports the dom rules' literals).
  void Plain(Field field, std::string_view value, std::vector<bool>* extra = nullptr) {
    if (value.empty())
      return;  // the reference skips falsy inputs
    auto it = rs_.plain_index().find(field);
    if (it == rs_.plain_index().end())
      return;
    Scan(it->second, value, &cands_, extra);
    Confirm(&cands_, value, FieldName(field), 0, true, 0);
  }

  void List(Field field, const std::vector<std::string>& values) {
    auto it = rs_.plain_index().find(field);
    if (it == rs_.plain_index().end())
      return;
    // One scan of all values; candidates sorted by value, then pattern.
    pairs_.clear();
    it->second.matcher.CandidatesPerValue(values, scratch_, &pairs_);
    for (uint32_t v = 0; v < values.size(); ++v) {
      for (uint32_t id : it->second.always)
        pairs_.emplace_back(v, id);
    }
    std::sort(pairs_.begin(), pairs_.end());
    for (size_t i = 0; i < pairs_.size();) {
      const uint32_t v = pairs_[i].first;
      cands_.clear();
      for (; i < pairs_.size() && pairs_[i].first == v; ++i)
        cands_.push_back(pairs_[i].second);
      Confirm(&cands_, values[v], FieldName(field), v, true, 0);
    }
  }

  void Keyed(Field field, const std::map<std::string, std::vector<std::string>>& items) {
    auto fit = rs_.keyed_index().find(field);
    if (fit == rs_.keyed_index().end())
      return;
    for (const auto& [key, values] : items) {
      auto kit = fit->second.find(key);
      if (kit == fit->second.end())
        continue;
      std::string name = std::string(FieldName(field)) + "." + key;
      for (uint32_t v = 0; v < values.size(); ++v) {
        Scan(kit->second, values[v], &cands_);
        Confirm(&cands_, values[v], name, 0, false, v);
      }
    }
  }

  // A node's textContent, with the script and style texts the parser kept out of its tree.
  static void DescendantText(const PageParser& parser, myhtml_tree_node_t* node, std::string* out) {
    auto append = [&](const char* t, size_t len) {
      out->append(t, std::min(len, kMaxDomNodeText - out->size()));
    };
    std::string_view raw;
    if (parser.RawTextOf(node, &raw)) {
      append(raw.data(), raw.size());
      return;
    }
    myhtml_tree_node_t* n = myhtml_node_child(node);
    while (n != nullptr && out->size() < kMaxDomNodeText) {
      const myhtml_tag_id_t id = myhtml_node_tag_id(n);
      if (id == MyHTML_TAG__TEXT) {
        size_t len = 0;
        const char* t = myhtml_node_text(n, &len);
        if (t != nullptr)
          append(t, len);
      } else if ((id == MyHTML_TAG_SCRIPT || id == MyHTML_TAG_STYLE) && parser.RawTextOf(n, &raw)) {
        append(raw.data(), raw.size());
      }
      if (myhtml_node_child(n) != nullptr) {
        n = myhtml_node_child(n);
        continue;
      }
      while (n != nullptr && n != node && myhtml_node_next(n) == nullptr)
        n = myhtml_node_parent(n);
      if (n == nullptr || n == node)
        break;
      n = myhtml_node_next(n);
    }
  }

  // Runs the DOM rules; false when `expired` said so between selectors.
  bool Dom(const PageFeatures& f, PageParser* parser, const std::function<bool()>& expired) {
    auto* root = static_cast<myhtml_tree_node_t*>(parser->root());
    auto* finder = static_cast<modest_finder_t*>(parser->finder());
    auto* tree = static_cast<myhtml_tree_t*>(parser->tree());
    if (root == nullptr || finder == nullptr)
      return true;
    const DomIndex& index = parser->dom_index();
    std::vector<myhtml_tree_node_t*> nodes;
    if (html_literals_.size() == rs_.dom_literals().size() && !html_literals_.empty()) {
      literals_.swap(html_literals_);  // the html field's scan found them already
    } else {
      rs_.dom_literals().Scan(f.html, scratch_, &literals_);
    }
    part_nodes_.clear();
    // What is on the page, by DomPrefilter id: the index's tokens, then the dom literals.
    const DomPrefilter& pf = rs_.dom_prefilter();
    on_page_.assign(pf.never + 1, 0);
    index.CopyTokens(&on_page_);
    for (size_t l = 0; l < literals_.size() && pf.literal_base + l < pf.never; ++l)
      on_page_[pf.literal_base + l] = literals_[l] ? 1 : 0;
    auto on_page = [&](uint32_t id) { return on_page_[id] != 0; };
    const std::vector<DomSelector>& selectors = rs_.dom_selectors();
    for (size_t s = 0; s < selectors.size(); ++s) {
      if (expired && (s + 1) % kDomSelectorsPerDeadlineCheck == 0 && expired())
        return false;
      const uint32_t* gate = pf.gate_ids.data();
      if (pf.gate_begin[s] != pf.gate_begin[s + 1] &&
          std::none_of(gate + pf.gate_begin[s], gate + pf.gate_begin[s + 1], on_page)) {
        continue;
      }
      const DomSelector& d = selectors[s];
      nodes.clear();
      for (uint32_t p = pf.part_begin[s]; p < pf.part_begin[s + 1]; ++p) {
        const uint32_t* needs = pf.ids.data();
        if (!std::all_of(needs + pf.needs_begin[p], needs + pf.needs_begin[p + 1], on_page))
          continue;
        const DomSelectorPart& part = d.parts[p - pf.part_begin[s]];
        if (stats_ != nullptr)
          ++stats_->dom_queries;
        auto [cached, fresh] = part_nodes_.try_emplace(part.id);
        if (fresh) {
          if (!part.custom_tag.empty()) {
            index.TagNodes(tree, part.custom_tag, &cached->second);
          } else {
            index.Select(tree, root, finder, part.compiled, part.leads, &cached->second);
          }
        }
        nodes.insert(nodes.end(), cached->second.begin(), cached->second.end());
      }
      if (nodes.empty())
        continue;
      for (uint32_t id : d.patterns) {
        const PatternInfo& p = rs_.patterns()[id];
        std::optional<std::string> value;
        if (p.dom_kind == "exists") {
          value = std::string();
        } else if (p.dom_kind == "text") {
          for (size_t i = 0; i < nodes.size() && !value; ++i) {
            std::string t;
            DescendantText(*parser, nodes[i], &t);
            size_t a = t.find_first_not_of(" \t\n\r\f\v");
            if (a == std::string::npos)
              continue;
            size_t b = t.find_last_not_of(" \t\n\r\f\v");
            value = t.substr(a, b - a + 1);
          }
        } else if (p.dom_kind.starts_with("attributes.")) {
          std::string attr = p.dom_kind.substr(std::strlen("attributes."));
          for (size_t i = 0; i < nodes.size() && !value; ++i) {
            myhtml_tree_attr_t* a = myhtml_attribute_by_key(nodes[i], attr.data(), attr.size());
            if (a == nullptr)
              continue;
            size_t len = 0;
            const char* v = myhtml_attribute_value(a, &len);
            value = v == nullptr ? std::string() : std::string(v, len);
          }
        }
        // properties.* need a live JavaScript DOM: not evaluated (docs/rules-format.md).
        if (!value)
          continue;
        cands_.assign(1, id);
        Confirm(&cands_, *value, "dom " + d.selector, 0, false, 0);
      }
    }
    return true;
  }

  const RuleSet& rs_;
  const DetectorOptions& options_;
  AnalyzeStats* stats_;
  hs_scratch_t* scratch_;
  uint32_t page_ = 0;
  const std::string* url_ = nullptr;
  const std::string* source_ = nullptr;
  std::vector<uint32_t> cands_;
  std::vector<std::pair<uint32_t, uint32_t>> pairs_;
  std::vector<std::optional<std::string>> groups_;
  std::vector<Detection> detections_;
  std::vector<bool> literals_;
  std::vector<bool> html_literals_;  // the dom literals, from the html field's scan of a page
  std::vector<uint8_t> on_page_;     // DomPrefilter id -> on this page
  // Elements each selector part (by id) selected on this page.
  std::unordered_map<uint32_t, std::vector<myhtml_tree_node_t*>> part_nodes_;
};

struct Resolved {
  uint32_t tech;
  int confidence;
  std::string version;
  std::vector<Evidence> evidence;
};

// The reference's resolve(): confidence sums, version choice, excludes, implies.
std::vector<Resolved> Resolve(const RuleSet& rs, const std::vector<const Detection*>& dets) {
  std::vector<Resolved> resolved;
  std::unordered_map<uint32_t, size_t> pos;
  for (const Detection* d : dets) {
    auto [it, fresh] = pos.try_emplace(d->tech, resolved.size());
    if (fresh)
      resolved.push_back(Resolved{d->tech, 0, "", {}});
    Resolved& r = resolved[it->second];
    r.confidence = std::min(100, r.confidence + d->confidence);
    const std::string& v = d->version;
    if (v.size() > r.version.size() && v.size() <= 15 && ParseIntJs(v) < 10000)
      r.version = v;
    if (r.evidence.size() < kMaxEvidence)
      r.evidence.push_back(d->evidence);
  }
  // Excludes, with the reference's forEach-while-splicing visiting order.
  const size_t initial = resolved.size();
  for (size_t i = 0; i < initial && i < resolved.size(); ++i) {
    const Technology& t = rs.technologies()[resolved[i].tech];
    for (const std::string& name : t.excludes) {
      int ex = rs.Find(name);
      if (ex < 0)
        continue;
      std::erase_if(resolved,
                    [&](const Resolved& r) { return r.tech == static_cast<uint32_t>(ex); });
    }
  }
  // Implies until nothing new; each round visits the entries present when it started.
  bool done = false;
  do {
    done = true;
    const size_t n = resolved.size();
    for (size_t i = 0; i < n; ++i) {
      for (const Implied& imp : rs.technologies()[resolved[i].tech].implies) {
        int t = rs.Find(imp.name);
        if (t < 0)
          continue;
        bool present = std::any_of(resolved.begin(), resolved.end(), [&](const Resolved& r) {
          return r.tech == static_cast<uint32_t>(t);
        });
        if (present)
          continue;
        Resolved r{static_cast<uint32_t>(t),
                   std::min(resolved[i].confidence, imp.confidence),
                   imp.version,
                   {}};
        r.evidence.push_back(Evidence{"", "implies", rs.technologies()[resolved[i].tech].name, ""});
        resolved.push_back(std::move(r));
        done = false;
      }
    }
  } while (!resolved.empty() && !done);
  return resolved;
}

}  // namespace

Detector::Detector(std::shared_ptr<const RuleSet> rules, DetectorOptions options)
    : rules_(std::move(rules)), options_(options) {}

void Detector::ExtractFeatures(const PageInput& page, PageFeatures* out) {
  ThreadParser().Parse(page, out);
  ReleaseParserAfter(page);
}

namespace {

// Words over the kept pages, then the reference's resolve passes over every detection.
std::vector<Finding> Conclude(const RuleSet& rs, const DetectorOptions& options,
                              std::vector<Detection> all, const std::vector<PageFeatures>& kept,
                              hs_scratch_t* scratch, AnalyzeStats* stats) {
  if (options.words) {
    const auto words_start = std::chrono::steady_clock::now();
    MatchWords(rs, kept, scratch, &all);
    if (stats != nullptr)
      stats->words_ms += MsSince(words_start);
  }
  std::stable_sort(all.begin(), all.end(), DetectionBefore);
  std::vector<const Detection*> base;
  for (const Detection& d : all) {
    if (!rs.IsConditional(d.tech))
      base.push_back(&d);
  }
  std::vector<Resolved> resolved = Resolve(rs, base);
  // The reference driver's second pass: technologies that require a found technology or
  // category, appended list by list (a technology in two lists counts twice, as there).
  std::vector<const Detection*> second = base;
  auto has_name = [&](const std::string& name) {
    int t = rs.Find(name);
    return t >= 0 && std::any_of(resolved.begin(), resolved.end(), [&](const Resolved& r) {
             return r.tech == static_cast<uint32_t>(t);
           });
  };
  auto has_category = [&](int c) {
    return std::any_of(resolved.begin(), resolved.end(), [&](const Resolved& r) {
      const auto& cats = rs.technologies()[r.tech].categories;
      return std::find(cats.begin(), cats.end(), c) != cats.end();
    });
  };
  bool extra = false;
  auto append = [&](const std::vector<uint32_t>& techs) {
    for (uint32_t t : techs) {
      auto lo = std::lower_bound(all.begin(), all.end(), t,
                                 [](const Detection& d, uint32_t v) { return d.tech < v; });
      for (; lo != all.end() && lo->tech == t; ++lo) {
        second.push_back(&*lo);
        extra = true;
      }
    }
  };
  for (const auto& [name, techs] : rs.requires_lists()) {
    if (has_name(name))
      append(techs);
  }
  for (const auto& [cat, techs] : rs.category_lists()) {
    if (has_category(cat))
      append(techs);
  }
  if (extra)
    resolved = Resolve(rs, second);

  std::vector<Finding> out;
  out.reserve(resolved.size());
  for (Resolved& r : resolved) {
    const Technology& t = rs.technologies()[r.tech];
    Finding f;
    f.name = t.name;
    f.slug = t.slug;
    for (int c : t.categories) {
      const Category* cat = rs.category(c);
      if (cat != nullptr)
        f.categories.push_back(cat->name);
    }
    f.group = t.group;
    f.confidence = r.confidence;
    f.version = std::move(r.version);
    f.evidence = std::move(r.evidence);
    f.formerly = t.formerly;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const Finding& a, const Finding& b) { return a.name < b.name; });
  return out;
}

}  // namespace

std::vector<Finding> Detector::Analyze(const std::vector<PageInput>& pages,
                                       AnalyzeStats* stats) const {
  const RuleSet& rs = *rules_;
  hs_scratch_t* scratch = rs.scratch_pool().Acquire();
  Run run(rs, options_, stats, scratch);
  PageParser& parser = ThreadParser();
  PageFeatures features;
  std::vector<PageFeatures> kept;
  for (uint32_t i = 0; i < pages.size(); ++i) {
    const auto parse_start = std::chrono::steady_clock::now();
    parser.Parse(pages[i], &features, options_.dom ? &rs.dom_vocabulary() : nullptr);
    if (stats != nullptr) {
      ++stats->pages_parsed;
      stats->parse_ms += MsSince(parse_start);
    }
    (void)run.Page(i, features, &parser);
    if (options_.words)
      kept.push_back(std::move(features));
  }
  for (const PageInput& page : pages)
    ReleaseParserAfter(page);  // (the parser's tree is not used below)
  std::vector<Finding> out =
      Conclude(rs, options_, std::move(run.detections()), kept, scratch, stats);
  rs.scratch_pool().Release(scratch);
  return out;
}

struct SiteDetection::State {
  State(const RuleSet& rs, const DetectorOptions& options, AnalyzeStats* s)
      : run(rs, options, s, nullptr) {}

  Run run;  // its scratch is set for each call: a lead holds none while it waits for pages
  std::deque<PageInput> pages;  // a deque: kept features view into the pages' HTML
  std::vector<PageFeatures> kept;
  std::vector<PageNote> notes;
};

SiteDetection::SiteDetection(const Detector& detector, AnalyzeStats* stats)
    : detector_(detector),
      stats_(stats),
      state_(std::make_unique<State>(detector.rules(), detector.options_, stats)) {}

SiteDetection::~SiteDetection() = default;

bool SiteDetection::AddPage(PageInput page, const std::function<bool()>& expired) {
  if (expired && expired())
    return false;
  State& st = *state_;
  st.pages.push_back(std::move(page));
  const PageInput& p = st.pages.back();
  PageParser& parser = ThreadParser();
  PageFeatures features;
  const auto parse_start = std::chrono::steady_clock::now();
  parser.Parse(p, &features,
               detector_.options_.dom ? &detector_.rules().dom_vocabulary() : nullptr);
  if (stats_ != nullptr) {
    ++stats_->pages_parsed;
    stats_->parse_ms += MsSince(parse_start);
  }
  const uint32_t index = static_cast<uint32_t>(st.pages.size() - 1);
  const ScratchPool& pool = detector_.rules().scratch_pool();
  hs_scratch_t* scratch = pool.Acquire();
  st.run.set_scratch(scratch);
  bool done = st.run.Page(index, features, &parser, expired);
  st.run.set_scratch(nullptr);
  pool.Release(scratch);
  ReleaseParserAfter(p);
  if (!done) {
    st.pages.pop_back();
    return false;
  }
  st.notes.push_back(
      PageNote{p.url, features.truncated, features.parsed_bytes, features.truncated_reason});
  if (detector_.options_.words)
    st.kept.push_back(std::move(features));
  return true;
}

std::vector<Finding> SiteDetection::Findings() const {
  const ScratchPool& pool = detector_.rules().scratch_pool();
  hs_scratch_t* scratch = pool.Acquire();
  std::vector<Finding> out = Conclude(detector_.rules(), detector_.options_,
                                      state_->run.detections(), state_->kept, scratch, stats_);
  pool.Release(scratch);
  return out;
}

const std::deque<PageInput>& SiteDetection::pages() const {
  return state_->pages;
}

const std::vector<PageNote>& SiteDetection::notes() const {
  return state_->notes;
}

}  // namespace leadscan::detect
