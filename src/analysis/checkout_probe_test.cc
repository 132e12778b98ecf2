#include "analysis/checkout_probe.h"

#include <gtest/gtest.h>

namespace leadscan::analysis {
namespace {

TEST(CheckoutProbeTest, ShopifyPicksAProductAndAnAvailableVariant) {
  const std::string home =
      "<a href=\"/collections/all\">Alla</a><a href=\"https://other.test/products/x\">x</a>"
      "<a href=\"/products/mellanrost-500g?variant=1\">Mellanrost</a>";
  EXPECT_EQ(ShopifyProductJsonUrl(home, "https://kaffebonan.test/"),
            "https://kaffebonan.test/products/mellanrost-500g.js");
  EXPECT_EQ(ShopifyProductJsonUrl("<a href=\"/pages/om\">Om</a>", "https://a.test/"), "");
  EXPECT_EQ(ShopifyAvailableVariant(
                R"({"variants": [{"id": 11, "available": false}, {"id": 12, "available": true}]})"),
            12);
  EXPECT_EQ(ShopifyAvailableVariant(R"({"variants": [{"id": 11, "available": false}]})"),
            std::nullopt);
  EXPECT_EQ(ShopifyAvailableVariant("not json"), std::nullopt);
  EXPECT_EQ(ShopifyAvailableVariant(R"({"variants": [{"id": "12", "available": true}]})"),
            std::nullopt);
}

TEST(CheckoutProbeTest, WooCommerceFindsTheAddToCartProduct) {
  EXPECT_EQ(WooCommerceProductId("<a href=\"?add-to-cart=42\" data-product_id=\"42\">Köp</a>"), 42);
  EXPECT_EQ(WooCommerceProductId("<a href=\"/shop/?add-to-cart=7\">Köp</a>"), 7);
  EXPECT_EQ(WooCommerceProductId(
                "<button type=\"submit\" name=\"add-to-cart\" value=\"99\">Lägg i varukorgen"),
            99);
  EXPECT_EQ(WooCommerceProductId("<p>Inga produkter</p>"), std::nullopt);
}

TEST(CheckoutProbeTest, PlansAddCartCheckoutAndNothingElse) {
  auto shopify = PlanProbe("shopify", "https://kaffebonan.test/start", 12);
  ASSERT_EQ(shopify.size(), 3u);
  EXPECT_EQ(shopify[0].method, "POST");
  EXPECT_EQ(shopify[0].url, "https://kaffebonan.test/cart/add.js");
  EXPECT_EQ(shopify[0].body, "id=12&quantity=1");
  EXPECT_EQ(shopify[1].url, "https://kaffebonan.test/cart");
  EXPECT_EQ(shopify[2].kind, ProbeStep::Kind::kCheckout);
  auto woo =
      PlanProbe("woocommerce", "https://tradgardsboden.test/", 42,
                "https://tradgardsboden.test/varukorg/", "https://tradgardsboden.test/kassan/");
  ASSERT_EQ(woo.size(), 3u);
  EXPECT_EQ(woo[0].url, "https://tradgardsboden.test/?add-to-cart=42");
  EXPECT_EQ(woo[1].url, "https://tradgardsboden.test/varukorg/");
  EXPECT_EQ(woo[2].url, "https://tradgardsboden.test/kassan/");
  for (const auto& plan : {shopify, woo}) {
    for (const auto& step : plan)
      EXPECT_TRUE(step.method == "GET" || step.kind == ProbeStep::Kind::kAddToCart);
  }
  EXPECT_TRUE(PlanProbe("wix", "https://a.test/", 1).empty());
  EXPECT_EQ(ProbeMechanism("shopify"), "shopify");
  EXPECT_EQ(ProbeMechanism("wix"), std::nullopt);
}

TEST(CheckoutProbeTest, CookiesAreKeptBoundedAndSentBack) {
  ProbeCookies jar;
  jar.Take({{"set-cookie", "cart=abc123; Path=/; HttpOnly"},
            {"content-type", "text/html"},
            {"set-cookie", "wp_woocommerce_session_x=1%7C2; expires=Thu"},
            {"set-cookie", "bad\r\nname=1"},
            {"set-cookie", "=novalue"},
            {"set-cookie", "cart=def"}});
  EXPECT_EQ(jar.Header(), "cart=def; wp_woocommerce_session_x=1%7C2");
  ProbeCookies many;
  for (int i = 0; i < 80; ++i)
    many.Take({{"set-cookie", "c" + std::to_string(i) + "=v"}});
  size_t count = 1;
  for (char c : many.Header())
    count += c == ';';
  EXPECT_EQ(count, 50u);
}

}  // namespace
}  // namespace leadscan::analysis
