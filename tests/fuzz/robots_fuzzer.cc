// Fuzz target: robots.txt (fetch/robots.h). Input: a path to check on the first line, the
// robots.txt body after it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fetch/robots.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fetch = leadscan::fetch;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto [line, body] = leadscan::fuzz::SplitFirstLine(in);
  std::string path = "/" + std::string(line);

  fetch::RobotsTxt robots = fetch::RobotsTxt::Parse(body, "leadscan");
  (void)robots.IsAllowed(path);
  (void)robots.IsAllowed("/");
  for (const auto& sitemap : robots.sitemaps())
    FUZZ_CHECK(sitemap.find('\n') == std::string::npos);
  // Normalising is idempotent, and a normalised path matches itself as a pattern.
  std::string normal = fetch::NormalizeRobotsPath(path);
  FUZZ_CHECK(fetch::NormalizeRobotsPath(normal) == normal);
  if (normal.find_first_of("*$") == std::string::npos)
    FUZZ_CHECK(fetch::RobotsPatternMatches(normal, normal));
  (void)fetch::RobotsPatternMatches(fetch::NormalizeRobotsPath(std::string(line)), normal);
  // An empty file allows everything.
  if (body.empty())
    FUZZ_CHECK(robots.IsAllowed(path));
  return 0;
}
