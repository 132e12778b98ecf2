#include "detect/detector.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/utf8.h"
#include "detect/rule_set.h"
#include "detect/test_util.h"
#include "detect/words.h"

namespace leadscan::detect {
namespace {

using testing_util::kCategories;
using testing_util::TestDir;
using testing_util::WriteFile;

std::shared_ptr<const RuleSet> Load(const std::string& technologies) {
  std::string dir = TestDir();
  WriteFile(dir, "categories.json", kCategories);
  WriteFile(dir, "technologies.json", technologies);
  auto rs = RuleSet::Load({dir});
  EXPECT_TRUE(rs.ok()) << rs.status().ToString();
  return rs.ok() ? *rs : nullptr;
}

const Finding* FindByName(const std::vector<Finding>& fs, const std::string& name) {
  for (const Finding& f : fs) {
    if (f.name == name)
      return &f;
  }
  return nullptr;
}

PageInput Page(const std::string& html, const std::string& url = "https://shop.example/") {
  PageInput p;
  p.url = url;
  p.html = html;
  p.role = "home";
  return p;
}

TEST(DetectorTest, MatchesEveryPlainField) {
  auto rs = Load(R"({
    "Html": {"cats": [1], "html": "<div id=\"wrapper-x\""},
    "Text": {"cats": [1], "text": "powered by texty"},
    "Css": {"cats": [1], "css": "\\.cssy-box"},
    "Src": {"cats": [59], "scriptSrc": "cdn\\.srcy\\.com/lib-([\\d.]+)\\.js\\;version:\\1"},
    "Inline": {"cats": [59], "scripts": "window\\.inliney"},
    "Url": {"cats": [1], "url": "^https://shop\\.example"},
    "Robots": {"cats": [1], "robots": "Disallow: /robo-admin"},
    "Cert": {"cats": [1], "certIssuer": "Let's Encrypt"},
    "Xhr": {"cats": [1], "xhr": "api\\.xhry\\.io"}
  })");
  ASSERT_NE(rs, nullptr);
  PageInput p = Page(
      "<html><head><style>.cssy-box{color:red}</style>"
      "<script src=\"//cdn.srcy.com/lib-2.4.1.js\"></script>"
      "<script>window.inliney = 1;</script></head>"
      "<body><div id=\"wrapper-x\"><p>Powered by Texty</p></div></body></html>");
  p.robots = "User-agent: *\nDisallow: /robo-admin\n";
  p.cert_issuer = "Let's Encrypt R3";
  p.xhr = {"https://api.xhry.io/v1"};
  auto fs = Detector(rs).Analyze({p});
  for (const char* name :
       {"Html", "Text", "Css", "Src", "Inline", "Url", "Robots", "Cert", "Xhr"}) {
    EXPECT_NE(FindByName(fs, name), nullptr) << name;
  }
  ASSERT_NE(FindByName(fs, "Src"), nullptr);
  EXPECT_EQ(FindByName(fs, "Src")->version, "2.4.1");
  EXPECT_EQ(FindByName(fs, "Src")->evidence.at(0).field, "scriptSrc");
  EXPECT_EQ(FindByName(fs, "Src")->evidence.at(0).page, "https://shop.example/");
}

TEST(DetectorTest, MatchesHeadersCookiesMetaAndJsByKey) {
  auto rs = Load(R"({
    "Server": {"cats": [1], "headers": {"X-Powered-By": "^Servy/([\\d.]+)\\;version:\\1"}},
    "Cookie": {"cats": [1], "cookies": {"shopsess": ""}},
    "Gen": {"cats": [1], "meta": {"generator": "^GenCMS ([\\d.]+)\\;version:\\1"}},
    "Js": {"cats": [59], "js": {"Shopy.version": "^(\\d+)\\;version:\\1"}},
    "Miss": {"cats": [1], "headers": {"x-other": ""}}
  })");
  ASSERT_NE(rs, nullptr);
  PageInput p = Page("<html><head><meta name=\"Generator\" content=\"GenCMS 5.2\"></head></html>");
  p.headers = {{"x-powered-by", "Servy/1.9"}, {"set-cookie", "ShopSess=abc; Path=/"}};
  p.js = {{"Shopy.version", "7"}};
  auto fs = Detector(rs).Analyze({p});
  ASSERT_NE(FindByName(fs, "Server"), nullptr);
  EXPECT_EQ(FindByName(fs, "Server")->version, "1.9");
  EXPECT_EQ(FindByName(fs, "Server")->evidence.at(0).field, "headers.x-powered-by");
  EXPECT_NE(FindByName(fs, "Cookie"), nullptr);
  ASSERT_NE(FindByName(fs, "Gen"), nullptr);
  EXPECT_EQ(FindByName(fs, "Gen")->version, "5.2");
  ASSERT_NE(FindByName(fs, "Js"), nullptr);
  EXPECT_EQ(FindByName(fs, "Js")->version, "7");
  EXPECT_EQ(FindByName(fs, "Miss"), nullptr);
}

TEST(DetectorTest, DomSelectorsWithExistsTextAndAttributes) {
  auto rs = Load(R"({
    "Exists": {"cats": [1], "dom": "#shop-root .cart-button"},
    "List": {"cats": [1], "dom": ["#nothing", "my-widget"]},
    "TextDom": {"cats": [1], "dom": {"footer .brand": {"text": "^Brandy$"}}},
    "Attr": {"cats": [59], "dom": {"[ng-version]": {"attributes": {"ng-version": "^([\\d.]+)\\;version:\\1"}}}},
    "NoMatch": {"cats": [1], "dom": {"footer .brand": {"text": "^Other$"}}},
    "Absent": {"cats": [1], "dom": "#does-not-exist, absent-element"}
  })");
  ASSERT_NE(rs, nullptr);
  PageInput p = Page(
      "<html><body><div id=\"shop-root\"><button class=\"x cart-button\">Buy</button></div>"
      "<my-widget></my-widget><app-root ng-version=\"15.2.1\"></app-root>"
      "<footer><span class=\"brand\"> Brandy </span></footer></body></html>");
  auto fs = Detector(rs).Analyze({p});
  EXPECT_NE(FindByName(fs, "Exists"), nullptr);
  EXPECT_NE(FindByName(fs, "List"), nullptr);
  EXPECT_NE(FindByName(fs, "TextDom"), nullptr);
  ASSERT_NE(FindByName(fs, "Attr"), nullptr);
  EXPECT_EQ(FindByName(fs, "Attr")->version, "15.2.1");
  EXPECT_EQ(FindByName(fs, "NoMatch"), nullptr);
  EXPECT_EQ(FindByName(fs, "Absent"), nullptr);

  DetectorOptions no_dom;
  no_dom.dom = false;
  EXPECT_EQ(FindByName(Detector(rs, no_dom).Analyze({p}), "Exists"), nullptr);
}

