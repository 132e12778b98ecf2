#include "detect/rule_set.h"

#include <modest/finder/finder.h>
#include <mycss/an_plus_b.h>
#include <mycss/mycss.h>
#include <mycss/selectors/init.h>
#include <mycss/selectors/list.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>

#include "common/ascii.h"
#include "common/json_parse.h"
#include "detect/fragments.h"
#include "detect/js_regex.h"
#include "detect/rule_set_builder.h"
#include "detect/rules_check.h"
#include "detect/selector_syntax.h"

namespace leadscan::detect {

namespace fs = std::filesystem;
using common::Result;
using common::Status;
using Json = nlohmann::ordered_json;

const char* FieldName(Field field) {
  switch (field) {
    case Field::kCertIssuer:
      return "certIssuer";
    case Field::kCookies:
      return "cookies";
    case Field::kCss:
      return "css";
    case Field::kDns:
      return "dns";
    case Field::kHeaders:
      return "headers";
    case Field::kHtml:
      return "html";
    case Field::kMeta:
      return "meta";
    case Field::kProbe:
      return "probe";
    case Field::kRobots:
      return "robots";
    case Field::kScriptSrc:
      return "scriptSrc";
    case Field::kScripts:
      return "scripts";
    case Field::kText:
      return "text";
    case Field::kUrl:
      return "url";
    case Field::kXhr:
      return "xhr";
    case Field::kDom:
      return "dom";
    case Field::kJs:
      return "js";
  }
  return "?";
}

const char* GroupName(Group group) {
  switch (group) {
    case Group::kTechnology:
      return "technology";
    case Group::kPlatform:
      return "platform";
    case Group::kCheckout:
      return "checkout";
    case Group::kPayment:
      return "payment";
    case Group::kCarrier:
      return "carrier";
    case Group::kShippingSoftware:
      return "shipping_software";
  }
  return "?";
}

std::string RuleProblem::ToString() const {
  std::string s = file;
  if (!technology.empty())
    s += ": technology \"" + technology + "\"";
  if (!field.empty())
    s += ": " + field;
  if (!pattern.empty())
    s += ": pattern \"" + pattern + "\"";
  s += ": " + message;
  if (severity == Severity::kWarning)
    s = "warning: " + s;
  return s;
}

namespace {

constexpr uint32_t kNoTech = UINT32_MAX;

struct PlainFieldName {
  const char* json;
  Field field;
};

constexpr PlainFieldName kPlainFields[] = {
    {"certIssuer", Field::kCertIssuer},
    {"css", Field::kCss},
    {"html", Field::kHtml},
    {"robots", Field::kRobots},
    {"scriptSrc", Field::kScriptSrc},
    {"scripts", Field::kScripts},
    {"text", Field::kText},
    {"url", Field::kUrl},
    {"xhr", Field::kXhr},
};

constexpr PlainFieldName kKeyedFields[] = {
    {"cookies", Field::kCookies}, {"dns", Field::kDns},     {"headers", Field::kHeaders},
    {"meta", Field::kMeta},       {"probe", Field::kProbe}, {"js", Field::kJs},
};

const std::set<std::string>& KnownFields() {
  static const std::set<std::string> k = {
      "cats",      "certIssuer", "cookies", "cpe",   "css",      "description",      "dns",
      "dom",       "excludes",   "headers", "html",  "icon",     "implies",          "js",
      "meta",      "oss",        "pricing", "probe", "requires", "requiresCategory", "robots",
      "saas",      "scriptSrc",  "scripts", "text",  "url",      "website",          "xhr",
      "x-leadscan"};
  return k;
}

bool IsNumericKey(const std::string& k) {
  return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A pattern value: strings and numbers (the reference calls toString on them).
bool PatternText(const Json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get<std::string>();
    return true;
  }
  if (v.is_number_integer()) {
    *out = std::to_string(v.get<long long>());
    return true;
  }
  if (v.is_number()) {
    std::ostringstream os;
    os << v.get<double>();
    *out = os.str();
    return true;
  }
  return false;
}

// The names a fragments object gives twice in text (JSON parsing keeps only the last value):
// the top-level keys when member is empty, else the keys of that top-level member.
std::vector<std::string> RepeatedKeys(const std::string& text, const std::string& member) {
  std::set<std::string> seen;
  std::set<std::string> reported;
  std::vector<std::string> repeated;
  std::string top;
  const int depth_wanted = member.empty() ? 1 : 2;
  try {
    // Only the keys the callback sees matter; the document it keeps is dropped.
    const Json fragments_only =
        Json::parse(text, [&](int depth, Json::parse_event_t event, Json& parsed) {
          if (event != Json::parse_event_t::key)
            return true;
          const std::string& key = parsed.get_ref<const std::string&>();
          if (depth == 1)
            top = key;
          if (depth == depth_wanted && (member.empty() || top == member) &&
              !seen.insert(key).second && reported.insert(key).second) {
            repeated.push_back(key);
          }
          return depth != 1 || member.empty() || key == member;  // keep nothing else
        });
  } catch (const Json::exception&) {  // the text parsed once already
  }
  return repeated;
}

}  // namespace

RuleSetBuilder::RuleSetBuilder(std::vector<RuleProblem>* problems, bool check_vectorscan)
    : problems_(problems), check_vectorscan_(check_vectorscan) {}

void RuleSetBuilder::Problem(RuleProblem::Severity severity, const std::string& file,
                             const std::string& tech, const std::string& field,
                             const std::string& pattern, const std::string& message) {
  problems_->push_back(RuleProblem{severity, file, tech, field, pattern, message});
}

void RuleSetBuilder::Error(const std::string& file, const std::string& tech,
                           const std::string& field, const std::string& pattern,
                           const std::string& message) {
  Problem(RuleProblem::Severity::kError, file, tech, field, pattern, message);
}

void RuleSetBuilder::Fatal(const std::string& file, const std::string& tech,
                           const std::string& field, const std::string& pattern,
                           const std::string& message) {
  if (!first_fatal_)
    first_fatal_ = problems_->size();
  Error(file, tech, field, pattern, message);
}

std::vector<std::string> RuleSetBuilder::ExpandPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".json") {
          found.push_back(it->path().string());
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);
    }
  }
  return files;
}

