#include "analysis/checkout_probe.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <random>

#include "analysis/page_discovery.h"
#include "common/json_parse.h"

namespace leadscan::analysis {
namespace {

// The site's root ("https://host/") of an absolute URL.
std::string RootOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos)
    return {};
  const size_t path = url.find('/', scheme + 3);
  return std::string(url.substr(0, path)) + "/";
}

// The digits right after position `at` of `text` (at most 18), skipping one quote.
std::optional<int64_t> DigitsAt(std::string_view text, size_t at) {
  if (at < text.size() && (text[at] == '"' || text[at] == '\''))
    ++at;
  size_t end = at;
  while (end < text.size() && end - at < 19 && std::isdigit(static_cast<unsigned char>(text[end])))
    ++end;
  if (end == at || end - at > 18)
    return std::nullopt;
  return std::stoll(std::string(text.substr(at, end - at)));
}

// The first number after any occurrence of `marker` in `text` that has one.
std::optional<int64_t> NumberAfter(std::string_view text, std::string_view marker) {
  for (size_t at = text.find(marker); at != std::string_view::npos;
       at = text.find(marker, at + 1)) {
    if (auto n = DigitsAt(text, at + marker.size()))
      return n;
  }
  return std::nullopt;
}

// The whole tag around position `at` of `html` (from its '<' to its '>'), bounded to 1 KB each
// way; empty when `at` is not inside a tag.
std::string_view TagAround(std::string_view html, size_t at) {
  constexpr size_t kReach = 1024;
  const size_t from = at > kReach ? at - kReach : 0;
  const size_t open = html.rfind('<', at);
  if (open == std::string_view::npos || open < from ||
      html.substr(open, at - open).find('>') != std::string_view::npos)
    return {};
  const size_t close = html.find('>', at);
  const size_t end = close == std::string_view::npos ? std::min(html.size(), at + kReach)
                                                     : std::min(close, at + kReach);
  return html.substr(open, end - open);
}

// The number in the value="N" of the first tag that carries `name_attr` (name="..." as
// written), wherever value= stands in the tag.
std::optional<int64_t> ValueOfNamedInput(std::string_view html, std::string_view name_attr) {
  for (size_t at = html.find(name_attr); at != std::string_view::npos;
       at = html.find(name_attr, at + 1)) {
    if (auto n = NumberAfter(TagAround(html, at), "value="))
      return n;
  }
  return std::nullopt;
}

// application/x-www-form-urlencoded value.
std::string FormEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The JSON object that starts at html[open] ('{'), to its matching '}', with strings and
// escapes skipped; empty when it does not close within `limit` bytes.
std::string_view ObjectAt(std::string_view html, size_t open, size_t limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = open; i < html.size() && i - open < limit; ++i) {
    const char c = html[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return html.substr(open, i - open + 1);
    }
  }
  return {};
}

}  // namespace

std::optional<std::string> ProbeMechanism(std::string_view slug) {
  if (slug == "shopify" || slug == "woocommerce" || slug == "magento" || slug == "prestashop")
    return std::string(slug);
  return std::nullopt;
}

std::string ShopifyProductJsonUrl(std::string_view html, std::string_view page_url) {
  for (const Link& link : ExtractLinks(html, 2000)) {
    const std::string url = ResolveUrl(page_url, link.href);
    if (url.empty() || !SameSite(SiteOf(url), SiteOf(page_url)))
      continue;
    const size_t at = url.find("/products/");
    if (at == std::string::npos)
      continue;
    size_t end = at + 10;
    while (end < url.size() && (std::isalnum(static_cast<unsigned char>(url[end])) ||
                                url[end] == '-' || url[end] == '_'))
      ++end;
    if (end == at + 10)
      continue;
    return RootOf(url) + url.substr(at + 1, end - at - 1) + ".js";
  }
  return {};
}

std::optional<int64_t> ShopifyAvailableVariant(std::string_view product_json) {
  auto json = common::ParseJson(product_json, "product JSON");
  if (!json.ok() || !json->is_object())
    return std::nullopt;
  auto variants = json->find("variants");
  if (variants == json->end() || !variants->is_array())
    return std::nullopt;
  for (const auto& v : *variants) {
    if (!v.is_object())
      continue;
    auto available = v.find("available");
    auto id = v.find("id");
    if (available != v.end() && available->is_boolean() && available->get<bool>() &&
        id != v.end() && id->is_number_integer())
      return id->get<int64_t>();
  }
  return std::nullopt;
}