// A dom selector runs only on pages where every compound of it can match (its tags, ids,
// classes, attribute names and attribute values are all there), and one whose patterns all
// read an attribute only where an element carries one of those attributes. (modest matches a
// type selector naming a tag the page lacks against the document node: "unknowntag a" alone
// would select every link, which no browser does.)
TEST(DetectorTest, DomSelectorsRunOnlyWherePageCanMatchThem) {
  auto rs = Load(R"({
    "Ancestor": {"cats": [1], "dom": "a[href*='vendor.example/'] > img"},
    "AncestorId": {"cats": [1], "dom": "#Vendor-Root .badge"},
    "AttrOnly": {"cats": [1], "dom": {"*": {"attributes": {"data-vendor-version": "^([\\d.]+)\\;version:\\1"}}}},
    "PropertyOnly": {"cats": [1], "dom": {"body": {"properties": {"vendorGlobal": ""}}}},
    "UnknownAncestor": {"cats": [1], "dom": "unknowntag a"}
  })");
  ASSERT_NE(rs, nullptr);
  // Every rightmost compound (img, .badge, any element, body) is on this page; nothing else is.
  PageInput without = Page(
      "<html><body><a href=\"/home\"><img src=\"logo.png\"></a>"
      "<div id=\"vendor-root\"><span class=\"badge\">b</span></div>"
      "<p data-version=\"1.2\">text</p></body></html>");
  AnalyzeStats stats;
  EXPECT_TRUE(Detector(rs).Analyze({without}, &stats).empty());
  EXPECT_EQ(stats.dom_queries, 0u);

  PageInput with = Page(
      "<html><body><a href=\"https://vendor.example/x\"><img src=\"logo.png\"></a>"
      "<div id=\"Vendor-Root\"><span class=\"badge\">b</span></div>"
      "<p data-vendor-version=\"1.2\">text</p><unknowntag><a href=\"/u\">u</a></unknowntag>"
      "</body></html>");
  AnalyzeStats with_stats;
  auto fs = Detector(rs).Analyze({with}, &with_stats);
  EXPECT_NE(FindByName(fs, "Ancestor"), nullptr);
  EXPECT_NE(FindByName(fs, "AncestorId"), nullptr);
  ASSERT_NE(FindByName(fs, "AttrOnly"), nullptr);
  EXPECT_EQ(FindByName(fs, "AttrOnly")->version, "1.2");
  EXPECT_EQ(FindByName(fs, "PropertyOnly"), nullptr);  // properties need a live DOM
  EXPECT_NE(FindByName(fs, "UnknownAncestor"), nullptr);
  EXPECT_EQ(with_stats.dom_queries, 4u);
}

// The parser takes script and style texts out of its tree (page_features.h); dom rules still
// read them: a text property on the element or on an ancestor, and :contains or :empty in a
// selector (the parser then leaves the texts in). libmodest crashed on :contains with a quoted
// string: that form is refused with a warning.
TEST(DetectorTest, DomRulesReadScriptAndStyleTexts) {
  const std::string page =
      "<html><head><style id=\"tw\">/*! tailwindcss v3.4.1 | MIT License */</style>"
      "<script>window.__STORE__ = {\"pinia\": 1};</script></head><body><p>x</p></body></html>";
  auto rs = Load(R"({
    "StyleText": {"cats": [59], "dom": {"style#tw": {"text": "tailwindcss v([\\d.]+)\\;version:\\1"}}},
    "HeadText": {"cats": [59], "dom": {"head": {"text": "\"pinia\""}}}
  })");
  ASSERT_NE(rs, nullptr);
  auto fs = Detector(rs).Analyze({Page(page)});
  ASSERT_NE(FindByName(fs, "StyleText"), nullptr);
  EXPECT_EQ(FindByName(fs, "StyleText")->version, "3.4.1");
  EXPECT_NE(FindByName(fs, "HeadText"), nullptr);
  auto contains = Load(R"json({
    "Contains": {"cats": [59], "dom": "script:contains(__STORE__)"}
  })json");
  ASSERT_NE(contains, nullptr);
  EXPECT_NE(FindByName(Detector(contains).Analyze({Page(page)}), "Contains"), nullptr);
  auto empty = Load(R"json({
    "EmptyStyle": {"cats": [59], "dom": "style:empty"}
  })json");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(FindByName(Detector(empty).Analyze({Page(page)}), "EmptyStyle"), nullptr);
  EXPECT_NE(FindByName(Detector(empty).Analyze({Page("<style></style>")}), "EmptyStyle"), nullptr);
  auto quoted = Load(R"json({
    "Quoted": {"cats": [59], "dom": "script:contains('__STORE__')"}
  })json");
  ASSERT_NE(quoted, nullptr);
  EXPECT_EQ(FindByName(Detector(quoted).Analyze({Page(page)}), "Quoted"), nullptr);
  ASSERT_FALSE(quoted->warnings().empty());
  EXPECT_NE(quoted->warnings()[0].find("not supported by the DOM engine"), std::string::npos);
}

// Found by fuzzing (tests/fuzz/rules): mycss compiles ":not(" to a :not without its selector
// list and does not mark it bad; modest then read the missing list and crashed on any page.
TEST(DetectorTest, SelectorsMycssLeavesIncompleteAreSkippedWithAWarning) {
  auto rs = Load(R"json({
    "Broken": {"cats": [1], "dom": [":not(", "div:not(", ":has(", "p:nth-child(", ":matches("]},
    "Fine": {"cats": [1], "dom": "div:not(.other)"}
  })json");
  ASSERT_NE(rs, nullptr);
  PageInput p = Page("<html><body><div class=\"cart\"><p>x</p></div></body></html>");
  auto fs = Detector(rs).Analyze({p});
  EXPECT_EQ(FindByName(fs, "Broken"), nullptr);
  EXPECT_NE(FindByName(fs, "Fine"), nullptr);
  bool warned = false;
  for (const std::string& w : rs->warnings())
    warned = warned || w.find("not supported by the DOM engine") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(DetectorTest, ConfidenceSumsAndLongestVersionWins) {
  auto rs = Load(R"({
    "Lib": {"cats": [59],
            "scriptSrc": ["lib-(\\d+)\\.js\\;version:\\1\\;confidence:30",
                          "lib-(\\d+\\.\\d+)\\.js\\;version:\\1\\;confidence:30"],
            "html": "data-lib\\;confidence:30"}
  })");
  ASSERT_NE(rs, nullptr);
  auto fs = Detector(rs).Analyze(
      {Page("<script src=\"/lib-3.js\"></script><script src=\"/lib-3.14.js\"></script>"
            "<div data-lib></div>")});
  const Finding* f = FindByName(fs, "Lib");
  ASSERT_NE(f, nullptr);
  // lib-3.js: first pattern (30); lib-3.14.js: second pattern (30); html (30).
  EXPECT_EQ(f->confidence, 90);
  EXPECT_EQ(f->version, "3.14");

  auto fs2 = Detector(rs).Analyze({Page("<div data-lib></div>")});
  ASSERT_NE(FindByName(fs2, "Lib"), nullptr);
  EXPECT_EQ(FindByName(fs2, "Lib")->confidence, 30);
}

