// Fuzz target: HTTP request targets (http::ParseRequestTarget), then what the server does with
// the result: the router's match and the query's decoding. Input: "METHOD TARGET" (the method
// is everything before the first space; the target may hold any byte).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/request_target.h"
#include "http/router.h"

namespace {

const leadscan::http::Router& TestRouter() {
  static const leadscan::http::Router* router = [] {
    auto* r = new leadscan::http::Router;
    auto ok = [](const leadscan::http::Request&) { return leadscan::http::Response::NoContent(); };
    r->Get("/api/leads", ok);
    r->Get("/api/leads/:id", ok);
    r->Patch("/api/leads/:id", ok);
    r->Post("/api/batch-analysis/jobs/:id/cancel", ok);
    r->Get("/assets/*path", ok);
    return r;
  }();
  return *router;
}

bool IsControl(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t space = in.find(' ');
  std::string_view method = space == std::string_view::npos ? "GET" : in.substr(0, space);
  std::string_view target = space == std::string_view::npos ? in : in.substr(space + 1);

  auto parsed = leadscan::http::ParseRequestTarget(method, target);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().error_code() == "invalid_request_target");
    FUZZ_CHECK(!parsed.status().message().empty());
    return 0;
  }
  const std::string& path = parsed->path;
  if (path == "*") {
    FUZZ_CHECK(method == "OPTIONS");
    return 0;
  }
  // The contract of RequestTarget::path.
  FUZZ_CHECK(!path.empty() && path.front() == '/');
  FUZZ_CHECK(path == "/" || path.back() != '/');
  FUZZ_CHECK(path.find("//") == std::string::npos);
  for (char c : path)
    FUZZ_CHECK(c != '\0' && !IsControl(c));
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    std::string_view segment = std::string_view(path).substr(start, end - start);
    FUZZ_CHECK(segment != "." && segment != "..");
    start = end + 1;
  }
  // Parsing is a fixed point: the normalised path parses to itself (unless it holds what a
  // second pass would read differently: a '%' to decode again, a decoded '?' or '#').
  if (path.find_first_of("%?#") == std::string::npos) {
    auto again = leadscan::http::ParseRequestTarget("GET", path);
    FUZZ_CHECK(again.ok() && again->path == path);
  }
  auto match = TestRouter().Find(method, path);
  if (match.route != nullptr) {
    for (const auto& [name, value] : match.params)
      FUZZ_CHECK(!name.empty());
  }
  auto query = leadscan::http::ParseQuery(parsed->query);
  (void)query;
  (void)leadscan::http::PercentDecode(target, true);
  return 0;
}
