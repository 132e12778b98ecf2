#include "analysis/checkout_probe.h"

#include <gtest/gtest.h>

namespace leadscan::analysis {
namespace {

ProbeTarget Target(int64_t product, std::string token = "", std::string cart_url = "",
                   std::string checkout_url = "") {
  return {product, std::move(token), std::move(cart_url), std::move(checkout_url)};
}

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
  auto shopify = PlanProbe("shopify", "https://kaffebonan.test/start", Target(12));
  ASSERT_EQ(shopify.size(), 3u);
  EXPECT_EQ(shopify[0].method, "POST");
  EXPECT_EQ(shopify[0].url, "https://kaffebonan.test/cart/add.js");
  EXPECT_EQ(shopify[0].body, "id=12&quantity=1");
  EXPECT_EQ(shopify[1].url, "https://kaffebonan.test/cart");
  EXPECT_EQ(shopify[2].kind, ProbeStep::Kind::kCheckout);
  auto woo = PlanProbe("woocommerce", "https://tradgardsboden.test/",
                       Target(42, "", "https://tradgardsboden.test/varukorg/",
                              "https://tradgardsboden.test/kassan/"));
  ASSERT_EQ(woo.size(), 3u);
  EXPECT_EQ(woo[0].url, "https://tradgardsboden.test/?add-to-cart=42");
  EXPECT_EQ(woo[1].url, "https://tradgardsboden.test/varukorg/");
  EXPECT_EQ(woo[2].url, "https://tradgardsboden.test/kassan/");
  for (const auto& plan : {shopify, woo}) {
    for (const auto& step : plan)
      EXPECT_TRUE(step.method == "GET" || step.kind == ProbeStep::Kind::kAddToCart);
  }
  EXPECT_TRUE(PlanProbe("wix", "https://a.test/", Target(1)).empty());
  EXPECT_EQ(ProbeMechanism("shopify"), "shopify");
  EXPECT_EQ(ProbeMechanism("wix"), std::nullopt);
}

TEST(CheckoutProbeTest, MagentoFindsTheProductAndPostsTheFormKey) {
  // A category page's button (data-post, JSON-escaped) and a product page's form.
  EXPECT_EQ(
      MagentoProductId(
          "<button data-post='{\"action\":\"https:\\/\\/m.test\\/checkout\\/cart\\/add"
          "\\/uenc\\/aHR0cHM6Ly9tLnRlc3Qv\\/product\\/14\\/\",\"data\":{\"product\":\"14\"}}'>"),
      14);
  EXPECT_EQ(MagentoProductId("<form action=\"https://m.test/checkout/cart/add/uenc/x/product/"
                             "2047/\" id=\"product_addtocart_form\">"),
            2047);
  EXPECT_EQ(MagentoProductId("<input type=\"hidden\" value=\"31\" name=\"product\">"), 31);
  EXPECT_EQ(MagentoProductId("<a href=\"/checkout/cart/\">Varukorg</a>"), std::nullopt);
  const std::string key = MagentoFormKey();
  EXPECT_EQ(key.size(), 16u);
  EXPECT_NE(key, MagentoFormKey());
  auto plan = PlanProbe("magento", "https://m.test/", Target(14, key));
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].method, "POST");
  EXPECT_EQ(plan[0].url, "https://m.test/checkout/cart/add/product/14/");
  EXPECT_EQ(plan[0].body, "product=14&qty=1&form_key=" + key);
  EXPECT_EQ(plan[1].url, "https://m.test/checkout/cart/");
  EXPECT_EQ(plan[2].url, "https://m.test/checkout/");
  EXPECT_TRUE(PlanProbe("magento", "https://m.test/", Target(14)).empty());
}

TEST(CheckoutProbeTest, PrestaShopReadsTheTokenAndTheShopsOwnPages) {
  const std::string page =
      "<script>var prestashop = {\"cart\":{\"products\":[]},\"static_token\":\"9f2c{}\\\"a\","
      "\"urls\":{\"pages\":{\"cart\":\"https:\\/\\/p.test\\/varukorg\","
      "\"order\":\"https:\\/\\/p.test\\/bestallning\"}}};</script>"
      "<article class=\"product-miniature js-product-miniature\" data-id-product=\"8\">";
  PrestaShopContext ps = PrestaShopContextOf(page);
  EXPECT_EQ(ps.static_token, "9f2c{}\"a");
  EXPECT_EQ(ps.cart_url, "https://p.test/varukorg");
  EXPECT_EQ(ps.order_url, "https://p.test/bestallning");
  EXPECT_EQ(PrestaShopProductId(page), 8);
  EXPECT_EQ(PrestaShopProductId("<input name=\"id_product\" value=\"5\" type=\"hidden\">"), 5);
  EXPECT_EQ(PrestaShopContextOf("var prestashop = {\"static_token\": ").static_token, "");
  EXPECT_EQ(PrestaShopContextOf("<p>no shop</p>").cart_url, "");
  auto plan = PlanProbe("prestashop", "https://p.test/",
                        Target(8, ps.static_token, ps.cart_url, ps.order_url));
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].url, "https://p.test/varukorg");
  EXPECT_EQ(plan[0].body,
            "token=9f2c%7B%7D%22a&id_product=8&id_customization=0&qty=1&add=1&action=update");
  EXPECT_EQ(plan[1].url, "https://p.test/varukorg?action=show");
  EXPECT_EQ(plan[2].url, "https://p.test/bestallning");
  // Pages on another site are never used: the platform's defaults on this one are.
  auto away = PlanProbe("prestashop", "https://p.test/",
                        Target(8, "t", "https://evil.test/cart", "javascript:alert(1)"));
  ASSERT_EQ(away.size(), 3u);
  EXPECT_EQ(away[0].url, "https://p.test/cart");
  EXPECT_EQ(away[2].url, "https://p.test/order");
}

TEST(CheckoutProbeTest, TheBrowserLooksForAddToCartInTheShopsLanguages) {
  EXPECT_TRUE(ShowsAddToCart("<button>L\xc3\xa4gg i varukorgen</button>"));
  EXPECT_TRUE(ShowsAddToCart("<button class=\"btn\">ADD TO CART</button>"));
  EXPECT_TRUE(ShowsAddToCart("<button>Legg i handlekurven</button>"));
  EXPECT_TRUE(ShowsAddToCart("<a>Lis\xc3\xa4\xc3\xa4 ostoskoriin</a>"));
  EXPECT_FALSE(ShowsAddToCart("<a href=\"/varukorg\">Varukorg</a> <p>Om oss</p>"));
  // No add-to-cart phrase names the checkout: the click never aims at a checkout control.
  for (const std::string& phrase : AddToCartPhrases()) {
    for (const std::string& w : CheckoutLinkWords())
      EXPECT_EQ(phrase.find(w), std::string::npos) << phrase << " / " << w;
  }
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
