// Handlers of the finding history's views (issue 14): GET /api/changes (the organisation's
// change feed, newest first, keyset-paged) and GET /api/market (shares, weekly timeline and
// switches over the filtered lead list). Registered by RegisterRoutes; thread-safe (state lives
// in the Store).
#pragma once

#include <optional>
#include <string>

#include "api/json_util.h"
#include "api/services.h"
#include "http/router.h"
#include "store/store.h"

namespace leadscan::api {

void RegisterChangeRoutes(http::Router& router, Services& services);

// The feed's opaque cursor for a position, and back (nullopt: not a cursor this API made).
std::string EncodeChangeCursor(const store::ChangeCursor& cursor);
std::optional<store::ChangeCursor> DecodeChangeCursor(std::string_view text);

// The API shape of one change row.
Json ChangeJson(const store::ChangeRecord& change);

}  // namespace leadscan::api
