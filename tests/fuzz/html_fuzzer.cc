// Fuzz target: detection on one page of hostile HTML: the bounds pre-pass (html_bounds), the
// parse into page features (page_features, with the DOM index of dom_index), and the detector
// with a small rule set that has a rule of every field the page feeds (html, text, css,
// scripts, script src, meta, links, dom exists / text / attributes, words and logos), and
// the JSON state read from application/json scripts (json_state.h).
// Input: the HTML; its first line is also resolved as a link against the page's URL.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "detect/detector.h"
#include "detect/html_bounds.h"
#include "detect/page_features.h"
#include "fuzz_check.h"
#include "rules_file.h"

namespace {

namespace detect = leadscan::detect;

constexpr const char* kCategories = R"({
  "1": {"name": "CMS", "priority": 1},
  "6": {"name": "Ecommerce", "priority": 1},
  "41": {"name": "Payment processors", "priority": 8}
})";

constexpr const char* kRules = R"({
  "Html": {"cats": [1], "html": "<div id=\"shop-([a-z]+)\"\\;version:\\1"},
  "Text": {"cats": [1], "text": "powered by (\\w+)\\;version:\\1"},
  "Css": {"cats": [1], "css": "\\.cart-[a-z]+\\{"},
  "Inline": {"cats": [6], "scripts": "window\\.Shop(?:ify)?\\b"},
  "Src": {"cats": [6], "scriptSrc": "cdn\\.shop\\.example/v([\\d.]+)/\\;version:\\1"},
  "Gen": {"cats": [1], "meta": {"generator": "^GenCMS ([\\d.]+)\\;version:\\1"}},
  "Exists": {"cats": [6], "dom": "#cart .checkout-button, my-widget"},
  "DomText": {"cats": [6], "dom": {"footer .brand": {"text": "^Brand\\s+(\\d+)\\;version:\\1"}}},
  "DomAttr": {"cats": [6], "dom": {"[data-pay]": {"attributes": {"data-pay": "^(\\w+)$"}}},
              "implies": "Html"},
  "Pay": {"cats": [41], "x-leadscan": {"group": "payment", "words": ["Klarna", "Swish"],
          "logos": ["klarna-logo"]}}
})";

std::shared_ptr<const detect::RuleSet> LoadRules() {
  static leadscan::fuzz::ScratchDir dir;
  auto rules = detect::RuleSet::Load(
      {dir.Write("categories.json", kCategories), dir.Write("rules.json", kRules)});
  FUZZ_CHECK(rules.ok());
  return *rules;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const detect::Detector detector(LoadRules());
  std::string_view in(reinterpret_cast<const char*>(data), size);

  detect::HtmlCut cut = detect::BoundHtml(in);
  FUZZ_CHECK(cut.keep <= in.size());
  FUZZ_CHECK(cut.cut == !cut.reason.empty());
  FUZZ_CHECK(cut.cut || cut.keep == in.size());
  detect::HtmlLimits tight;
  tight.max_depth = 8;
  tight.max_elements = 16;
  detect::HtmlCut small = detect::BoundHtml(in, tight);
  FUZZ_CHECK(small.keep <= cut.keep);

  auto [first_line, rest] = leadscan::fuzz::SplitFirstLine(in);
  (void)detect::ResolveUrl("https://shop.example.se/a/b?c=d", std::string(first_line));

  detect::PageInput page;
  page.url = "https://shop.example.se/";
  page.html = std::string(in);
  page.headers = {{"content-type", "text/html"}};
  detect::SiteDetection site(detector);
  FUZZ_CHECK(site.AddPage(page));
  FUZZ_CHECK(site.notes().size() == 1);
  for (const auto& finding : site.Findings())
    FUZZ_CHECK(!finding.name.empty());
  // JSON state: bounded, one "key.path: value" line per string.
  {
    static detect::PageParser parser;
    detect::PageFeatures features;
    parser.Parse(page, &features);
    FUZZ_CHECK(features.json_state.size() <= detect::kMaxJsonStateBytes);
    FUZZ_CHECK(features.json_state.empty() || features.json_state.back() == '\n');
  }
  // The same page rendered by a browser goes through the rendered_html path.
  page.rendered_html = std::string(rest);
  (void)detector.Analyze({page});
  return 0;
}
