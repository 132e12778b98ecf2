#include "analysis/site_kind.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "fetch/target.h"

namespace leadscan::analysis {
namespace {

// Only the start of a page is read: the signals sit in the head, the navigation and the first
// screens of text, and the work stays bounded whatever a site sends.
constexpr size_t kMaxScannedBytes = 512 * 1024;

// Score thresholds (see docs/decisions/site-kind.md).
constexpr int kStrongShop = 4;  // outweighs a provider's own domain
constexpr int kShopEnough = 3;  // outweighs documentation or article signals
constexpr int kDocsEnough = 3;
constexpr int kArticleEnough = 3;
constexpr int kHelpEnough = 2;
constexpr int kEventEnough = 3;  // an event's name and two of speakers, sponsors, tickets

// Adding a product to a cart, in the languages of the shops we analyse.
constexpr std::array kCartPhrases = {
    "add to cart",
    "add to basket",
    "add to bag",
    "lägg i varukorg",
    "lägg i kundvagn",
    "köp nu",
    "legg i handlekurv",
    "legg i handlevogn",
    "læg i kurv",
    "læg i indkøbskurv",
    "lisää ostoskoriin",
    "in den warenkorb",
    "ajouter au panier",
    "añadir al carrito",
    "aggiungi al carrello",
    "adicionar ao carrinho",
    "in winkelwagen",
    "dodaj do koszyka",
    "do košíku",
    "kosárba",
    "adaugă în coș",
    "adauga in cos",
    "カートに入れる",
};

// A shop speaking of its own orders, deliveries and terms of sale.
constexpr std::array kShopVoice = {
    "your order",
    "we ship",
    "we deliver",
    "we accept",
    "our store",
    "our shop",
    "din beställning",
    "din order",
    "vi skickar",
    "vi levererar",
    "vi accepterar",
    "köpvillkor",
    "din ordre",
    "vi sender",
    "vi leverer",
    "vi tar imot",
    "handelsbetingelser",
    "kjøpsbetingelser",
    "salgsbetingelser",
    "tilauksesi",
    "toimitusehdot",
    "ihre bestellung",
    "wir versenden",
    "wir liefern",
    "votre commande",
    "nous expédions",
    "conditions générales de vente",
    "tu pedido",
    "enviamos",
    "il tuo ordine",
    "spediamo",
    "condizioni di vendita",
    "sua encomenda",
    "uw bestelling",
    "twoje zamówienie",
    "vaše objednávka",
    "rendelésed",
    "comanda ta",
    "terms of sale",
    "umowy sprzedaży",  // the contract of sale in a Polish shop's terms
    "umowa sprzedaży",
    "umowę sprzedaży",
    "kupní smlouv",  // Czech: kupní smlouva, smlouvy
    "returns policy",
    "refund policy",
    "shipping policy",
};

// A shop's own page of payment or delivery terms names the buyer's order or purchase ...
constexpr std::array kOrderWords = {
    "your order",
    "the order",
    "place an order",
    "all orders",
    "each order",
    "per order",
    "order confirmation",
    "checkout",
    "purchase",
    "bestellung",
    "bestellvorgang",
    "einkauf",
    "my order",
    "orders will",
    "orders are",
    "orders over",
    "orders under",
    "bestill",
    "beställ",
    "pedido",
    "compra",
    "ordine",
    "acquist",
    "objednáv",  // objednávka, objednávce, objednávku
    "nákup",
    "megrendel",
    "rendelés",
    "vásárl",
    "comanda",
    "comandă",
    "comenzi",
    "cumpăr",
    "encomenda",
    "bestelling",
    "aankoop",
    "zamówieni",
    "zakup",
    "tilaus",
    "tilauk",  // tilauksen, tilaukset, tilauksesi
    "tilattu",
    "tilaamasi",
    "ostoskori",
    "köp",
    "ordre",
    "køb",
    "kjøp",
    "commande",
    "sipariş",
    "注文",
    "παραγγελ",
    "your items",
    "your parcel",
    "your package",
    "din pakke",
    "ditt paket",
    "dein paket",
    "ihr paket",
    "bestelproces",
    "geldeingang",
    "zahlungseingang",
};

// ... and how it is paid for or delivered: payment methods, cards, shipping costs.
constexpr std::array kTermsWords = {
    "payment method",
    "payment options",
    "kreditkarte",
    "gastos de envío",
    "envío gratis",
    "tarjeta de crédito",
    "pago",
    "spedizion",
    "carta di credito",
    "způsob platby",
    "způsoby platby",
    "platba",
    "doprava",
    "dopravy",  // Czech inflects it: způsob dopravy, dopravné, dopravce
    "dopravné",
    "dopravce",
    "platební kart",
    "fizetési mód",
    "szállítási díj",
    "szállítási költség",
    "ingyenes szállítás",
    "bankkártya",
    "metode de plat",
    "modalitati de plata",
    "plată",
    "cost livrare",
    "taxa de livrare",
    "livrare gratuit",
    "card bancar",
    "pagamento",
    "frete",
    "portes",
    "cartão de crédito",
    "betaalmethode",
    "betaalmogelijkhed",
    "verzendkosten",
    "gratis verzending",
    "creditcard",
    "metody płatności",
    "formy płatności",
    "koszty dostawy",
    "darmowa dostawa",
    "betalsätt",
    "leveranstid",
    "fragtfri",
    "gratis fragt",
    "fri levering",
    "forsendelse",
    "kreditkort",
    "toimitus",
    "luottokortti",
    "frais de port",
    "frais de livraison",
    "livraison gratuite",
    "ödeme",
    "送料",
    "お支払",
    "支払い",
    "πληρωμ",
    "αποστολ",
    "shipping",
    "postage",
    "lieferzeit",
    "versand",
    "frakt",
    "porto",
    "leveringstid",
    "betaling",
    "betalning",
    "maksu",
    "paiement",
    "zahlung",
    "έξοδα",
    "tracking number",
    "sendungsnummer",
    "trackingnummer",
    "spårningsnummer",
    "sporingsnummer",
    "seurantakoodi",
    "delivery",
    "lieferung",
    "shipment",
    "dispatch",
};

// A product page on a marketplace: where a site without a cart of its own sends its buyers.
constexpr std::array kMarketplaceProductLinks = {
    "amzn.to/",          "amzn.eu/",      "/dp/b0",       "/gp/product/",
    "etsy.com/listing/", "ebay.com/itm/", "ebay.de/itm/", "ebay.co.uk/itm/",
    "ebay.fr/itm/",      "ebay.it/itm/",  "ebay.es/itm/"};
constexpr std::array kBuyElsewherePhrases = {
    "buy on amazon",      "buy it on amazon",  "view on amazon",     "available on amazon",
    "auf amazon kaufen",  "bei amazon kaufen", "auf amazon ansehen", "köp på amazon",
    "kjøp på amazon",     "køb på amazon",     "acheter sur amazon", "comprar en amazon",
    "acquista su amazon", "buy on etsy",       "auf etsy kaufen",    "buy on ebay"};

constexpr std::array kCartPaths = {"/cart",   "/checkout",  "/kassa",   "/varukorg", "/warenkorb",
                                   "/panier", "/carrello",  "/carrito", "/basket",   "/handlekurv",
                                   "/kurv",   "/ostoskori", "/koszyk",  "/kosik",    "/kosar"};

// A provider speaking to merchants about their store and their customers (an app's or a
// service's terms, a platform's manual). A shop speaks to its buyers; one such phrase happens on
// a shop's page, three distinct ones on one page do not (docs/decisions/site-kind.md).
constexpr std::array kMerchantVoice = {
    "merchants",      "your store",      "your shop",    "your online store", "your webshop",
    "your customers", "install the app", "din webshop",  "din nettbutikk",    "din netbutik",
    "din webbutik",   "din e-handel",    "dine kunder",  "dina kunder",       "verkkokauppasi",
    "asiakkaasi",     "ihre kunden",     "ihren shop",   "ihrem shop",        "ihres shops",
    "vos clients",    "votre boutique",  "sus clientes", "tu tienda",         "i tuoi clienti",
    "il tuo negozio", "uw klanten",      "uw webshop",   "twoi klienci",      "twój sklep"};
constexpr int kMerchantVoiceEnough = 3;

constexpr std::array kDocsHostLabels = {"docs",    "developer", "developers", "dev",
                                        "devdocs", "api",       "apidocs"};
constexpr std::array kDocsPathSegments = {"/docs/",        "/documentation/", "/developer/",
                                          "/developers/",  "/api-reference/", "/sdk/",
                                          "/dev-docs/",    "/reference/",     "/user-guide/",
                                          "/user-guides/", "/manual/",        "/manuals/"};
constexpr std::array kDocsWords = {
    "api key", "endpoint", " sdk",          "npm install",       "curl -",
    "webhook", "sandbox",  "api reference", "integration guide", "request body"};

constexpr std::array kHelpHostLabels = {
    "help",           "support", "kundecenter", "kundeservice", "kundtjanst", "kundservice",
    "asiakaspalvelu", "hilfe",   "hjelp",       "hjalp",        "faq",        "knowledge"};
constexpr std::array kHelpPathSegments = {
    "/hc/", "/help-center/", "/helpcenter/", "/knowledge-base/", "/kb/", "/support/articles/"};

constexpr std::array kArticleMarkers = {"property=\"og:type\" content=\"article\"",
                                        "property='og:type' content='article'",
                                        "content=\"article\" property=\"og:type\"",
                                        "content='article' property='og:type'",
                                        "\"@type\":\"newsarticle\"",
                                        "\"@type\": \"newsarticle\"",
                                        "\"@type\":\"blogposting\"",
                                        "\"@type\": \"blogposting\"",
                                        "\"@type\":\"article\"",
                                        "\"@type\": \"article\"",
                                        "\"@type\":\"reportagenewsarticle\""};
constexpr std::array kArticlePathSegments = {"/news/",    "/nyheter/",  "/nyheder/", "/uutiset/",
                                             "/blog/",    "/blogg/",    "/article/", "/articles/",
                                             "/artikel/", "/artikkel/", "/press/",   "/story/"};
// An explainer's title ("Betalingsmuligheder: alt du skal vide om betaling"): a guide for
// readers, not a shop's terms. Weak (2): it makes an article only where no page shows a sign
// of a shop.
constexpr std::array kExplainerPhrases = {"alt du skal vide",
                                          "alt du behøver at vide",
                                          "everything you need to know",
                                          "allt du behöver veta",
                                          "allt du behover veta",
                                          "alt du trenger å vite",
                                          "alt du må vite",
                                          "kaikki mitä sinun tulee tietää",
                                          "kaikki mitä pitää tietää",
                                          "alles, was sie wissen",
                                          "alles was sie wissen",
                                          "wszystko, co musisz wiedzieć",
                                          "wszystko co musisz wiedzieć",
                                          "the ultimate guide",
                                          "the complete guide",
                                          "den ultimative guide",
                                          "den kompletta guiden",
                                          "den komplette guiden"};
// A press release is an article whatever it says of deliveries.
constexpr std::array kPressReleasePathSegments = {"/pressmeddelanden/", "/pressemeddelelser/",
                                                  "/pressemeldinger/",  "/tiedotteet/",
                                                  "/press-releases/",   "/pressreleases/"};

// An event's site (a conference, a fair, a meetup) names the firms of its sponsors,
// exhibitors and speakers, payment and delivery firms among them: none of them is a shop's
// provider. A page is an event's when it calls itself a conference and has two of speakers,
// sponsors or exhibitors, and tickets or registration (unless it is plainly a shop). Words are
// matched at the start of a word: "talare" is a speaker, "högtalare" a loudspeaker. English
// "speakers" and "summit", "agenda" (a diary) and event markup (ticket shops carry it) are
// shops' words too.
constexpr std::array kEventNames = {"conference",  "konferens", "konferanse", "konference",
                                    "konferenssi", "konferenz", "konferencj", "kongress",
                                    "congress",    "symposium", "meetup"};
constexpr std::array kEventSpeakers = {"keynote",  "talare",     "talere",     "foredragsholder",
                                       "puhujat",  "referenten", "sprecher",   "intervenants",
                                       "ponentes", "relatori",   "prelegenci", "prelegent"};
constexpr std::array kEventSponsors = {"sponsors",   "sponsorer",  "sponsorzy",  "sponsoren",
                                       "sponsorit",  "exhibitors", "utställare", "udstillere",
                                       "utstillere", "aussteller", "wystawcy",   "exposants"};
constexpr std::array kEventTickets = {
    "tickets",     "biljetter", "billetter",   "liput",       "bilety",      "register now",
    "zarejestruj", "anmäl dig", "tilmeld dig", "meld deg på", "ilmoittaudu", "jetzt anmelden"};

// ASCII and Latin-1's capitals (U+00C0-U+00DE: Å Ä Ö Ø Æ Ü É ...) folded to lower case, so
// "KØB" and "BESTÄLLNING" read as the vocabulary is written.
std::string Lower(std::string_view s) {
  std::string out(s.substr(0, kMaxScannedBytes));
  for (size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c < 0x80) {
      out[i] = static_cast<char>(std::tolower(c));
    } else if (c == 0xC3 && i + 1 < out.size()) {
      const auto next = static_cast<unsigned char>(out[i + 1]);
      if (next >= 0x80 && next <= 0x9E && next != 0x97)  // U+00D7 is the multiplication sign
        out[i + 1] = static_cast<char>(next + 0x20);
      ++i;
    }
  }
  return out;
}

template <size_t N>
int CountFound(const std::string& text, const std::array<const char*, N>& needles) {
  int n = 0;
  for (const char* needle : needles) {
    if (text.find(needle) != std::string::npos)
      ++n;
  }
  return n;
}

template <size_t N>
const char* FirstFound(const std::string& text, const std::array<const char*, N>& needles) {
  for (const char* needle : needles) {
    if (text.find(needle) != std::string::npos)
      return needle;
  }
  return nullptr;
}

// The first needle found at the start of a word of `text` (no letter or digit, ASCII or not,
// right before it).
template <size_t N>
const char* FirstWord(const std::string& text, const std::array<const char*, N>& needles) {
  for (const char* needle : needles) {
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      const auto before = at == 0 ? ' ' : static_cast<unsigned char>(text[at - 1]);
      if (!std::isalnum(before) && before < 0x80)
        return needle;
    }
  }
  return nullptr;
}

