// Fuzz target: rule files (detect::RuleSet::Load: JSON, the Wappalyzer pattern syntax, regex
// translation and compilation, dom selectors, the x-leadscan extension), then the loaded
// rules run over a small fixed page. Input: the rule file's text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "detect/detector.h"
#include "detect/rule_set.h"
#include "fuzz_check.h"
#include "rules_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace detect = leadscan::detect;
  static leadscan::fuzz::ScratchDir dir;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto rules = detect::RuleSet::Load({dir.Write("rules.json", in)});
  if (!rules.ok()) {
    FUZZ_CHECK(rules.status().error_code() == "rules_invalid");
    return 0;
  }
  detect::PageInput page;
  page.url = "https://shop.example.se/checkout?step=1";
  page.html =
      "<html><head><meta name=\"generator\" content=\"GenCMS 5.2\">"
      "<script src=\"https://cdn.shop.example/v1.2/app.js\"></script>"
      "<style>.cart-box{color:red}</style><script>window.Shop = {version: '3'};</script>"
      "</head><body><div id=\"cart\" class=\"a b\" data-pay=\"klarna\"><a href=\"/kassa\">"
      "Till kassan</a><img src=\"/img/swish.svg\" alt=\"Swish\"></div>"
      "<footer><span class=\"brand\">Brand 7</span> powered by Texty</footer></body></html>";
  page.headers = {{"server", "nginx/1.25"}, {"x-powered-by", "PHP/8.2"}};
  page.cookies = {{"session", "abc"}};
  page.robots = "User-agent: *\nDisallow: /admin\n";
  page.js = {{"Shop.version", "3"}};
  page.xhr = {"https://api.shop.example/v1/cart"};
  detect::Detector detector(*rules);
  for (const auto& finding : detector.Analyze({page})) {
    FUZZ_CHECK(!finding.name.empty());
    FUZZ_CHECK((*rules)->Find(finding.name) >= 0);
  }
  return 0;
}