bool RuleSetBuilder::AddFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Error(path, "", "", "", "cannot read file");
    return false;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  if (Status deep = common::CheckJsonDepth(text, "rule file"); !deep.ok()) {
    Error(path, "", "", "", "bad JSON: " + deep.message());
    return false;
  }
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for 1e999
    Error(path, "", "", "", std::string("bad JSON: ") + e.what());
    return false;
  }
  if (!doc.is_object()) {
    Error(path, "", "", "", "top level must be an object");
    return false;
  }
  if (fs::path(path).filename() == "fragments.json") {
    AddFragments(path, doc, RepeatedKeys(text, ""));
    return true;
  }
  bool is_categories = fs::path(path).filename() == "categories.json";
  if (!is_categories && !doc.empty()) {
    is_categories = std::all_of(doc.items().begin(), doc.items().end(), [](const auto& kv) {
      return IsNumericKey(kv.key()) && kv.value().is_object() && kv.value().contains("name");
    });
  }
  if (is_categories) {
    AddCategories(path, doc);
    return true;
  }
  for (const char* member : {"technologies", "apps"}) {
    if (doc.contains(member) && doc[member].is_object()) {
      if (doc.contains("categories"))
        AddCategories(path, doc["categories"]);
      if (doc.contains("fragments"))
        AddFragments(path, doc["fragments"], RepeatedKeys(text, "fragments"));
      doc = Json(std::move(doc[member]));
      break;
    }
  }
  for (auto& [name, body] : doc.items()) {
    if (name.find_first_not_of(" \t\r\n") == std::string::npos) {
      Error(path, name, "", "", "a technology needs a name");
      continue;
    }
    if (!body.is_object()) {
      Error(path, name, "", "", "technology must be an object");
      continue;
    }
    auto it = index_.find(name);
    if (it == index_.end()) {
      index_[name] = raw_.size();
      raw_.push_back(RawTech{name, path, std::move(body)});
    } else {
      // The later definition wins, as in the reference; in one rule set that is usually a
      // mistake (a field added to the first copy has no effect), so say so.
      if (raw_[it->second].file != path) {
        Problem(RuleProblem::Severity::kWarning, path, name, "", "",
                "defined again: replaces the definition in " + raw_[it->second].file);
      }
      raw_[it->second] = RawTech{name, path, std::move(body)};
    }
  }
  return true;
}

void RuleSetBuilder::AddCategories(const std::string& path, const Json& doc) {
  if (!doc.is_object()) {
    Error(path, "", "categories", "", "categories must be an object");
    return;
  }
  for (const auto& [key, body] : doc.items()) {
    if (!IsNumericKey(key) || !body.is_object() || !body.contains("name") ||
        !body["name"].is_string()) {
      Error(path, "", "categories." + key, "", "a category needs a numeric id and a name");
      continue;
    }
    Category c;
    c.id = std::stoi(key);
    c.name = body["name"].get<std::string>();
    if (body.contains("priority") && body["priority"].is_number()) {
      c.priority = body["priority"].get<int>();
    }
    categories_[c.id] = c;
  }
}

void RuleSetBuilder::AddFragments(const std::string& path, const Json& doc,
                                  const std::vector<std::string>& repeated) {
  if (!doc.is_object()) {
    Fatal(path, "", "fragments", "", "fragments must be an object of name -> regex");
    return;
  }
  for (const std::string& name : repeated)
    Fatal(path, "", "fragments." + name, "", "fragment defined twice in this file");
  for (const auto& [name, value] : doc.items()) {
    const std::string field = "fragments." + name;
    if (!Fragments::IsValidName(name)) {
      Fatal(path, "", field, "",
            "a fragment name is letters, digits and _, and does not start with a digit");
      continue;
    }
    if (!value.is_string()) {
      Fatal(path, "", field, value.dump(), "must be a string");
      continue;
    }
    std::string text = value.get<std::string>();
    if (text.find("\\;") != std::string::npos) {
      Fatal(path, "", field, text, "a fragment cannot hold \\; (tags belong to the pattern)");
      continue;
    }
    std::string earlier;
    // The same file read twice (named twice among the paths) defines nothing new.
    if (!fragments_.Define(name, std::move(text), path, &earlier) && earlier != path)
      Fatal(path, "", field, "", "fragment defined again: first defined in " + earlier);
  }
}

