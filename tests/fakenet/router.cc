#include "router.h"

#include <cctype>
#include <charconv>

#include "corpus.h"
#include "fake_internet.h"
#include "firecrawl_standin.h"
#include "gzip.h"
#include "search_apis.h"
#include "static_sites.h"

namespace leadscan::fakenet {
namespace {

constexpr std::string_view kHostileSuffix = ".hostile.test";
constexpr std::string_view kBenchPrefix = "site-";
constexpr std::string_view kBenchSuffix = ".bench.test";
constexpr const char* kHtml = "text/html; charset=utf-8";
constexpr int kBenchMinBytes = 30 * 1024;
constexpr int kBenchSpreadBytes = 30 * 1024;
constexpr size_t kHugeHeaderBytes = 1024 * 1024;
constexpr size_t kBinaryBodyBytes = 64 * 1024;
constexpr size_t kImageBodyBytes = 8 * 1024;
constexpr int64_t kResetAnnouncedBytes = 100000;
constexpr size_t kResetSentBytes = 1000;
constexpr int kGzipPageParagraphs = 400;
constexpr size_t kGzipHeaderBytes = 10;
constexpr size_t kGzipTrailerBytes = 8;

// splitmix64: a small deterministic generator for the generated pages and garbage bytes.
struct Rng {
  uint64_t state;

  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
};

uint64_t Fnv1a(std::string_view s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Garbage(size_t bytes, uint64_t seed) {
  Rng rng{seed};
  std::string out;
  out.reserve(bytes + 8);
  while (out.size() < bytes) {
    uint64_t v = rng.Next();
    for (int i = 0; i < 8; ++i)
      out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  out.resize(bytes);
  return out;
}

std::string SimplePage(std::string_view title, std::string_view text) {
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>";
  out += title;
  out += "</title></head><body><h1>";
  out += title;
  out += "</h1><p>";
  out += text;
  out += "</p></body></html>\n";
  return out;
}

void Html(Reply& reply, int status, std::string body) {
  reply.status = status;
  reply.headers = {{"Content-Type", kHtml}, {"Server", "fakenet"}};
  reply.body = std::move(body);
}

void Redirect(Reply& reply, std::string location) {
  reply.status = 302;
  reply.headers = {{"Location", std::move(location)}, {"Server", "fakenet"}};
  reply.body.clear();
}

// A windows-1252 page with Swedish letters; meta declares the charset when asked.
std::string Cp1252Page(bool meta) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"sv\"><head>";
  if (meta)
    out += "<meta charset=\"windows-1252\">";
  out += "<title>Leverans</title></head><body><h1>Frakt och leverans</h1><p>Frakt: ";
  out += "\xe5 \xe4 \xf6 \xc5 \xc4 \xd6";  // å ä ö Å Ä Ö in windows-1252
  out += "</p><p>Vi skickar med PostNord och DHL. Pris: 49 kr \x80 0,5</p></body></html>\n";
  return out;
}

std::string GzipTestPage() {
  std::string page = "<!DOCTYPE html>\n<html><head><title>gzip</title></head><body>";
  for (int i = 0; i < kGzipPageParagraphs; ++i) {
    page += "<p>Paragraph " + std::to_string(i) + " of a page sent with gzip.</p>\n";
  }
  page += "</body></html>\n";
  return page;
}

// The bot-protection pages of the challenge hosts: shaped like each service's (title, the
// script or frame that names it), written for these tests.
std::string CloudflareChallengePage() {
  return "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
         "<meta http-equiv=\"refresh\" content=\"390\"><meta name=\"robots\" "
         "content=\"noindex,nofollow\"></head><body><div class=\"main-wrapper\"><h1>Verifying "
         "you are human. This may take a few seconds.</h1></div><noscript>Enable JavaScript and "
         "cookies to continue</noscript><script>(function(){window._cf_chl_opt={cvId:'3',"
         "cZone:location.hostname,cType:'managed'};var a=document.createElement('script');"
         "a.src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=fakenet';"
         "document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>\n";
}

std::string DataDomeChallengePage() {
  return "<html><head><title>Butik</title><style>#cmsg{animation:A 1.5s;}</style></head>"
         "<body style=\"margin:0\"><p id=\"cmsg\">Please enable JS and disable any ad "
         "blocker</p><script>var dd={'rt':'c','cid':'fakenet','t':'fe','host':"
         "'geo.captcha-delivery.com'}</script><script "
         "src=\"https://ct.captcha-delivery.com/c.js\"></script></body></html>\n";
}

// An ordinary WooCommerce shop page over HTTP whose sensor script sends the browser to a
// PerimeterX-style block page: only a renderer meets the challenge.
std::string BrowserChallengeHome() {
  return "<!DOCTYPE html>\n<html lang=\"sv\"><head><meta charset=\"utf-8\"><title>Vaktbutiken"
         "</title><link rel=\"stylesheet\" href=\"/wp-content/plugins/woocommerce/assets/css/"
         "woocommerce.css?ver=8.4.0\"><script src=\"/wp-content/plugins/woocommerce/assets/js/"
         "frontend/woocommerce.min.js?ver=8.4.0\"></script></head><body class=\"woocommerce-"
         "page\"><h1>Vaktbutiken</h1><p>Handplockade verktyg sedan 1952. Vi skickar med "
         "PostNord.</p><script>setTimeout(function(){location.replace('/blockerad');},50);"
         "</script></body></html>\n";
}

std::string BrowserChallengeBlockPage() {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Access to "
         "this page has been denied</title></head><body><script>window._pxAppId='PXfakenet';"
         "</script><h1>Before we continue...</h1><p>Press &amp; Hold to confirm you are a human "
         "(and not a bot).</p><div id=\"px-captcha\"></div></body></html>\n";
}

std::optional<int> BenchNumber(std::string_view host) {
  if (!host.starts_with(kBenchPrefix) || !host.ends_with(kBenchSuffix))
    return std::nullopt;
  std::string_view digits =
      host.substr(kBenchPrefix.size(), host.size() - kBenchPrefix.size() - kBenchSuffix.size());
  int n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || n < 0)
    return std::nullopt;
  return n;
}

}  // namespace

std::string BenchHost(int n) {
  return "site-" + std::to_string(n) + ".bench.test";
}

std::string GenerateBenchPage(int n, std::string_view path) {
  static const char* const kGenerators[] = {
      "WordPress 6.4.2",         "Shopify",   "Magento 2.4",  "PrestaShop", "Joomla! - Open Source",
      "Wix.com Website Builder", "Drupal 10", "Hugo 0.120.4",
  };
  static const char* const kScripts[] = {
      "/wp-content/plugins/woocommerce/assets/js/frontend/cart-fragments.min.js?ver=8.4.0",
      "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
      "https://cdn.shopify.com/s/files/1/0000/0001/t/1/assets/theme.js",
      "/static/version1700000000/frontend/Magento/luma/sv_SE/requirejs/require.js",
      "https://x.klarnacdn.net/kp/lib/v1/api.js",
      "https://js.stripe.com/v3/",
      "https://www.googletagmanager.com/gtag/js?id=G-BENCH",
      "/assets/app.js",
  };
  static const char* const kWords[] = {
      "kaffe", "te",       "frakt",  "leverans", "paket", "ombud",  "retur", "villkor",
      "pris",  "kvalitet", "handla", "varukorg", "kassa", "betala", "snabb", "gratis",
  };
  Rng rng{Fnv1a(path, Fnv1a(std::to_string(n)))};
  const int target = kBenchMinBytes + rng.Below(kBenchSpreadBytes);
  const std::string host = BenchHost(n);
  std::string out;
  out.reserve(static_cast<size_t>(target) + 4096);
  out += "<!DOCTYPE html>\n<html lang=\"sv\"><head><meta charset=\"utf-8\">\n<title>Bench shop ";
  out += std::to_string(n);
  out += "</title>\n<meta name=\"generator\" content=\"";
  out += kGenerators[n % std::size(kGenerators)];
  out += "\">\n<meta name=\"description\" content=\"Generated page ";
  for (char c : path)
    out += (c == '"' || c == '<' || c == '>' || c == '&') ? '_' : c;
  out += " of ";
  out += host;
  out += "\">\n<link rel=\"stylesheet\" href=\"/assets/style.css\">\n";
  const int scripts = 3 + rng.Below(4);
  for (int i = 0; i < scripts; ++i) {
    out += "<script src=\"";
    out += kScripts[(n + i * 3) % std::size(kScripts)];
    out += "\"></script>\n";
  }
  out += "<script>window.dataLayer=window.dataLayer||[];var benchSite=";
  out += std::to_string(n);
  out +=
      ";</script>\n</head><body>\n<nav><a href=\"/\">Hem</a> <a href=\"/products/\">Produkter"
      "</a> <a href=\"/cart\">Varukorg</a> <a href=\"/frakt\">Frakt</a> <a href=\"/villkor\">"
      "K\xc3\xb6pvillkor</a></nav>\n<main>\n";
  int item = 0;
  while (static_cast<int>(out.size()) < target) {
    out += "<div class=\"product\" data-id=\"";
    out += std::to_string(item);
    out += "\"><a href=\"/products/item-";
    out += std::to_string(item);
    out += "\"><h2>Produkt ";
    out += std::to_string(item);
    out += "</h2></a><span class=\"price\">";
    out += std::to_string(49 + rng.Below(950));
    out += " kr</span><p>";
    const int words = 20 + rng.Below(40);
    for (int w = 0; w < words; ++w) {
      out += kWords[rng.Below(static_cast<int>(std::size(kWords)))];
      out += ' ';
    }
    out += "</p></div>\n";
    ++item;
  }
  out +=
      "</main>\n<footer><p>Vi skickar med PostNord, DHL och Budbee. Betala med Klarna eller "
      "Swish.</p></footer>\n</body></html>\n";
  return out;
}

common::Result<std::unique_ptr<Router>> Router::Create(const std::string& sites_dir,
                                                       const std::string& corpus_dir) {
  std::unique_ptr<Router> router(new Router());
  Router* raw = router.get();
  router->firecrawl_ =
      std::make_unique<FirecrawlStandIn>([raw](const Request& r) { return raw->Route(r); });
  if (!sites_dir.empty()) {
    auto sites = StaticSites::Load(sites_dir);
    if (!sites.ok())
      return sites.status();
    router->sites_ = std::move(sites).value();
  }
  if (!corpus_dir.empty()) {
    auto corpus = Corpus::Load(corpus_dir);
    if (!corpus.ok())
      return corpus.status();
    router->corpus_ = std::move(corpus).value();
  }
  return router;
}

Router::~Router() = default;

bool Router::SetSiteVariant(const std::string& host, const std::string& name) const {
  return sites_ && sites_->SetVariant(host, name);
}

int Router::Count(const std::string& host, const std::string& target) {
  total_requests_.fetch_add(1);
  std::lock_guard lock(mu_);
  return ++counts_[host][target];
}

int Router::RequestCount(std::string_view host, std::string_view target) const {
  std::lock_guard lock(mu_);
  auto h = counts_.find(host);
  if (h == counts_.end())
    return 0;
  auto t = h->second.find(target);
  return t == h->second.end() ? 0 : t->second;
}

int Router::RequestCount(std::string_view host) const {
  std::lock_guard lock(mu_);
  auto h = counts_.find(host);
  if (h == counts_.end())
    return 0;
  int total = 0;
  for (const auto& [target, count] : h->second)
    total += count;
  return total;
}

std::shared_ptr<const std::string> Router::GzipBomb() {
  std::call_once(bomb_once_, [this] {
    bomb_ = std::make_shared<const std::string>(GzipOfZeros(kGzipBombInflatedBytes));
  });
  return bomb_;
}

Reply Router::Route(const Request& request) {
  const int count = Count(request.host, request.target);
  if (FirecrawlStandIn::Handles(request))
    return firecrawl_->Serve(request);
  Reply reply;
  if (request.host.ends_with(kHostileSuffix) && RouteHostile(request, count, reply)) {
    return reply;
  }
  // The web-search API stand-ins and their decoy sites (search_apis.h).
  if (RouteSearchApis(
          request,
          [this](const std::string& host) {
            Reply probe;
            return sites_ && sites_->Serve(host, "/", probe);
          },
          reply)) {
    return reply;
  }
  if (std::optional<int> n = BenchNumber(request.host)) {
    if (request.target == "/robots.txt") {
      reply.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Server", "fakenet"}};
      reply.body = "User-agent: *\nAllow: /\n";
      return reply;
    }
    Html(reply, 200, GenerateBenchPage(*n, request.target));
    return reply;
  }
  if (sites_ && sites_->HasCart(request.host) && RouteCart(request, reply))
    return reply;
  if (sites_ && sites_->Serve(request.host, request.target, reply, InCart(request)))
    return reply;
  if (corpus_ && corpus_->Serve(request, reply))
    return reply;
  reply.status = 404;
  reply.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Server", "fakenet"}};
  reply.body = "fakenet: unknown host\n";
  return reply;
}

// The cart cookie a shop with a _cart/ folder sets when a product is added (RouteCart).
constexpr std::string_view kCartCookie = "fakenet_cart=";
// The guest's static token on the PrestaShop demo shop's pages (`var prestashop`).
constexpr std::string_view kPrestaShopStaticToken = "5b0e3c9d27f14a6e8d2b71c4f0a93e56";

bool Router::InCart(const Request& request) {
  for (const auto& [name, value] : request.headers) {
    if (name == "cookie" && value.find(kCartCookie) != std::string::npos)
      return true;
  }
  return false;
}

bool Router::RouteCart(const Request& request, Reply& reply) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  const std::string query = request.target.find('?') == std::string::npos
                                ? std::string()
                                : request.target.substr(request.target.find('?') + 1);
  auto digits_after = [](const std::string& text, std::string_view key) -> std::string {
    size_t at = text.find(key);
    if (at == std::string::npos)
      return {};
    at += key.size();
    size_t end = at;
    while (end < text.size() && end - at < 18 &&
           std::isdigit(static_cast<unsigned char>(text[end])))
      ++end;
    return text.substr(at, end - at);
  };
  auto cookie = [&](std::string_view name) -> std::string {
    for (const auto& [key, value] : request.headers) {
      if (key != "cookie")
        continue;
      const std::string wanted = std::string(name) + "=";
      for (size_t at = value.find(wanted); at != std::string::npos;
           at = value.find(wanted, at + 1)) {
        if (at == 0 || value[at - 1] == ' ' || value[at - 1] == ';')
          return value.substr(at + wanted.size(), value.find(';', at) - at - wanted.size());
      }
    }
    return {};
  };
  auto form_value = [&](std::string_view name) -> std::string {
    const std::string wanted = std::string(name) + "=";
    for (size_t at = request.body.find(wanted); at != std::string::npos;
         at = request.body.find(wanted, at + 1)) {
      if (at == 0 || request.body[at - 1] == '&')
        return request.body.substr(at + wanted.size(),
                                   request.body.find('&', at) - at - wanted.size());
    }
    return {};
  };
  std::string product;
  if (request.method == "POST" && path.starts_with("/checkout/cart/add/")) {
    // Magento 2: the posted form_key must equal the form_key cookie, else Magento sends the
    // visitor back to the cart with "Invalid Form Key" and adds nothing.
    reply.status = 302;
    reply.headers = {{"Location", "/checkout/cart/"}, {"Server", "fakenet"}};
    const std::string key = form_value("form_key");
    product = digits_after(path, "/product/");
    if (key.empty() || key != cookie("form_key") || product.empty())
      return true;
  } else if (request.method == "POST" && form_value("add") == "1" &&
             !(product = digits_after(form_value("id_product"), "")).empty()) {
    // PrestaShop's cart controller: the static token of the shop's pages (prestashop.test's
    // `var prestashop`), else an error and nothing added.
    reply.status = 200;
    reply.headers = {{"Content-Type", "application/json"}, {"Server", "fakenet"}};
    if (form_value("token") != kPrestaShopStaticToken) {
      reply.body = R"({"hasError": true, "errors": ["Invalid token"]})";
      return true;
    }
    reply.body = R"({"success": true, "id_product": )" + product + R"(, "quantity": 1})";
  } else if (request.method == "POST" && path == "/cart/add.js") {
    // Shopify's AJAX cart: form body id=<variant>&quantity=1; answers the line item.
    product = digits_after(request.body, "id=");
    if (product.empty()) {
      reply.status = 422;
      reply.headers = {{"Content-Type", "application/json"}, {"Server", "fakenet"}};
      reply.body = R"({"status": 422, "description": "Cannot find variant"})";
      return true;
    }
    reply.status = 200;
    reply.headers = {{"Content-Type", "application/json"}, {"Server", "fakenet"}};
    reply.body = R"({"id": )" + product + R"(, "quantity": 1})";
  } else if (request.method == "GET" && !(product = digits_after(query, "add-to-cart=")).empty()) {
    // WooCommerce's ?add-to-cart=N: the product is added and the page shown again.
    reply.status = 302;
    reply.headers = {{"Location", path}, {"Server", "fakenet"}};
  } else {
    return false;
  }
  reply.headers.emplace_back("Set-Cookie", std::string(kCartCookie) + product + "; Path=/");
  return true;
}

