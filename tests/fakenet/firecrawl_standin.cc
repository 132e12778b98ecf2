#include "firecrawl_standin.h"

#include <nlohmann/json.hpp>

namespace leadscan::fakenet {
namespace {

constexpr int kMaxRedirects = 10;
constexpr size_t kMaxLinks = 1000;

using nlohmann::json;

Reply JsonReply(int status, const json& body) {
  Reply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", "application/json; charset=utf-8"}, {"Server", "fakenet"}};
  reply.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return reply;
}

Reply Failure(int status, std::string error) {
  return JsonReply(status, {{"success", false}, {"error", std::move(error)}});
}

struct Url {
  std::string scheme;
  std::string host;  // lower-case, port stripped
  std::string target;
};

std::optional<Url> ParseUrl(std::string_view s) {
  Url u;
  size_t colon = s.find("://");
  if (colon == std::string_view::npos)
    return std::nullopt;
  u.scheme = std::string(s.substr(0, colon));
  if (u.scheme != "http" && u.scheme != "https")
    return std::nullopt;
  std::string_view rest = s.substr(colon + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string authority(rest.substr(0, slash));
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.target[0] != '/')
    u.target = "/" + u.target;
  if (size_t hash = u.target.find('#'); hash != std::string::npos)
    u.target.resize(hash);
  if (size_t port = authority.rfind(':');
      port != std::string::npos && authority.find(']') == std::string::npos) {
    authority.resize(port);
  }
  for (char& c : authority)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  u.host = authority;
  if (u.host.empty())
    return std::nullopt;
  return u;
}

// `href` made absolute against `base`; "" for what is no http(s) link.
std::string Resolve(const Url& base, std::string_view href) {
  if (href.empty() || href[0] == '#')
    return "";
  if (href.starts_with("http://") || href.starts_with("https://"))
    return std::string(href);
  if (href.starts_with("//"))
    return base.scheme + ":" + std::string(href);
  if (href.find(':') != std::string_view::npos &&
      href.find(':') < href.find_first_of("/?#"))  // mailto:, javascript:, tel:
    return "";
  const std::string origin = base.scheme + "://" + base.host;
  if (href[0] == '/')
    return origin + std::string(href);
  std::string dir = base.target.substr(0, base.target.find('?'));
  dir = dir.substr(0, dir.rfind('/') + 1);
  return origin + dir + std::string(href);
}

std::vector<std::string> Links(const Url& base, std::string_view html) {
  std::vector<std::string> out;
  size_t at = 0;
  while (out.size() < kMaxLinks && (at = html.find("href=", at)) != std::string_view::npos) {
    at += 5;
    if (at >= html.size())
      break;
    const char quote = html[at];
    if (quote != '"' && quote != '\'')
      continue;
    size_t end = html.find(quote, at + 1);
    if (end == std::string_view::npos)
      break;
    std::string url = Resolve(base, html.substr(at + 1, end - at - 1));
    if (size_t hash = url.find('#'); hash != std::string::npos)
      url.resize(hash);
    if (!url.empty())
      out.push_back(std::move(url));
    at = end;
  }
  return out;
}

std::string Title(std::string_view html) {
  size_t open = html.find("<title>");
  size_t close = html.find("</title>");
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return "";
  return std::string(html.substr(open + 7, close - open - 7));
}

std::string HeaderOf(const Reply& reply, std::string_view name) {
  for (const auto& [k, v] : reply.headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return "";
}

}  // namespace

FirecrawlStandIn::FirecrawlStandIn(std::function<Reply(const Request&)> fetch)
    : fetch_(std::move(fetch)) {}

bool FirecrawlStandIn::Handles(const Request& request) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  const bool host = request.host == kFirecrawlHost || request.host == "localhost" ||
                    request.host == "127.0.0.1" || request.host == "[::1]" || request.host == "::1";
  return host && request.method == "POST" && path == kFirecrawlScrapePath;
}

Reply FirecrawlStandIn::Serve(const Request& request) {
  {
    std::lock_guard lock(mu_);
    ++calls_;
    last_body_ = request.body;
  }
  const std::string bearer = "Bearer ";
  if (!request.authorization.starts_with(bearer) ||
      !std::string_view(request.authorization).substr(bearer.size()).starts_with("fc-")) {
    return Failure(401, "Unauthorized: Invalid token");
  }
  const std::string key = request.authorization.substr(bearer.size());
  // Echoes the key, as some APIs do: the client must keep it out of its errors.
  if (key.starts_with(kFirecrawlKey401))
    return Failure(401, "Unauthorized: Invalid token " + key);
  if (key.starts_with(kFirecrawlKey403))
    return Failure(403, "Forbidden: this key may not scrape");
  if (key.starts_with(kFirecrawlKey402)) {
    return Failure(402,
                   "Payment Required: Insufficient credits to perform this request. "
                   "For more credits, upgrade your plan.");
  }
  if (key.starts_with(kFirecrawlKeyHang)) {
    Reply reply;
    reply.mode = ReplyMode::kHang;
    return reply;
  }
  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("url") || !body["url"].is_string())
    return Failure(400, "Bad Request: url is required");
  const std::string url = body["url"].get<std::string>();
  for (std::string_view flaky : {kFirecrawlKey429, kFirecrawlKey500}) {
    if (!key.starts_with(flaky))
      continue;
    int seen = 0;
    {
      std::lock_guard lock(mu_);
      seen = ++seen_[std::string(flaky) + " " + url];
    }
    if (seen == 1) {
      if (flaky == kFirecrawlKey500)
        return Failure(500, "Internal Server Error: the scrape failed");
      Reply reply = Failure(429, "Rate limit exceeded. Please retry after the time given.");
      reply.headers.emplace_back("Retry-After", std::to_string(kFirecrawlRetryAfterSeconds));
      return reply;
    }
  }
  if (key.starts_with(kFirecrawlKeyMalformed)) {
    Reply reply = JsonReply(200, json::object());
    reply.body = R"({"success":true,"data":{"rawHtml":"<html><bo)";
    return reply;
  }
  return Scrape(url);
}

Reply FirecrawlStandIn::Scrape(const std::string& url) {
  auto parsed = ParseUrl(url);
  if (!parsed)
    return Failure(400, "Bad Request: invalid url");
  Url at = *parsed;
  Reply page;
  for (int hop = 0;; ++hop) {
    Request get;
    get.method = "GET";
    get.host = at.host;
    get.target = at.target;
    get.https = at.scheme == "https";
    page = fetch_(get);
    if (page.mode != ReplyMode::kNormal && page.mode != ReplyMode::kDelayed)
      return Failure(500, "Internal Server Error: the page could not be loaded");
    const std::string location = HeaderOf(page, "Location");
    if (page.status < 300 || page.status >= 400 || location.empty() || hop >= kMaxRedirects)
      break;
    auto next = ParseUrl(Resolve(at, location));
    if (!next)
      break;
    at = *next;
  }
  const std::string& html = page.shared_body ? *page.shared_body : page.body;
  const std::string final_url = at.scheme + "://" + at.host + at.target;
  json data = {{"rawHtml", html},
               {"links", Links(at, html)},
               {"metadata",
                {{"title", Title(html)},
                 {"sourceURL", url},
                 {"url", final_url},
                 {"statusCode", page.status},
                 {"proxyUsed", "basic"}}}};
  return JsonReply(200, {{"success", true}, {"data", std::move(data)}});
}

int FirecrawlStandIn::Calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::string FirecrawlStandIn::LastBody() const {
  std::lock_guard lock(mu_);
  return last_body_;
}

}  // namespace leadscan::fakenet
