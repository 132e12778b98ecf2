// CorsPolicy: which browser origins may call the API. Origins match exactly (scheme, host and
// port as the browser sends them, e.g. "http://localhost:5173"); "*" allows any. Credentials
// are never allowed (the API uses bearer tokens, not cookies). A disallowed origin gets no CORS
// headers at all, so the browser blocks it. Immutable after construction; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace leadscan::http {

class CorsPolicy {
 public:
  static constexpr std::string_view kAllowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
  static constexpr std::string_view kAllowedHeaders =
      "Authorization, Content-Type, Last-Event-ID, If-None-Match";
  static constexpr int kMaxAgeSeconds = 600;

  explicit CorsPolicy(std::vector<std::string> allowed_origins = {})
      : origins_(std::move(allowed_origins)) {}

  bool Allows(std::string_view origin) const;

  // True for an OPTIONS request carrying Origin and Access-Control-Request-Method.
  static bool IsPreflight(const Request& request);

  // The 204 answer to a preflight: CORS headers when the origin is allowed, none otherwise.
  Response Preflight(const Request& request) const;

  // Adds Access-Control-Allow-Origin (+ Vary: Origin, Expose-Headers) to `response` when the
  // request's Origin is allowed.
  void Decorate(const Request& request, Response* response) const;

 private:
  std::vector<std::string> origins_;
};

}  // namespace leadscan::http
