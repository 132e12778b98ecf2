// The webhook outbox inside the store's own transactions: what an event's "data" holds (pure
// functions) and the write that enqueues it, one delivery row per subscribed webhook, on the
// caller's connection so it commits or rolls back with the change it reports
// (docs/decisions/webhook-outbox.md). Internal to src/store; stateless, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "store/lead_changes.h"
#include "store/sql_backend.h"
#include "store/store.h"

namespace leadscan::store {

// The data of job.completed: the job, the run that ended and its counters.
Json JobCompletedEventData(const Job& job, const Run& run);

// The data of lead.changed: the lead, the analysis and its changes (field, name, change,
// previous, evidence), as the history module computed them in the outcome's transaction.
Json LeadChangedEventData(const LeadChangeSet& set);

// Whether a webhook subscribed to `events` (the stored JSON array text) gets `event`. Text
// that is not an array of strings subscribes to nothing.
bool WebhookWantsEvent(std::string_view events_json, std::string_view event);

// Adds one pending delivery of `event` (with a new event id, created now, due now) for every
// webhook of `org_id` subscribed to it; nothing when none is. Runs on `conn` inside the
// caller's write transaction.
common::Status EnqueueWebhookEventTx(SqlConn& conn, const std::string& org_id,
                                     std::string_view event, const Json& data, TimePoint now);

}  // namespace leadscan::store
