// Handlers of /api/batch-analysis (the seed's eight endpoints with the seed's shapes, plus
// PATCH/DELETE, run history, results export and Server-Sent Events) and /api/cron/preview.
// Registered by RegisterRoutes; thread-safe (state lives in the Store, runner and scheduler).
#pragma once

#include "api/json_util.h"
#include "api/services.h"
#include "http/router.h"
#include "store/store.h"

namespace leadscan::api {

void RegisterJobRoutes(http::Router& router, Services& services);

// The seed's job object (list entry and detail without items).
Json JobJson(const store::Job& job);

Json ItemJson(const store::Item& item);

Json RunJson(const store::Run& run);

}  // namespace leadscan::api
