#include "analysis/page_discovery.h"

#include <algorithm>
#include <boost/url.hpp>
#include <cctype>
#include <map>
#include <unordered_map>

namespace leadscan::analysis {
namespace {

struct Keyword {
  std::string_view word;  // folded: lower-case ASCII, diacritics removed
  PageRole role;
  int weight;
};

// Folded words that name commerce pages in sv, no, da, fi, en, de. Longer, more specific words
// weigh more; the best match per link decides its role.
constexpr Keyword kKeywords[] = {
    // shipping / delivery
    {"frakt", PageRole::kShipping, 30},
    {"leverans", PageRole::kShipping, 30},
    {"leveranser", PageRole::kShipping, 30},
    {"leveransvillkor", PageRole::kShipping, 35},
    {"fraktinformation", PageRole::kShipping, 35},
    {"levering", PageRole::kShipping, 30},
    {"leveringsbetingelser", PageRole::kShipping, 35},
    {"forsendelse", PageRole::kShipping, 30},
    {"fragt", PageRole::kShipping, 30},
    {"toimitus", PageRole::kShipping, 30},
    {"toimitukset", PageRole::kShipping, 30},
    {"toimitustavat", PageRole::kShipping, 35},
    {"postitus", PageRole::kShipping, 25},
    {"shipping", PageRole::kShipping, 30},
    {"delivery", PageRole::kShipping, 30},
    {"versand", PageRole::kShipping, 30},
    {"lieferung", PageRole::kShipping, 30},
    {"returns", PageRole::kShipping, 10},
    {"retur", PageRole::kShipping, 10},
    // shipping in other languages of Europe (fr, es, it, pt, nl, pl, cs, hu, ro, tr, el, ja)
    {"livraison", PageRole::kShipping, 30},
    {"expedition", PageRole::kShipping, 25},
    {"envio", PageRole::kShipping, 25},
    {"envios", PageRole::kShipping, 30},
    {"entrega", PageRole::kShipping, 25},
    {"spedizione", PageRole::kShipping, 30},
    {"spedizioni", PageRole::kShipping, 30},
    {"verzending", PageRole::kShipping, 30},
    {"bezorging", PageRole::kShipping, 30},
    {"dostawa", PageRole::kShipping, 30},
    {"wysylka", PageRole::kShipping, 30},
    {"doprava", PageRole::kShipping, 30},
    {"szallitas", PageRole::kShipping, 30},
    {"livrare", PageRole::kShipping, 30},
    {"kargo", PageRole::kShipping, 25},
    {"teslimat", PageRole::kShipping, 30},
    {"apostoli", PageRole::kShipping, 25},
    {"souryou", PageRole::kShipping, 25},
    // payment
    {"betalning", PageRole::kPayment, 30},
    {"betalningsalternativ", PageRole::kPayment, 35},
    {"betalningssatt", PageRole::kPayment, 35},
    {"betaling", PageRole::kPayment, 30},
    {"betalingsmetoder", PageRole::kPayment, 35},
    {"maksu", PageRole::kPayment, 25},
    {"maksutavat", PageRole::kPayment, 35},
    {"payment", PageRole::kPayment, 30},
    {"payments", PageRole::kPayment, 30},
    {"zahlung", PageRole::kPayment, 30},
    {"zahlungsarten", PageRole::kPayment, 35},
    {"paiement", PageRole::kPayment, 30},
    {"modes de paiement", PageRole::kPayment, 35},
    {"formas de pago", PageRole::kPayment, 35},
    {"metodos de pago", PageRole::kPayment, 35},
    {"pagamento", PageRole::kPayment, 30},
    {"pagamentos", PageRole::kPayment, 30},
    {"pagamenti", PageRole::kPayment, 30},
    {"betalen", PageRole::kPayment, 25},
    {"betaalmethoden", PageRole::kPayment, 35},
    {"platnosci", PageRole::kPayment, 30},
    {"platba", PageRole::kPayment, 30},
    {"platby", PageRole::kPayment, 30},
    {"fizetes", PageRole::kPayment, 30},
    {"fizetesi", PageRole::kPayment, 30},
    {"metode de plata", PageRole::kPayment, 35},
    {"metode plata", PageRole::kPayment, 35},
    {"plata livrare", PageRole::kPayment, 32},
    {"odeme", PageRole::kPayment, 30},
    {"pliromi", PageRole::kPayment, 30},
    {"shiharai", PageRole::kPayment, 30},
    // terms
    {"kopvillkor", PageRole::kTerms, 30},
    {"kopevillkor", PageRole::kTerms, 30},
    {"villkor", PageRole::kTerms, 20},
    {"allmanna villkor", PageRole::kTerms, 25},
    {"kjopsbetingelser", PageRole::kTerms, 30},
    {"salgsbetingelser", PageRole::kTerms, 30},
    {"handelsbetingelser", PageRole::kTerms, 30},
    {"vilkar", PageRole::kTerms, 20},
    {"toimitusehdot", PageRole::kTerms, 30},
    {"tilausehdot", PageRole::kTerms, 30},
    {"myyntiehdot", PageRole::kTerms, 30},
    {"terms", PageRole::kTerms, 20},
    {"conditions", PageRole::kTerms, 10},
    {"agb", PageRole::kTerms, 20},
    {"geschaftsbedingungen", PageRole::kTerms, 30},
    {"kundservice", PageRole::kTerms, 10},
    {"kundeservice", PageRole::kTerms, 10},
    {"asiakaspalvelu", PageRole::kTerms, 10},
    {"faq", PageRole::kTerms, 8},
    {"cgv", PageRole::kTerms, 25},
    {"conditions generales", PageRole::kTerms, 30},
    {"voorwaarden", PageRole::kTerms, 25},
    {"regulamin", PageRole::kTerms, 25},
    {"obchodni podminky", PageRole::kTerms, 30},
    {"aszf", PageRole::kTerms, 25},
    // cart
    {"varukorg", PageRole::kCart, 25},
    {"kundvagn", PageRole::kCart, 25},
    {"handlekurv", PageRole::kCart, 25},
    {"handlevogn", PageRole::kCart, 25},
    {"kurv", PageRole::kCart, 15},
    {"indkobskurv", PageRole::kCart, 25},
    {"ostoskori", PageRole::kCart, 25},
    {"warenkorb", PageRole::kCart, 25},
    {"cart", PageRole::kCart, 20},
    {"basket", PageRole::kCart, 20},
    // checkout
    {"kassa", PageRole::kCheckout, 28},
    {"kassan", PageRole::kCheckout, 28},
    {"kasse", PageRole::kCheckout, 28},
    {"kassen", PageRole::kCheckout, 28},
    {"checkout", PageRole::kCheckout, 28},
    {"till kassan", PageRole::kCheckout, 30},
};

// Known commerce paths per platform slug (SPEC §6: "plus the known paths of the platform").
const std::map<std::string_view, std::vector<std::pair<std::string_view, PageRole>>>&
PlatformPaths() {
  static const auto* kPaths =
      new std::map<std::string_view, std::vector<std::pair<std::string_view, PageRole>>>{
          {"shopify",
           {{"/policies/shipping-policy", PageRole::kShipping},
            {"/policies/terms-of-service", PageRole::kTerms},
            {"/cart", PageRole::kCart}}},
          {"woocommerce",
           {{"/checkout/", PageRole::kCheckout},
            {"/kassan/", PageRole::kCheckout},
            {"/cart/", PageRole::kCart},
            {"/varukorg/", PageRole::kCart}}},
          {"magento", {{"/checkout/cart/", PageRole::kCart}, {"/checkout/", PageRole::kCheckout}}},
          {"prestashop", {{"/cart?action=show", PageRole::kCart}}},
          {"shopware",
           {{"/checkout/cart", PageRole::kCart}, {"/checkout/confirm", PageRole::kCheckout}}},
          {"opencart",
           {{"/index.php?route=checkout/cart", PageRole::kCart},
            {"/index.php?route=checkout/checkout", PageRole::kCheckout}}},
          {"quickbutik", {{"/cart", PageRole::kCart}, {"/checkout", PageRole::kCheckout}}},
          {"centra", {{"/checkout", PageRole::kCheckout}}},
          {"bigcommerce", {{"/cart.php", PageRole::kCart}, {"/checkout", PageRole::kCheckout}}},
      };
  return *kPaths;
}

char Lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool StartsWithNoCase(std::string_view s, size_t pos, std::string_view prefix) {
  if (s.size() - pos < prefix.size())
    return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[pos + i]) != prefix[i])
      return false;
  }
  return true;
}

