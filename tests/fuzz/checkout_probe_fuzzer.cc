// Fuzz target: what checkout probing reads from a shop (analysis/checkout_probe.h): the product
// links and add-to-cart controls of a page's HTML, Shopify's product JSON and Set-Cookie
// headers. Input: one text, read as each of them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "analysis/checkout_probe.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace a = leadscan::analysis;
  std::string in(reinterpret_cast<const char*>(data), size);
  const std::string url = a::ShopifyProductJsonUrl(in, "https://shop.example.se/");
  FUZZ_CHECK(url.empty() || (url.rfind("https://shop.example.se/products/", 0) == 0 &&
                             url.size() > 3 && url.compare(url.size() - 3, 3, ".js") == 0));
  if (auto id = a::WooCommerceProductId(in))
    FUZZ_CHECK(*id >= 0);
  (void)a::ShopifyAvailableVariant(in);
  a::ProbeCookies jar;
  jar.Take({{"set-cookie", in}, {"set-cookie", in + "x"}});
  const std::string header = jar.Header();
  FUZZ_CHECK(header.find('\r') == std::string::npos && header.find('\n') == std::string::npos);
  for (const auto& step : a::PlanProbe("woocommerce", "https://shop.example.se/", 1, in, in))
    FUZZ_CHECK(!step.url.empty());
  return 0;
}
