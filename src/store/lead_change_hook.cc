#include "store/lead_change_hook.h"

namespace leadscan::store {

common::Status OnLeadChangedTx(SqlBackend& /*backend*/, SqlConn& /*conn*/,
                               const LeadChangeSet& /*changes*/) {
  return common::Status::Ok();
}

}  // namespace leadscan::store