bool Router::RouteHostile(const Request& request, int count, Reply& reply) {
  const std::string_view host = request.host;
  const std::string& target = request.target;
  const std::string port = std::to_string(http_port_.load());
  if (host == kRedirectLoopHost) {
    Redirect(reply, target == "/" ? "/loop" : "/");
  } else if (host == kRedirectChainHost) {
    int step = 0;
    if (target.starts_with("/r/"))
      step = std::atoi(target.c_str() + 3);
    if (target == "/final") {
      Html(reply, 200, SimplePage("Final", "The end of the redirect chain."));
    } else {
      Redirect(reply, step + 1 < kRedirectChainLength ? "/r/" + std::to_string(step + 1)
                                                      : std::string("/final"));
    }
  } else if (host == kSlowDripHost) {
    Html(reply, 200, "");
    reply.mode = ReplyMode::kSlowDrip;
  } else if (host == kEndlessBodyHost) {
    Html(reply, 200, "");
    reply.mode = ReplyMode::kEndlessBody;
  } else if (host == kHugeBodyHost) {
    Html(reply, 200, "");
    reply.mode = ReplyMode::kHugeBody;
    reply.stream_bytes = kHugeBodyBytes;
  } else if (host == kGzipBombHost) {
    Html(reply, 200, "");
    reply.headers.emplace_back("Content-Encoding", "gzip");
    reply.shared_body = GzipBomb();
  } else if (host == kImagePngHost) {
    reply.headers = {{"Content-Type", "image/png"}, {"Server", "fakenet"}};
    reply.body = std::string("\x89PNG\r\n\x1a\n", 8) + Garbage(kImageBodyBytes, 1);
  } else if (host == kOctetStreamHost) {
    reply.headers = {{"Content-Type", "application/octet-stream"}, {"Server", "fakenet"}};
    reply.body = Garbage(kImageBodyBytes, 2);
  } else if (host == kUntrustedCaHost || host == kSelfSignedHost || host == kExpiredCertHost ||
             host == kWrongNameCertHost) {
    Html(reply, 200,
         SimplePage("Bad certificate",
                    "A client that reads this over https "
                    "accepted a certificate it should not."));
  } else if (host == kTooManyRequestsHost) {
    Html(reply, 429, SimplePage("429 Too Many Requests", "Slow down."));
    reply.headers.emplace_back("Retry-After", "2");
  } else if (host == kUnavailableHost || (host == kFlakyHost && count <= kFlakyFailures)) {
    Html(reply, 503, SimplePage("503 Service Unavailable", "Try again later."));
    reply.headers.emplace_back("Retry-After", "1");
  } else if (host == kFlakyHost) {
    Html(reply, 200, SimplePage("Flaky", "Third time lucky."));
  } else if (host == kRobotsDisallowHost) {
    if (target == "/robots.txt") {
      reply.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Server", "fakenet"}};
      reply.body = "User-agent: leadscan\nDisallow: /\n\nUser-agent: *\nAllow: /\n";
    } else {
      Html(reply, 200, SimplePage("Private", "leadscan may not read this."));
    }
  } else if (host == kCp1252MetaHost || host == kCp1252UndeclaredHost) {
    reply.headers = {{"Content-Type", "text/html"}, {"Server", "fakenet"}};
    reply.body = Cp1252Page(host == kCp1252MetaHost);
  } else if (host == kCp1252HeaderHost) {
    reply.headers = {{"Content-Type", "text/html; charset=windows-1252"}, {"Server", "fakenet"}};
    reply.body = Cp1252Page(false);
  } else if (host == kRedirectToLoopbackHost) {
    Redirect(reply, "http://127.0.0.1:" + port + "/");
  } else if (host == kRedirectToMetadataHost) {
    Redirect(reply, "http://169.254.169.254/latest/meta-data/");
  } else if (host == kRedirectToMappedHost) {
    Redirect(reply, "http://[::ffff:127.0.0.1]:" + port + "/");
  } else if (host == kNotFoundHost) {
    Html(reply, 404, SimplePage("404 Not Found", "Nothing here."));
  } else if (host == kServerErrorHost) {
    Html(reply, 500, SimplePage("500 Internal Server Error", "Something broke."));
  } else if (host == kResetMidBodyHost) {
    std::string page = GenerateBenchPage(0, "/");
    Html(reply, 200, page.substr(0, kResetSentBytes));
    reply.mode = ReplyMode::kResetMidBody;
    reply.stream_bytes = kResetAnnouncedBytes;
  } else if (host == kHangHost) {
    reply.mode = ReplyMode::kHang;
  } else if (host == kHugeHeaderHost) {
    Html(reply, 200, SimplePage("Huge header", "See X-Huge."));
    reply.headers.emplace_back("X-Huge", std::string(kHugeHeaderBytes, 'a'));
  } else if (host == kBinaryHtmlHost) {
    Html(reply, 200, Garbage(kBinaryBodyBytes, 3));
    reply.body[0] = '\0';
  } else if (host == kTruncatedGzipHost) {
    std::string gz = GzipCompress(GzipTestPage());
    Html(reply, 200, gz.substr(0, gz.size() / 2));
    reply.headers.emplace_back("Content-Encoding", "gzip");
  } else if (host == kCorruptGzipHost) {
    std::string gz = GzipCompress(GzipTestPage());
    // 0xff starts a deflate block of the reserved type 3, which every inflater rejects.
    std::fill(gz.begin() + kGzipHeaderBytes, gz.end() - kGzipTrailerBytes, '\xff');
    Html(reply, 200, std::move(gz));
    reply.headers.emplace_back("Content-Encoding", "gzip");
  } else if (host == kBadUtf8Host) {
    // Bytes that are not UTF-8 in a header, a cookie and a page that claims UTF-8.
    Html(reply, 200,
         "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Bad \xfe bytes</title>"
         "</head><body><p>Frakt \xff\xfe \xc0\xaf</p><a href=\"/frakt\xff\">Frakt \xfe</a>"
         "</body></html>");
    reply.headers.emplace_back("cf-ray", "\xff\xfe");
    reply.headers.emplace_back("Set-Cookie", "sess=\xff\xfe; Path=/");
    reply.headers.emplace_back("X-Powered-By", "PHP/\xc0\xaf");
  } else if (host == kDeflateStallHost || host == kGzipStallHost) {
    // A compressed stream that never yields a byte: a header, then empty stored blocks
    // (00 00 00 ff ff: not final, length 0) forever.
    Html(reply, 200,
         host == kDeflateStallHost ? std::string("\x78\x9c", 2)
                                   : std::string("\x1f\x8b\x08\0\0\0\0\0\0\x03", 10));
    reply.headers.emplace_back("Content-Encoding", host == kDeflateStallHost ? "deflate" : "gzip");
    reply.mode = ReplyMode::kEndlessBody;
    reply.repeat = std::string("\0\0\0\xff\xff", 5);
  } else if (host == kDeepNestingHost) {
    std::string page = "<!DOCTYPE html><html><head><title>Deep</title></head><body>";
    page.reserve(page.size() + kDeepNestingDivs * 6);
    for (int i = 0; i < kDeepNestingDivs; ++i)
      page += "<div>";
    Html(reply, 200, page + "deep</body></html>");
  } else if (host == kUnclosedAnchorsHost) {
    std::string page = "<!DOCTYPE html><html><head><title>Anchors</title></head><body>";
    page.reserve(page.size() + kUnclosedAnchorPairs * 8);
    for (int i = 0; i < kUnclosedAnchorPairs; ++i)
      page += "<a><div>";
    Html(reply, 200, page + "</body></html>");
  } else if (host == kSlowRobotsHost) {
    if (target == "/robots.txt") {
      reply.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Server", "fakenet"}};
      reply.body = "User-agent: *\nAllow: /\n";
    } else {
      Html(reply, 200, SimplePage("Slow", "Every answer of this host comes late."));
    }
    reply.mode = ReplyMode::kDelayed;
    reply.delay = kSlowRobotsDelay;
  } else if (host == kCloudflareChallengeHost) {
    // Every path, robots.txt included, as Cloudflare does for a challenged client.
    Html(reply, 403, CloudflareChallengePage());
    reply.headers = {{"Content-Type", kHtml},
                     {"Server", "cloudflare"},
                     {"cf-mitigated", "challenge"},
                     {"Cache-Control", "no-store"}};
  } else if (host == kDataDomeChallengeHost) {
    Html(reply, 403, DataDomeChallengePage());
    reply.headers.emplace_back("X-DataDome", "protected");
  } else if (host == kBrowserChallengeHost) {
    if (target == "/robots.txt") {
      reply.status = 404;
      reply.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Server", "fakenet"}};
      reply.body = "not found\n";
    } else if (target.starts_with("/blockerad")) {
      Html(reply, 403, BrowserChallengeBlockPage());
    } else {
      Html(reply, 200, BrowserChallengeHome());
    }
  } else if (host == kHttp09Host || host == kBadStatusLineHost || host == kBadChunkHost) {
    reply.mode = ReplyMode::kRaw;
    if (target == "/robots.txt") {
      reply.body = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    } else if (host == kHttp09Host) {
      reply.body = "<html><body>HTTP/0.9 has no status line</body></html>\n";
    } else if (host == kBadStatusLineHost) {
      reply.body = "HTTP/1.1 OK-ish\r\nContent-Type: text/html\r\n\r\n<html></html>";
    } else {
      reply.body =
          "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
          "Connection: close\r\n\r\nzz\r\n<html></html>\r\n0\r\n\r\n";
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace leadscan::fakenet