TEST(DetectorTest, ImpliesExcludesAndRequiresResolve) {
  auto rs = Load(R"({
    "Woo": {"cats": [6], "html": "woocommerce-page", "implies": ["WordPress\\;confidence:50", "PHP"]},
    "WordPress": {"cats": [1], "implies": "PHP"},
    "PHP": {"cats": [59]},
    "Old": {"cats": [1], "html": "woocommerce"},
    "New": {"cats": [1], "html": "woocommerce-page", "excludes": "Old"},
    "Plugin": {"cats": [59], "html": "plugin-x", "requires": "WordPress"},
    "ShopAddon": {"cats": [59], "html": "addon-y", "requiresCategory": 6},
    "Lonely": {"cats": [59], "html": "plugin-x", "requires": "Old"}
  })");
  ASSERT_NE(rs, nullptr);
  auto fs =
      Detector(rs).Analyze({Page("<body class=\"woocommerce-page\">plugin-x addon-y</body>")});
  ASSERT_NE(FindByName(fs, "Woo"), nullptr);
  EXPECT_EQ(FindByName(fs, "Woo")->group, Group::kPlatform);
  ASSERT_NE(FindByName(fs, "WordPress"), nullptr);
  EXPECT_EQ(FindByName(fs, "WordPress")->confidence, 50);
  EXPECT_EQ(FindByName(fs, "WordPress")->evidence.at(0).field, "implies");
  EXPECT_NE(FindByName(fs, "PHP"), nullptr);
  EXPECT_NE(FindByName(fs, "New"), nullptr);
  EXPECT_EQ(FindByName(fs, "Old"), nullptr);  // excluded by New
  EXPECT_NE(FindByName(fs, "Plugin"), nullptr);
  EXPECT_NE(FindByName(fs, "ShopAddon"), nullptr);
  EXPECT_EQ(FindByName(fs, "Lonely"), nullptr);  // its required technology was excluded

  // Without the platform, requiresCategory and requires do not fire.
  auto fs2 = Detector(rs).Analyze({Page("<body>plugin-x addon-y</body>")});
  EXPECT_EQ(FindByName(fs2, "Plugin"), nullptr);
  EXPECT_EQ(FindByName(fs2, "ShopAddon"), nullptr);
}

TEST(DetectorTest, ExtensionSetsGroupSlugAndFormerName) {
  auto rs = Load(R"({
    "Walley Checkout": {"cats": [41], "scriptSrc": "walleypay\\.com",
      "x-leadscan": {"group": "checkout", "slug": "walley", "formerly": ["Collector Checkout"]}},
    "Stripe": {"cats": [41], "scriptSrc": "js\\.stripe\\.com"},
    "Some Lib": {"cats": [59], "scriptSrc": "somelib\\.js"}
  })");
  ASSERT_NE(rs, nullptr);
  auto fs = Detector(rs).Analyze({Page(
      "<script src=\"https://checkout.walleypay.com/x.js\"></script>"
      "<script src=\"https://js.stripe.com/v3\"></script><script src=\"/somelib.js\"></script>")});
  const Finding* w = FindByName(fs, "Walley Checkout");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->group, Group::kCheckout);
  EXPECT_EQ(w->slug, "walley");
  EXPECT_EQ(w->formerly, std::vector<std::string>{"Collector Checkout"});
  EXPECT_EQ(w->categories, std::vector<std::string>{"Payment processors"});
  ASSERT_NE(FindByName(fs, "Stripe"), nullptr);
  EXPECT_EQ(FindByName(fs, "Stripe")->group, Group::kPayment);
  ASSERT_NE(FindByName(fs, "Some Lib"), nullptr);
  EXPECT_EQ(FindByName(fs, "Some Lib")->group, Group::kTechnology);
  EXPECT_EQ(FindByName(fs, "Some Lib")->slug, "some-lib");
}

// Japanese sets words off without spaces: kana, kanji and full-width punctuation end a Latin
// name, and a context word may start right after them.
TEST(DetectorTest, WordsInJapaneseTextStartAndEndAtKanaKanjiAndFullWidthPunctuation) {
  auto rs = Load(R"({
    "PostNord": {"cats": [1], "x-leadscan": {"group": "carrier", "words": ["PostNord"]}}
  })");
  ASSERT_NE(rs, nullptr);
  Detector d(rs);
  // "送料：PostNordでお届けします。" (shipping: delivered by PostNord)
  auto fs =
      d.Analyze({Page("<body><p>\xe9\x80\x81\xe6\x96\x99\xef\xbc\x9aPostNord\xe3\x81\xa7"
                      "\xe3\x81\x8a\xe5\xb1\x8a\xe3\x81\x91\xe3\x81\x97\xe3\x81\xbe"
                      "\xe3\x81\x99\xe3\x80\x82</p></body>")});
  EXPECT_NE(FindByName(fs, "PostNord"), nullptr);
  // A Latin letter still continues a word: "XPostNord" is not the name.
  EXPECT_EQ(FindByName(d.Analyze({Page("<body><p>\xe9\x80\x81\xe6\x96\x99 XPostNord</p></body>")}),
                       "PostNord"),
            nullptr);
}

// Words match case-insensitively, so two spellings of one word are one word: an occurrence
// counts once, at a word's confidence.
TEST(DetectorTest, TwoSpellingsOfAWordCountOnce) {
  auto rs = Load(R"({
    "Mastercard": {"cats": [1], "x-leadscan": {"group": "payment",
      "words": ["Mastercard", "MasterCard"]}}
  })");
  ASSERT_NE(rs, nullptr);
  auto fs = Detector(rs).Analyze({Page("<p>Betalning med Mastercard.</p>")});
  const Finding* f = FindByName(fs, "Mastercard");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->confidence, kWordConfidence);
  EXPECT_EQ(f->evidence.size(), 1u);
}

