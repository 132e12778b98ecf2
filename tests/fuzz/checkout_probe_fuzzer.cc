// Fuzz target: what checkout probing reads from a shop (analysis/checkout_probe.h): the product
// links and add-to-cart controls of a page's HTML, Shopify's product JSON and Set-Cookie
// headers, PrestaShop's page object; and the plan built from them never leaves the site. Input:
// one text, read as each of them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "analysis/checkout_probe.h"
#include "analysis/page_discovery.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace a = leadscan::analysis;
  std::string in(reinterpret_cast<const char*>(data), size);
  const std::string url = a::ShopifyProductJsonUrl(in, "https://shop.example.se/");
  FUZZ_CHECK(url.empty() || (url.rfind("https://shop.example.se/products/", 0) == 0 &&
                             url.size() > 3 && url.compare(url.size() - 3, 3, ".js") == 0));
  for (auto id : {a::WooCommerceProductId(in), a::MagentoProductId(in), a::PrestaShopProductId(in)})
    FUZZ_CHECK(!id || *id >= 0);
  const a::PrestaShopContext ps = a::PrestaShopContextOf(in);
  (void)a::ShopifyAvailableVariant(in);
  a::ProbeCookies jar;
  jar.Take({{"set-cookie", in}, {"set-cookie", in + "x"}});
  const std::string header = jar.Header();
  FUZZ_CHECK(header.find('\r') == std::string::npos && header.find('\n') == std::string::npos);
  for (const char* mechanism : {"shopify", "woocommerce", "magento", "prestashop"}) {
    const a::ProbeTarget target{1, ps.static_token.empty() ? in : ps.static_token,
                                ps.cart_url.empty() ? in : ps.cart_url, ps.order_url};
    for (const auto& step : a::PlanProbe(mechanism, "https://shop.example.se/", target)) {
      // The probe never leaves the site, whatever the page names.
      FUZZ_CHECK(a::SameSite(a::SiteOf(step.url), "shop.example.se"));
      FUZZ_CHECK(step.method == "GET" || step.kind == a::ProbeStep::Kind::kAddToCart);
    }
  }
  return 0;
}