uint32_t RuleSetBuilder::AddPattern(RuleSet* rs, uint32_t tech, Field field, const std::string& key,
                                    uint32_t key_order, uint32_t order, const std::string& kind,
                                    const std::string& raw, const std::string& file) {
  const std::string& tech_name = rs->techs_[tech].name;
  std::string where = FieldName(field);
  if (!key.empty())
    where += "." + key;
  if (!kind.empty() && kind != "exists")
    where += "." + kind;
  // Fragment references expand in the regex, before the tags (`\;version:`) and before the
  // reference's rewrite: the result is the pattern as if written out.
  std::string expanded;
  const std::string* text = &raw;
  if (Fragments::HasReference(raw)) {
    const size_t tags = std::min(raw.find("\\;"), raw.size());
    Result<std::string> regex = fragments_.Expand(std::string_view(raw).substr(0, tags));
    if (!regex.ok()) {
      Fatal(file, tech_name, where, raw, regex.status().message());
      return kNoTech;
    }
    expanded = std::move(*regex);
    expanded.append(raw, tags);
    text = &expanded;
  }
  ParsedPattern parsed = ParseWappalyzerPattern(*text);
  PatternInfo info;
  info.tech = tech;
  info.field = field;
  info.key = key;
  info.key_order = key_order;
  info.order = order;
  info.dom_kind = kind;
  info.source = raw;
  info.confidence = parsed.confidence;
  info.version = parsed.version;
  info.always = parsed.js_regex.empty();
  std::string pcre;
  std::string loose;  // the prefilter form given to Vectorscan
  if (!info.always) {
    Result<std::string> translated = TranslateJsRegex(parsed.js_regex, &loose);
    if (!translated.ok()) {
      Error(file, tech_name, where, raw, translated.status().message());
      return kNoTech;
    }
    pcre = *translated;
    Result<std::unique_ptr<Regex>> re = Regex::Compile(pcre);
    if (!re.ok()) {
      Error(file, tech_name, where, raw, re.status().message());
      return kNoTech;
    }
    info.regex = std::move(*re);
    if (check_vectorscan_) {
      hs_expr_info_t* hs_info = nullptr;
      hs_compile_error_t* err = nullptr;
      unsigned flags = HS_FLAG_CASELESS | HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY;
      if (hs_expression_info(loose.c_str(), flags, &hs_info, &err) != HS_SUCCESS) {
        Problem(RuleProblem::Severity::kWarning, file, tech_name, where, raw,
                std::string("Vectorscan cannot take it (") + (err ? err->message : "?") +
                    "); it runs on PCRE2 alone");
        hs_free_compile_error(err);
      } else {
        free(hs_info);  // NOLINT: malloc'd by Vectorscan
      }
    }
  }
  auto id = static_cast<uint32_t>(rs->patterns_.size());
  rs->patterns_.push_back(std::move(info));
  if (field == Field::kDom)
    return id;
  FieldIndex* index = nullptr;
  bool keyed = std::any_of(std::begin(kKeyedFields), std::end(kKeyedFields),
                           [&](const PlainFieldName& f) { return f.field == field; });
  index = keyed ? &rs->keyed_[field][key] : &rs->plain_[field];
  if (rs->patterns_[id].always) {
    index->always.push_back(id);
  } else {
    index->matcher.Add(id, loose);
  }
  return id;
}

namespace {

// What one compound selector needs (tokens, literals); false when it is too complex to judge.
bool CompoundNeeds(const std::string& compound, DomPartNeeds* d, DomVocabulary* vocabulary,
                   LiteralSet* literals) {
  auto ident_end = [&](size_t p) {
    while (p < compound.size() && (std::isalnum(static_cast<unsigned char>(compound[p])) ||
                                   compound[p] == '-' || compound[p] == '_')) {
      ++p;
    }
    return p;
  };
  size_t i = 0;
  if (i < compound.size() && std::isalpha(static_cast<unsigned char>(compound[i]))) {
    size_t e = ident_end(i);
    std::string tag = compound.substr(i, e - i);
    std::transform(tag.begin(), tag.end(), tag.begin(), ::tolower);
    d->tokens.push_back(vocabulary->AddTag(tag));
    i = e;
  }
  while (i < compound.size()) {
    char c = compound[i];
    if (c == '#' || c == '.') {
      size_t e = ident_end(i + 1);
      if (e == i + 1)
        return false;
      const std::string token = compound.substr(i + 1, e - i - 1);
      d->tokens.push_back(c == '#' ? vocabulary->AddId(token) : vocabulary->AddClass(token));
      i = e;
    } else if (c == '[') {
      size_t e = ident_end(i + 1);
      if (e == i + 1)
        return false;
      std::string attr = compound.substr(i + 1, e - i - 1);
      std::transform(attr.begin(), attr.end(), attr.begin(), ::tolower);
      d->tokens.push_back(vocabulary->AddAttr(attr));
      size_t close = compound.find(']', e);
      if (close == std::string::npos)
        return false;
      // [attr op "value"]: the value must occur somewhere in the HTML.
      size_t op = compound.find('=', e);
      if (op != std::string::npos && op < close) {
        size_t q = op + 1;
        std::string value;
        if (q < compound.size() && (compound[q] == '"' || compound[q] == '\'')) {
          size_t qe = compound.find(compound[q], q + 1);
          if (qe == std::string::npos)
            return false;
          close = compound.find(']', qe);
          if (close == std::string::npos)
            return false;
          value = compound.substr(q + 1, qe - q - 1);
        } else {
          value = compound.substr(q, close - q);
          size_t sp = value.find(' ');
          if (sp != std::string::npos)
            value.resize(sp);
        }
        // CSS escapes: \. is '.', a hex escape makes us give up on this literal.
        std::string plain;
        bool ok = true;
        for (size_t k = 0; k < value.size(); ++k) {
          if (value[k] == '\\' && k + 1 < value.size()) {
            if (std::isxdigit(static_cast<unsigned char>(value[k + 1])))
              ok = false;
            plain += value[++k];
          } else {
            plain += value[k];
          }
        }
        if (ok && plain.size() >= 3 && plain.find('&') == std::string::npos) {
          d->literals.push_back(literals->Add(plain));
        }
      }
      i = close + 1;
    } else if (c == ':' || c == '*') {
      // pseudo-classes and the universal selector add no requirement; skip their arguments
      ++i;
      while (i < compound.size() && compound[i] != '#' && compound[i] != '.' &&
             compound[i] != '[' && compound[i] != ':') {
        if (compound[i] == '(') {
          int dd = 0;
          while (i < compound.size()) {
            if (compound[i] == '(')
              ++dd;
            if (compound[i] == ')' && --dd == 0)
              break;
            ++i;
          }
        }
        ++i;
      }
    } else {
      return false;
    }
  }
  return true;
}

// Adds the tokens and literals a complex selector (no top-level comma) needs: every compound
// of it must match an element of the page, so each one's needs count, not only the rightmost's.
// A compound too complex to judge adds nothing (with nothing at all, the selector always runs).
void SelectorNeeds(const std::string& sel, DomPartNeeds* d, DomVocabulary* vocabulary,
                   LiteralSet* literals) {
  std::vector<std::string> compounds(1);
  int depth = 0;
  for (size_t i = 0; i < sel.size(); ++i) {
    char c = sel[i];
    if (c == '[' || c == '(')
      ++depth;
    if (c == ']' || c == ')')
      --depth;
    if (depth == 0 && (c == ' ' || c == '>' || c == '+' || c == '~')) {
      if (!compounds.back().empty())
        compounds.emplace_back();
      continue;
    }
    if (c == '"' || c == '\'') {
      size_t close = sel.find(c, i + 1);
      if (close == std::string::npos)
        return;
      compounds.back().append(sel, i, close + 1 - i);
      i = close;
      continue;
    }
    compounds.back() += c;
  }
  for (const std::string& compound : compounds) {
    DomPartNeeds needs;
    if (compound.empty() || !CompoundNeeds(compound, &needs, vocabulary, literals))
      continue;
    d->tokens.insert(d->tokens.end(), needs.tokens.begin(), needs.tokens.end());
    d->literals.insert(d->literals.end(), needs.literals.begin(), needs.literals.end());
  }
}

// Splits a selector list at top-level commas.
std::vector<std::string> SplitSelectorList(const std::string& sel) {
  std::vector<std::string> parts;
  int depth = 0;
  std::string cur;
  for (size_t i = 0; i < sel.size(); ++i) {
    char c = sel[i];
    if (c == '"' || c == '\'') {
      size_t close = sel.find(c, i + 1);
      if (close == std::string::npos)
        close = sel.size() - 1;
      cur += sel.substr(i, close - i + 1);
      i = close;
      continue;
    }
    if (c == '[' || c == '(')
      ++depth;
    if (c == ']' || c == ')')
      --depth;
    if (depth == 0 && c == ',') {
      parts.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  parts.push_back(cur);
  for (std::string& p : parts) {
    size_t a = p.find_first_not_of(" \t\n");
    size_t b = p.find_last_not_of(" \t\n");
    p = a == std::string::npos ? std::string() : p.substr(a, b - a + 1);
  }
  return parts;
}

bool IsCustomTagName(const std::string& s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0])))
    return false;
  bool dash = false;
  for (char c : s) {
    if (c == '-')
      dash = true;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      return false;
  }
  return dash;
}

