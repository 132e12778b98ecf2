// The API's one entry point: registers every /api route on a Router. Handlers keep a pointer
// to `services`, which must outlive the router and the server.
#pragma once

#include "api/services.h"
#include "http/router.h"

namespace leadscan::api {

void RegisterRoutes(http::Router& router, Services& services);

// The OpenAPI 3.1 document of every route registered on `router` (served at
// /api/openapi.json). Routes without a description are listed with "undocumented" so a test
// can catch them.
nlohmann::json OpenApiDocument(const http::Router& router);

}  // namespace leadscan::api