// Decodes the few entities anchor texts use; others stay as written.
std::string DecodeEntities(std::string_view s) {
  static const std::unordered_map<std::string_view, std::string_view> kNamed = {
      {"amp", "&"},    {"nbsp", " "},  {"quot", "\""}, {"apos", "'"},   {"lt", "<"},
      {"gt", ">"},     {"aring", "å"}, {"auml", "ä"},  {"ouml", "ö"},   {"Aring", "Å"},
      {"Auml", "Ä"},   {"Ouml", "Ö"},  {"aelig", "æ"}, {"oslash", "ø"}, {"AElig", "Æ"},
      {"Oslash", "Ø"}, {"uuml", "ü"},  {"szlig", "ß"}, {"eacute", "é"}};
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back('&');
      continue;
    }
    std::string_view name = s.substr(i + 1, semi - i - 1);
    if (auto it = kNamed.find(name); it != kNamed.end()) {
      out += it->second;
      i = semi;
    } else if (!name.empty() && name[0] == '#') {
      unsigned long cp = 0;
      bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
      std::string digits(name.substr(hex ? 2 : 1));
      char* end = nullptr;
      cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (digits.empty() || end == nullptr || *end != '\0' || cp == 0 || cp > 0x10FFFF) {
        out.push_back('&');
        continue;
      }
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
      i = semi;
    } else {
      out.push_back('&');
    }
  }
  return out;
}

