// Handlers of /api/leads: create (one or many), list with search and filters (finding filters
// included), detail with history, changes and finding history, update, delete, CSV import and
// export (default and CRM layouts). Registered by RegisterRoutes;
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

// The lead list's filters from the query (search / q, platform, checkout, carrier, analysed,
// limit, offset, and the finding filters uses, not_uses, added, removed, since), shared by the
// list, the CSV export and the market view. invalid_query naming the parameter on a bad value.
common::Result<store::LeadFilter> ParseLeadFilter(const http::Request& req, int64_t max_page);

// Lead findings from one analysis result JSON (SPEC §6 shape).
store::LeadFindings FindingsFromResult(const Json& result);

}  // namespace leadscan::api
