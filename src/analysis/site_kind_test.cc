#include "analysis/site_kind.h"

#include <gtest/gtest.h>

#include <string>

namespace leadscan::analysis {
namespace {

const std::set<std::string, std::less<>> kProviders = {"klarna.com", "postnord.se", "stripe.com"};

SiteJudgement Judge(std::string url, std::string html, bool platform = false,
                    std::string role = "home") {
  return JudgeSite({{url, role, html}}, platform, kProviders);
}

TEST(SiteKindTest, AShopWithACartAndItsOwnTermsIsAShop) {
  auto j = Judge("https://kaffebonan.se/",
                 "<a href=\"/cart\">Varukorg</a><button>Lägg i varukorgen</button>"
                 "<p>Vi skickar med PostNord. Betala med Klarna.</p>");
  EXPECT_EQ(j.kind, SiteKind::kShop);
  EXPECT_TRUE(j.commerce_counts());
  EXPECT_FALSE(j.reasons.empty());
}

TEST(SiteKindTest, AProvidersOwnSiteIsNotAShopUnlessItSellsThere) {
  auto j = Judge("https://www.postnord.se/skicka-paket", "<p>Skicka paket med PostNord.</p>");
  EXPECT_EQ(j.kind, SiteKind::kProvider);
  EXPECT_FALSE(j.commerce_counts());
  // A provider that runs a real shop on its own domain is a shop.
  auto shop = Judge("https://shop.postnord.se/",
                    "<a href=\"/checkout\">Kassa</a><button>Lägg i varukorg</button>"
                    "<script type=\"application/ld+json\">{\"@type\":\"Product\"}</script>",
                    /*platform=*/true);
  EXPECT_EQ(shop.kind, SiteKind::kShop);
}

TEST(SiteKindTest, APlatformFoundOnTheProvidersOwnSiteIsNoSignOfAShop) {
  // Stripe's own page naming its checkout: the "platform" is the provider's product.
  auto j = Judge("https://stripe.com/payments/checkout", "<p>We accept your order online.</p>",
                 /*platform=*/true);
  EXPECT_EQ(j.kind, SiteKind::kProvider);
}

TEST(SiteKindTest, DeveloperDocumentationThatQuotesIntegrationCodeIsDocumentation) {
  auto j = Judge("https://docs.example-psp.com/checkout/stripe-js",
                 "<pre><code>&lt;script src=\"https://js.stripe.com/v3/\"&gt;</code></pre>"
                 "<p>Create an API key, then call the endpoint with the SDK.</p>");
  EXPECT_EQ(j.kind, SiteKind::kDocumentation);
  EXPECT_FALSE(j.commerce_counts());
}

TEST(SiteKindTest, ANewsArticleNamingBrandsIsAnArticle) {
  auto j = Judge("https://news.example.com/2024/05/klarna-ipo",
                 "<meta property=\"og:type\" content=\"article\"><p>Klarna and PostNord "
                 "reported results; shoppers pay with Visa.</p>");
  EXPECT_EQ(j.kind, SiteKind::kArticle);
  EXPECT_FALSE(j.commerce_counts());
}

TEST(SiteKindTest, AHelpCentreWithoutAnyShopSignalIsDocumentation) {
  auto j = Judge("https://support.somepsp.com/hc/en-us/articles/123",
                 "<p>How to enable MobilePay for your customers.</p>");
  EXPECT_EQ(j.kind, SiteKind::kDocumentation);
  // A shop's own help page about its payments stays a shop.
  auto shop = Judge("https://help.shop.se/hc/sv/articles/1",
                    "<p>Vi accepterar Visa och Mastercard för din beställning.</p>");
  EXPECT_EQ(shop.kind, SiteKind::kShop);
}

TEST(SiteKindTest, NoSignalLeavesTheCommerceFindingsCounting) {
  auto j = Judge("https://example.se/", "<p>Hej</p>");
  EXPECT_EQ(j.kind, SiteKind::kUnknown);
  EXPECT_TRUE(j.commerce_counts());
}

TEST(SiteKindTest, AnArticlePathAloneIsEnoughWhereNothingSpeaksOfAShop) {
  // Page text without markup (a news excerpt, a press release): the path says article.
  for (const char* url :
       {"https://lindenytt.example/nyheter/postpaket-hittat",
        "https://www.carrier.example/sv/media/pressmeddelanden/2016/paketrekord/"}) {
    auto j = Judge(url, "Paketrekord: en halv miljon paket hos PostNord på ett dygn.");
    EXPECT_EQ(j.kind, SiteKind::kArticle) << url;
    EXPECT_FALSE(j.commerce_counts()) << url;
  }
  // A press release stays one when it speaks of deliveries; a path dated to the day is enough.
  auto press = Judge("https://www.carrier.example/sv/media/pressmeddelanden/2016/paketrekord/",
                     "Rekordmånga leveranser: vi skickar en halv miljon paket på ett dygn.");
  EXPECT_EQ(press.kind, SiteKind::kArticle) << press.reasons.front();
  auto dated = Judge("https://news.example/2017/01/18/apple-pencil-2", "Apple Pay and PayPal.");
  EXPECT_EQ(dated.kind, SiteKind::kArticle);
  EXPECT_EQ(Judge("https://shop.example/2017/01/sale", "PayPal").kind, SiteKind::kUnknown);
  // Any sign of a shop keeps the findings: a blog page of a shop that speaks of its orders.
  auto shop = Judge("https://shop.example/blogg/nyheter",
                    "<p>Din beställning skickas med PostNord inom två dagar.</p>");
  EXPECT_TRUE(shop.commerce_counts()) << SiteKindName(shop.kind);
}

TEST(SiteKindTest, ABlogPostOnAShopWithProductsStaysAShop) {
  auto j = Judge("https://shop.se/blog/nyheter",
                 "<meta property=\"og:type\" content=\"article\"><a href=\"/cart\">Cart</a>"
                 "<button>Add to cart</button><p>Your order ships with DHL.</p>",
                 /*platform=*/true);
  EXPECT_EQ(j.kind, SiteKind::kShop);
}

}  // namespace
}  // namespace leadscan::analysis
