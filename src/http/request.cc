#include "http/request.h"

#include <strings.h>

#include <stdexcept>

#include "common/json_parse.h"
#include "http/sse_stream.h"

namespace leadscan::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name))
      return std::string_view(value);
  }
  return std::nullopt;
}

const Principal& Request::Caller() const {
  if (!principal)
    throw std::logic_error("handler of " + route + " ran without a principal");
  return *principal;
}

std::string_view Request::Param(std::string_view name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string_view() : std::string_view(it->second);
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  auto it = query.find(name);
  if (it == query.end())
    return std::nullopt;
  return std::string_view(it->second);
}

std::vector<std::string> Request::QueryAll(std::string_view name) const {
  std::vector<std::string> out;
  auto [begin, end] = query.equal_range(name);
  for (auto it = begin; it != end; ++it)
    out.push_back(it->second);
  return out;
}

Response Response::Json(int status, const nlohmann::json& value) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  // Invalid UTF-8 in data must not turn into an exception at the boundary.
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::Text(int status, std::string text, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(text);
  return r;
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Response Response::Error(int status, std::string_view code, std::string_view message,
                         std::string_view field) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!field.empty())
    error["field"] = field;
  return Json(status, nlohmann::json{{"error", std::move(error)}});
}

Response Response::FromStatus(const common::Status& status, int retry_after_seconds) {
  int http_status = HttpStatusFor(status.code());
  std::string_view code = status.error_code();
  if (code.empty())
    code = common::StatusCodeName(status.code());
  Response r = Error(http_status, code, status.message(), status.field());
  if (retry_after_seconds > 0 && (http_status == 429 || http_status == 503)) {
    r.WithHeader("Retry-After", std::to_string(retry_after_seconds));
  }
  return r;
}

Response Response::EventStream(std::function<void(std::shared_ptr<SseStream>)> on_open) {
  Response r;
  r.status = 200;
  r.content_type = "text/event-stream";
  r.on_stream = std::move(on_open);
  return r;
}

int HttpStatusFor(common::StatusCode code) {
  using common::StatusCode;
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConflict:
    case StatusCode::kCancelled:
      return 409;
    case StatusCode::kPayloadTooLarge:
      return 413;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return 503;
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

common::Result<nlohmann::json> ParseJsonBody(const Request& request) {
  return common::ParseJson(request.body, "request body");
}

}  // namespace leadscan::http
