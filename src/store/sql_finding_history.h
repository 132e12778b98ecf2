// The SQL of a lead's finding history (issue 14), shared by SqlStore's outcome transactions and
// its readers: writing the changes one analysis made, inside that analysis's transaction, and
// the lead-list conditions on findings and changes. Internal to src/store; each function runs
// on the caller's open transaction and is used by one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/org_id.h"
#include "common/status.h"
#include "store/sql_backend.h"
#include "store/store.h"

namespace leadscan::store {

// What the store knows of one analysis outcome when it writes it.
struct AnalysisOutcome {
  std::string org_id;
  std::string lead_id;
  std::string domain;
  std::string job_id;                      // empty outside a job
  std::string analysis_id;                 // the analysis_results row just inserted
  std::string job_type;                    // the analysis type (decides the fields it looked at)
  common::TimePoint at;                    // detected_at / first_seen / last_seen
  const nlohmann::json* result = nullptr;  // the stored result (pages, errors, set_aside)
  const LeadFindings* findings = nullptr;  // the findings written as the lead's latest
};

// Reads the lead's presence and field observations, lets history::DiffFindings decide, and
// writes presence (first / last seen, added_by, removed_at / removed_by), one change row per
// change and the field observations; then, when something changed, calls OnLeadChangedTx. All on
// `conn`, inside the caller's write transaction; any failure is returned (and rolls it back).
common::Status RecordFindingChangesTx(SqlBackend& backend, SqlConn& conn,
                                      const AnalysisOutcome& outcome);

// The same for several outcomes at once (a batch of completions), in a constant number of round
// trips whatever their number (plus one per lead whose findings changed). Outcomes of one lead
// are written one after another, in order.
common::Status RecordFindingChangesTx(SqlBackend& backend, SqlConn& conn,
                                      const std::vector<AnalysisOutcome>& outcomes);

// Appends to `where` (for `leads l`) the conditions of filter.uses / not_uses / added /
// removed / since, with their parameters. org_id is the leads' organisation.
void AppendFindingFilters(const common::OrgId& org_id, const LeadFilter& filter, std::string* where,
                          SqlParams* params);

// The whole WHERE clause (" WHERE l.org_id = ? ...") of a lead listing for `filter` (limit and
// offset aside). Defined in sql_store.cc beside ListLeads.
void AppendLeadWhere(const SqlBackend& backend, const common::OrgId& org_id,
                     const LeadFilter& filter, std::string* where, SqlParams* params);

}  // namespace leadscan::store
