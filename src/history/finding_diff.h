// DiffFindings: the one place that decides what changed in a lead's findings between what the
// store knew and a new analysis — which findings were added, which removed, which merely seen
// again — and what to remember of the analysis for the next diff. The store calls it in the
// transaction that writes an analysis outcome (docs/decisions/finding-changes.md); nothing else
// computes changes. Pure functions over plain data; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "history/analysis_reach.h"

namespace leadscan::history {

// One finding of a lead: its field, its name and the evidence that carried it (SPEC §6
// `evidence`: page, field, matched, source).
struct Finding {
  std::string field;
  std::string name;
  Json evidence = Json::array();
};

// What the store remembers of the last analysis that looked at one field of a lead.
struct FieldObservation {
  std::string field;
  // That analysis could not vouch for what it did not find: its time budget ran out, or the
  // observation was carried over from before change tracking. The next analysis's new findings
  // in the field are then not announced as added (they become present silently).
  bool partial = false;
  std::vector<std::string> unreached;  // page keys it tried and lost (AnalysisReach::unreached)
};

// The store's view of a lead before the analysis.
struct PriorState {
  std::vector<Finding> present;            // findings present now (not removed)
  std::vector<FieldObservation> observed;  // fields some earlier analysis looked at
};

enum class ChangeKind { kAdded, kRemoved };

const char* ChangeKindName(ChangeKind kind);  // "added" | "removed"

struct FindingChange {
  std::string field;
  std::string name;
  ChangeKind kind = ChangeKind::kAdded;
  // ecommerce_platform added: the platform present before (a name), else null.
  Json previous = nullptr;
  // added: the new analysis's evidence; removed: the evidence it was last seen with.
  Json evidence = Json::array();
};

struct FindingDiff {
  // Changes in field order (FindingFields()), removals before additions, names ascending.
  std::vector<FindingChange> changes;
  // Every finding of the analysis in a field it looked at: present after it (last seen now;
  // first seen now when new). Deduplicated by (field, name).
  std::vector<Finding> seen;
  // Findings that stop being present (each also in `changes` as removed).
  std::vector<Finding> removed;
  // What to remember of this analysis for each field it looked at.
  std::vector<FieldObservation> observed;
};

// Compares the lead's prior state with the findings of a new analysis (`current`, its counted
// findings; fields it did not look at are ignored) as far as `reached` says it looked.
//
// A finding present before and absent now is REMOVED only when the analysis looked for it:
//   - the analysis looks at the finding's field, and is not partial (time budget ran out);
//   - the finding is not among the analysis's set-aside findings (seen, not counted);
//   - no page that carried it (its evidence pages; for a finding another one implied, that
//     one's pages too) was lost this time (failed to load, error status, skipped, cut at a
//     limit) — a page that failed to load removes nothing;
//   - and some page that carried it was fetched and analysed this time, or, when none of them
//     was even tried (the site no longer links it), the home page was.
// Otherwise it stays present, untouched (last seen keeps its old time).
//
// A finding absent before and present now is ADDED (a change) only when an earlier analysis
// looked at its field and could vouch for its absence: that observation was not partial, and
// not every page carrying the finding now was lost by it. Otherwise — the lead's first look at
// the field (its baseline), or a page that earlier failed to load — it becomes present silently.
FindingDiff DiffFindings(const PriorState& previous, const std::vector<Finding>& current,
                         const AnalysisReach& reached);

// The findings of a lead's latest-findings object or a result (SPEC §6:
// ecommerce_platform an object or null, the other fields arrays of objects with a "name") in
// the given fields; entries without a name are skipped.
std::vector<Finding> FindingsOf(const Json& fields_object, const std::vector<std::string>& fields);

}  // namespace leadscan::history