TEST(DetectorTest, WordsCountOnlyInContext) {
  auto rs = Load(R"({
    "PostNord": {"cats": [1], "x-leadscan": {"group": "carrier", "words": ["PostNord"]}},
    "Bring": {"cats": [1], "scriptSrc": "bring\\.com/widget",
      "x-leadscan": {"group": "carrier", "words": ["Bring"], "strong_only": true}},
    "DHL": {"cats": [1], "x-leadscan": {"group": "carrier", "logos": ["dhl-logo"]}}
  })");
  ASSERT_NE(rs, nullptr);
  Detector d(rs);
  // Near shipping vocabulary: counts, and the sentence is the evidence.
  auto fs =
      d.Analyze({Page("<body><p>Vi skickar med PostNord. Fri frakt över 500 kr.</p>"
                      "<p>Leverans med PostNord tar 2 dagar.</p></body>")});
  const Finding* pn = FindByName(fs, "PostNord");
  ASSERT_NE(pn, nullptr);
  EXPECT_EQ(pn->group, Group::kCarrier);
  EXPECT_EQ(pn->evidence.at(0).field, "text.words");
  EXPECT_EQ(pn->evidence.at(0).matched, "Leverans med PostNord tar 2 dagar.");
  // Without context on a home page: nothing.
  EXPECT_EQ(FindByName(d.Analyze({Page("<body><p>PostNord is a company.</p></body>")}), "PostNord"),
            nullptr);
  // A privacy policy names the transport firms it passes addresses to: that is context too.
  EXPECT_NE(FindByName(d.Analyze({Page("<body><p>Adressen lämnas till transportföretaget, "
                                       "Posti eller PostNord.</p></body>")}),
                       "PostNord"),
            nullptr);
  // On a shipping page the role is the context.
  PageInput shipping = Page("<body><p>PostNord</p></body>");
  shipping.role = "shipping";
  EXPECT_NE(FindByName(d.Analyze({shipping}), "PostNord"), nullptr);
  // strong_only: the word alone does not count, with its script it does.
  EXPECT_EQ(FindByName(d.Analyze({Page("<p>Leverans med Bring.</p>")}), "Bring"), nullptr);
  auto both = d.Analyze(
      {Page("<script src=\"https://bring.com/widget.js\"></script><p>Leverans med Bring.</p>")});
  ASSERT_NE(FindByName(both, "Bring"), nullptr);
  // Logos: image file names.
  EXPECT_NE(FindByName(d.Analyze({Page("<img src=\"/img/DHL-logo.svg?v=2\">")}), "DHL"), nullptr);
  EXPECT_NE(FindByName(d.Analyze({Page("<img src=\"/img/footerdhl-logo.png\">")}), "DHL"), nullptr);
  // ... and alt texts, as whole words there: a caption's longer word holds no logo.
  EXPECT_NE(
      FindByName(d.Analyze({Page("<img src=\"/a.png\" alt=\"Vi skickar: dhl-logo\">")}), "DHL"),
      nullptr);
  EXPECT_EQ(FindByName(d.Analyze({Page("<img src=\"/a.png\" alt=\"Xdhl-logos of 2024\">")}), "DHL"),
            nullptr);
  // A word ends at punctuation outside ASCII (´ ’ no-break space), not at a letter (Å, é).
  for (const char* text : {"PostNord\xc2\xb4s", "PostNord\xe2\x80\x99s", "\xc2\xa0PostNord",
                           "\xe2\x80\x9cPostNord\xe2\x80\x9d", "PostNord\xe2\x84\xa2"}) {
    PageInput p = Page(std::string("<body><p>Leverans med ") + text + " tar 2 dagar.</p></body>");
    EXPECT_NE(FindByName(d.Analyze({p}), "PostNord"), nullptr) << text;
  }
  for (const char* text : {"PostNord\xc3\xa9n", "\xc3\x85PostNord", "PostNordX"}) {
    PageInput p = Page(std::string("<body><p>Leverans med ") + text + " tar 2 dagar.</p></body>");
    EXPECT_EQ(FindByName(d.Analyze({p}), "PostNord"), nullptr) << text;
  }
}

TEST(DetectorTest, PathologicalPatternIsBoundedByMatchLimits) {
  // (a+)+ with a back reference: Vectorscan's prefilter offers it, PCRE2 backtracks
  // catastrophically on a long run of 'a' without a match and must stop at the limit.
  auto rs = Load(R"({
    "Evil": {"cats": [1], "html": "(a+)+\\1b"},
    "Good": {"cats": [1], "html": "marker-ok"}
  })");
  ASSERT_NE(rs, nullptr);
  std::string html = "<p>marker-ok</p>" + std::string(2 * 1024 * 1024, 'a') + "xb";
  AnalyzeStats stats;
  auto fs = Detector(rs).Analyze({Page(html)}, &stats);
  EXPECT_GT(stats.limit_hits, 0u);
  EXPECT_EQ(FindByName(fs, "Evil"), nullptr);
  EXPECT_NE(FindByName(fs, "Good"), nullptr);
}

TEST(DetectorTest, HugeInputIsCutAtTheCap) {
  auto rs = Load(R"({"Tail": {"cats": [1], "html": "tail-marker"}})");
  ASSERT_NE(rs, nullptr);
  std::string html = std::string(kMaxHtmlBytes, ' ') + "tail-marker";
  EXPECT_EQ(FindByName(Detector(rs).Analyze({Page(html)}), "Tail"), nullptr);
}

TEST(DetectorTest, LaterFilesReplaceEarlierDefinitions) {
  std::string dir = TestDir();
  WriteFile(dir, "categories.json", kCategories);
  WriteFile(dir, "a.json", R"({"Thing": {"cats": [1], "html": "first-marker"}})");
  WriteFile(dir, "b.json", R"({"Thing": {"cats": [1], "html": "second-marker"}})");
  auto rs = RuleSet::Load({dir});
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  Detector d(*rs);
  EXPECT_EQ(FindByName(d.Analyze({Page("first-marker")}), "Thing"), nullptr);
  EXPECT_NE(FindByName(d.Analyze({Page("second-marker")}), "Thing"), nullptr);
}

TEST(DetectorTest, ConcurrentAnalyzeCallsGiveTheSameFindings) {
  auto rs = Load(R"({
    "Lib": {"cats": [59], "scriptSrc": "lib-([\\d.]+)\\.js\\;version:\\1"},
    "Box": {"cats": [1], "dom": "#box", "html": "data-box"},
    "A1": {"cats": [1], "html": ["alpha-1", "alpha-2", "alpha-3", "alpha-4", "alpha-5"]}
  })");
  ASSERT_NE(rs, nullptr);
  const Detector detector(rs);
  const std::vector<PageInput> pages = {
      Page("<script src=\"/lib-1.2.3.js\"></script><div id=\"box\">alpha-4</div>")};
  const std::vector<Finding> expected = detector.Analyze(pages);
  ASSERT_EQ(expected.size(), 3u);
  std::vector<std::vector<Finding>> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i)
        results[t] = detector.Analyze(pages);
    });
  }
  for (std::thread& t : threads)
    t.join();
  for (const auto& r : results) {
    ASSERT_EQ(r.size(), expected.size());
    for (size_t i = 0; i < r.size(); ++i) {
      EXPECT_EQ(r[i].name, expected[i].name);
      EXPECT_EQ(r[i].version, expected[i].version);
    }
  }
}

