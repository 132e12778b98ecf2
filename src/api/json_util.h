// Small helpers the handlers share: ISO 8601 times, strict reading of JSON request objects
// (unknown fields and wrong types become 400 errors naming the field), query parameters.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "http/request.h"

namespace leadscan::api {

using Json = nlohmann::json;

// "2025-12-18T22:00:00Z" (UTC, whole seconds), as the seed shows.
std::string IsoTime(common::TimePoint t);

// IsoTime or null.
Json IsoTimeOrNull(const std::optional<common::TimePoint>& t);

// invalid_body when `value` is not an object; unknown_field naming the first key not in
// `allowed`.
common::Status CheckObject(const Json& value, std::initializer_list<std::string_view> allowed,
                           std::string_view prefix = {});

// The string at `key`: nullopt when absent or null; invalid_type when not a string.
common::Result<std::optional<std::string>> OptionalString(const Json& object, std::string_view key);

// As OptionalString, but missing_field when absent, null or (when !allow_empty) empty.
common::Result<std::string> RequiredString(const Json& object, std::string_view key,
                                           bool allow_empty = false);

common::Result<std::optional<bool>> OptionalBool(const Json& object, std::string_view key);

// Integer query parameter in [lo, hi]; `fallback` when absent; invalid_query naming it.
common::Result<int64_t> QueryInt(const http::Request& request, std::string_view name,
                                 int64_t fallback, int64_t lo, int64_t hi);

// Boolean query parameter ("true"/"false"/"1"/"0"); nullopt when absent.
common::Result<std::optional<bool>> QueryBool(const http::Request& request, std::string_view name);

// ISO 8601 time query parameter ("2026-01-05T10:00:00Z", a fraction, "+00:00", or a date alone,
// "2026-01-05", for its midnight UTC) in the years 1970 to 2200; nullopt when absent;
// invalid_query naming it otherwise.
common::Result<std::optional<common::TimePoint>> QueryTime(const http::Request& request,
                                                           std::string_view name);

// unknown_query naming the first query parameter not in `allowed` (for routes that refuse what
// they do not read, so a misspelt filter is not silently ignored).
common::Status CheckQueryNames(const http::Request& request,
                               std::initializer_list<std::string_view> allowed);

// 200 with `value`, or the error response of `status`.
http::Response JsonOrError(const common::Status& status, const Json& value, int code = 200);

}  // namespace leadscan::api