bool IsPlainTagName(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
  });
}

// Deepest nesting of selector lists inside :not() / :has() / :matches() / :nth-child(of S) we
// accept (real rules nest one or two).
constexpr int kMaxSelectorNesting = 16;

bool SelectorListComplete(const mycss_selectors_list_t* list, int depth);

// Whether one entry (and what a pseudo-class function holds) is complete.
bool SelectorEntryComplete(const mycss_selectors_entry_t* e, int depth) {
  if ((e->flags & MyCSS_SELECTORS_FLAGS_SELECTOR_BAD) != 0)
    return false;
  if (e->type != MyCSS_SELECTORS_TYPE_PSEUDO_CLASS_FUNCTION)
    return true;
  switch (e->sub_type) {
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_NOT:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_MATCHES:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_HAS:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_CURRENT:
      return SelectorListComplete(static_cast<const mycss_selectors_list_t*>(e->value), depth + 1);
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_NTH_CHILD:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_NTH_COLUMN:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_NTH_LAST_CHILD:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_NTH_LAST_COLUMN:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_NTH_LAST_OF_TYPE:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_NTH_OF_TYPE: {
      const auto* nth = static_cast<const mycss_an_plus_b_entry_t*>(e->value);
      return nth != nullptr && !nth->is_broken &&
             (nth->of == nullptr || SelectorListComplete(nth->of, depth + 1));
    }
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_DROP:
      return true;  // its value is a set of flags; none is a valid value
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_CONTAINS:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_DIR:
    case MyCSS_SELECTORS_SUB_TYPE_PSEUDO_CLASS_FUNCTION_LANG:
      return e->value != nullptr;
    default:
      return false;  // an unknown function: modest has nothing to run
  }
}

// Whether mycss parsed every part of a selector list, nested lists included. mycss marks a
// bad list but not always a bad list inside a pseudo-class function: ":not(" compiles to a
// :not without its list, and modest dereferences the missing list when it runs the selector.
bool SelectorListComplete(const mycss_selectors_list_t* list, int depth) {
  if (list == nullptr || depth > kMaxSelectorNesting ||
      (list->flags & MyCSS_SELECTORS_FLAGS_SELECTOR_BAD) != 0 || list->entries_list_length == 0 ||
      list->entries_list == nullptr) {
    return false;
  }
  for (size_t i = 0; i < list->entries_list_length; ++i) {
    const mycss_selectors_entry_t* entry = list->entries_list[i].entry;
    if (entry == nullptr)
      return false;
    for (const mycss_selectors_entry_t* e = entry; e != nullptr; e = e->next) {
      if (!SelectorEntryComplete(e, depth))
        return false;
    }
  }
  return true;
}

// A type selector naming a custom element anywhere in the part (myhtml's selector engine
// does not match those reliably).
bool MentionsCustomTag(const std::string& part) {
  std::string word;
  auto flush = [&](bool is_type) {
    bool custom = is_type && IsCustomTagName(word);
    word.clear();
    return custom;
  };
  bool type_position = true;
  int depth = 0;
  for (char c : part) {
    if (c == '[' || c == '(')
      ++depth;
    if (c == ']' || c == ')')
      --depth;
    if (depth > 0 || c == '[' || c == ']' || c == '(' || c == ')') {
      if (flush(type_position))
        return true;
      type_position = false;
      continue;
    }
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      word += c;
      continue;
    }
    if (flush(type_position))
      return true;
    type_position = c == ' ' || c == '>' || c == '+' || c == '~';
  }
  return flush(type_position);
}

}  // namespace

