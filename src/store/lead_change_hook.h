// OnLeadChangedTx: the point inside the store's outcome transaction (CompleteItem,
// CompleteItems, RecordAnalysis) where the changes one analysis made to one lead are handed on,
// so that what follows from them (the webhooks outbox's `lead.changed`) commits or rolls back
// together with the outcome. Internal to src/store; called on the transaction's own thread.
#pragma once

#include "common/status.h"
#include "store/lead_changes.h"
#include "store/sql_backend.h"

namespace leadscan::store {

// Called once per lead whose findings changed, after its change rows are written, on the open
// transaction's connection `conn` (of `backend`). A failure rolls the whole outcome back (the
// batch runner then retries it as it retries any store failure). Today a no-op: the webhooks
// outbox (issue 14) fills it in.
common::Status OnLeadChangedTx(SqlBackend& backend, SqlConn& conn, const LeadChangeSet& changes);

}  // namespace leadscan::store
