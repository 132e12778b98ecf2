#include "search_apis.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

namespace leadscan::fakenet {
namespace {

using Json = nlohmann::json;

constexpr const char* kJson = "application/json; charset=utf-8";
constexpr const char* kHtml = "text/html; charset=utf-8";

struct Hit {
  std::string url;
  std::string title;
  std::string snippet;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> QueryParams(std::string_view query) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i <= query.size()) {
    size_t amp = query.find('&', i);
    if (amp == std::string_view::npos)
      amp = query.size();
    std::string_view pair = query.substr(i, amp - i);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      out[Decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : Decode(pair.substr(eq + 1));
    }
    i = amp + 1;
  }
  return out;
}

std::string Header(const Request& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name)
      return v;
  }
  return "";
}

// The demo shop a query names: the words of the query folded to ASCII (å ä -> a, ö ø -> o,
// æ -> ae), company forms dropped, run together ("Nordvind Studio AB" -> "nordvindstudio").
std::string ShopLabel(std::string_view q) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kFold = {
      {"\xC3\xA5", "a"},  {"\xC3\x85", "a"}, {"\xC3\xA4", "a"}, {"\xC3\x84", "a"},
      {"\xC3\xB6", "o"},  {"\xC3\x96", "o"}, {"\xC3\xB8", "o"}, {"\xC3\x98", "o"},
      {"\xC3\xA6", "ae"}, {"\xC3\x86", "ae"}};
  std::string folded;
  for (size_t i = 0; i < q.size();) {
    bool done = false;
    for (const auto& [from, to] : kFold) {
      if (q.substr(i, from.size()) == from) {
        folded += to;
        i += from.size();
        done = true;
        break;
      }
    }
    if (done)
      continue;
    const char c = q[i++];
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      folded.push_back(c);
    else if (c >= 'A' && c <= 'Z')
      folded.push_back(static_cast<char>(c - 'A' + 'a'));
    else
      folded.push_back(' ');
  }
  static const std::vector<std::string_view> kForms = {"ab",  "as", "asa", "aps", "oy",
                                                       "oyj", "hb", "kb",  "ltd"};
  std::string label;
  size_t i = 0;
  while (i < folded.size()) {
    size_t j = folded.find(' ', i);
    if (j == std::string::npos)
      j = folded.size();
    std::string word = folded.substr(i, j - i);
    if (!word.empty() && std::find(kForms.begin(), kForms.end(), word) == kForms.end())
      label += word;
    i = j + 1;
  }
  return label;
}

std::vector<Hit> HitsFor(const std::string& q, const SiteExists& site_exists) {
  const std::string label = ShopLabel(q);
  if (label.empty())
    return {};
  std::vector<Hit> hits = {
      {"https://www.allabolag.se/foretag/" + label + "/5560001234", q + " - Allabolag",
       q + ", org.nr 556000-1234. Omsättning, bokslut och styrelse."},
  };
  const bool own = site_exists && site_exists(label + ".test");
  if (own) {
    hits.push_back({"https://se.linkedin.com/company/" + label, q + " | LinkedIn",
                    "Följ " + q + " på LinkedIn."});
  } else {
    hits.push_back({"https://www.proff.se/foretag/" + label, q + " - Proff",
                    "Nyckeltal och befattningshavare för " + q + "."});
  }
  hits.push_back({"https://" + label + std::string(kDecoySuffix) + "/", q + "? Läs omdömen",
                  "Omdömen om " + q + " och andra butiker."});
  if (own) {
    hits.push_back({"https://www." + label + ".test/", q, "Välkommen till " + q + "."});
    hits.push_back({"https://www.hitta.se/" + label + "/foretag/1", q + " - Hitta.se",
                    "Adress och telefon till " + q + "."});
    hits.push_back({"https://www.facebook.com/" + label, q + " | Facebook", "Gilla " + q + "."});
  }
  return hits;
}

void JsonReply(Reply& reply, int status, const Json& body) {
  reply.status = status;
  reply.headers = {{"Content-Type", kJson}, {"Server", "fakenet"}};
  reply.body = body.dump();
}

void TextReply(Reply& reply, int status, const char* content_type, std::string body) {
  reply.status = status;
  reply.headers = {{"Content-Type", content_type}, {"Server", "fakenet"}};
  reply.body = std::move(body);
}

void RetryAfter(Reply& reply) {
  reply.headers.emplace_back("Retry-After", std::to_string(kSearchRetryAfterSeconds));
}

// The error a query asks for ("error-401", ...), or 0.
int AskedError(const std::string& q, std::string* kind) {
  static const std::vector<std::pair<std::string, int>> kErrors = {
      {"error-401", 401}, {"error-402", 402},      {"error-429", 429},
      {"error-500", 500}, {"error-malformed", -1}, {"error-shape", -2}};
  for (const auto& [word, code] : kErrors) {
    if (q.find(word) != std::string::npos) {
      *kind = word;
      return code;
    }
  }
  return 0;
}

