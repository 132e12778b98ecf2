// Fuzz target: a lead's domain or URL as typed (fetch::NormalizeTarget, StoredDomain,
// RegistrableDomain) and the batch runner's per-domain key built on them. Input: the text.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fetch/target.h"
#include "fuzz_check.h"
#include "jobs/batch_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fetch = leadscan::fetch;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)leadscan::jobs::BatchRunner::DomainKey(in);
  (void)fetch::RegistrableDomain(in);
  auto target = fetch::NormalizeTarget(in);
  if (!target.ok()) {
    FUZZ_CHECK(target.status().error_code() == "invalid_url");
    return 0;
  }
  // The contract of Target::host: ASCII, lower-case, no trailing dot.
  FUZZ_CHECK(!target->host.empty());
  FUZZ_CHECK(target->host.back() != '.');
  for (char c : target->host) {
    FUZZ_CHECK(static_cast<unsigned char>(c) < 0x80);
    FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(c)));
  }
  FUZZ_CHECK(target->port >= 0 && target->port <= 65535);
  FUZZ_CHECK(!target->path.empty() && target->path.front() == '/');
  FUZZ_CHECK(!target->urls.empty());
  for (const auto& url : target->urls) {
    FUZZ_CHECK(url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0);
    for (char c : url)
      FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f);
  }
  // What is stored for a lead normalises again to the same stored form and the same URLs.
  std::string stored = fetch::StoredDomain(*target);
  auto again = fetch::NormalizeTarget(stored);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(fetch::StoredDomain(*again) == stored);
  FUZZ_CHECK(again->urls.front() == target->urls.front());
  FUZZ_CHECK(again->registrable_domain == target->registrable_domain);
  FUZZ_CHECK(leadscan::jobs::BatchRunner::DomainKey(stored) ==
             leadscan::jobs::BatchRunner::DomainKey(in));
  return 0;
}