void RuleSetBuilder::AddDom(RuleSet* rs, uint32_t tech, const Json& dom, const std::string& file) {
  const std::string& tech_name = rs->techs_[tech].name;
  Json obj = Json::object();
  if (dom.is_string()) {
    obj[dom.get<std::string>()] = Json::object({{"exists", ""}});
  } else if (dom.is_array()) {
    for (const Json& s : dom) {
      if (!s.is_string()) {
        Error(file, tech_name, "dom", s.dump(), "a dom selector must be a string");
        continue;
      }
      obj[s.get<std::string>()] = Json::object({{"exists", ""}});
    }
  } else if (dom.is_object()) {
    obj = dom;
  } else {
    Error(file, tech_name, "dom", "", "dom must be a string, an array or an object");
    return;
  }
  uint32_t key_order = 0;
  for (const auto& [selector, spec_any] : obj.items()) {
    DomSelector d;
    d.tech = tech;
    d.selector = selector;
    uint32_t order = 0;
    // The reference wraps the value in an array; accept both.
    Json specs = spec_any.is_array() ? spec_any : Json::array({spec_any});
    for (const Json& spec : specs) {
      if (!spec.is_object()) {
        Error(file, tech_name, "dom." + selector, spec.dump(), "must be an object");
        continue;
      }
      for (const auto& [kind, value] : spec.items()) {
        std::string text;
        if (kind == "exists" || kind == "text") {
          if (!PatternText(value, &text)) {
            Error(file, tech_name, "dom." + selector + "." + kind, value.dump(),
                  "must be a string");
            continue;
          }
          uint32_t id =
              AddPattern(rs, tech, Field::kDom, selector, key_order, order++, kind, text, file);
          if (id != kNoTech)
            d.patterns.push_back(id);
        } else if (kind == "attributes" || kind == "properties") {
          if (!value.is_object()) {
            Error(file, tech_name, "dom." + selector + "." + kind, value.dump(),
                  "must be an object");
            continue;
          }
          for (const auto& [attr, pat] : value.items()) {
            if (!PatternText(pat, &text)) {
              Error(file, tech_name, "dom." + selector + "." + kind + "." + attr, pat.dump(),
                    "must be a string");
              continue;
            }
            uint32_t id = AddPattern(rs, tech, Field::kDom, selector, key_order, order++,
                                     kind + "." + attr, text, file);
            if (id != kNoTech)
              d.patterns.push_back(id);
          }
        } else {
          Error(file, tech_name, "dom." + selector, kind,
                "unknown dom key (exists, text, attributes, properties)");
        }
      }
    }
    DomNeeds needs;
    needs.gated = !d.patterns.empty();
    for (uint32_t id : d.patterns) {
      const std::string& kind = rs->patterns_[id].dom_kind;
      if (kind.starts_with("attributes.")) {
        needs.gate.push_back(rs->dom_vocabulary_.AddAttr(
            common::AsciiLower(std::string_view(kind).substr(std::strlen("attributes.")))));
      } else if (!kind.starts_with("properties.")) {
        needs.gated = false;
      }
    }
    auto* selectors = mycss_entry_selectors(static_cast<mycss_entry_t*>(rs->mycss_entry_));
    bool bad = false;
    for (const std::string& part_text : SplitSelectorList(selector)) {
      DomSelectorPart part;
      part.id = dom_part_ids_.try_emplace(part_text, static_cast<uint32_t>(dom_part_ids_.size()))
                    .first->second;
      if (IsCustomTagName(part_text) || IsPlainTagName(part_text)) {
        part.custom_tag = part_text;
        std::transform(part.custom_tag.begin(), part.custom_tag.end(), part.custom_tag.begin(),
                       ::tolower);
        needs.parts.push_back(DomPartNeeds{{rs->dom_vocabulary_.AddTag(part.custom_tag)}, {}});
        d.parts.push_back(std::move(part));
        continue;
      }
      const SelectorCheck check = CheckSelector(part_text);
      if (part_text.empty() || MentionsCustomTag(part_text) || !check.supported) {
        bad = true;
        continue;
      }
      mystatus_t status = 0;
      mycss_selectors_list_t* list = mycss_selectors_parse(
          selectors, MyENCODING_UTF_8, part_text.data(), part_text.size(), &status);
      if (list == nullptr || status != 0 || !SelectorListComplete(list, 0)) {
        if (list != nullptr)
          mycss_selectors_list_destroy(selectors, list, true);
        bad = true;
        continue;
      }
      part.compiled = list;
      if (check.reads_text)
        rs->dom_vocabulary_.set_reads_element_text();
      part.leads = rs->dom_vocabulary_.Leads(list);
      needs.parts.emplace_back();
      SelectorNeeds(part_text, &needs.parts.back(), &rs->dom_vocabulary_, &rs->dom_literals_);
      d.parts.push_back(std::move(part));
    }
    if (bad) {
      Problem(RuleProblem::Severity::kWarning, file, tech_name, "dom", selector,
              "part of this CSS selector is not supported by the DOM engine (custom element "
              "in a compound selector, or syntax outside selector_syntax.h or that mycss "
              "rejects); that part is skipped");
    }
    if (d.parts.empty()) {
      ++key_order;
      continue;
    }
    rs->dom_.push_back(std::move(d));
    dom_needs_.push_back(std::move(needs));
    ++key_order;
  }
}

// Reads a string-or-array-of-strings value.
bool RuleSetBuilder::StringList(const Json& v, const std::string& file, const std::string& tech,
                                const std::string& field, std::vector<std::string>* out) {
  std::string s;
  if (PatternText(v, &s)) {
    out->push_back(s);
    return true;
  }
  if (v.is_array()) {
    bool ok = true;
    for (const Json& e : v) {
      if (PatternText(e, &s)) {
        out->push_back(s);
      } else {
        Error(file, tech, field, e.dump(), "must be a string");
        ok = false;
      }
    }
    return ok;
  }
  Error(file, tech, field, v.dump(), "must be a string or an array of strings");
  return false;
}

