#include "detect/dom_index.h"

#include <gtest/gtest.h>
#include <modest/finder/finder.h>
#include <mycss/mycss.h>
#include <mycss/selectors/init.h>
#include <mycss/selectors/list.h>
#include <myhtml/myhtml.h>

#include <string>
#include <vector>

#include "detect/page_features.h"

namespace leadscan::detect {
namespace {

// Compiles selectors with mycss as RuleSet does.
class Selectors {
 public:
  Selectors() {
    css_ = mycss_create();
    mycss_init(css_);
    entry_ = mycss_entry_create();
    mycss_entry_init(css_, entry_);
  }

  ~Selectors() {
    for (mycss_selectors_list_t* l : lists_)
      mycss_selectors_list_destroy(mycss_entry_selectors(entry_), l, true);
    mycss_entry_destroy(entry_, true);
    mycss_destroy(css_, true);
  }

  mycss_selectors_list_t* Compile(const std::string& text) {
    mystatus_t status = 0;
    mycss_selectors_list_t* list = mycss_selectors_parse(
        mycss_entry_selectors(entry_), MyENCODING_UTF_8, text.data(), text.size(), &status);
    if (list != nullptr)
      lists_.push_back(list);
    return status == 0 ? list : nullptr;
  }

 private:
  mycss_t* css_ = nullptr;
  mycss_entry_t* entry_ = nullptr;
  std::vector<mycss_selectors_list_t*> lists_;
};

constexpr const char* kPage = R"(<!doctype html><html><head><title>T</title>
<link rel="stylesheet" href="/wp-content/plugins/x/style.css"></head>
<body class="Home page"><div id="Main" class="wrap outer">
  <div class="wrap inner"><a href="https://Shop.example.com/cart">Cart</a>
    <div class="wrap"><a href="/a" class="btn"><img src="/img/visa.png" alt="Visa"></a></div>
  </div>
  <ul><li class="item">1<li class="item sel">2<li>3</ul>
  <p>text <span data-x="A-b">s</span><span data-x="a">t</span>
    <span class="dup x dup" id="dup">d</span><span class="Dup" id="DUP">e</span></p>
  <table><tr><td><a href="/cart?x=1">in table</a></td></tr></table>
</div><footer><form action="/checkout"><input name="q" value="open-xchange"></form></footer>
</body></html>)";

TEST(DomIndexTest, SelectCollectsWhatModestCollectsInTheSameOrder) {
  const std::vector<std::string> selectors = {
      "a",
      "a[href*='cart']",
      "a[href*='CART']",
      "a[href^='https://shop']",
      "a[href$='.png']",
      "div.wrap",
      ".wrap",
      ".WRAP",
      "#main",
      "#Main",
      "div.wrap a",
      "div.wrap > a",
      "div a img",
      ".wrap .wrap a",
      "li + li",
      "li ~ li",
      "li.item.sel",
      "[data-x|='a']",
      "[data-x='a']",
      "[data-x]",
      "span[data-x~='A-b']",
      "body > *",
      "body > * > *",
      "*",
      "head > title",
      "link[rel='stylesheet'][href*='/wp-content/plugins/']",
      "form > input[value='open-xchange']",
      "footer form input",
      "unknowntag a",
      "unknowntag.x",
      "td a[href*='cart']",
      "div:not(.inner) > a",
      "li:first-child",
      "a img[alt*='visa']",
      // #id and .class leads list the elements whose id or a class word equals the name
      ".dup",
      ".Dup",
      "span.dup#dup",
      "#dup.x",
      "#DUP",
      "p .dup",
      "div#Main.wrap .item",
      "#Main > div.wrap.inner a",
  };
  PageInput page;
  page.url = "https://shop.example.com/";
  page.html = kPage;
  DomVocabulary vocabulary;
  Selectors compiled;
  std::vector<mycss_selectors_list_t*> lists;
  std::vector<std::vector<std::vector<DomLead>>> leads;
  for (const std::string& s : selectors) {
    lists.push_back(compiled.Compile(s));
    ASSERT_NE(lists.back(), nullptr) << s;
    leads.push_back(vocabulary.Leads(lists.back()));
  }
  PageParser parser;
  PageFeatures features;
  parser.Parse(page, &features, &vocabulary);
  auto* tree = static_cast<myhtml_tree_t*>(parser.tree());
  auto* document = static_cast<myhtml_tree_node_t*>(parser.root());
  auto* finder = static_cast<modest_finder_t*>(parser.finder());
  for (size_t i = 0; i < selectors.size(); ++i) {
    myhtml_collection_t* found = nullptr;
    modest_finder_by_selectors_list(finder, document, lists[i], &found);
    std::vector<myhtml_tree_node_t*> want;
    if (found != nullptr) {
      want.assign(found->list, found->list + found->length);
      myhtml_collection_destroy(found);
    }
    std::vector<myhtml_tree_node_t*> got;
    parser.dom_index().Select(tree, document, finder, lists[i], leads[i], &got);
    EXPECT_EQ(got, want) << selectors[i] << ": " << got.size() << " vs " << want.size();
  }
}

TEST(DomIndexTest, TagNodesAreTheElementsOfThatNameInDocumentOrder) {
  PageInput page;
  page.html = "<p><kqs-cookie a=1></kqs-cookie><span><KQS-COOKIE b=2></KQS-COOKIE></span></p>";
  DomVocabulary vocabulary;
  PageParser parser;
  PageFeatures features;
  parser.Parse(page, &features, &vocabulary);
  std::vector<myhtml_tree_node_t*> nodes;
  parser.dom_index().TagNodes(static_cast<myhtml_tree_t*>(parser.tree()), "kqs-cookie", &nodes);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_NE(myhtml_attribute_by_key(nodes[0], "a", 1), nullptr);
  EXPECT_NE(myhtml_attribute_by_key(nodes[1], "b", 1), nullptr);
}

TEST(DomIndexTest, PrefilterTokensAreThoseOnThePage) {
  PageInput page;
  page.html = R"(<div id="Main" class="a  b" data-X="1"></div>)";
  DomVocabulary vocabulary;
  const uint32_t div = vocabulary.AddTag("div");
  const uint32_t span = vocabulary.AddTag("span");
  const uint32_t id = vocabulary.AddId("Main");
  const uint32_t id_lower = vocabulary.AddId("main");
  const uint32_t cls = vocabulary.AddClass("b");
  const uint32_t attr = vocabulary.AddAttr("data-x");
  PageParser parser;
  PageFeatures features;
  parser.Parse(page, &features, &vocabulary);
  const DomIndex& index = parser.dom_index();
  EXPECT_TRUE(index.Has(div));
  EXPECT_FALSE(index.Has(span));
  EXPECT_TRUE(index.Has(id));
  EXPECT_FALSE(index.Has(id_lower));  // ids and classes compare as written
  EXPECT_TRUE(index.Has(cls));
  EXPECT_TRUE(index.Has(attr));  // attribute names lower-case
}

}  // namespace
}  // namespace leadscan::detect
