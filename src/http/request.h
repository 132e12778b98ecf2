// Request and Response: what a route handler sees and returns. The server builds a Request per
// HTTP request (already routed, authenticated, query parsed) and hands the handler a const
// reference valid for the duration of the call. Response is a value the handler returns; an
// event-stream Response hands the connection over to an SseStream. Neither is synchronised.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "http/principal.h"

namespace leadscan::http {

class SseStream;

// Header fields in arrival order; names as the client sent them (compare case-insensitively).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path plus "?query"
  std::string path;    // percent-decoded path without the query
  std::string route;   // the matched pattern ("/api/leads/:id"); empty when none matched
  std::map<std::string, std::string, std::less<>> params;      // ":id" -> value, percent-decoded
  std::multimap<std::string, std::string, std::less<>> query;  // decoded; '+' is a space
  HeaderList headers;
  std::string body;
  std::optional<Principal> principal;  // set on authenticated routes
  std::string remote_address;          // "127.0.0.1:53122"

  // First header with this name (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;

  // The authenticated caller. The server never runs a non-public route's handler without one;
  // calling this without a principal is a bug and throws std::logic_error (answered 500 by the
  // server's catch-all), never undefined behaviour.
  const Principal& Caller() const;

  // Path parameter, or "" when the pattern has no such parameter.
  std::string_view Param(std::string_view name) const;

  // First query value with this name, or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const;

  // All query values with this name, in order ("?tag=a&tag=b").
  std::vector<std::string> QueryAll(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;  // extra headers (Location, Cache-Control, Retry-After, ...)

  // When set, the server answers `200 text/event-stream`, creates an SseStream and calls this
  // once (on a handler thread) with it; the handler may keep the stream and push frames from
  // any thread until it closes. `status`, `body` and `content_type` are then ignored.
  std::function<void(std::shared_ptr<SseStream>)> on_stream;

  // `status` with `value` serialised as the body.
  static Response Json(int status, const nlohmann::json& value);

  static Response Text(int status, std::string text,
                       std::string content_type = "text/plain; charset=utf-8");

  static Response NoContent();  // 204

  // The house error object: {"error": {"code": code, "message": message, "field": field}}
  // (`field` only when non-empty).
  static Response Error(int status, std::string_view code, std::string_view message,
                        std::string_view field = {});

  // Maps a non-ok Status to its HTTP status (HttpStatusFor) and error object. Adds
  // Retry-After for kResourceExhausted/kUnavailable when `retry_after_seconds` > 0.
  static Response FromStatus(const common::Status& status, int retry_after_seconds = 0);

  // An event stream; see on_stream.
  static Response EventStream(std::function<void(std::shared_ptr<SseStream>)> on_open);

  Response& WithHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// kInvalidArgument 400, kUnauthenticated 401, kPermissionDenied 403, kNotFound 404,
// kConflict 409, kPayloadTooLarge 413, kResourceExhausted 429, kUnavailable 503,
// kDeadlineExceeded 503, kCancelled 409, others 500. kOk 200.
int HttpStatusFor(common::StatusCode code);

// The request body parsed as JSON (common::ParseJson). Fails with kInvalidArgument
// `json_too_deep` (nesting over common::kMaxJsonDepth) or `invalid_json` whose message names
// the byte offset and the parser's reason, invalid UTF-8 included ("invalid request body at
// byte 17: ..."). An empty body is `invalid_json` too ("request body is empty").
common::Result<nlohmann::json> ParseJsonBody(const Request& request);

}  // namespace leadscan::http