void RuleSetBuilder::AddTechnology(RuleSet* rs, const RawTech& raw) {
  const std::string& file = raw.file;
  const std::string& name = raw.name;
  const Json& body = raw.body;
  auto tech = static_cast<uint32_t>(rs->techs_.size());
  rs->techs_.push_back(Technology{});
  rs->by_name_[name] = tech;
  Technology& t = rs->techs_.back();
  t.name = name;
  t.file = file;
  t.slug = Slugify(name);
  for (const auto& [key, value] : body.items()) {
    if (!KnownFields().count(key))
      Error(file, name, key, "", "unknown field");
  }
  if (body.contains("cats")) {
    const Json& cats = body["cats"];
    if (!cats.is_array()) {
      Error(file, name, "cats", cats.dump(), "must be an array of category ids");
    } else {
      for (const Json& c : cats) {
        if (!c.is_number_integer()) {
          Error(file, name, "cats", c.dump(), "must be a category id");
        } else {
          rs->techs_[tech].categories.push_back(c.get<int>());
        }
      }
    }
  }
  for (const PlainFieldName& f : kPlainFields) {
    if (!body.contains(f.json))
      continue;
    std::vector<std::string> pats;
    StringList(body[f.json], file, name, f.json, &pats);
    for (uint32_t i = 0; i < pats.size(); ++i) {
      AddPattern(rs, tech, f.field, "", 0, i, "", pats[i], file);
    }
  }
  for (const PlainFieldName& f : kKeyedFields) {
    if (!body.contains(f.json))
      continue;
    const Json& obj = body[f.json];
    if (!obj.is_object()) {
      Error(file, name, f.json, obj.dump(), "must be an object of name -> pattern");
      continue;
    }
    uint32_t key_order = 0;
    std::set<std::string> seen;
    for (const auto& [k, v] : obj.items()) {
      std::string key = k;
      // The reference lower-cases keys of every keyed field except js.
      if (f.field != Field::kJs)
        std::transform(key.begin(), key.end(), key.begin(), ::tolower);
      if (!seen.insert(key).second)
        continue;
      std::vector<std::string> pats;
      StringList(v, file, name, std::string(f.json) + "." + k, &pats);
      for (uint32_t i = 0; i < pats.size(); ++i) {
        AddPattern(rs, tech, f.field, key, key_order, i, "", pats[i], file);
      }
      ++key_order;
    }
  }
  if (body.contains("dom"))
    AddDom(rs, tech, body["dom"], file);
  Technology& tt = rs->techs_[tech];
  if (body.contains("implies")) {
    std::vector<std::string> v;
    StringList(body["implies"], file, name, "implies", &v);
    for (const std::string& s : v) {
      ParsedPattern p = ParseWappalyzerPattern(s);
      tt.implies.push_back(Implied{p.value, p.confidence, p.version});
    }
  }
  for (const char* rel : {"excludes", "requires"}) {
    if (!body.contains(rel))
      continue;
    std::vector<std::string> v;
    StringList(body[rel], file, name, rel, &v);
    for (const std::string& s : v) {
      (std::string(rel) == "excludes" ? tt.excludes : tt.requires_names)
          .push_back(ParseWappalyzerPattern(s).value);
    }
  }
  if (body.contains("requiresCategory")) {
    const Json& rc = body["requiresCategory"];
    Json arr = rc.is_array() ? rc : Json::array({rc});
    for (const Json& c : arr) {
      if (c.is_number_integer()) {
        tt.requires_category.push_back(c.get<int>());
      } else {
        Error(file, name, "requiresCategory", c.dump(), "must be a category id");
      }
    }
  }
  for (const char* sfield : {"description", "website", "icon", "cpe"}) {
    if (body.contains(sfield) && !body[sfield].is_string() && !body[sfield].is_null()) {
      Error(file, name, sfield, body[sfield].dump(), "must be a string");
    }
  }
  if (body.contains("website") && body["website"].is_string())
    tt.website = body["website"].get<std::string>();
  for (const char* bfield : {"saas", "oss"}) {
    if (body.contains(bfield) && !body[bfield].is_boolean()) {
      Error(file, name, bfield, body[bfield].dump(), "must be true or false");
    }
  }
  // Group from the categories first; x-leadscan may override.
  for (int c : tt.categories) {
    if (c == 6) {
      tt.group = Group::kPlatform;
      break;
    }
    if (c == 41)
      tt.group = Group::kPayment;
  }
  if (body.contains("x-leadscan"))
    AddExtension(&tt, body["x-leadscan"], file);
}

void RuleSetBuilder::AddExtension(Technology* t, const Json& x, const std::string& file) {
  const std::string field = "x-leadscan";
  if (!x.is_object()) {
    Error(file, t->name, field, x.dump(), "must be an object");
    return;
  }
  for (const auto& [key, v] : x.items()) {
    if (key == "group") {
      static const std::map<std::string, Group> kGroups = {
          {"technology", Group::kTechnology}, {"platform", Group::kPlatform},
          {"checkout", Group::kCheckout},     {"payment", Group::kPayment},
          {"carrier", Group::kCarrier},       {"shipping_software", Group::kShippingSoftware}};
      auto it = v.is_string() ? kGroups.find(v.get<std::string>()) : kGroups.end();
      if (it == kGroups.end()) {
        Error(file, t->name, field + ".group", v.dump(),
              "must be one of platform, checkout, payment, carrier, shipping_software, "
              "technology");
      } else {
        t->group = it->second;
      }
    } else if (key == "slug") {
      if (!v.is_string() || v.get<std::string>().empty()) {
        Error(file, t->name, field + ".slug", v.dump(), "must be a non-empty string");
      } else {
        t->slug = v.get<std::string>();
      }
    } else if (key == "formerly" || key == "words" || key == "logos") {
      std::vector<std::string>* out = key == "formerly" ? &t->formerly
                                      : key == "words"  ? &t->words
                                                        : &t->logos;
      if (!v.is_array()) {
        Error(file, t->name, field + "." + key, v.dump(), "must be an array of strings");
        continue;
      }
      for (const Json& e : v) {
        if (!e.is_string() || e.get<std::string>().empty()) {
          Error(file, t->name, field + "." + key, e.dump(), "must be a non-empty string");
        } else {
          out->push_back(e.get<std::string>());
        }
      }
    } else if (key == "strong_only") {
      if (!v.is_boolean()) {
        Error(file, t->name, field + ".strong_only", v.dump(), "must be true or false");
      } else {
        t->strong_only = v.get<bool>();
      }
    } else {
      Error(file, t->name, field + "." + key, "", "unknown field");
    }
  }
}

