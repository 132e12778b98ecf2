// Fuzz target: Firecrawl's scrape answer as it lands (providers/firecrawl_scrape.h and the
// answer path of providers/provider_client.h): the body is made valid UTF-8, parsed with the
// depth bound, read as a scrape answer, and its error detail taken as for a failed status.
// Input: the answer body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json_parse.h"
#include "common/utf8.h"
#include "fetch/charset.h"
#include "fuzz_check.h"
#include "providers/firecrawl_scrape.h"
#include "providers/provider_errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace providers = leadscan::providers;
  std::string_view body(reinterpret_cast<const char*>(data), size);

  constexpr size_t kDetail = 300;
  const std::string detail = providers::ErrorDetail(body, kDetail);
  FUZZ_CHECK(leadscan::common::IsValidUtf8(detail));
  FUZZ_CHECK(detail.size() <= kDetail + 3);

  auto parsed = leadscan::common::ParseJson(leadscan::fetch::ToValidUtf8(body), "firecrawl answer");
  if (!parsed.ok())
    return 0;
  auto page = providers::ParseFirecrawlScrape(*parsed, "https://shop.test/");
  if (!page.ok()) {
    FUZZ_CHECK(page.status().error_code() == providers::kProviderBadResponse);
    FUZZ_CHECK(!page.status().retryable());
    return 0;
  }
  FUZZ_CHECK(leadscan::common::IsValidUtf8(page->raw_html));
  FUZZ_CHECK(page->status >= 100 && page->status <= 599);
  FUZZ_CHECK(page->final_url.starts_with("http://") || page->final_url.starts_with("https://"));
  FUZZ_CHECK(page->links.size() <= providers::kMaxFirecrawlLinks);
  for (const std::string& link : page->links) {
    FUZZ_CHECK(link.size() <= providers::kMaxFirecrawlLinkBytes);
    FUZZ_CHECK(link.starts_with("http://") || link.starts_with("https://"));
    FUZZ_CHECK(leadscan::common::IsValidUtf8(link));
  }
  return 0;
}
