#include "history/finding_diff.h"

#include <gtest/gtest.h>

namespace leadscan::history {
namespace {

Json On(const std::string& url) {
  return Json::array({{{"page", url}, {"field", "html"}, {"matched", "x"}}});
}

Finding F(const std::string& field, const std::string& name, const std::string& url) {
  return {field, name, On(url)};
}

// An analysis of `type` that fetched and analysed every page of `ok` (the first is home) and
// lost every page of `lost`.
AnalysisReach Reached(const std::vector<std::string>& ok, const std::vector<std::string>& lost = {},
                      const std::string& type = "full_analysis") {
  AnalysisReach r;
  r.fields = FieldsOfType(type);
  for (const auto& u : ok)
    r.reached.insert(PageKey(u));
  for (const auto& u : lost)
    r.unreached.insert(PageKey(u));
  r.home_reached = !ok.empty();
  return r;
}

// A lead whose every field was looked at before by a complete analysis.
PriorState Known(std::vector<Finding> present) {
  PriorState p;
  p.present = std::move(present);
  for (const auto& field : FindingFields())
    p.observed.push_back({field, false, {}});
  return p;
}

std::vector<std::string> Describe(const FindingDiff& d) {
  std::vector<std::string> out;
  for (const auto& c : d.changes)
    out.push_back(std::string(ChangeKindName(c.kind)) + " " + c.field + " " + c.name);
  return out;
}

const std::string kHome = "https://shop.test/";
const std::string kCheckout = "https://shop.test/kassa";

TEST(DiffFindingsTest, TheFirstLookAtAFieldIsItsBaselineNotAChange) {
  PriorState nothing;
  auto d = DiffFindings(nothing,
                        {F("checkout_solutions", "Klarna Checkout", kCheckout),
                         F("ecommerce_platform", "WooCommerce", kHome)},
                        Reached({kHome, kCheckout}));
  EXPECT_TRUE(d.changes.empty());
  ASSERT_EQ(d.seen.size(), 2u);
  EXPECT_EQ(d.observed.size(), FindingFields().size());
  EXPECT_FALSE(d.observed.front().partial);
}

TEST(DiffFindingsTest, ACheckoutSwitchOnAReachedPageIsARemovalAndAnAddition) {
  auto d = DiffFindings(
      Known({F("checkout_solutions", "Klarna Checkout", kCheckout),
             F("carriers", "PostNord", kHome)}),
      {F("checkout_solutions", "Walley Checkout", kCheckout), F("carriers", "PostNord", kHome)},
      Reached({kHome, kCheckout}));
  EXPECT_EQ(Describe(d), (std::vector<std::string>{"removed checkout_solutions Klarna Checkout",
                                                   "added checkout_solutions Walley Checkout"}));
  EXPECT_EQ(d.changes[0].evidence, On(kCheckout));  // what it was last seen with
  EXPECT_EQ(d.changes[1].evidence, On(kCheckout));
  EXPECT_TRUE(d.changes[1].previous.is_null());
  ASSERT_EQ(d.removed.size(), 1u);
  EXPECT_EQ(d.removed[0].name, "Klarna Checkout");
  EXPECT_EQ(d.seen.size(), 2u);
}

TEST(DiffFindingsTest, AFindingOnAPageThatFailedToLoadIsNotRemoved) {
  auto d = DiffFindings(Known({F("checkout_solutions", "Klarna Checkout", kCheckout)}), {},
                        Reached({kHome}, {kCheckout}));
  EXPECT_TRUE(d.changes.empty());
  EXPECT_TRUE(d.removed.empty());
}

TEST(DiffFindingsTest, OneLostPageOfSeveralKeepsTheFinding) {
  Finding klarna{"payment_methods", "Klarna",
                 Json::array({{{"page", kHome}}, {{"page", kCheckout}}})};
  auto d = DiffFindings(Known({klarna}), {}, Reached({kHome}, {kCheckout}));
  EXPECT_TRUE(d.changes.empty());
}

TEST(DiffFindingsTest, APartialAnalysisRemovesNothing) {
  AnalysisReach r = Reached({kHome, kCheckout});
  r.partial = true;
  auto d = DiffFindings(Known({F("checkout_solutions", "Klarna Checkout", kCheckout)}),
                        {F("checkout_solutions", "Walley Checkout", kCheckout)}, r);
  EXPECT_EQ(Describe(d), (std::vector<std::string>{"added checkout_solutions Walley Checkout"}));
  ASSERT_FALSE(d.observed.empty());
  EXPECT_TRUE(d.observed.front().partial);
}

TEST(DiffFindingsTest, APageNoLongerTriedCountsOnlyWhenTheHomePageWasReached) {
  PriorState prior = Known({F("checkout_solutions", "Klarna Checkout", kCheckout)});
  auto reached_home = DiffFindings(prior, {}, Reached({kHome}));
  EXPECT_EQ(Describe(reached_home),
            (std::vector<std::string>{"removed checkout_solutions Klarna Checkout"}));
  AnalysisReach nothing;
  nothing.fields = FindingFields();
  auto no_pages = DiffFindings(prior, {}, nothing);
  EXPECT_TRUE(no_pages.changes.empty());
}

TEST(DiffFindingsTest, FieldsTheAnalysisDoesNotLookAtAreLeftAlone) {
  PriorState prior = Known({F("ecommerce_platform", "WooCommerce", kHome),
                            F("technologies", "PHP", kHome), F("carriers", "DHL", kHome)});
  auto d = DiffFindings(prior, {F("carriers", "Budbee", kHome), F("technologies", "Nginx", kHome)},
                        Reached({kHome}, {}, "carrier_detection"));
  EXPECT_EQ(Describe(d),
            (std::vector<std::string>{"removed carriers DHL", "added carriers Budbee"}));
  ASSERT_EQ(d.seen.size(), 1u);  // technologies were not looked at
  EXPECT_EQ(d.observed.size(), 2u);
}

TEST(DiffFindingsTest, ASetAsideFindingIsNotRemoved) {
  AnalysisReach r = Reached({kHome, kCheckout});
  r.set_aside.insert({"checkout_solutions", "Klarna Checkout"});
  auto d = DiffFindings(Known({F("checkout_solutions", "Klarna Checkout", kCheckout)}), {}, r);
  EXPECT_TRUE(d.changes.empty());
}

TEST(DiffFindingsTest, AnAdditionOnAPageTheLastLookLostIsNotAnnounced) {
  PriorState prior = Known({});
  for (auto& o : prior.observed)
    o.unreached = {PageKey(kCheckout)};
  auto d = DiffFindings(
      prior,
      {F("checkout_solutions", "Klarna Checkout", kCheckout), F("carriers", "PostNord", kHome)},
      Reached({kHome, kCheckout}));
  EXPECT_EQ(Describe(d), (std::vector<std::string>{"added carriers PostNord"}));
  EXPECT_EQ(d.seen.size(), 2u);  // both present now
}

TEST(DiffFindingsTest, AnAdditionAfterAPartialLookIsNotAnnounced) {
  PriorState prior = Known({});
  for (auto& o : prior.observed)
    o.partial = true;
  auto d = DiffFindings(prior, {F("carriers", "PostNord", kHome)}, Reached({kHome}));
  EXPECT_TRUE(d.changes.empty());
  EXPECT_EQ(d.seen.size(), 1u);
}

TEST(DiffFindingsTest, APlatformSwitchNamesThePreviousPlatform) {
  auto d = DiffFindings(Known({F("ecommerce_platform", "WooCommerce", kHome)}),
                        {F("ecommerce_platform", "Shopify", kHome)}, Reached({kHome}));
  EXPECT_EQ(Describe(d), (std::vector<std::string>{"removed ecommerce_platform WooCommerce",
                                                   "added ecommerce_platform Shopify"}));
  EXPECT_EQ(d.changes[1].previous, "WooCommerce");
  EXPECT_TRUE(d.changes[0].previous.is_null());
}

TEST(DiffFindingsTest, ChangesComeInFieldOrderRemovalsFirstAndDuplicatesCountOnce) {
  auto d = DiffFindings(Known({F("carriers", "DHL", kHome), F("checkout_solutions", "Svea", kHome),
                               F("carriers", "Bring", kHome)}),
                        {F("carriers", "PostNord", kHome), F("carriers", "Budbee", kHome),
                         F("carriers", "Budbee", kHome), F("checkout_solutions", "Avarda", kHome),
                         F("carriers", "", kHome)},
                        Reached({kHome}));
  EXPECT_EQ(Describe(d), (std::vector<std::string>{
                             "removed checkout_solutions Svea", "added checkout_solutions Avarda",
                             "removed carriers Bring", "removed carriers DHL",
                             "added carriers Budbee", "added carriers PostNord"}));
  EXPECT_EQ(d.seen.size(), 3u);
}

TEST(DiffFindingsTest, AFindingFoundAgainAfterItsRemovalIsAddedAgain) {
  // The store's prior state no longer lists a removed finding as present.
  auto d = DiffFindings(Known({}), {F("carriers", "DHL", kHome)}, Reached({kHome}));
  EXPECT_EQ(Describe(d), (std::vector<std::string>{"added carriers DHL"}));
}

TEST(DiffFindingsTest, BrowserEvidenceIsLostOnlyWithTheRendering) {
  Finding spa{"technologies", "React", Json::array({{{"page", kHome}, {"source", "browser"}}})};
  AnalysisReach r = Reached({kHome});
  r.unreached.insert(PageKey(kHome, true));
  EXPECT_TRUE(DiffFindings(Known({spa}), {}, r).changes.empty());
  AnalysisReach rendered = Reached({kHome});
  rendered.reached.insert(PageKey(kHome, true));
  EXPECT_EQ(Describe(DiffFindings(Known({spa}), {}, rendered)),
            (std::vector<std::string>{"removed technologies React"}));
}

TEST(DiffFindingsTest, AnImpliedFindingGoesOnlyWithThePagesOfTheOneThatImpliedIt) {
  Finding kustom = F("checkout_solutions", "Kustom Checkout", kCheckout);
  Finding klarna{
      "payment_methods", "Klarna",
      Json::array({{{"field", "implies"}, {"matched", "Kustom Checkout"}, {"page", ""}}})};
  // The checkout page failed: neither the checkout nor what it implied is removed, although
  // the implied finding names no page of its own and the home page was reached.
  auto lost = DiffFindings(Known({kustom, klarna}), {}, Reached({kHome}, {kCheckout}));
  EXPECT_TRUE(lost.changes.empty());
  auto switched =
      DiffFindings(Known({kustom, klarna}), {F("checkout_solutions", "Walley Checkout", kCheckout)},
                   Reached({kHome, kCheckout}));
  EXPECT_EQ(Describe(switched),
            (std::vector<std::string>{"removed checkout_solutions Kustom Checkout",
                                      "added checkout_solutions Walley Checkout",
                                      "removed payment_methods Klarna"}));
  // A cycle of implications ends.
  Finding a{"technologies", "A", Json::array({{{"field", "implies"}, {"matched", "B"}}})};
  Finding b{"technologies", "B", Json::array({{{"field", "implies"}, {"matched", "A"}}})};
  EXPECT_EQ(DiffFindings(Known({a, b}), {}, Reached({kHome})).changes.size(), 2u);
}

TEST(FindingsOfTest, ReadsObjectsAndArraysInTheAskedFields) {
  Json fields = {{"ecommerce_platform", {{"name", "Shopify"}, {"evidence", On(kHome)}}},
                 {"carriers", Json::array({{{"name", "PostNord"}}, {{"slug", "x"}}, 5})},
                 {"technologies", Json::array({{{"name", "Cloudflare"}}})},
                 {"checkout_solutions", nullptr}};
  auto all = FindingsOf(fields, FindingFields());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].field, "ecommerce_platform");
  EXPECT_EQ(all[0].evidence, On(kHome));
  EXPECT_EQ(all[1].name, "PostNord");
  EXPECT_TRUE(all[1].evidence.is_array());
  EXPECT_EQ(FindingsOf(fields, {"carriers"}).size(), 1u);
  EXPECT_TRUE(FindingsOf(Json::array(), FindingFields()).empty());
}

}  // namespace
}  // namespace leadscan::history
