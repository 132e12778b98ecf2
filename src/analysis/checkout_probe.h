// Checkout probing (issue 11): most Nordic checkouts (Klarna/Kustom, Svea, Walley, Qliro, Nets
// Easy, Avarda...) load only on the checkout page with something in the cart. This file plans
// the probe from what the analysis already has — the platform's slug and the pages' HTML — as a
// few HTTP steps through the platform's public cart mechanism: put one in-stock product in the
// cart, open the cart, open the checkout. It never fills in a form and never goes past the cart
// page's "to checkout" step. Pure functions: no I/O; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscan::analysis {

// One HTTP request of a probe.
struct ProbeStep {
  enum class Kind {
    kProductJson,  // GET a product's JSON to pick an in-stock variant (Shopify)
    kAddToCart,    // put one product in the cart
    kCart,         // open the cart page
    kCheckout,     // open the checkout page (detect here)
  };
  Kind kind = Kind::kCart;
  std::string method = "GET";
  std::string url;           // absolute
  std::string body;          // POST body (application/x-www-form-urlencoded)
  std::string content_type;  // for a POST
};

// The mechanism the probe uses for a platform slug: "shopify", "woocommerce", "magento",
// "prestashop"; nullopt for a platform it has no HTTP mechanism for (the browser would click).
std::optional<std::string> ProbeMechanism(std::string_view platform_slug);

// Shopify: the first product handle linked from `html` (/products/<handle>), as the product
// JSON URL on `site` (https://host): https://host/products/<handle>.js. Empty when none.
std::string ShopifyProductJsonUrl(std::string_view html, std::string_view page_url);

// Shopify: the first variant marked available in a /products/<handle>.js answer; nullopt when
// the JSON cannot be read or nothing is available.
std::optional<int64_t> ShopifyAvailableVariant(std::string_view product_json);

// WooCommerce: the first product id an add-to-cart control on `html` names
// (`data-product_id="N"`, `?add-to-cart=N`, `name="add-to-cart" value="N"`); nullopt when none.
std::optional<int64_t> WooCommerceProductId(std::string_view html);

// Magento 2: the first product id an add-to-cart form or button on `html` names (the
// `.../checkout/cart/add/.../product/N/` action, plain or JSON-escaped in `data-post`, or the
// form's `name="product" value="N"`); nullopt when none.
std::optional<int64_t> MagentoProductId(std::string_view html);

// A fresh Magento form key for one probe: 16 letters and digits, as Magento makes them.
std::string MagentoFormKey();

// PrestaShop 1.7/8: the first product id of a product miniature or add-to-cart form
// (`data-id-product="N"`, `name="id_product" value="N"`); nullopt when none.
std::optional<int64_t> PrestaShopProductId(std::string_view html);

// PrestaShop's `var prestashop = {...};` on a page: the guest's static token and the shop's own
// cart and order (checkout) pages. Empty fields when the page has no such object or it cannot
// be read (bounded: at most 1 MB of object, JSON depth as common::ParseJson allows).
struct PrestaShopContext {
  std::string static_token;
  std::string cart_url;
  std::string order_url;
};

PrestaShopContext PrestaShopContextOf(std::string_view html);

// What the add-to-cart step needs, read from the pages.
struct ProbeTarget {
  int64_t product = 0;       // Shopify's variant id; WooCommerce's, Magento's, PrestaShop's product
  std::string token;         // PrestaShop's static token; Magento's form key (also sent as cookie)
  std::string cart_url;      // the shop's own cart page when the pages name it (e.g. /varukorg/)
  std::string checkout_url;  // the shop's own checkout page when the pages name it
};

// The steps after the product is known, for `mechanism` on `site_url` (scheme://host/): add to
// cart, cart, checkout, with the platform's default cart and checkout paths unless `target`
// names the shop's own.
std::vector<ProbeStep> PlanProbe(std::string_view mechanism, std::string_view site_url,
                                 const ProbeTarget& target);

// The browser's way, for a shop no HTTP mechanism fits (a platform without one, a shop built by
// scripts): click an "add to cart" control on a page, then open the cart and the checkout in
// the same browser context (render::RenderRequest::click_texts / then).
// Lower-case phrases an add-to-cart control's text contains (sv, no, da, fi, en, de).
const std::vector<std::string>& AddToCartPhrases();
// Lower-case texts an add-to-cart control is exactly ("köp", "kjøp", "køb", "osta", "buy").
const std::vector<std::string>& AddToCartWords();
// Lower-case words of a link to the cart, or to the checkout (href path or text).
const std::vector<std::string>& CartLinkWords();
const std::vector<std::string>& CheckoutLinkWords();

// Whether `html` shows an add-to-cart control's text (plain search, lower-cased ASCII and the
// phrases as written): the page the browser should click on.
bool ShowsAddToCart(std::string_view html);

// The cookies of one probe (name -> value), bounded: at most 50 cookies of at most 4,096 bytes.
class ProbeCookies {
 public:
  // Takes every `set-cookie` header (name=value before the first ';'; attributes ignored, a
  // probe stays on one site).
  void Take(const std::vector<std::pair<std::string, std::string>>& headers);
  // The Cookie request header ("a=1; b=2"), "" when empty.
  std::string Header() const;
  // Sets one cookie the probe chose itself (Magento's form_key).
  void Set(const std::string& name, const std::string& value);

  bool empty() const { return jar_.empty(); }

 private:
  std::map<std::string, std::string> jar_;
};

}  // namespace leadscan::analysis