// Lower-case ASCII with Nordic and German letters folded (å ä à á â -> a, ö ø ó -> o, æ -> ae,
// ü -> u, ß -> ss, é -> e) and every other non-alphanumeric byte turned into one space.
std::string Fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto space = [&] {
    if (!out.empty() && out.back() != ' ')
      out.push_back(' ');
  };
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        out.push_back(static_cast<char>(std::tolower(c)));
      } else {
        space();
      }
      continue;
    }
    if ((c == 0xC3) && i + 1 < s.size()) {
      unsigned char d = static_cast<unsigned char>(s[i + 1]) | 0x20;  // fold case
      ++i;
      switch (d) {
        case 0xa5:  // å
        case 0xa4:  // ä
        case 0xa0:
        case 0xa1:
        case 0xa2:
          out.push_back('a');
          continue;
        case 0xb6:  // ö
        case 0xb8:  // ø
        case 0xb3:
        case 0xb4:
          out.push_back('o');
          continue;
        case 0xa6:  // æ
          out += "ae";
          continue;
        case 0xbc:  // ü
          out.push_back('u');
          continue;
        case 0xa9:  // é
        case 0xa8:
          out.push_back('e');
          continue;
        default:
          if (static_cast<unsigned char>(s[i]) == 0x9f) {  // ß
            out += "ss";
            continue;
          }
          space();
          continue;
      }
    }
    space();
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string StripWww(std::string_view host) {
  std::string h(host);
  for (char& c : h)
    c = Lower(c);
  if (h.rfind("www.", 0) == 0)
    h.erase(0, 4);
  return h;
}

// Sitemap URLs with one of these (folded) path segments list products, categories or posts,
// not the information pages discovery looks for.
constexpr std::string_view kSitemapSkipSegments[] = {
    "product",  "products",  "produkt",     "produkter",  "produkte", "tuote",
    "tuotteet", "p",         "collections", "collection", "category", "categories",
    "kategori", "kategorie", "kategoria",   "blog",       "blogs",    "news",
    "nyheter",  "artikel",   "tag",         "tags",       "author"};

// Sitemap URLs deeper than this many path segments are products or posts, not info pages.
constexpr size_t kMaxSitemapPathSegments = 3;

// Score taken off a sitemap URL per path segment beyond the first: `/frakt` before
// `/info/sida/frakt`.
constexpr int kSitemapDepthPenalty = 5;