struct UrlParts {
  std::string host;  // lower-case
  std::string path;  // lower-case, with a trailing '/' added for segment matching
};

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  std::string u = Lower(url);
  size_t start = u.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t slash = u.find_first_of("/?#", start);
  parts.host = u.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  if (auto colon = parts.host.find(':'); colon != std::string::npos)
    parts.host.resize(colon);
  if (slash != std::string::npos && u[slash] == '/') {
    size_t end = u.find_first_of("?#", slash);
    parts.path = u.substr(slash, end == std::string::npos ? std::string::npos : end - slash);
  }
  if (parts.path.empty() || parts.path.back() != '/')
    parts.path += '/';
  return parts;
}

template <size_t N>
bool HostStartsWithLabel(const std::string& host, const std::array<const char*, N>& labels) {
  const std::string first = host.substr(0, host.find('.'));
  return std::any_of(labels.begin(), labels.end(), [&](const char* l) { return first == l; });
}

// "/2024/05/" in a path: a dated article.
// 2 for a path dated to the day (/2024/05/17/), 1 to the month (/2024/05/), else 0.
int DatedPath(const std::string& path) {
  auto digit = [&](size_t i) {
    return i < path.size() && std::isdigit(static_cast<unsigned char>(path[i]));
  };
  int best = 0;
  for (size_t p = path.find("/20"); p != std::string::npos; p = path.find("/20", p + 1)) {
    if (digit(p + 3) && digit(p + 4) && p + 5 < path.size() && path[p + 5] == '/' && digit(p + 6) &&
        digit(p + 7)) {
      const bool day = p + 8 < path.size() && path[p + 8] == '/' && digit(p + 9) && digit(p + 10) &&
                       (p + 11 == path.size() || path[p + 11] == '/');
      best = std::max(best, day ? 2 : 1);
    }
  }
  return best;
}

