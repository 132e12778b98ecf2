#include "http/cors_policy.h"

#include <algorithm>

namespace leadscan::http {

bool CorsPolicy::Allows(std::string_view origin) const {
  if (origin.empty())
    return false;
  return std::any_of(origins_.begin(), origins_.end(),
                     [&](const std::string& o) { return o == "*" || o == origin; });
}

bool CorsPolicy::IsPreflight(const Request& request) {
  return request.method == "OPTIONS" && request.Header("Origin") &&
         request.Header("Access-Control-Request-Method");
}

Response CorsPolicy::Preflight(const Request& request) const {
  Response r = Response::NoContent();
  std::string_view origin = request.Header("Origin").value_or("");
  r.WithHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  if (!Allows(origin))
    return r;
  r.WithHeader("Access-Control-Allow-Origin", std::string(origin));
  r.WithHeader("Access-Control-Allow-Methods", std::string(kAllowedMethods));
  r.WithHeader("Access-Control-Allow-Headers", std::string(kAllowedHeaders));
  r.WithHeader("Access-Control-Max-Age", std::to_string(kMaxAgeSeconds));
  return r;
}

void CorsPolicy::Decorate(const Request& request, Response* response) const {
  auto origin = request.Header("Origin");
  if (!origin || !Allows(*origin))
    return;
  response->WithHeader("Access-Control-Allow-Origin", std::string(*origin));
  response->WithHeader("Vary", "Origin");
  response->WithHeader("Access-Control-Expose-Headers", "Retry-After, WWW-Authenticate, ETag");
}

}  // namespace leadscan::http