std::shared_ptr<RuleSet> RuleSetBuilder::Build(CompiledCache* cache, bool stop_at_fatal) {
  for (const Fragments::Problem& p : fragments_.Resolve())
    Fatal(p.file, "", "fragments." + p.name, "", p.message);
  if (stop_at_fatal && first_fatal_)
    return nullptr;
  std::shared_ptr<RuleSet> rs(new RuleSet());
  rs->categories_ = categories_;
  auto* css = mycss_create();
  mycss_init(css);
  auto* entry = mycss_entry_create();
  mycss_entry_init(css, entry);
  rs->mycss_ = css;
  rs->mycss_entry_ = entry;
  for (RawTech& raw : raw_) {
    AddTechnology(rs.get(), raw);
    raw.body = Json();  // the JSON is no longer needed: keep peak memory down
  }
  for (const Fragments::Problem& p : fragments_.Unused())
    Problem(RuleProblem::Severity::kWarning, p.file, "", "fragments." + p.name, "", p.message);
  if (stop_at_fatal && first_fatal_)
    return nullptr;

  // Cross references.
  for (const Technology& t : rs->techs_) {
    for (int c : t.categories) {
      if (!rs->categories_.empty() && !rs->categories_.count(c)) {
        Error(t.file, t.name, "cats", std::to_string(c), "unknown category");
      }
    }
    for (int c : t.requires_category) {
      if (!rs->categories_.empty() && !rs->categories_.count(c)) {
        Error(t.file, t.name, "requiresCategory", std::to_string(c), "unknown category");
      }
    }
    for (const Implied& i : t.implies) {
      if (!rs->by_name_.count(i.name)) {
        Error(t.file, t.name, "implies", i.name, "implies a technology that does not exist");
      }
    }
    for (const std::string& e : t.excludes) {
      if (!rs->by_name_.count(e)) {
        Error(t.file, t.name, "excludes", e, "excludes a technology that does not exist");
      }
    }
    for (const std::string& r : t.requires_names) {
      if (!rs->by_name_.count(r)) {
        Error(t.file, t.name, "requires", r, "requires a technology that does not exist");
      }
    }
  }
  // The reference driver's second-pass lists, in its order.
  std::map<int, std::vector<uint32_t>> by_category;
  for (uint32_t i = 0; i < rs->techs_.size(); ++i) {
    const Technology& t = rs->techs_[i];
    for (const std::string& r : t.requires_names) {
      auto it = std::find_if(rs->requires_lists_.begin(), rs->requires_lists_.end(),
                             [&](const auto& l) { return l.first == r; });
      if (it == rs->requires_lists_.end()) {
        rs->requires_lists_.push_back({r, {}});
        it = rs->requires_lists_.end() - 1;
      }
      it->second.push_back(i);
    }
    for (int c : t.requires_category)
      by_category[c].push_back(i);
  }
  for (auto& [c, list] : by_category)
    rs->category_lists_.push_back({c, list});

  const bool trace = std::getenv("LEADSCAN_DETECT_TRACE") != nullptr;
  auto t0 = std::chrono::steady_clock::now();
  auto lap = [&](const std::string& what) {
    if (!trace)
      return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "detect: %s %.1f ms\n", what.c_str(),
                 std::chrono::duration<double, std::milli>(now - t0).count());
    t0 = now;
  };
  lap("parse+pcre2");
  for (uint32_t t = 0; t < rs->techs_.size(); ++t) {
    const std::vector<std::string>& words = rs->techs_[t].words;
    std::set<std::string> seen;  // words match case-insensitively: "MasterCard" is "Mastercard"
    for (uint32_t w = 0; w < words.size(); ++w) {
      std::string lower = words[w];
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      // A second spelling of one word would find the same occurrence again and add its
      // confidence twice.
      if (!seen.insert(lower).second)
        continue;
      uint32_t id = rs->words_.Add(lower);
      if (rs->word_owners_.size() <= id)
        rs->word_owners_.resize(id + 1);
      rs->word_owners_[id].push_back({t, w});
    }
  }
  for (Technology& t : rs->techs_) {
    for (const std::string& logo : t.logos) {
      std::string lower = logo;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      // Values are scanned joined by newlines: a logo holding one is searched on its own.
      t.logo_literals.push_back(lower.find('\n') == std::string::npos ? rs->logos_.Add(lower)
                                                                      : UINT32_MAX);
    }
  }
  if (Status s = rs->logos_.Build(&rs->scratch_, cache); !s.ok())
    Error("", "", "logos", "", s.message());
  if (Status s = rs->words_.Build(&rs->scratch_, cache); !s.ok())
    Error("", "", "words", "", s.message());
  if (Status s = rs->dom_literals_.Build(&rs->scratch_, cache); !s.ok()) {
    Error("", "", "dom", "", s.message());
  }
  // The dom prefilter, flattened for the per-page loop (DomPrefilter).
  DomPrefilter& pf = rs->dom_prefilter_;
  pf.literal_base = static_cast<uint32_t>(rs->dom_vocabulary_.tokens());
  pf.never = pf.literal_base + static_cast<uint32_t>(rs->dom_literals_.size());
  for (const DomNeeds& d : dom_needs_) {  // rs->dom_'s order
    pf.gate_begin.push_back(static_cast<uint32_t>(pf.gate_ids.size()));
    if (d.gated) {
      pf.gate_ids.insert(pf.gate_ids.end(), d.gate.begin(), d.gate.end());
      if (d.gate.empty())
        pf.gate_ids.push_back(pf.never);  // properties only: never evaluated
    }
    pf.part_begin.push_back(static_cast<uint32_t>(pf.needs_begin.size()));
    for (const DomPartNeeds& part : d.parts) {
      pf.needs_begin.push_back(static_cast<uint32_t>(pf.ids.size()));
      pf.ids.insert(pf.ids.end(), part.tokens.begin(), part.tokens.end());
      for (uint32_t l : part.literals)
        pf.ids.push_back(pf.literal_base + l);
    }
  }
  pf.gate_begin.push_back(static_cast<uint32_t>(pf.gate_ids.size()));
  pf.part_begin.push_back(static_cast<uint32_t>(pf.needs_begin.size()));
  pf.needs_begin.push_back(static_cast<uint32_t>(pf.ids.size()));
  // The html field's scan also reports the dom rules' literals (one pass over the HTML).
  if (auto html = rs->plain_.find(Field::kHtml); html != rs->plain_.end()) {
    for (uint32_t i = 0; i < rs->dom_literals_.size(); ++i)
      html->second.matcher.AddExtraLiteral(rs->dom_literals_.literal(i));
  }
  for (auto& [field, index] : rs->plain_) {
    const bool list = field == Field::kScriptSrc || field == Field::kXhr;
    Status s = index.matcher.Build(&rs->scratch_, list, cache);
    lap(std::string("vectorscan ") + FieldName(field) + " (" +
        std::to_string(index.matcher.size()) + ")");
    if (!s.ok())
      Error("", "", FieldName(field), "", s.message());
  }
  for (auto& [field, keys] : rs->keyed_) {
    for (auto& [key, index] : keys) {
      Status s = index.matcher.Build(&rs->scratch_, false, cache);
      if (!s.ok())
        Error("", "", std::string(FieldName(field)) + "." + key, "", s.message());
    }
    lap(std::string("vectorscan keyed ") + FieldName(field) + " (" + std::to_string(keys.size()) +
        " keys)");
  }
  return rs;
}