size_t FindNoCase(std::string_view s, std::string_view lower_needle, size_t from) {
  if (lower_needle.empty() || s.size() < lower_needle.size())
    return std::string_view::npos;
  for (size_t i = from; i + lower_needle.size() <= s.size(); ++i) {
    if (StartsWithNoCase(s, i, lower_needle))
      return i;
  }
  return std::string_view::npos;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string> PathSegments(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos)
      slash = path.size();
    if (slash > start)
      out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// Best keyword of a folded text: the highest weight; longer words win ties.
const Keyword* BestKeyword(std::string_view folded) {
  const Keyword* best = nullptr;
  for (const Keyword& k : kKeywords) {
    if (folded.find(k.word) == std::string_view::npos)
      continue;
    if (best == nullptr || k.weight > best->weight ||
        (k.weight == best->weight && k.word.size() > best->word.size())) {
      best = &k;
    }
  }
  return best;
}

}  // namespace

std::string_view PageRoleName(PageRole role) {
  switch (role) {
    case PageRole::kHome:
      return "home";
    case PageRole::kShipping:
      return "shipping";
    case PageRole::kPayment:
      return "payment";
    case PageRole::kTerms:
      return "terms";
    case PageRole::kCart:
      return "cart";
    case PageRole::kCheckout:
      return "checkout";
    case PageRole::kOther:
      return "other";
  }
  return "other";
}

PageRole RoleOfUrl(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed)
    return PageRole::kOther;
  const std::string path = Fold(PercentDecode(parsed->encoded_path()));
  if (PathSegments(path).empty())
    return PageRole::kHome;
  const Keyword* by_path = BestKeyword(path);
  return by_path != nullptr ? by_path->role : PageRole::kOther;
}

std::vector<Link> ExtractLinks(std::string_view html, size_t max_links) {
  std::vector<Link> links;
  size_t pos = 0;
  while (links.size() < max_links) {
    pos = html.find('<', pos);
    if (pos == std::string_view::npos)
      break;
    if (!StartsWithNoCase(html, pos + 1, "a") || pos + 2 >= html.size() ||
        !(std::isspace(static_cast<unsigned char>(html[pos + 2])))) {
      ++pos;
      continue;
    }
    size_t tag_end = html.find('>', pos);
    if (tag_end == std::string_view::npos)
      break;
    std::string_view tag = html.substr(pos, tag_end - pos);
    std::string href;
    for (size_t i = 0; i + 4 < tag.size(); ++i) {
      if (!StartsWithNoCase(tag, i, "href") ||
          !std::isspace(static_cast<unsigned char>(tag[i == 0 ? 0 : i - 1]))) {
        continue;
      }
      size_t j = i + 4;
      while (j < tag.size() && std::isspace(static_cast<unsigned char>(tag[j])))
        ++j;
      if (j >= tag.size() || tag[j] != '=')
        continue;
      ++j;
      while (j < tag.size() && std::isspace(static_cast<unsigned char>(tag[j])))
        ++j;
      if (j >= tag.size())
        break;
      char quote = tag[j];
      if (quote == '"' || quote == '\'') {
        size_t close = tag.find(quote, j + 1);
        if (close == std::string_view::npos)
          break;
        href = DecodeEntities(tag.substr(j + 1, close - j - 1));
      } else {
        size_t k = j;
        while (k < tag.size() && !std::isspace(static_cast<unsigned char>(tag[k])))
          ++k;
        href = DecodeEntities(tag.substr(j, k - j));
      }
      break;
    }
    size_t close = tag_end;
    std::string text;
    // Anchor text up to </a>, tags stripped; bounded so a missing </a> costs little.
    constexpr size_t kMaxAnchorBytes = 2000;
    for (size_t i = tag_end + 1; i < html.size() && i < tag_end + 1 + kMaxAnchorBytes; ++i) {
      if (html[i] == '<') {
        if (StartsWithNoCase(html, i + 1, "/a") &&
            (i + 3 >= html.size() || html[i + 3] == '>' ||
             std::isspace(static_cast<unsigned char>(html[i + 3])))) {
          close = i;
          break;
        }
        // Only within the anchor's window: a '<' with no '>' must not cost a scan of the
        // rest of the document per link.
        size_t gt = html.substr(0, tag_end + 1 + kMaxAnchorBytes).find('>', i);
        if (gt == std::string_view::npos)
          break;
        i = gt;
        text.push_back(' ');
        continue;
      }
      text.push_back(html[i]);
    }
    std::string decoded = DecodeEntities(text);
    std::string collapsed;
    for (char c : decoded) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!collapsed.empty() && collapsed.back() != ' ')
          collapsed.push_back(' ');
      } else {
        collapsed.push_back(c);
      }
    }
    while (!collapsed.empty() && collapsed.back() == ' ')
      collapsed.pop_back();
    if (!href.empty())
      links.push_back(Link{std::move(href), std::move(collapsed)});
    pos = std::max(close, tag_end) + 1;
  }
  return links;
}

