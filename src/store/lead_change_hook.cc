#include "store/lead_change_hook.h"

#include "store/webhook_outbox.h"

namespace leadscan::store {

common::Status OnLeadChangedTx(SqlBackend& /*backend*/, SqlConn& conn,
                               const LeadChangeSet& changes) {
  // lead.changed for the organisation's webhooks that want it, in this same transaction.
  return EnqueueWebhookEventTx(conn, changes.org_id, kWebhookEventLeadChanged,
                               LeadChangedEventData(changes), changes.detected_at);
}

}  // namespace leadscan::store