RuleSet::~RuleSet() {
  auto* entry = static_cast<mycss_entry_t*>(mycss_entry_);
  if (entry != nullptr) {
    for (DomSelector& d : dom_) {
      for (DomSelectorPart& p : d.parts) {
        if (p.compiled != nullptr) {
          mycss_selectors_list_destroy(mycss_entry_selectors(entry),
                                       static_cast<mycss_selectors_list_t*>(p.compiled), true);
        }
      }
    }
    mycss_entry_destroy(entry, true);
  }
  if (mycss_ != nullptr)
    mycss_destroy(static_cast<mycss_t*>(mycss_), true);
}

const Category* RuleSet::category(int id) const {
  auto it = categories_.find(id);
  return it == categories_.end() ? nullptr : &it->second;
}

int RuleSet::Find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? -1 : static_cast<int>(it->second);
}

bool RuleSet::IsConditional(uint32_t tech) const {
  return !techs_[tech].requires_names.empty() || !techs_[tech].requires_category.empty();
}

size_t RuleSet::fallback_count() const {
  size_t n = 0;
  for (const auto& [field, index] : plain_)
    n += index.matcher.fallback_count();
  for (const auto& [field, keys] : keyed_) {
    for (const auto& [key, index] : keys)
      n += index.matcher.fallback_count();
  }
  return n;
}

Result<std::shared_ptr<const RuleSet>> RuleSet::Load(const std::vector<std::string>& paths,
                                                     const LoadOptions& options) {
  std::vector<RuleProblem> problems;
  RuleSetBuilder builder(&problems, false);
  std::vector<std::string> files = RuleSetBuilder::ExpandPaths(paths);
  if (files.empty())
    return Status::InvalidArgument("rules_invalid", "no rule files given");
  for (const std::string& f : files) {
    if (!builder.AddFile(f)) {
      return Status::InvalidArgument("rules_invalid", problems.back().ToString());
    }
  }
  std::optional<CompiledCache> cache;
  if (!options.compiled_cache_dir.empty())
    cache.emplace(options.compiled_cache_dir);
  std::shared_ptr<RuleSet> rs = builder.Build(cache ? &*cache : nullptr, /*stop_at_fatal=*/true);
  if (const RuleProblem* fatal = builder.fatal())
    return Status::InvalidArgument("rules_invalid", fatal->ToString());
  if (cache) {
    cache->Prune();
    rs->cache_stats_ = cache->stats();
    rs->compiled_cache_dir_ = cache->dir();
  }
  for (const RuleProblem& p : problems)
    rs->warnings_.push_back(p.ToString());
  return std::shared_ptr<const RuleSet>(std::move(rs));
}

std::vector<RuleProblem> CheckRules(const std::vector<std::string>& paths) {
  std::vector<RuleProblem> problems;
  RuleSetBuilder builder(&problems, true);
  std::vector<std::string> files = RuleSetBuilder::ExpandPaths(paths);
  if (files.empty()) {
    problems.push_back(
        RuleProblem{RuleProblem::Severity::kError, "", "", "", "", "no rule files found"});
    return problems;
  }
  for (const std::string& f : files)
    builder.AddFile(f);
  builder.Build();
  return problems;
}

}  // namespace leadscan::detect