std::optional<int64_t> WooCommerceProductId(std::string_view html) {
  // Plain searches, linear in the page (no regex over outside HTML).
  for (std::string_view marker :
       {"data-product_id=", "?add-to-cart=", "&add-to-cart=", "&amp;add-to-cart="}) {
    if (auto n = NumberAfter(html, marker))
      return n;
  }
  // <button name="add-to-cart" value="N">: the value within the same tag.
  return ValueOfNamedInput(html, "name=\"add-to-cart\"");
}

std::optional<int64_t> MagentoProductId(std::string_view html) {
  // The add-to-cart action, as an attribute or JSON-escaped inside data-post.
  for (std::string_view marker : {"checkout/cart/add/", "checkout\\/cart\\/add\\/"}) {
    for (size_t at = html.find(marker); at != std::string_view::npos;
         at = html.find(marker, at + 1)) {
      const std::string_view action = html.substr(at, 600);
      const size_t stop = action.find_first_of("\"'<> ");
      const std::string_view url = action.substr(0, stop);
      for (std::string_view key : {"/product/", "\\/product\\/"}) {
        const size_t k = url.find(key);
        if (k != std::string_view::npos) {
          if (auto n = DigitsAt(url, k + key.size()))
            return n;
        }
      }
    }
  }
  return ValueOfNamedInput(html, "name=\"product\"");
}

std::string MagentoFormKey() {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string key(16, '0');
  for (char& c : key)
    c = kAlphabet[pick(rng)];
  return key;
}

std::optional<int64_t> PrestaShopProductId(std::string_view html) {
  if (auto n = NumberAfter(html, "data-id-product="))
    return n;
  return ValueOfNamedInput(html, "name=\"id_product\"");
}

PrestaShopContext PrestaShopContextOf(std::string_view html) {
  constexpr size_t kMaxObject = 1 << 20;
  PrestaShopContext out;
  for (std::string_view marker : {"var prestashop = ", "var prestashop="}) {
    const size_t at = html.find(marker);
    if (at == std::string_view::npos)
      continue;
    const size_t open = html.find_first_not_of(" \t\r\n", at + marker.size());
    if (open == std::string_view::npos || html[open] != '{')
      continue;
    auto json = common::ParseJson(ObjectAt(html, open, kMaxObject), "prestashop object");
    if (!json.ok() || !json->is_object())
      continue;
    auto text = [](const nlohmann::json& j, const nlohmann::json::json_pointer& ptr) {
      return j.contains(ptr) && j.at(ptr).is_string() ? j.at(ptr).get<std::string>()
                                                      : std::string();
    };
    out.static_token = text(*json, nlohmann::json::json_pointer("/static_token"));
    out.cart_url = text(*json, nlohmann::json::json_pointer("/urls/pages/cart"));
    out.order_url = text(*json, nlohmann::json::json_pointer("/urls/pages/order"));
    break;
  }
  return out;
}