bool IsCommerceRole(std::string_view role) {
  return role == "cart" || role == "checkout";
}

}  // namespace

const char* SiteKindName(SiteKind kind) {
  switch (kind) {
    case SiteKind::kShop:
      return "shop";
    case SiteKind::kProvider:
      return "provider";
    case SiteKind::kDocumentation:
      return "documentation";
    case SiteKind::kArticle:
      return "article";
    case SiteKind::kSellsElsewhere:
      return "sells_elsewhere";
    case SiteKind::kEvent:
      return "event";
    case SiteKind::kUnknown:
      break;
  }
  return "unknown";
}

SiteJudgement JudgeSite(const std::vector<SitePage>& pages, bool platform_found,
                        const std::set<std::string, std::less<>>& provider_domains) {
  SiteJudgement j;
  int shop = 0, docs = 0, help = 0, article = 0;
  std::vector<std::string> shop_why, docs_why, help_why, article_why;
  bool provider = false;
  std::string provider_domain;
  int merchant_voice = 0;  // the most distinct kMerchantVoice phrases on one page
  std::string terms_why;
  bool own_cart = false;  // add-to-cart wording, a cart link or a cart page
  int marketplace = 0;    // marketplace product links and "buy on Amazon" wording
  std::string elsewhere_why;
  int event = 0;  // the most kinds of event vocabulary on a page that names an event
  std::vector<std::string> event_why;
  for (size_t i = 0; i < pages.size(); ++i) {
    const SitePage& page = pages[i];
    const UrlParts url = SplitUrl(page.url);
    const std::string text = Lower(page.html);
    if (i == 0 && !url.host.empty()) {
      std::string domain = fetch::RegistrableDomain(url.host);
      if (!domain.empty() && provider_domains.count(domain) > 0) {
        provider = true;
        provider_domain = domain;
      }
    }
    if (const char* p = FirstFound(text, kCartPhrases)) {
      own_cart = true;
      shop += 2;
      shop_why.push_back(std::string("a product can be put in a cart (\"") + p + "\")");
    }
    if (text.find("\"@type\":\"product\"") != std::string::npos ||
        text.find("\"@type\": \"product\"") != std::string::npos ||
        text.find("itemprop=\"price\"") != std::string::npos) {
      shop += 2;
      shop_why.push_back("product data with a price");
    }
    for (const char* link : kMarketplaceProductLinks) {
      // Two links on one page count twice: a product list, not one "also on Amazon".
      for (size_t at = text.find(link); at != std::string::npos && marketplace < 2;
           at = text.find(link, at + 1)) {
        ++marketplace;
        if (elsewhere_why.empty())
          elsewhere_why = std::string("its products link to a marketplace (") + link + ")";
      }
    }
    if (const char* phrase = FirstFound(text, kBuyElsewherePhrases)) {
      marketplace += 1;
      elsewhere_why = std::string("its products are bought elsewhere (\"") + phrase + "\")";
    }
    if (IsCommerceRole(page.role)) {
      own_cart = true;
      shop += 2;
      shop_why.push_back("a " + std::string(page.role) + " page");
    }
    bool cart_link = false;
    for (const char* path : kCartPaths) {
      if (text.find(std::string("href=\"") + path) != std::string::npos ||
          text.find(std::string("/") + (path + 1) + "\"") != std::string::npos) {
        cart_link = true;
        break;
      }
    }
    if (cart_link) {
      own_cart = true;
      shop += 1;
      shop_why.push_back("links to a cart or checkout");
    }
    // Weak: it tells a shop's terms page from an unknown one, never a shop from an article,
    // a help centre or documentation.
    if (const char* order = FirstFound(text, kOrderWords)) {
      if (const char* terms = FirstFound(text, kTermsWords);
          terms != nullptr && terms_why.empty()) {
        terms_why = std::string("terms of payment or delivery for orders (\"") + order + "\", \"" +
                    terms + "\")";
      }
    }
    if (int voice = CountFound(text, kShopVoice); voice > 0) {
      shop += std::min(voice, 2);
      shop_why.push_back("the site speaks of its own orders, deliveries or terms of sale");
    }

    merchant_voice = std::max(merchant_voice, CountFound(text, kMerchantVoice));

    if (HostStartsWithLabel(url.host, kDocsHostLabels)) {
      docs += 3;
      docs_why.push_back("a documentation host (" + url.host + ")");
    }
    if (const char* seg = FirstFound(url.path, kDocsPathSegments)) {
      docs += 3;
      docs_why.push_back(std::string("a documentation path (") + seg + ")");
    }
    size_t code_blocks = 0;
    for (size_t p = text.find("<code"); p != std::string::npos && code_blocks < 3;
         p = text.find("<code", p + 1)) {
      ++code_blocks;
    }
    if (code_blocks >= 3) {
      docs += 1;
      docs_why.push_back("code samples");
    }
    if (int words = CountFound(text, kDocsWords); words >= 2) {
      docs += std::min(words, 2);
      docs_why.push_back("developer vocabulary (API, SDK, endpoints)");
    }

    if (HostStartsWithLabel(url.host, kHelpHostLabels)) {
      help += 2;
      help_why.push_back("a help-centre host (" + url.host + ")");
    }
    if (const char* seg = FirstFound(url.path, kHelpPathSegments)) {
      help += 2;
      help_why.push_back(std::string("a help-centre path (") + seg + ")");
    }

    if (const char* m = FirstFound(text, kArticleMarkers)) {
      article += 3;
      article_why.push_back(std::string("marked up as an article (") + m + ")");
    }
    if (const char* press = FirstFound(url.path, kPressReleasePathSegments)) {
      article += 3;
      article_why.push_back(std::string("a press-release path (") + press + ")");
    } else if (const char* seg = FirstFound(url.path, kArticlePathSegments)) {
      article += 2;
      article_why.push_back(std::string("an article path (") + seg + ")");
    }
    if (const char* explainer = FirstFound(text, kExplainerPhrases)) {
      article += 2;
      article_why.push_back(std::string("an explainer (\"") + explainer + "\")");
    }
    if (const int dated = DatedPath(url.path); dated > 0) {
      article += dated;
      article_why.push_back(dated == 2 ? "a path dated to the day" : "a dated path");
    }

    if (const char* name = FirstWord(text, kEventNames)) {
      std::string list = std::string("\"") + name + "\"";
      int here = 1;
      for (const char* w : {FirstWord(text, kEventSpeakers), FirstWord(text, kEventSponsors),
                            FirstWord(text, kEventTickets)}) {
        if (w != nullptr) {
          ++here;
          list += std::string(", \"") + w + "\"";
        }
      }
      if (here > event) {
        event = here;
        event_why = {"an event's site: " + list};
      }
    }
  }

  // On a provider's own site the platform found may be the provider's own product (Shop Pay on
  // Shopify's help centre implies Shopify): there it is no sign of a shop.
  if (platform_found && !provider) {
    shop += 3;
    shop_why.insert(shop_why.begin(), "an e-commerce platform was detected");
  }
  auto decide = [&](SiteKind kind, std::vector<std::string> why) {
    j.kind = kind;
    j.reasons = std::move(why);
  };
  if (provider && shop < kStrongShop) {
    std::vector<std::string> why = {"the site is a provider's own (" + provider_domain + ")"};
    decide(SiteKind::kProvider, std::move(why));
  } else if (merchant_voice >= kMerchantVoiceEnough && shop < kStrongShop) {
    decide(SiteKind::kProvider, {"it speaks to merchants of their store and their customers"});
  } else if (docs >= kDocsEnough && shop < kShopEnough) {
    decide(SiteKind::kDocumentation, std::move(docs_why));
  } else if (help >= kHelpEnough && shop == 0) {
    // A shop's own help pages speak of its orders and link its cart; a help centre that does
    // neither is a provider's or a platform's.
    decide(SiteKind::kDocumentation, std::move(help_why));
  } else if ((article >= kArticleEnough && shop < kShopEnough) || (article >= 2 && shop == 0)) {
    decide(SiteKind::kArticle, std::move(article_why));
  } else if (event >= kEventEnough && shop < kShopEnough) {
    decide(SiteKind::kEvent, std::move(event_why));
  } else if (marketplace >= 2 && !own_cart) {
    // A shop's theme without a cart, whose "buy" links lead to a marketplace: the payment and
    // delivery marks are the marketplace's business, not this site's.
    decide(SiteKind::kSellsElsewhere, {elsewhere_why});
  } else if (shop > 0) {
    decide(SiteKind::kShop, std::move(shop_why));
  } else if (!terms_why.empty()) {
    decide(SiteKind::kShop, {terms_why});
  } else {
    decide(SiteKind::kUnknown, {"no sign of a shop, documentation or an article"});
  }
  return j;
}

}  // namespace leadscan::analysis