TEST(DetectorTest, LoadFailsOnBadJsonNamingTheFile) {
  std::string dir = TestDir();
  std::string bad = WriteFile(dir, "bad.json", "{ not json");
  auto rs = RuleSet::Load({bad});
  ASSERT_FALSE(rs.ok());
  EXPECT_NE(rs.status().message().find("bad.json"), std::string::npos);
}

TEST(DetectorTest, InvalidUtf8ReachesTheHtmlParserRepaired) {
  // Found by the html fuzz target: carriage returns, text, then a tag with invalid UTF-8 at the
  // end of the page. The parser gets U+FFFD for each invalid sequence, and the text that comes
  // out is valid UTF-8. (libmodest's overlapping memcpy on such pages: tests/sanitizer/.)
  const std::string bad = std::string(11, '\r') + "7<a\xff\xff~\xa2\xa1$@\xf5\xe7";
  PageFeatures f;
  Detector::ExtractFeatures(Page("<body><p>K\xf6p h\xe4r</p>" + bad + "</body>"), &f);
  EXPECT_TRUE(common::IsValidUtf8(f.text)) << f.text;
  EXPECT_NE(f.text.find("K\xEF\xBF\xBDp h\xEF\xBF\xBDr"), std::string::npos) << f.text;
  EXPECT_NE(f.text.find('7'), std::string::npos) << f.text;
  // A page that ends inside a tag name with U+FFFD in it (the second input of that kind).
  Detector::ExtractFeatures(Page(std::string(11, '\n') + "l<red\xEF\xBF\xBD"
                                                         "ered"),
                            &f);
  EXPECT_TRUE(common::IsValidUtf8(f.text)) << f.text;
  // Valid pages are parsed as they are.
  Detector::ExtractFeatures(Page("<body><p>K\xc3\xb6p</p></body>"), &f);
  EXPECT_NE(f.text.find("K\xc3\xb6p"), std::string::npos) << f.text;
}

TEST(SiteDetectionTest, ParsesEachPageOnceAndFindsWhatAnalyzeFinds) {
  auto rs = Load(R"({
    "Html": {"cats": [1], "html": "<div id=\"wrapper-x\""},
    "Text": {"cats": [1], "text": "powered by texty"}
  })");
  ASSERT_NE(rs, nullptr);
  Detector detector(rs);
  std::vector<PageInput> pages = {Page("<div id=\"wrapper-x\">a</div>"),
                                  Page("<p>powered by texty</p>", "https://shop.example/b")};
  AnalyzeStats stats;
  SiteDetection site(detector, &stats);
  ASSERT_TRUE(site.AddPage(pages[0]));
  EXPECT_EQ(site.Findings().size(), 1u);
  ASSERT_TRUE(site.AddPage(pages[1]));
  auto findings = site.Findings();
  EXPECT_EQ(stats.pages_parsed, 2u);
  ASSERT_EQ(findings.size(), 2u);
  auto whole = detector.Analyze(pages);
  ASSERT_EQ(whole.size(), findings.size());
  for (size_t i = 0; i < whole.size(); ++i)
    EXPECT_EQ(whole[i].name, findings[i].name);
  EXPECT_EQ(site.notes().size(), 2u);
}

TEST(SiteDetectionTest, ADeadlineThatPassesDuringTheDomRulesStopsThem) {
  std::string rules = "{";
  for (int i = 0; i < 200; ++i) {
    rules += (i ? "," : "") + std::string("\"Dom") + std::to_string(i) +
             "\": {\"cats\": [1], \"dom\": \"#id" + std::to_string(i) + "\"}";
  }
  auto rs = Load(rules + "}");
  ASSERT_NE(rs, nullptr);
  Detector detector(rs);
  int looks = 0;
  SiteDetection site(detector);
  // Asked before the parse, before the DOM rules and then every few selectors.
  EXPECT_FALSE(site.AddPage(Page("<div id=\"id1\"></div>"), [&] { return ++looks > 2; }));
  EXPECT_EQ(looks, 3);
  EXPECT_TRUE(site.Findings().empty());
  EXPECT_TRUE(site.AddPage(Page("<div id=\"id1\"></div>")));
  EXPECT_EQ(site.Findings().size(), 1u);
}

TEST(SiteDetectionTest, AnExpiredDeadlineStopsBeforeThePageIsParsed) {
  auto rs = Load(R"({"Html": {"cats": [1], "html": "wrapper-x"}})");
  ASSERT_NE(rs, nullptr);
  Detector detector(rs);
  AnalyzeStats stats;
  SiteDetection site(detector, &stats);
  EXPECT_FALSE(site.AddPage(Page("wrapper-x"), [] { return true; }));
  EXPECT_EQ(stats.pages_parsed, 0u);
  EXPECT_TRUE(site.Findings().empty());
  EXPECT_TRUE(site.pages().empty());
}

// The repository's own rules (rules/), loaded once as the product loads them.
class OurRulesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* source = std::getenv("LEADSCAN_SOURCE_DIR");
    ASSERT_NE(source, nullptr) << "LEADSCAN_SOURCE_DIR is set by CTest";
    auto rs = RuleSet::Load({std::string(source) + "/rules"});
    ASSERT_TRUE(rs.ok()) << rs.status().ToString();
    detector_ = std::make_unique<const Detector>(*rs);
  }

  static void TearDownTestSuite() { detector_.reset(); }

  void SetUp() override { ASSERT_NE(detector_, nullptr); }

  static const Detector& detector() { return *detector_; }

  // Each page alone finds its platform, as a platform.
  static void ExpectPlatformOnEach(const std::vector<std::pair<std::string, PageInput>>& cases) {
    for (const auto& [name, page] : cases) {
      auto fs = detector().Analyze({page});
      const Finding* f = FindByName(fs, name);
      ASSERT_NE(f, nullptr) << name << " on " << page.url << ": " << page.html;
      EXPECT_EQ(f->group, Group::kPlatform) << name;
    }
  }

  // A page that names these in passing finds none of them.
  static void ExpectNoneFoundIn(const std::string& html, std::vector<std::string> names) {
    auto fs = detector().Analyze({Page(html)});
    for (const std::string& name : names)
      EXPECT_EQ(FindByName(fs, name), nullptr) << name;
  }

 private:
  static inline std::unique_ptr<const Detector> detector_;
};

