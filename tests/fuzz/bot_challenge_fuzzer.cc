// Fuzz target: bot-challenge recognition (fetch/bot_challenge.h). Input: "STATUS NAME: VALUE" on
// the first line (a response status and one header), the body after it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/ascii.h"
#include "fetch/bot_challenge.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fetch = leadscan::fetch;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto [line, body] = leadscan::fuzz::SplitFirstLine(in);
  int status = 0;
  size_t i = 0;
  for (; i < line.size() && i < 3 && line[i] >= '0' && line[i] <= '9'; ++i)
    status = status * 10 + (line[i] - '0');
  std::string_view header = line.substr(i);
  std::vector<std::pair<std::string, std::string>> headers;
  if (size_t colon = header.find(':'); colon != std::string_view::npos)
    headers.emplace_back(leadscan::common::AsciiLower(header.substr(0, colon)),
                         std::string(header.substr(colon + 1)));

  auto found = fetch::DetectBotChallenge(status, headers, body);
  if (found) {
    FUZZ_CHECK(!found->vendor.empty());
    FUZZ_CHECK(!found->marker.empty());
  }
  // Body markers ignore case and everything past the scan window.
  auto upper = std::string(body);
  for (char& c : upper)
    c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  auto again = fetch::DetectBotChallenge(status, headers, upper);
  FUZZ_CHECK(found.has_value() == again.has_value());
  if (found && again)
    FUZZ_CHECK(found->vendor == again->vendor);
  if (body.size() >= fetch::kMaxChallengeScanBytes) {
    std::string longer(body);
    longer += "window._cf_chl_opt";
    FUZZ_CHECK(fetch::DetectBotChallenge(status, headers, longer).has_value() == found.has_value());
  }
  return 0;
}
