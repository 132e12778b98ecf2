#include "analysis/checkout_probe.h"

#include <cctype>
#include <nlohmann/json.hpp>

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
  for (size_t at = html.find("name=\"add-to-cart\""); at != std::string_view::npos;
       at = html.find("name=\"add-to-cart\"", at + 1)) {
    const size_t close = html.find('>', at);
    const std::string_view tag =
        html.substr(at, close == std::string_view::npos ? 200 : close - at);
    if (auto n = NumberAfter(tag, "value="))
      return n;
  }
  return std::nullopt;
}

std::vector<ProbeStep> PlanProbe(std::string_view mechanism, std::string_view site_url,
                                 int64_t product, std::string_view cart_url,
                                 std::string_view checkout_url) {
  const std::string root = RootOf(site_url);
  if (root.empty())
    return {};
  const std::string id = std::to_string(product);
  auto or_default = [&](std::string_view own, const char* path) {
    return own.empty() ? root + path : std::string(own);
  };
  std::vector<ProbeStep> steps;
  if (mechanism == "shopify") {
    steps.push_back({ProbeStep::Kind::kAddToCart, "POST", root + "cart/add.js",
                     "id=" + id + "&quantity=1", "application/x-www-form-urlencoded"});
    steps.push_back({ProbeStep::Kind::kCart, "GET", or_default(cart_url, "cart"), "", ""});
    steps.push_back(
        {ProbeStep::Kind::kCheckout, "GET", or_default(checkout_url, "checkout"), "", ""});
  } else if (mechanism == "woocommerce") {
    steps.push_back({ProbeStep::Kind::kAddToCart, "GET", root + "?add-to-cart=" + id, "", ""});
    steps.push_back({ProbeStep::Kind::kCart, "GET", or_default(cart_url, "cart/"), "", ""});
    steps.push_back(
        {ProbeStep::Kind::kCheckout, "GET", or_default(checkout_url, "checkout/"), "", ""});
  }
  return steps;
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