// Our own rules (rules/technologies), each platform added for European shops on a page that
// shows what such a shop serves, and not on a page that only names the platform in passing.
TEST_F(OurRulesTest, FindTheEuropeanPlatformsByTheirMarkup) {
  const std::vector<std::pair<std::string, PageInput>> cases = {
      {"JTL-Shop", Page("<form><input type=\"hidden\" class=\"jtl_token\" name=\"jtl_token\" "
                        "value=\"ab12\"></form>")},
      {"Shoptet", Page("<link rel=\"stylesheet\" href=\"https://cdn.myshoptet.com/prj/a/b.css\">")},
      {"Shoper",
       Page("<a href=\"/pl/p/Kubek-bialy/123\">Kubek</a><a href=\"/pl/c/Kubki/7\">K</a>")},
      {"Shoper", Page("Regulamin sklepu", "https://www.sklep.example/pl/i/Regulamin/109")},
      {"Shoper", Page("<footer><p>Sklep internetowy Shoper.pl</p></footer>")},
      {"Shoper", Page("<script src=\"https://cdn.dcsaas.net/js/front-api-1.0.5.min.js\" async>"
                      "</script><a href=\"/pl/basket\" title=\"Koszyk\">Koszyk</a>")},
      {"Shoptet", Page("<footer><span id=\"signature\"><a class=\"title\">Vytvořil Shoptet</a>"
                       "</span></footer>")},
      // The platform's company named as the shop's data processor, or the platform named as
      // the shop's, in its privacy and terms pages.
      {"Shoper", Page("<p>Podmiotem przetwarzającym dane jest Shoper S.A. z siedzibą w "
                      "Krakowie.</p>")},
      {"Shoptet", Page("<p>Zpracovatelem je společnost Shoptet a.s., provozovatel "
                       "e-shopu na platformě Shoptet.</p>")},
      {"Gambio", Page("<script src=\"/gm_javascript.js.php?page=Index\"></script>")},
      {"plentymarkets", Page("<script src=\"/plugin/plentyShopLTS/js/dist/ceres-base.min.js\">"
                             "</script>")},
      {"Lightspeed eCom", Page("<script src=\"https://cdn.webshopapp.com/assets/x.js\"></script>")},
      {"nopCommerce", Page("<meta name=\"generator\" content=\"nopCommerce\">")},
      {"osCommerce", Page("<a href=\"product_info.php?products_id=1&amp;osCsid="
                          "0123456789abcdef0123456789abcdef\">x</a>")},
      {"Big Cartel", Page("<meta name=\"generator\" content=\"Big Cartel\">")},
      {"Shopify", Page("Shipping policy", "https://shop.example/en-eu/policies/shipping-policy")},
  };
  ExpectPlatformOnEach(cases);
  ExpectNoneFoundIn("<p>We compared Shoptet, Shoper, JTL-Shop and Gambio.</p>",
                    {"Shoptet", "Shoper", "JTL-Shop", "Gambio"});
}

// Shop software of Joomla sites, older PHP shops and Polish hosted platforms, each by what its
// pages serve; a page that only names them finds none.
TEST_F(OurRulesTest, FindJoomlaAndOlderShopSoftwareByWhatTheirPagesServe) {
  const std::vector<std::pair<std::string, PageInput>> cases = {
      {"VirtueMart", Page("<link href=\"/components/com_virtuemart/assets/css/vm-ltr-common.css\" "
                          "rel=\"stylesheet\">")},
      {"VirtueMart", Page("<script>vmSiteurl = 'https://shop.example/' ;\nvmLang = '';</script>")},
      {"VirtueMart",
       Page("<a href=\"/index.php?option=com_virtuemart&amp;view=cart\">Kundvagn</a>")},
      {"HikaShop", Page("<img src=\"/images/com_hikashop/upload/mug.jpg\" alt=\"\">")},
      {"CS-Cart",
       Page("<script>(function(_, $) { $.ceEvent('on', 'x'); }(Tygh, Tygh.$));</script>")},
      {"X-Cart", Page("<script>var xcart_web_dir = \"/shop\";</script>")},
      {"Sky-Shop", Page("<img src=\"https://static.sky-shop.pl/img/logo.png\">")},
      {"Sky-Shop", Page("<footer>Sklep internetowy na oprogramowaniu Sky-Shop.pl</footer>")},
      {"RedCart",
       Page("<img src=\"https://static4.redcart.pl/templates/images/products/1/a.jpg\">")},
      // Only a Shopify shop's payment page says this of its platform.
      {"Shopify", Page("<p>Il est important de noter que Shopify ne collecte pas votre numéro de "
                       "carte.</p>")},
      {"Shopify", Page("<p>Vi tar betalt med Shopify Payments: kort och Apple Pay.</p>")},
      {"Shopify", Page("<p>We use Shopify to power our online store.</p>")},
      {"Shopify", Page("<p>Vi använder Shopify för vår webbutik.</p>")},
      {"Shopify", Page("<p>Read Shopify’s Privacy Policy for how they handle your data.</p>")},
      {"Shopify", Page("<footer>© 2025 Kaffebönan. Drivs av Shopify</footer>")},
      {"Shopify", Page("<footer>© 2025 Café. Propulsé par Shopify</footer>")},
  };
  ExpectPlatformOnEach(cases);
  ExpectNoneFoundIn(
      "<p>VirtueMart, HikaShop, CS-Cart, X-Cart, Sky-Shop and RedCart are shop software. "
      "Agencies build on Shopify Plus.</p>",
      {"VirtueMart", "HikaShop", "CS-Cart", "X-Cart", "Sky-Shop", "RedCart", "Shopify"});
}

// Shoper's own payment service exists on Shoper stores only: a page that names it as the way
// its orders are paid has Shoper's checkout and is a Shoper store.
TEST_F(OurRulesTest, ShoperPaymentsIsTheCheckoutOfAShoperStore) {
  const Detector& d = detector();
  for (const char* html :
       {"<p>Płatności obsługuje system Płatności Shoper (Autopay S.A.).</p>",
        "<p>Dostępne formy płatności: Shoper Płatności x Przelewy24, przelew tradycyjny.</p>"}) {
    auto fs = d.Analyze({Page(html)});
    const Finding* c = FindByName(fs, "Shoper Payments");
    ASSERT_NE(c, nullptr) << html;
    EXPECT_EQ(c->group, Group::kCheckout) << html;
    const Finding* p = FindByName(fs, "Shoper");
    ASSERT_NE(p, nullptr) << html;
    EXPECT_EQ(p->group, Group::kPlatform) << html;
  }
  // The platform's own word alone is no payment service.
  auto fs = d.Analyze({Page("<p>Płatności w sklepach na platformie Shopify i Shoper.</p>")});
  EXPECT_EQ(FindByName(fs, "Shoper Payments"), nullptr);
}