std::vector<ProbeStep> PlanProbe(std::string_view mechanism, std::string_view site_url,
                                 const ProbeTarget& target) {
  const std::string root = RootOf(site_url);
  if (root.empty())
    return {};
  const std::string id = std::to_string(target.product);
  // The shop's own page when it is on this site; the probe never leaves the site.
  auto own_or = [&](const std::string& own, const char* path) {
    const bool usable = own.starts_with("http") && SameSite(SiteOf(own), SiteOf(root));
    return usable ? own : root + path;
  };
  constexpr const char* kForm = "application/x-www-form-urlencoded";
  std::vector<ProbeStep> steps;
  std::string cart, checkout;
  if (mechanism == "shopify") {
    steps.push_back({ProbeStep::Kind::kAddToCart, "POST", root + "cart/add.js",
                     "id=" + id + "&quantity=1", kForm});
    cart = own_or(target.cart_url, "cart");
    checkout = own_or(target.checkout_url, "checkout");
  } else if (mechanism == "woocommerce") {
    steps.push_back({ProbeStep::Kind::kAddToCart, "GET", root + "?add-to-cart=" + id, "", ""});
    cart = own_or(target.cart_url, "cart/");
    checkout = own_or(target.checkout_url, "checkout/");
  } else if (mechanism == "magento") {
    // Magento 2 checks the posted form_key against the form_key cookie (its full-page cache
    // takes the key from the cookie): the probe sends one key both ways.
    if (target.token.empty())
      return {};
    steps.push_back({ProbeStep::Kind::kAddToCart, "POST",
                     root + "checkout/cart/add/product/" + id + "/",
                     "product=" + id + "&qty=1&form_key=" + FormEncode(target.token), kForm});
    cart = own_or(target.cart_url, "checkout/cart/");
    checkout = own_or(target.checkout_url, "checkout/");
  } else if (mechanism == "prestashop") {
    // PrestaShop's cart controller: add=1 with the page's static token, as its own
    // add-to-cart button posts it.
    if (target.token.empty())
      return {};
    cart = own_or(target.cart_url, "cart");
    steps.push_back({ProbeStep::Kind::kAddToCart, "POST", cart,
                     "token=" + FormEncode(target.token) + "&id_product=" + id +
                         "&id_customization=0&qty=1&add=1&action=update",
                     kForm});
    cart += cart.find('?') == std::string::npos ? "?action=show" : "&action=show";
    checkout = own_or(target.checkout_url, "order");
  } else {
    return {};
  }
  steps.push_back({ProbeStep::Kind::kCart, "GET", cart, "", ""});
  steps.push_back({ProbeStep::Kind::kCheckout, "GET", checkout, "", ""});
  return steps;
}

const std::vector<std::string>& AddToCartPhrases() {
  static const std::vector<std::string> kPhrases = {
      "lägg i varukorg", "lägg i kundvagn",   "lägg i korg",       "add to cart",
      "add to basket",   "add to bag",        "legg i handlekurv", "legg i handlevogn",
      "læg i kurv",      "læg i indkøbskurv", "tilføj til kurv",   "lisää ostoskoriin",
      "lisää koriin",    "in den warenkorb"};
  return kPhrases;
}

const std::vector<std::string>& AddToCartWords() {
  static const std::vector<std::string> kWords = {"köp", "kjøp", "køb", "osta", "buy"};
  return kWords;
}

const std::vector<std::string>& CartLinkWords() {
  static const std::vector<std::string> kWords = {"varukorg",   "kundvagn",   "/cart",
                                                  "handlekurv", "handlevogn", "kurv",
                                                  "ostoskori",  "basket",     "warenkorb"};
  return kWords;
}

const std::vector<std::string>& CheckoutLinkWords() {
  static const std::vector<std::string> kWords = {"checkout", "kassa",       "kasse",
                                                  "kassalle", "bestallning", "/order"};
  return kWords;
}

bool ShowsAddToCart(std::string_view html) {
  std::string lower(html.substr(0, 4 * 1024 * 1024));
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string& phrase : AddToCartPhrases()) {
    if (lower.find(phrase) != std::string::npos)
      return true;
  }
  return false;
}

void ProbeCookies::Take(const std::vector<std::pair<std::string, std::string>>& headers) {
  constexpr size_t kMaxCookies = 50;
  constexpr size_t kMaxCookieBytes = 4096;
  for (const auto& [name, value] : headers) {
    if (name != "set-cookie")
      continue;
    const std::string pair = value.substr(0, value.find(';'));
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || pair.size() > kMaxCookieBytes)
      continue;
    std::string key = pair.substr(0, eq);
    const size_t a = key.find_first_not_of(" \t");
    const size_t b = key.find_last_not_of(" \t");
    if (a == std::string::npos)
      continue;
    key = key.substr(a, b - a + 1);
    if (key.find_first_of("\r\n;, ") != std::string::npos)
      continue;
    std::string val = pair.substr(eq + 1);
    if (val.find_first_of("\r\n;") != std::string::npos)
      continue;
    if (jar_.size() >= kMaxCookies && jar_.count(key) == 0)
      continue;
    jar_[key] = val;
  }
}

void ProbeCookies::Set(const std::string& name, const std::string& value) {
  Take({{"set-cookie", name + "=" + value}});
}

std::string ProbeCookies::Header() const {
  std::string out;
  for (const auto& [k, v] : jar_) {
    if (!out.empty())
      out += "; ";
    out += k + "=" + v;
  }
  return out;
}

}  // namespace leadscan::analysis
