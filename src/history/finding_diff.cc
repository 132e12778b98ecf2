#include "history/finding_diff.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace leadscan::history {
namespace {

using Key = std::pair<std::string, std::string>;  // (field, name)

size_t FieldRank(const std::string& field) {
  const auto& fields = FindingFields();
  return static_cast<size_t>(std::find(fields.begin(), fields.end(), field) - fields.begin());
}

bool ChangeBefore(const FindingChange& a, const FindingChange& b) {
  const size_t fa = FieldRank(a.field);
  const size_t fb = FieldRank(b.field);
  if (fa != fb)
    return fa < fb;
  if (a.kind != b.kind)
    return a.kind == ChangeKind::kRemoved;
  return a.name < b.name;
}

// Implication chains are short (a checkout implies a payment method); this bounds a cycle.
constexpr int kMaxImpliesDepth = 4;

// The pages that carried a finding: its evidence pages and, for evidence that says another
// finding implied it ("implies", no page; `matched` names that finding), that finding's pages,
// looked up by name among `by_name`.
void AddCarryingPages(const Finding& f, const std::map<std::string, const Finding*>& by_name,
                      int depth, std::set<std::string>* pages) {
  for (const std::string& page : EvidencePages(f.evidence))
    pages->insert(page);
  if (depth >= kMaxImpliesDepth || !f.evidence.is_array())
    return;
  for (const Json& e : f.evidence) {
    if (!e.is_object() || e.value("field", "") != "implies" || !e.value("page", "").empty())
      continue;
    auto it = by_name.find(e.value("matched", ""));
    if (it != by_name.end() && it->second != &f)
      AddCarryingPages(*it->second, by_name, depth + 1, pages);
  }
}

std::set<std::string> CarryingPages(const Finding& f,
                                    const std::map<std::string, const Finding*>& by_name) {
  std::set<std::string> pages;
  AddCarryingPages(f, by_name, 0, &pages);
  return pages;
}

bool AnyIn(const std::set<std::string>& keys, const std::set<std::string>& in) {
  for (const std::string& k : keys) {
    if (in.count(k))
      return true;
  }
  return false;
}

// Whether an absent finding that carried `pages` was looked for by the analysis.
bool LookedFor(const std::set<std::string>& pages, const AnalysisReach& reached) {
  if (AnyIn(pages, reached.unreached))
    return false;
  if (AnyIn(pages, reached.reached))
    return true;
  return reached.home_reached;
}

// Whether an earlier observation of the field vouches that a finding now carried by `pages`
// was absent then.
bool VouchedAbsent(const FieldObservation& obs, const std::set<std::string>& pages) {
  if (obs.partial)
    return false;
  if (pages.empty())
    return true;
  const std::set<std::string> lost(obs.unreached.begin(), obs.unreached.end());
  for (const std::string& page : pages) {
    if (lost.count(page) == 0)
      return true;
  }
  return false;
}

}  // namespace

const char* ChangeKindName(ChangeKind kind) {
  return kind == ChangeKind::kAdded ? "added" : "removed";
}

FindingDiff DiffFindings(const PriorState& previous, const std::vector<Finding>& current,
                         const AnalysisReach& reached) {
  FindingDiff diff;
  std::map<Key, const Finding*> before;
  std::map<std::string, const Finding*> before_by_name;
  for (const Finding& f : previous.present) {
    before.emplace(Key(f.field, f.name), &f);
    before_by_name.emplace(f.name, &f);
  }
  std::map<std::string, const Finding*> now_by_name;
  for (const Finding& f : current)
    now_by_name.emplace(f.name, &f);
  std::map<std::string, const FieldObservation*> observed;
  for (const FieldObservation& o : previous.observed)
    observed.emplace(o.field, &o);

  std::set<Key> now;
  for (const Finding& f : current) {
    if (f.name.empty() || !reached.Covers(f.field) || !now.insert(Key(f.field, f.name)).second)
      continue;
    diff.seen.push_back(f);
    if (before.count(Key(f.field, f.name)))
      continue;
    auto obs = observed.find(f.field);
    if (obs == observed.end() || !VouchedAbsent(*obs->second, CarryingPages(f, now_by_name)))
      continue;  // the field's baseline, or an absence nobody could vouch for: silently present
    FindingChange change;
    change.field = f.field;
    change.name = f.name;
    change.kind = ChangeKind::kAdded;
    change.evidence = f.evidence.is_array() ? f.evidence : Json::array();
    if (f.field == "ecommerce_platform") {
      for (const auto& [key, old] : before) {
        if (key.first == f.field && key.second != f.name) {
          change.previous = old->name;
          break;
        }
      }
    }
    diff.changes.push_back(std::move(change));
  }

  for (const auto& [key, old] : before) {
    if (now.count(key) || !reached.Covers(key.first) || reached.partial ||
        reached.set_aside.count(key)) {
      continue;
    }
    if (!LookedFor(CarryingPages(*old, before_by_name), reached))
      continue;
    diff.removed.push_back(*old);
    FindingChange change;
    change.field = old->field;
    change.name = old->name;
    change.kind = ChangeKind::kRemoved;
    change.evidence = old->evidence.is_array() ? old->evidence : Json::array();
    diff.changes.push_back(std::move(change));
  }
  std::sort(diff.changes.begin(), diff.changes.end(), ChangeBefore);

  for (const std::string& field : reached.fields) {
    FieldObservation o;
    o.field = field;
    o.partial = reached.partial;
    o.unreached.assign(reached.unreached.begin(), reached.unreached.end());
    diff.observed.push_back(std::move(o));
  }
  return diff;
}

std::vector<Finding> FindingsOf(const Json& fields_object, const std::vector<std::string>& fields) {
  std::vector<Finding> out;
  if (!fields_object.is_object())
    return out;
  auto add = [&](const std::string& field, const Json& f) {
    if (!f.is_object())
      return;
    auto name = f.find("name");
    if (name == f.end() || !name->is_string() || name->get_ref<const std::string&>().empty())
      return;
    Finding finding;
    finding.field = field;
    finding.name = name->get<std::string>();
    if (auto ev = f.find("evidence"); ev != f.end() && ev->is_array())
      finding.evidence = *ev;
    out.push_back(std::move(finding));
  };
  for (const std::string& field : fields) {
    auto it = fields_object.find(field);
    if (it == fields_object.end())
      continue;
    if (it->is_array()) {
      for (const Json& f : *it)
        add(field, f);
    } else {
      add(field, *it);
    }
  }
  return out;
}

}  // namespace leadscan::history