TEST_F(OurRulesTest, FindTheAddedGatewaysByTheirScripts) {
  const Detector& d = detector();
  auto fs =
      d.Analyze({Page("<script src=\"https://js.paystack.co/v1/inline.js\"></script>"
                      "<form action=\"https://checkout.google.com/api/checkout/v2/checkout\">"
                      "</form>")});
  for (const char* name : {"Paystack", "Google Checkout"}) {
    const Finding* f = FindByName(fs, name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->group, Group::kCheckout) << name;
  }
}

// Local card gateways named in shops' payment terms: Romania's EuPlatesc, Piraeus Bank's
// ePOS Paycenter, Japan's ZEUS and Yamato's Kuroneko Web Collect.
TEST_F(OurRulesTest, FindLocalCardGatewaysInPaymentTerms) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"EuPlatesc", "<p>Online cu card bancar prin EuPlatesc (Visa/Mastercard).</p>"},
      {"Piraeus Bank ePOS Paycenter",
       "<p>Οι συναλλαγές πραγματοποιούνται με το σύστημα ασφαλείας ePos Paycenter της Τράπεζας "
       "Πειραιώς. Πληρωμή με κάρτα.</p>"},
      {"Zeus", "<p>クレジットカード決済には株式会社ゼウスのサービスを導入しております。</p>"},
      {"Kuroneko Web Collect",
       "<p>クレジットカード決済は、ヤマト運輸のクロネコwebコレクトのシステムを利用して行います。</"
       "p>"},
  };
  for (const auto& [name, html] : cases) {
    auto fs = detector().Analyze({Page(html)});
    const Finding* f = FindByName(fs, name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->group, Group::kCheckout) << name;
  }
  // The Greek god in a myth is no gateway.
  EXPECT_EQ(FindByName(detector().Analyze({Page("<p>ゼウスはギリシャ神話の神です。</p>")}), "Zeus"),
            nullptr);
}

// Mercado Pago and Przelewy24 are gateways: a shop that offers them takes the payment on their
// page, so each is a payment method and the shop's checkout, as PayPal is.
TEST_F(OurRulesTest, AGatewayOfferedAsAPaymentMethodIsTheCheckoutToo) {
  const Detector& d = detector();
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"Mercado Pago", "Mercado Pago Checkout",
       "<body><p>Pagamento: todos os pagamentos são feitos através do Mercado Pago.</p></body>"},
      {"Przelewy24", "Przelewy24 Checkout",
       "<body><p>Płatności realizowane są za pośrednictwem systemu Przelewy24.</p></body>"},
  };
  for (const auto& [method, checkout, html] : cases) {
    auto fs = d.Analyze({Page(html)});
    const Finding* m = FindByName(fs, method);
    ASSERT_NE(m, nullptr) << method;
    EXPECT_EQ(m->group, Group::kPayment) << method;
    const Finding* c = FindByName(fs, checkout);
    ASSERT_NE(c, nullptr) << checkout;
    EXPECT_EQ(c->group, Group::kCheckout) << checkout;
  }
  // Another payment method implies no checkout.
  auto fs = d.Analyze({Page("<body><p>Payment: we accept BLIK and Visa.</p></body>")});
  ASSERT_NE(FindByName(fs, "BLIK"), nullptr);
  for (const auto& f : fs)
    EXPECT_NE(f.group, Group::kCheckout) << f.name;
}

// Card brands listed one per line with a bullet, a dash or a Japanese middle dot, or joined by
// German "bzw.", and the katakana names of Japanese payment pages.
TEST_F(OurRulesTest, ReadCardBrandsInBulletedListsAndInKatakana) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"<p>Cartões aceitos:<br>- Visa<br>- Diners<br>- Mastercard</p>",
       {"Visa", "Diners Club", "Mastercard"}},
      {"<ul><li>• Visa</li><li>• Discover</li></ul>", {"Visa", "Discover"}},
      {"<p>Verified by Visa bzw. MasterCard SecureCode</p>", {"Visa", "Mastercard"}},
      {"<p>Credit card (Amex, Visa, Union Pay, Maestro)</p>", {"UnionPay", "Maestro"}},
      {"<p>お支払い方法：クレジットカード<br>・VISA<br>・JCB<br>・マスターカード<br>"
       "・アメリカンエキスプレス<br>・ダイナースクラブ</p>",
       {"Visa", "Mastercard", "American Express", "Diners Club"}},
  };
  for (const auto& [html, names] : cases) {
    PageInput page = Page(html);
    page.role = "payment";  // a list item's line has no context word of its own
    auto fs = detector().Analyze({page});
    for (const std::string& name : names) {
      const Finding* f = FindByName(fs, name);
      ASSERT_NE(f, nullptr) << name << " in " << html;
      EXPECT_EQ(f->group, Group::kPayment) << name;
    }
  }
  // Swedish "visa" (show) beside a brand is no card.
  EXPECT_EQ(FindByName(detector().Analyze({Page("<p>Betala med Klarna. Visa mer</p>")}), "Visa"),
            nullptr);
}

// A Czech shop's delivery page (the analyzer reads it in the shipping role): its pick-up
// networks are carriers.
TEST_F(OurRulesTest, FindCzechPickUpNetworksOnADeliveryPage) {
  PageInput page = Page(
      "<body><h1>Způsob dopravy</h1><table><tr><td>Zásilkovna - výdejní místo</td><td>74 Kč</td>"
      "</tr><tr><td>AlzaBox</td><td>76 Kč</td></tr><tr><td>PPL Parcelshop</td><td>76 Kč</td></tr>"
      "</table></body>");
  page.role = "shipping";
  auto fs = detector().Analyze({page});
  for (const char* name : {"Packeta", "AlzaBox", "PPL"}) {
    const Finding* f = FindByName(fs, name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->group, Group::kCarrier) << name;
  }
}

// Carriers by the short or English names their home markets' shops use: Magyar Posta's
// logistics arm MPL, Aras Kargo written "Aras Cargo".
TEST_F(OurRulesTest, FindCarriersByTheNamesTheirMarketsUse) {
  auto fs = detector().Analyze(
      {Page("<p>Szállítás: MPL futár, 1-2 munkanap.</p><p>Kargo: ARAS CARGO ile gönderilir.</p>")});
  for (const char* name : {"Magyar Posta", "Aras Kargo"}) {
    const Finding* f = FindByName(fs, name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->group, Group::kCarrier) << name;
  }
  // Out of a delivery context the letters are no carrier.
  EXPECT_EQ(
      FindByName(detector().Analyze({Page("<p>Licensed under the MPL 2.0.</p>")}), "Magyar Posta"),
      nullptr);
}