std::string ResolveUrl(std::string_view base, std::string_view href) {
  auto b = boost::urls::parse_uri(base);
  if (!b)
    return {};
  std::string trimmed(href);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.pop_back();
  }
  size_t first = 0;
  while (first < trimmed.size() && std::isspace(static_cast<unsigned char>(trimmed[first]))) {
    ++first;
  }
  trimmed.erase(0, first);
  auto ref = boost::urls::parse_uri_reference(trimmed);
  if (!ref)
    return {};
  boost::urls::url out;
  if (!boost::urls::resolve(*b, *ref, out))
    return {};
  out.remove_fragment();
  out.normalize_scheme();
  std::string scheme = out.scheme();
  if (scheme != "http" && scheme != "https")
    return {};
  if (out.host().empty())
    return {};
  return std::string(out.buffer());
}

Sitemap ParseSitemap(std::string_view xml, size_t max_urls) {
  Sitemap out;
  out.is_index = FindNoCase(xml, "<sitemapindex", 0) != std::string_view::npos;
  size_t pos = 0;
  while (out.urls.size() < max_urls) {
    pos = FindNoCase(xml, "<loc", pos);
    if (pos == std::string_view::npos)
      break;
    size_t after = pos + 4;
    if (after >= xml.size())
      break;
    if (xml[after] != '>' && !std::isspace(static_cast<unsigned char>(xml[after]))) {
      pos = after;  // <locale>, <location>, ...
      continue;
    }
    size_t open_end = xml.find('>', after);
    if (open_end == std::string_view::npos)
      break;
    size_t close = FindNoCase(xml, "</loc", open_end + 1);
    if (close == std::string_view::npos)
      break;
    std::string_view value = TrimSpace(xml.substr(open_end + 1, close - open_end - 1));
    constexpr std::string_view kCdataOpen = "<![CDATA[";
    if (value.substr(0, kCdataOpen.size()) == kCdataOpen && value.size() >= kCdataOpen.size() + 3 &&
        value.substr(value.size() - 3) == "]]>") {
      value = TrimSpace(value.substr(kCdataOpen.size(), value.size() - kCdataOpen.size() - 3));
      if (!value.empty())
        out.urls.emplace_back(value);
    } else if (!value.empty()) {
      out.urls.push_back(DecodeEntities(value));
    }
    pos = close + 5;
  }
  return out;
}

std::string PickPageSitemap(const std::vector<std::string>& children) {
  if (children.empty())
    return {};
  auto path_of = [](const std::string& url) {
    auto u = boost::urls::parse_uri(url);
    std::string path = u ? std::string(u->encoded_path()) : url;
    for (char& c : path)
      c = Lower(c);
    return path;
  };
  constexpr std::string_view kListsOtherThings[] = {"product", "categor", "collection", "post",
                                                    "blog",    "tag",     "author",     "user",
                                                    "image",   "video",   "news"};
  auto lists_other_things = [&](const std::string& path) {
    for (std::string_view w : kListsOtherThings) {
      if (path.find(w) != std::string::npos)
        return true;
    }
    return false;
  };
  for (const auto& c : children) {
    std::string path = path_of(c);
    if (path.find("page") != std::string::npos && path.find("product") == std::string::npos)
      return c;
  }
  for (const auto& c : children) {
    if (!lists_other_things(path_of(c)))
      return c;
  }
  return children.front();
}

bool SameSite(std::string_view host, std::string_view site_host) {
  return !host.empty() && StripWww(host) == StripWww(site_host);
}

namespace {

// "host" without "www.", lower-case, plus ":port" when the URL names a port other than its
// scheme's default.
std::string SiteKey(const boost::urls::url_view& u) {
  std::string key = StripWww(u.host());
  if (u.has_port()) {
    const std::string scheme = StripWww(u.scheme());
    const bool default_port = (scheme == "https" && u.port_number() == 443) ||
                              (scheme == "http" && u.port_number() == 80);
    if (!default_port)
      key += ":" + std::string(u.port());
  }
  return key;
}

}  // namespace

