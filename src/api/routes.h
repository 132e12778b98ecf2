// The API's one entry point: registers every /api route on a Router. Handlers keep a pointer
// to `services`, which must outlive the router and the server.
#pragma once

#include <string_view>

#include "api/services.h"
#include "http/router.h"

namespace leadscan::api {

void RegisterRoutes(http::Router& router, Services& services);

// The OpenAPI 3.1 document of the API (docs/openapi.json, compiled in; served at
// /api/openapi.json): every route with its parameters, request and response schemas.
// tests/api/openapi_test.py validates real responses against it; the integration suite checks
// that it names exactly the router's routes plus the server's built-in probes.
std::string_view OpenApiJson();
nlohmann::json OpenApiDocument();

}  // namespace leadscan::api