Json BraveError(int status, const std::string& code, const std::string& detail) {
  return {{"type", "ErrorResponse"},
          {"error",
           {{"id", "00000000-0000-4000-8000-000000000000"},
            {"status", status},
            {"code", code},
            {"detail", detail},
            {"meta", Json::object()}}},
          {"time", 1780000000}};
}

Json GoogleError(int code, const std::string& message, const std::string& reason,
                 const std::string& status) {
  return {
      {"error",
       {{"code", code},
        {"message", message},
        {"errors", Json::array({{{"message", message}, {"domain", "global"}, {"reason", reason}}})},
        {"status", status}}}};
}

void Brave(const Request& request, const std::map<std::string, std::string>& params,
           const SiteExists& site_exists, Reply& reply) {
  if (Header(request, "x-subscription-token") != kBraveTestKey) {
    JsonReply(reply, 401,
              BraveError(401, "SUBSCRIPTION_TOKEN_INVALID",
                         "The provided subscription token is invalid."));
    return;
  }
  const std::string q = params.count("q") ? params.at("q") : "";
  if (q.empty()) {
    JsonReply(reply, 422, BraveError(422, "VALIDATION", "Unable to validate request parameter(s)"));
    return;
  }
  std::string kind;
  switch (AskedError(q, &kind)) {
    case 401:
      JsonReply(reply, 401,
                BraveError(401, "SUBSCRIPTION_TOKEN_INVALID",
                           "The provided subscription token is invalid."));
      return;
    case 402:
      JsonReply(reply, 402, BraveError(402, "QUOTA_LIMITED", "The plan's monthly quota is spent."));
      return;
    case 429:
      JsonReply(reply, 429,
                BraveError(429, "RATE_LIMITED", "Request rate limit exceeded for plan."));
      RetryAfter(reply);
      return;
    case 500:
      JsonReply(reply, 500, BraveError(500, "INTERNAL_ERROR", "Something went wrong."));
      return;
    case -1:
      TextReply(reply, 200, kJson, R"({"type":"search","web":{"results":[{"url":"https://)");
      return;
    case -2:
      JsonReply(reply, 200, {{"type", "search"}, {"web", "no results here"}});
      return;
    default:
      break;
  }
  Json results = Json::array();
  for (const Hit& h : HitsFor(q, site_exists)) {
    results.push_back({{"type", "search_result"},
                       {"title", h.title},
                       {"url", h.url},
                       {"is_source_local", false},
                       {"description", "<strong>" + h.snippet + "</strong>"},
                       {"profile", {{"name", h.title}, {"url", h.url}}},
                       {"language", "sv"}});
  }
  JsonReply(reply, 200,
            {{"type", "search"},
             {"query",
              {{"original", q},
               {"country", params.count("country") ? params.at("country") : "us"},
               {"more_results_available", false}}},
             {"mixed", {{"type", "mixed"}, {"main", Json::array()}}},
             {"web", {{"type", "search"}, {"results", results}, {"family_friendly", true}}}});
}

void Google(const std::map<std::string, std::string>& params, const SiteExists& site_exists,
            Reply& reply) {
  auto param = [&](const char* name) { return params.count(name) ? params.at(name) : ""; };
  if (param("key").empty()) {
    JsonReply(reply, 403,
              GoogleError(403,
                          "Method doesn't allow unregistered callers (callers without "
                          "established identity). Please use API Key or other form of API "
                          "consumer identity to call this API.",
                          "forbidden", "PERMISSION_DENIED"));
    return;
  }
  if (param("key") != kGoogleTestKey) {
    JsonReply(reply, 400,
              GoogleError(400, "API key not valid. Please pass a valid API key.", "badRequest",
                          "INVALID_ARGUMENT"));
    return;
  }
  if (param("cx") != kGoogleTestCx) {
    JsonReply(reply, 400,
              GoogleError(400, "Request contains an invalid argument.", "badRequest",
                          "INVALID_ARGUMENT"));
    return;
  }
  const std::string q = param("q");
  std::string kind;
  switch (AskedError(q, &kind)) {
    case 401:
      JsonReply(reply, 401,
                GoogleError(401, "Request had invalid authentication credentials.", "unauthorized",
                            "UNAUTHENTICATED"));
      return;
    case 402:
      // Google says a spent daily quota with 429 and these words.
      JsonReply(reply, 429,
                GoogleError(429,
                            "Quota exceeded for quota metric 'Queries' and limit 'Queries per "
                            "day' of service 'customsearch.googleapis.com' for consumer "
                            "'project_number:000000000000'.",
                            "rateLimitExceeded", "RESOURCE_EXHAUSTED"));
      return;
    case 429:
      JsonReply(reply, 429,
                GoogleError(429,
                            "Quota exceeded for quota metric 'Queries' and limit 'Queries per "
                            "minute' of service 'customsearch.googleapis.com'.",
                            "rateLimitExceeded", "RESOURCE_EXHAUSTED"));
      RetryAfter(reply);
      return;
    case 500:
      JsonReply(reply, 500,
                GoogleError(500, "Internal error encountered.", "backendError", "INTERNAL"));
      return;
    case -1:
      TextReply(reply, 200, kJson, R"({"kind": "customsearch#search", "items": [{"link": )");
      return;
    case -2:
      JsonReply(reply, 200, {{"kind", "customsearch#search"}, {"items", "none"}});
      return;
    default:
      break;
  }
  Json items = Json::array();
  for (const Hit& h : HitsFor(q, site_exists)) {
    const std::string display = h.url.substr(h.url.find("//") + 2);
    items.push_back({{"kind", "customsearch#result"},
                     {"title", h.title},
                     {"htmlTitle", "<b>" + h.title + "</b>"},
                     {"link", h.url},
                     {"displayLink", display.substr(0, display.find('/'))},
                     {"snippet", h.snippet},
                     {"htmlSnippet", h.snippet},
                     {"formattedUrl", h.url}});
  }
  Json out = {{"kind", "customsearch#search"},
              {"queries", {{"request", Json::array({{{"searchTerms", q}, {"count", 10}}})}}},
              {"context", {{"title", "fakenet"}}},
              {"searchInformation",
               {{"searchTime", 0.12}, {"totalResults", std::to_string(items.size())}}}};
  if (!items.empty())
    out["items"] = items;  // Google leaves `items` out when nothing matched
  JsonReply(reply, 200, out);
}

void Searxng(const std::map<std::string, std::string>& params, const SiteExists& site_exists,
             Reply& reply) {
  auto param = [&](const char* name) { return params.count(name) ? params.at(name) : ""; };
  if (param("format") != "json") {
    // A SearXNG whose settings do not list json among its formats.
    TextReply(reply, 403, kHtml, "<html><body><h1>Forbidden</h1></body></html>\n");
    return;
  }
  const std::string q = param("q");
  std::string kind;
  switch (AskedError(q, &kind)) {
    case 401:
      TextReply(reply, 401, kHtml, "<html><body><h1>Unauthorized</h1></body></html>\n");
      return;
    case 402:
      TextReply(reply, 402, kHtml, "<html><body><h1>Payment Required</h1></body></html>\n");
      return;
    case 429:
      TextReply(reply, 429, kHtml, "<html><body><h1>Too Many Requests</h1></body></html>\n");
      RetryAfter(reply);
      return;
    case 500:
      TextReply(reply, 500, kHtml, "<html><body><h1>Internal Server Error</h1></body></html>\n");
      return;
    case -1:
      TextReply(reply, 200, kJson, "<html><body>not json</body></html>");
      return;
    case -2:
      JsonReply(reply, 200, {{"query", q}, {"results", {{"url", "x"}}}});
      return;
    default:
      break;
  }
  Json results = Json::array();
  int position = 1;
  for (const Hit& h : HitsFor(q, site_exists)) {
    results.push_back({{"url", h.url},
                       {"title", h.title},
                       {"content", h.snippet},
                       {"engine", "duckduckgo"},
                       {"engines", Json::array({"duckduckgo", "brave"})},
                       {"positions", Json::array({position++})},
                       {"score", 1.0},
                       {"category", "general"}});
  }
  JsonReply(reply, 200,
            {{"query", q},
             {"number_of_results", 0},
             {"results", results},
             {"answers", Json::array()},
             {"corrections", Json::array()},
             {"infoboxes", Json::array()},
             {"suggestions", Json::array()},
             {"unresponsive_engines", Json::array()}});
}

}  // namespace

bool RouteSearchApis(const Request& request, const SiteExists& site_exists, Reply& reply) {
  const std::string& host = request.host;
  if (host.size() > kDecoySuffix.size() && host.ends_with(kDecoySuffix)) {
    if (request.target == "/robots.txt") {
      TextReply(reply, 404, "text/plain; charset=utf-8", "not found\n");
    } else {
      TextReply(reply, 200, kHtml,
                "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\">"
                "<title>Omdömen om webbutiker</title></head><body><h1>Omdömen</h1>"
                "<p>Här samlar vi kundernas omdömen om svenska webbutiker. Skriv ditt eget!</p>"
                "</body></html>\n");
    }
    return true;
  }
  if (host != kBraveApiHost && host != kGoogleApiHost && host != kSearxngApiHost)
    return false;
  const size_t qmark = request.target.find('?');
  const std::string path = request.target.substr(0, qmark);
  const auto params =
      QueryParams(qmark == std::string::npos ? std::string_view()
                                             : std::string_view(request.target).substr(qmark + 1));
  if (request.method != "GET") {
    TextReply(reply, 405, "text/plain; charset=utf-8", "method not allowed\n");
  } else if (host == kBraveApiHost && path == "/res/v1/web/search") {
    Brave(request, params, site_exists, reply);
  } else if (host == kGoogleApiHost && path == "/customsearch/v1") {
    Google(params, site_exists, reply);
  } else if (host == kSearxngApiHost && path == "/search") {
    Searxng(params, site_exists, reply);
  } else {
    JsonReply(reply, 404, {{"error", "no such API path: " + path}});
  }
  return true;
}

}  // namespace leadscan::fakenet
