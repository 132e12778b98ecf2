// Handlers of /api/leads: create (one or many), list with search and filters, detail with
// history and changes, update, delete, CSV import and export. Registered by RegisterRoutes;
// thread-safe (state lives in the Store).
#pragma once

#include "api/json_util.h"
#include "api/services.h"
#include "http/router.h"
#include "store/store.h"

namespace leadscan::api {

void RegisterLeadRoutes(http::Router& router, Services& services);

// The API shape of a lead (latest findings included).
Json LeadJson(const store::Lead& lead);

// What changed between two analysis results (older -> newer), per result field:
// {"checkout_solutions": {"added": [...], "removed": [...]}, ...}; fields without changes are
// left out. A platform switch shows as removed + added.
Json DiffFindings(const Json& older, const Json& newer);

// Lead findings from one analysis result JSON (SPEC §6 shape).
store::LeadFindings FindingsFromResult(const Json& result);

}  // namespace leadscan::api
