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
  // The same markup with its attributes the other way round, on an undated path: it outweighs
  // one phrase of shop voice (the substring "our shop" of "your shopping").
  auto reversed = Judge("https://lifestyle.example/how-your-brain-corrupts-your-shopping",
                        "<meta content=\"article\" property=\"og:type\" /><p>Remove your saved "
                        "credit card or PayPal information to curb your shopping.</p>");
  EXPECT_EQ(reversed.kind, SiteKind::kArticle);
}

// A platform's user guide speaks of "your order" (its merchants' orders) and names the
// shipping software it plugs into: documentation, not a shop using that software.
TEST(SiteKindTest, APlatformsUserGuideIsDocumentationThoughItSpeaksOfOrders) {
  auto j = Judge("https://support.someplatform.com/en/user-guide/shipping-extension",
                 "<p>The extension prints labels for your order and tracks the parcel.</p>");
  EXPECT_EQ(j.kind, SiteKind::kDocumentation);
  EXPECT_FALSE(j.commerce_counts());
  // A shop's page with a cart under such a path stays a shop.
  auto shop = Judge("https://shop.example.se/manual/kaffekvarn",
                    "<a href=\"/cart\">Varukorg</a><button>Lägg i varukorgen</button>"
                    "<p>Vi skickar din beställning med PostNord.</p>");
  EXPECT_EQ(shop.kind, SiteKind::kShop);
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

TEST(SiteKindTest, APageThatSetsOutPaymentOrDeliveryForOrdersIsAShop) {
  // A shop's payment or delivery page as text: no cart, no markup, but its own terms.
  for (const char* text :
       {"Zahlungsarten: Wir bieten Vorkasse und PayPal. Nach Abschluss der Bestellung erhalten "
        "Sie eine E-Mail.",
        "Al formular el pedido, el cliente puede elegir las formas de pago: PayPal o tarjeta.",
        "Frakt: Vid order under 3000 kr debiteras fraktkostnad 139 kr. Leveranstid 2-3 dagar, "
        "beställ före 14.",
        // Finnish inflects its order words: "tilauksen" (of the order), "tilattu" (ordered).
        "Maksutavat: voit maksaa tilauksen verkkopankissa tai luottokortilla.",
        "Jos haluat palauttaa tuotteen, ota yhteyttä kauppaan, josta tuote on tilattu. Maksu "
        "välitetään kauppiaalle.",
        // Czech inflects it too: "při objednávce" (when ordering).
        "Způsob dopravy: délka doručení při objednávce učiněné do 12 hodin."}) {
    auto j = Judge("https://unknown.invalid/", text);
    EXPECT_EQ(j.kind, SiteKind::kShop) << text;
  }
  // Capitals outside ASCII are folded too: "KØB" is "køb".
  EXPECT_EQ(Judge("https://unknown.invalid/", "GRATIS FRAGT VED KØB OVER 300 KR.").kind,
            SiteKind::kShop);
  // News that names a carrier and parcels, with no order and no terms, stays unknown.
  EXPECT_EQ(Judge("https://unknown.invalid/",
                  "Fra næste måned vil PostNord også køre ud med pakker om søndagen.")
                .kind,
            SiteKind::kUnknown);
  // A shop's terms name the contract of sale: its voice outweighs a "news" path (Shoper
  // stores publish their delivery terms under /news/n/).
  EXPECT_EQ(Judge("https://zabawki.example/news/n/54/Dostawa",
                  "Sprzedawca realizuje dostawę za pośrednictwem firmy kurierskiej DPD. Koszt "
                  "dostawy jest podany przed zawarciem umowy sprzedaży.")
                .kind,
            SiteKind::kShop);
  // Terms wording never outweighs an article or a help centre.
  EXPECT_EQ(Judge("https://news.example/nyheter/paket",
                  "Beställningar ökar: fraktkostnad och leveranstid hos PostNord.")
                .kind,
            SiteKind::kArticle);
}

TEST(SiteKindTest, ASiteWhoseProductsAreBoughtOnAMarketplaceSellsElsewhere) {
  auto j = Judge("https://puzzles.example/fussball",
                 "<p>8,99 &euro;</p><a id=\"amazon-button\" "
                 "href=\"https://www.amazon.de/dp/B0BQ99WJKN?tag=x-21\">Auf Amazon kaufen</a>"
                 "<svg aria-labelledby=\"pi-paypal\"></svg>",
                 /*platform=*/true);
  EXPECT_EQ(j.kind, SiteKind::kSellsElsewhere);
  EXPECT_STREQ(SiteKindName(j.kind), "sells_elsewhere");
  EXPECT_FALSE(j.commerce_counts());
  // A shop with its own cart that also links its Amazon listing is a shop.
  auto shop = Judge("https://shop.example/p/1",
                    "<button>Add to cart</button><a href=\"/cart\">Cart</a>"
                    "<a href=\"https://www.amazon.com/dp/B0BQ99WJKN\">Also on Amazon</a>"
                    "<a href=\"https://amzn.to/3x\">Buy on Amazon</a>");
  EXPECT_EQ(shop.kind, SiteKind::kShop);
}

TEST(SiteKindTest, APageThatSpeaksToMerchantsOfTheirStoreIsAProvidersOwn) {
  // A shipping app's privacy policy: it lists the carriers it integrates, on no shop.
  auto app =
      Judge("https://rates-app.example/privacy",
            "The App provides shipping rates to merchants who use Shopify. When you install "
            "the App in your shop we share the addresses of your customers with the carriers: "
            "PostNord, GLS, Bring.");
  EXPECT_EQ(app.kind, SiteKind::kProvider);
  EXPECT_FALSE(app.commerce_counts());
  // The same in Swedish.
  EXPECT_EQ(Judge("https://frakt-app.example/",
                  "Fraktappen visar dina kunder PostNord och DHL i kassan. Koppla din webbutik, så "
                  "spåras paketen från din e-handel.")
                .kind,
            SiteKind::kProvider);
  // One or two such phrases happen on a shop's pages; a strong shop outweighs three.
  EXPECT_EQ(Judge("https://kaffebonan.se/",
                  "<button>Lägg i varukorg</button><p>Vi skickar med PostNord till dig och "
                  "dina kunder.</p>")
                .kind,
            SiteKind::kShop);
  EXPECT_EQ(Judge("https://kaffebonan.se/grossist",
                  "<a href=\"/cart\">Varukorg</a><button>Lägg i varukorg</button>"
                  "<script type=\"application/ld+json\">{\"@type\":\"Product\"}</script>"
                  "<p>För återförsäljare: merchants, din webbutik, dina kunder.</p>")
                .kind,
            SiteKind::kShop);
}

TEST(SiteKindTest, AnExplainerAboutPaymentsIsAnArticle) {
  // A guide for readers names card brands and order words, as a shop's terms page does.
  auto j = Judge("https://agency.example/betalingsmuligheder/",
                 "Betalingsmuligheder og metoder: Alt du skal vide om betaling. Når du køber "
                 "varer, kan du betale med Visa, Mastercard og Dankort eller MobilePay.");
  EXPECT_EQ(j.kind, SiteKind::kArticle);
  EXPECT_FALSE(j.commerce_counts());
  // A shop's own page with the same title is a shop: it shows its cart.
  EXPECT_EQ(Judge("https://kaffebonan.dk/levering",
                  "<a href=\"/kurv\">Kurv</a><a href=\"/checkout\">Til kassen</a>"
                  "<h1>Alt du skal vide om levering</h1><p>Vi sender med PostNord.</p>")
                .kind,
            SiteKind::kShop);
}

TEST(SiteKindTest, AConferenceSiteThatListsItsSponsorsIsAnEvent) {
  // An e-commerce conference: its speakers and sponsors come from PayPal, PayU and InPost.
  auto j = Judge("https://ecommerceday.example/",
                 "<nav>bilety prelegenci program sponsorzy</nav><p>Druga edycja konferencji dla "
                 "sklepów internetowych. 9:40 Evolution of payments, PayPal. 16:00 Płatności "
                 "w ecommerce, PayU.</p><img src=\"img/sl-inpost.png\">");
  EXPECT_EQ(j.kind, SiteKind::kEvent);
  EXPECT_STREQ(SiteKindName(j.kind), "event");
  EXPECT_FALSE(j.commerce_counts());
  ASSERT_EQ(j.reasons.size(), 1u);
  EXPECT_NE(j.reasons[0].find("konferencj"), std::string::npos) << j.reasons[0];
  // The same in Swedish.
  EXPECT_EQ(Judge("https://ehandelsdagen.example/",
                  "<h1>Ehandelsdagen – konferensen för e-handlare</h1><h2>Talare</h2>"
                  "<h2>Utställare</h2><p>Klarna, PostNord, Bring.</p>")
                .kind,
            SiteKind::kEvent);
}

TEST(SiteKindTest, ShopsThatShareAnEventsWordsAreShops) {
  // Loudspeakers, conference tables and concert tickets: a shop's words, not an event's.
  auto speakers = Judge("https://ljud.example/",
                        "<p>Bluetooth speakers och högtalare till konferensbord. Tickets "
                        "till konserten på köpet.</p><a href=\"/kassa\">Kassa</a>");
  EXPECT_EQ(speakers.kind, SiteKind::kShop);
  // A ticket shop for a conference: it has a cart, it is a shop.
  auto tickets = Judge("https://tickets.example/konferens-2025",
                       "<h1>Konferens 2025</h1><p>Talare, utställare och biljetter.</p>"
                       "<button>Lägg i varukorg</button><a href=\"/checkout\">Kassa</a>"
                       "<p>Vi accepterar Visa och Swish.</p>");
  EXPECT_EQ(tickets.kind, SiteKind::kShop);
}

}  // namespace
}  // namespace leadscan::analysis