// UPS is also a power supply and the end of "pick-ups": it counts beside another carrier in a
// list, or as a logo that says so.
TEST_F(OurRulesTest, FindUpsInCarrierListsAndByItsLogo) {
  for (const char* html :
       {"<p>Shipping carriers</p><ul><li>• UPS</li><li>• Purolator</li></ul>",
        "<p>We deliver with USPS / UPS.</p>",
        "<div class=\"carriers\"><img src=\"/assets/images/ups.svg\" alt=\"UPS\"></div>"}) {
    auto fs = detector().Analyze({Page(html)});
    const Finding* f = FindByName(fs, "UPS");
    ASSERT_NE(f, nullptr) << html;
    EXPECT_EQ(f->group, Group::kCarrier) << html;
  }
  for (const char* html : {"<a href=\"/category.php?id=58\" title=\"Zasilanie awaryjne\">UPS</a>",
                           "<p>Free pick-ups - DHL collects at your door.</p>",
                           "<img src=\"/img/ups.jpg\" alt=\"UPS 1500VA\">"}) {
    EXPECT_EQ(FindByName(detector().Analyze({Page(html)}), "UPS"), nullptr) << html;
  }
}

// Carrier names that are also common words: Spanish "correos" (e-mails), Portuguese
// "estafeta" (a courier). The word alone on a shop's delivery page is no carrier.
TEST_F(OurRulesTest, TellACarrierFromTheCommonWordItShares) {
  const Detector& d = detector();
  auto words = d.Analyze({Page(
      "<body><p>Envío y pago: le enviaremos correos electrónicos con el seguimiento del envío.</p>"
      "<p>Entrega: a encomenda é entregue por estafeta em 48 horas.</p></body>")});
  EXPECT_EQ(FindByName(words, "Correos"), nullptr);
  EXPECT_EQ(FindByName(words, "Estafeta"), nullptr);
  auto carriers =
      d.Analyze({Page("<body><p>Envío: su pedido se envía con Correos.</p>"
                      "<p>Enviamos por DHL o Estafeta.</p></body>")});
  EXPECT_NE(FindByName(carriers, "Correos"), nullptr);
  EXPECT_NE(FindByName(carriers, "Estafeta"), nullptr);
}

TEST_F(OurRulesTest, ReadShopPayInstallmentsAndIdealInShopText) {
  const Detector& d = detector();
  auto fs =
      d.Analyze({Page("<body><p>Betaling: als u kiest om met iDEAL te betalen, wordt u "
                      "doorgestuurd.</p><p>Checkout: pay in 4 interest-free installments "
                      "with Shop Pay.</p></body>")});
  for (const char* name : {"iDEAL", "Shop Pay Installments", "Shop Pay"})
    EXPECT_NE(FindByName(fs, name), nullptr) << name;
  // The English adjective is no payment method.
  EXPECT_EQ(FindByName(d.Analyze({Page("<body><p>Shipping: ideal for gifts, with ideal "
                                       "conditions for payment.</p></body>")}),
                       "iDEAL"),
            nullptr);
}

// A link to a carrier's own tracking page names the carrier; a link to its other pages does not.
TEST_F(OurRulesTest, ReadCarriersFromLinksToTheirTrackingPages) {
  const Detector& d = detector();
  auto fs = d.Analyze(
      {Page("<footer><a href=\"http://www.fedex.com/Tracking?cntry_code=us\">Track</a> "
            "<a href=\"https://www.ups.com/track?loc=en_US\">Track</a> "
            "<a href=\"http://www.usps.com/shipping/trackandconfirm.htm\">Track</a></footer>")});
  for (const char* name : {"FedEx", "UPS", "USPS"})
    EXPECT_NE(FindByName(fs, name), nullptr) << name;
  auto other =
      d.Analyze({Page("<footer><a href=\"https://www.fedex.com/en-us/home.html\">x</a> "
                      "<a href=\"https://www.ups.com/se/sv/about-ups\">y</a></footer>")});
  EXPECT_EQ(FindByName(other, "FedEx"), nullptr);
  EXPECT_EQ(FindByName(other, "UPS"), nullptr);
}

// "Posten" is Bring in Norwegian (the possessive "Posten sine", "utlevering", "hentested"), not
// in Swedish or Danish, where it is PostNord's.
TEST_F(OurRulesTest, ReadNorwegianPostenAsBring) {
  const Detector& d = detector();
  auto finds_bring = [&](const std::string& text) {
    return FindByName(d.Analyze({Page("<body><p>" + text + "</p></body>")}), "Bring") != nullptr;
  };
  for (const char* text :
       {"Dette er Posten sine reglar.", "Posten har strenge regler ift utlevering av pakker.",
        "Pakken ligger klar på hentested hos Posten."})
    EXPECT_TRUE(finds_bring(text)) << text;
  for (const char* text :
       {"Postens utlämningsställe flyttar till Ica.", "Postens udlevering i Tønder er flyttet."})
    EXPECT_FALSE(finds_bring(text)) << text;
}

// JSON state: a carrier in a checkout's JSON configuration, with its key path as context.
TEST(DetectorTest, WordsInJsonStateCountWithTheirKeyPathAsContext) {
  auto rs = Load(R"({
    "PostNord": {"cats": [1], "x-leadscan": {"group": "carrier", "words": ["PostNord"]}}
  })");
  ASSERT_NE(rs, nullptr);
  Detector d(rs);
  auto fs = d.Analyze(
      {Page("<script type=\"application/json\" id=\"state\">{\"checkout\": {\"shippingMethods\": "
            "[{\"name\": \"PostNord MyPack Home\"}]}}</script><body><p>Hej</p></body>")});
  const Finding* pn = FindByName(fs, "PostNord");
  ASSERT_NE(pn, nullptr);
  EXPECT_EQ(pn->evidence.at(0).field, "json.words");
  EXPECT_EQ(pn->evidence.at(0).matched, "checkout.shippingMethods.name: PostNord MyPack Home");
  // A key path that says nothing of shipping or payment: no context.
  EXPECT_EQ(FindByName(d.Analyze({Page("<script type=\"application/ld+json\">{\"partners\": "
                                       "[\"PostNord\"]}</script><body><p>Hej</p></body>")}),
                       "PostNord"),
            nullptr);
  // Plain JavaScript is not JSON state.
  EXPECT_EQ(FindByName(d.Analyze({Page("<script>var shipping = {name: 'PostNord'};</script>")}),
                       "PostNord"),
            nullptr);
}

}  // namespace
}  // namespace leadscan::detect
