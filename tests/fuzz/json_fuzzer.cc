// Fuzz target: JSON from outside (common::ParseJson, the depth check, http::ParseJsonBody).
// Input: the text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/json_parse.h"
#include "common/utf8.h"
#include "fuzz_check.h"
#include "http/request.h"

namespace {

int Depth(const nlohmann::json& j, int limit) {
  if (limit < 0)
    return 0;
  int deepest = 0;
  if (j.is_array() || j.is_object()) {
    for (const auto& v : j)
      deepest = std::max(deepest, Depth(v, limit - 1));
    return deepest + 1;
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace common = leadscan::common;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto depth = common::CheckJsonDepth(in);
  auto parsed = common::ParseJson(in, "request body");
  if (!depth.ok()) {
    FUZZ_CHECK(depth.error_code() == "json_too_deep");
    FUZZ_CHECK(!parsed.ok() && parsed.status().error_code() == "json_too_deep");
  }
  leadscan::http::Request request;
  request.body = std::string(in);
  auto body = leadscan::http::ParseJsonBody(request);
  FUZZ_CHECK(body.ok() == parsed.ok());
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().error_code() == "invalid_json" ||
               parsed.status().error_code() == "json_too_deep");
    FUZZ_CHECK(common::IsValidUtf8(parsed.status().message()));
    return 0;
  }
  FUZZ_CHECK(Depth(*parsed, common::kMaxJsonDepth + 1) <= common::kMaxJsonDepth);
  // What was accepted serialises to valid UTF-8 that parses back and serialises the same
  // (values are compared as text: 1e999 is infinity, which serialises as null).
  std::string text = parsed->dump();
  FUZZ_CHECK(common::IsValidUtf8(text));
  auto again = common::ParseJson(text);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->dump() == text);
  return 0;
}