std::string SiteOf(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->host().empty())
    return {};
  return SiteKey(*u);
}

std::vector<LinkCandidate> RankCommercePages(std::string_view html, std::string_view page_url,
                                             std::string_view site_host,
                                             std::string_view platform_slug,
                                             const std::vector<std::string>& sitemap_urls,
                                             const std::vector<std::string>& page_links) {
  const std::string site = StripWww(site_host);
  std::map<std::string, LinkCandidate> by_url;
  auto offer = [&](LinkCandidate c) {
    auto it = by_url.find(c.url);
    if (it == by_url.end() || it->second.score < c.score)
      by_url[c.url] = std::move(c);
  };
  for (const Link& link : ExtractLinks(html)) {
    std::string url = ResolveUrl(page_url, link.href);
    if (url.empty())
      continue;
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || SiteKey(*parsed) != site)
      continue;
    std::string path = Fold(PercentDecode(parsed->encoded_path()));
    if (path.empty())
      continue;  // the home page itself
    std::string text = Fold(link.text);
    const Keyword* by_path = BestKeyword(path);
    const Keyword* by_text = BestKeyword(text);
    if (by_path == nullptr && by_text == nullptr)
      continue;
    LinkCandidate c;
    c.url = url;
    // Path words are the more deliberate signal; text breaks ties and adds weight.
    const Keyword* main = by_path != nullptr ? by_path : by_text;
    c.role = main->role;
    c.score = (by_path ? by_path->weight * 2 : 0) + (by_text ? by_text->weight : 0);
    c.reason = by_path ? "link path " + std::string(parsed->path())
                       : "link text '" + link.text.substr(0, 60) + "'";
    offer(std::move(c));
  }
  for (const std::string& href : page_links) {
    std::string url = ResolveUrl(page_url, href);
    if (url.empty() || by_url.count(url) != 0)
      continue;
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || SiteKey(*parsed) != site)
      continue;
    std::string path = Fold(PercentDecode(parsed->encoded_path()));
    const Keyword* by_path = path.empty() ? nullptr : BestKeyword(path);
    if (by_path == nullptr)
      continue;
    offer(LinkCandidate{url, by_path->role, by_path->weight * 2,
                        "listed link " + std::string(parsed->path())});
  }
  for (const std::string& raw : sitemap_urls) {
    std::string url = ResolveUrl(page_url, raw);
    if (url.empty())
      continue;
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || SiteKey(*parsed) != site || by_url.count(url) != 0)
      continue;
    const std::string decoded = PercentDecode(parsed->encoded_path());
    const auto segments = PathSegments(decoded);
    if (segments.empty() || segments.size() > kMaxSitemapPathSegments)
      continue;
    bool listing = false;
    for (const auto& seg : segments) {
      const std::string folded = Fold(seg);
      for (std::string_view skip : kSitemapSkipSegments)
        listing = listing || folded == skip;
    }
    if (listing)
      continue;
    const Keyword* by_path = BestKeyword(Fold(decoded));
    if (by_path == nullptr)
      continue;
    offer(LinkCandidate{
        url, by_path->role,
        by_path->weight * 2 - kSitemapDepthPenalty * static_cast<int>(segments.size() - 1),
        "sitemap " + std::string(parsed->path())});
  }
  const auto& paths = PlatformPaths();
  if (auto it = paths.find(platform_slug); it != paths.end()) {
    for (const auto& [path, role] : it->second) {
      std::string url = ResolveUrl(page_url, path);
      if (url.empty())
        continue;
      offer(
          LinkCandidate{url, role, 40, std::string(platform_slug) + " path " + std::string(path)});
    }
  }
  std::vector<LinkCandidate> out;
  out.reserve(by_url.size());
  for (auto& [url, c] : by_url)
    out.push_back(std::move(c));
  std::stable_sort(out.begin(), out.end(), [](const LinkCandidate& a, const LinkCandidate& b) {
    return a.score > b.score;
  });
  return out;
}

}  // namespace leadscan::analysis
