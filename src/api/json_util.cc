#include "api/json_util.h"

#include <date/date.h>

#include <algorithm>

#include "store/store.h"

namespace leadscan::api {

using common::Result;
using common::Status;

namespace {
constexpr int kMinQueryYear = 1970;
constexpr int kMaxQueryYear = 2200;
}  // namespace

std::string IsoTime(common::TimePoint t) {
  return date::format("%FT%TZ", date::floor<std::chrono::seconds>(t));
}

Json IsoTimeOrNull(const std::optional<common::TimePoint>& t) {
  return t ? Json(IsoTime(*t)) : Json();
}

Status CheckObject(const Json& value, std::initializer_list<std::string_view> allowed,
                   std::string_view prefix) {
  if (!value.is_object()) {
    return Status::InvalidArgument("invalid_body", "request body must be a JSON object",
                                   std::string(prefix));
  }
  for (const auto& [key, unused] : value.items()) {
    bool known = false;
    for (auto a : allowed)
      known = known || a == key;
    if (!known) {
      std::string list;
      for (auto a : allowed) {
        if (!list.empty())
          list += ", ";
        list += a;
      }
      std::string field = prefix.empty() ? key : std::string(prefix) + "." + key;
      return Status::InvalidArgument("unknown_field",
                                     "unknown field '" + field + "' (known: " + list + ")", field);
    }
  }
  return Status::Ok();
}

Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return std::optional<std::string>();
  if (!it->is_string()) {
    return Status::InvalidArgument("invalid_type", std::string(key) + " must be a string",
                                   std::string(key));
  }
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> RequiredString(const Json& object, std::string_view key, bool allow_empty) {
  auto v = OptionalString(object, key);
  if (!v.ok())
    return v.status();
  if (!v->has_value() || (!allow_empty && (*v)->empty())) {
    return Status::InvalidArgument("missing_field", std::string(key) + " is required",
                                   std::string(key));
  }
  return **v;
}

Result<std::optional<bool>> OptionalBool(const Json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return std::optional<bool>();
  if (!it->is_boolean()) {
    return Status::InvalidArgument("invalid_type", std::string(key) + " must be true or false",
                                   std::string(key));
  }
  return std::optional<bool>(it->get<bool>());
}

Result<int64_t> QueryInt(const http::Request& request, std::string_view name, int64_t fallback,
                         int64_t lo, int64_t hi) {
  auto v = request.Query(name);
  if (!v)
    return fallback;
  std::string text(*v);
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || n < lo || n > hi) {
    return Status::InvalidArgument("invalid_query",
                                   std::string(name) + " must be an integer between " +
                                       std::to_string(lo) + " and " + std::to_string(hi),
                                   std::string(name));
  }
  return n;
}

Result<std::optional<bool>> QueryBool(const http::Request& request, std::string_view name) {
  auto v = request.Query(name);
  if (!v)
    return std::optional<bool>();
  if (*v == "true" || *v == "1")
    return std::optional<bool>(true);
  if (*v == "false" || *v == "0")
    return std::optional<bool>(false);
  return Status::InvalidArgument("invalid_query", std::string(name) + " must be true or false",
                                 std::string(name));
}

Result<std::optional<common::TimePoint>> QueryTime(const http::Request& request,
                                                   std::string_view name) {
  auto v = request.Query(name);
  if (!v)
    return std::optional<common::TimePoint>();
  std::string text(*v);
  // A date alone means its midnight (UTC).
  if (text.size() == 10 && text[4] == '-' && text[7] == '-')
    text += "T00:00:00Z";
  // Years a TimePoint (nanoseconds since 1970 in 64 bits) holds with room to spare.
  int year = 0;
  const bool digits = text.size() >= 4 && std::all_of(text.begin(), text.begin() + 4,
                                                      [](char c) { return c >= '0' && c <= '9'; });
  if (digits)
    year = std::stoi(text.substr(0, 4));
  auto t = digits && year >= kMinQueryYear && year <= kMaxQueryYear ? store::ParseTime(text)
                                                                    : std::nullopt;
  if (!t) {
    return Status::InvalidArgument("invalid_query",
                                   std::string(name) +
                                       " must be an ISO 8601 time between 1970 and 2200, e.g. "
                                       "2026-01-05T10:00:00Z",
                                   std::string(name));
  }
  return std::optional<common::TimePoint>(*t);
}

Status CheckQueryNames(const http::Request& request,
                       std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : request.query) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Status::InvalidArgument("unknown_query", "unknown query parameter: " + key, key);
    }
  }
  return Status::Ok();
}

http::Response JsonOrError(const Status& status, const Json& value, int code) {
  if (!status.ok())
    return http::Response::FromStatus(status);
  return http::Response::Json(code, value);
}

}  // namespace leadscan::api
