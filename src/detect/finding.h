// Finding: one detected technology or commerce provider with the evidence that proves it.
// Plain data, JSON field names as in SPEC §6.
#pragma once

#include <string>
#include <vector>

namespace leadscan::detect {

struct Evidence {
  std::string page;     // URL of the page the match came from
  std::string field;    // "html", "scriptSrc", "headers.server", "text", "dom", ...
  std::string matched;  // the matched text (trimmed to a bounded length)
  std::string source;   // "" (the HTTP page) or "browser" (the rendered page: DOM, js, xhr)
};

// Which result field a finding belongs to (SPEC §6).
enum class Group {
  kTechnology,        // technologies
  kPlatform,          // ecommerce_platform (also listed in technologies)
  kCheckout,          // checkout_solutions
  kPayment,           // payment_methods
  kCarrier,           // carriers
  kShippingSoftware,  // shipping_software
};

struct Finding {
  std::string name;                     // "Klarna Checkout"
  std::string slug;                     // "klarna-checkout"
  std::vector<std::string> categories;  // category names
  Group group = Group::kTechnology;
  int confidence = 0;   // 0..100
  std::string version;  // empty when unknown
  std::vector<Evidence> evidence;
  std::vector<std::string> formerly;  // previous brand names ("Collector Checkout")
};

const char* GroupName(Group group);

}  // namespace leadscan::detect
