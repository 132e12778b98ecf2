// The history of a lead's findings as the store keeps it (issue 14): the changes one analysis
// made (LeadChangeSet, handed to OnLeadChangedTx inside the outcome's transaction), change rows
// as the feed lists them, and each finding's presence (first / last seen). Plain data; the diff
// that produces them is history::DiffFindings (src/history/finding_diff.h).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace leadscan::store {

// One finding added or removed by one analysis.
struct LeadChange {
  std::string field;   // ecommerce_platform | checkout_solutions | payment_methods | carriers |
                       // shipping_software | technologies
  std::string name;    // the finding's name as detection reported it
  std::string change;  // "added" | "removed"
  nlohmann::json previous = nullptr;  // ecommerce_platform added: the previous platform's name
  nlohmann::json evidence = nlohmann::json::array();  // added: new evidence; removed: last seen
};

// Every change one analysis outcome made to one lead, as written in its transaction.
struct LeadChangeSet {
  std::string org_id;
  std::string lead_id;
  std::string company_name;
  std::string domain;
  std::string job_id;       // empty for an analysis outside a job
  std::string analysis_id;  // the analysis_results row (the lead's history row)
  common::TimePoint detected_at;
  std::vector<LeadChange> changes;  // non-empty
};

// A change row as the feed lists it, with its lead's name and domain.
struct ChangeRecord {
  std::string id;
  std::string org_id;
  std::string lead_id;
  std::string company_name;
  std::string domain;
  std::string field;
  std::string name;
  std::string change;  // "added" | "removed"
  common::TimePoint detected_at;
  std::string job_id;  // empty: outside a job, or the job was deleted
  std::string analysis_id;
  nlohmann::json previous = nullptr;
  nlohmann::json evidence = nlohmann::json::array();
};

// Keyset position in the feed (newest first: detected_at, then id, both descending).
struct ChangeCursor {
  common::TimePoint detected_at;
  std::string id;
};

struct ChangeFilter {
  std::optional<common::TimePoint> since;  // detected_at >= since
  std::optional<common::TimePoint> until;  // detected_at < until
  std::string field;                       // empty: every field
  std::string name;                        // empty: every name; else A-Z case-insensitive equal
  std::string change;                      // empty: both; else "added" | "removed"
  std::string lead_id;                     // empty: every lead; else one lead of the org
  std::vector<std::string> analysis_ids;   // empty: every analysis; else only these
  int64_t limit = 50;
  std::optional<ChangeCursor> after;  // rows strictly older than this position
};

struct ChangePage {
  std::vector<ChangeRecord> rows;
  std::optional<ChangeCursor> next;  // set when more rows may follow (the last row's position)
};

// One finding a lead has had.
struct FindingPresence {
  std::string lead_id;
  std::string field;
  std::string name;
  common::TimePoint first_seen;  // the first analysis that saw it (ever)
  common::TimePoint last_seen;   // the latest analysis that saw it
  std::string added_by;          // the analysis that (re-)added it; empty: before tracking
  std::optional<common::TimePoint> removed_at;        // set while it is gone
  std::string removed_by;                             // the analysis that removed it
  nlohmann::json evidence = nlohmann::json::array();  // as last seen

  bool present() const { return !removed_at.has_value(); }
};

struct LeadFindingHistory {
  // Present findings first, then removed ones; each in field order (SPEC §6), then by name.
  std::vector<FindingPresence> findings;
  // When the store started to track the lead's changes (its first observed analysis); history
  // rows up to this time have no recorded changes. nullopt: never analysed since.
  std::optional<common::TimePoint> tracked_since;
};

struct NameCount {
  std::string name;
  int64_t count = 0;
};

struct MarketWeek {
  std::string week_start;  // "YYYY-MM-DD", a Monday (UTC)
  std::string field;
  std::string name;
  int64_t added = 0;
  int64_t removed = 0;
};

struct MarketSwitch {
  std::string field;
  std::string from;  // removed ...
  std::string to;    // ... and added in the same analysis, same field
  int64_t count = 0;
};

// The market over a filtered lead list: how many leads use what, and what changed per week.
struct MarketSummary {
  int64_t lead_count = 0;      // leads matching the filter
  int64_t analysed_count = 0;  // of those, analysed at least once
  std::string window_start;    // "YYYY-MM-DD": the Monday the timeline and switches start at
  // Per field (the five commerce fields): leads with the finding present, most first.
  std::map<std::string, std::vector<NameCount>> shares;
  std::vector<MarketWeek> timeline;    // oldest week first; only weeks with changes
  std::vector<MarketSwitch> switches;  // most first
};

}  // namespace leadscan::store
