#include "search/search_responses.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/ascii.h"
#include "common/json_parse.h"
#include "common/utf8.h"

namespace leadscan::search {
namespace {

using common::Result;
using common::Status;
using Json = nlohmann::json;

constexpr size_t kMaxErrorBytes = 300;
constexpr size_t kMaxRawErrorBytes = 200;

Status BadResponse(std::string_view provider, std::string message) {
  return Status::Error(common::StatusCode::kUnavailable, std::string(kSearchBadResponse),
                       std::string(provider) + " answer: " + message, false);
}

// The cut of `s` to at most `max` bytes that does not end inside a UTF-8 sequence.
std::string CutUtf8(std::string_view s, size_t max) {
  if (s.size() <= max)
    return std::string(s);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    --end;
  return std::string(s.substr(0, end));
}

// Bytes that are not UTF-8 replaced by U+FFFD (ParseJson already refuses them in strings;
// this is for raw bodies quoted in errors).
std::string ValidUtf8(std::string_view s) {
  std::string out;
  while (!s.empty()) {
    std::optional<size_t> bad = common::FindInvalidUtf8(s);
    if (!bad) {
      out.append(s);
      break;
    }
    out.append(s.substr(0, *bad));
    out.append("\xEF\xBF\xBD");
    s.remove_prefix(*bad + 1);
  }
  return out;
}

std::string_view DecodeEntity(std::string_view name) {
  if (name == "amp")
    return "&";
  if (name == "lt")
    return "<";
  if (name == "gt")
    return ">";
  if (name == "quot")
    return "\"";
  if (name == "apos" || name == "#39" || name == "#x27")
    return "'";
  if (name == "nbsp")
    return " ";
  if (name == "aring")
    return "\xC3\xA5";
  if (name == "Aring")
    return "\xC3\x85";
  if (name == "auml")
    return "\xC3\xA4";
  if (name == "Auml")
    return "\xC3\x84";
  if (name == "ouml")
    return "\xC3\xB6";
  if (name == "Ouml")
    return "\xC3\x96";
  if (name == "aelig")
    return "\xC3\xA6";
  if (name == "oslash")
    return "\xC3\xB8";
  if (name == "ndash")
    return "\xE2\x80\x93";
  if (name == "mdash")
    return "\xE2\x80\x94";
  if (name == "hellip")
    return "\xE2\x80\xA6";
  return {};
}

// The UTF-8 of a numeric character reference's body ("#229", "#xE5"), or "" when it is not
// one or names no character (0, surrogates, beyond U+10FFFF, controls).
std::string DecodeNumeric(std::string_view body) {
  if (body.size() < 2 || body[0] != '#')
    return {};
  const bool hex = body[1] == 'x' || body[1] == 'X';
  std::string_view digits = body.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 6)
    return {};
  uint32_t cp = 0;
  for (char c : digits) {
    int d = -1;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (hex && c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (hex && c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    if (d < 0)
      return {};
    cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
  }
  if (cp < 0x20 || cp == 0x7F || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return {};
  std::string out;
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
  return out;
}

bool IsHttpUrl(std::string_view url) {
  const std::string lower = common::AsciiLower(url.substr(0, 8));
  return lower.starts_with("http://") || lower.starts_with("https://");
}

// The string at `key` of object `o`, or "" when absent or not a string.
std::string_view Str(const Json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_string())
    return {};
  return it->get_ref<const std::string&>();
}

std::vector<SearchHit> HitsFrom(const Json& list, const char* url_key, const char* title_key,
                                const char* snippet_key) {
  std::vector<SearchHit> hits;
  int rank = 0;
  for (const Json& entry : list) {
    if (hits.size() >= kMaxSearchHits)
      break;
    const int this_rank = rank++;
    if (!entry.is_object())
      continue;
    std::string_view url = Str(entry, url_key);
    if (url.empty() || url.size() > kMaxHitUrlBytes || !IsHttpUrl(url))
      continue;
    SearchHit hit;
    hit.url = std::string(url);
    hit.title = PlainText(Str(entry, title_key));
    hit.snippet = PlainText(Str(entry, snippet_key));
    hit.rank = this_rank;
    hits.push_back(std::move(hit));
  }
  return hits;
}

Result<Json> ParseBody(std::string_view provider, std::string_view body) {
  auto json = common::ParseJson(body, "search answer");
  if (!json.ok())
    return BadResponse(provider, json.status().message());
  if (!json->is_object())
    return BadResponse(provider, "not a JSON object");
  return std::move(*json);
}

}  // namespace

std::string PlainText(std::string_view s, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(s.size(), max_bytes + 8));
  bool space = false;
  size_t i = 0;
  // Reading stops well past the cut, so a huge field costs no more than a short one.
  const size_t read_limit = std::min(s.size(), max_bytes * 4 + 64);
  while (i < read_limit && out.size() <= max_bytes) {
    const char c = s[i];
    if (c == '<') {
      const size_t close = s.find('>', i);
      if (close == std::string_view::npos || close > read_limit)
        break;
      i = close + 1;
      space = true;
      continue;
    }
    if (c == '&') {
      const size_t semi = s.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 9) {
        const std::string numeric = DecodeNumeric(s.substr(i + 1, semi - i - 1));
        std::string_view decoded =
            numeric.empty() ? DecodeEntity(s.substr(i + 1, semi - i - 1)) : numeric;
        if (!decoded.empty()) {
          if (decoded == " ") {
            space = true;
          } else {
            if (space && !out.empty())
              out.push_back(' ');
            space = false;
            out.append(decoded);
          }
          i = semi + 1;
          continue;
        }
      }
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = true;
      ++i;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      ++i;
      continue;
    }
    if (space && !out.empty())
      out.push_back(' ');
    space = false;
    out.push_back(c);
    ++i;
  }
  // Repair first: a replacement character is three bytes, so repairing after the cut could
  // take the text past the bound.
  return CutUtf8(ValidUtf8(out), max_bytes);
}

Result<std::vector<SearchHit>> ParseBraveBody(std::string_view body) {
  auto json = ParseBody("Brave", body);
  if (!json.ok())
    return json.status();
  return ParseBraveResults(*json);
}

Result<std::vector<SearchHit>> ParseBraveResults(const Json& answer) {
  if (!answer.is_object())
    return BadResponse("Brave", "not a JSON object");
  const Json* json = &answer;
  auto web = json->find("web");
  if (web == json->end()) {
    // An answer without web results (nothing found, or only other verticals) is empty.
    return std::vector<SearchHit>{};
  }
  if (!web->is_object())
    return BadResponse("Brave", "web is not an object");
  auto results = web->find("results");
  if (results == web->end() || results->is_null())
    return std::vector<SearchHit>{};
  if (!results->is_array())
    return BadResponse("Brave", "web.results is not an array");
  return HitsFrom(*results, "url", "title", "description");
}

Result<std::vector<SearchHit>> ParseGoogleBody(std::string_view body) {
  auto json = ParseBody("Google", body);
  if (!json.ok())
    return json.status();
  return ParseGoogleResults(*json);
}

Result<std::vector<SearchHit>> ParseGoogleResults(const Json& answer) {
  if (!answer.is_object())
    return BadResponse("Google", "not a JSON object");
  const Json* json = &answer;
  auto items = json->find("items");
  if (items == json->end() || items->is_null()) {
    // Google leaves `items` out when nothing matched; a body that is not a search answer at
    // all (no `kind`, no `searchInformation`) is not taken for an empty one.
    if (json->contains("kind") || json->contains("searchInformation") ||
        json->contains("queries")) {
      return std::vector<SearchHit>{};
    }
    return BadResponse("Google", "neither items nor searchInformation");
  }
  if (!items->is_array())
    return BadResponse("Google", "items is not an array");
  return HitsFrom(*items, "link", "title", "snippet");
}

Result<std::vector<SearchHit>> ParseSearxngBody(std::string_view body) {
  auto json = ParseBody("SearXNG", body);
  if (!json.ok())
    return json.status();
  return ParseSearxngResults(*json);
}

Result<std::vector<SearchHit>> ParseSearxngResults(const Json& answer) {
  if (!answer.is_object())
    return BadResponse("SearXNG", "not a JSON object");
  const Json* json = &answer;
  auto results = json->find("results");
  if (results == json->end())
    return BadResponse("SearXNG", "no results list (is format=json enabled?)");
  if (!results->is_array())
    return BadResponse("SearXNG", "results is not an array");
  return HitsFrom(*results, "url", "title", "content");
}

std::string ProviderErrorText(std::string_view body) {
  if (body.empty())
    return {};
  auto json = common::ParseJson(body, "error answer");
  if (!json.ok() || !json->is_object())
    return PlainText(body, kMaxRawErrorBytes);
  std::string out;
  auto add = [&out](std::string_view part) {
    if (part.empty())
      return;
    if (!out.empty())
      out += ": ";
    out += part;
  };
  auto error = json->find("error");
  if (error != json->end() && error->is_object()) {
    add(Str(*error, "code"));    // Brave: "SUBSCRIPTION_TOKEN_INVALID"
    add(Str(*error, "status"));  // Google: "RESOURCE_EXHAUSTED"
    auto errors = error->find("errors");
    if (errors != error->end() && errors->is_array() && !errors->empty() &&
        errors->front().is_object()) {
      add(Str(errors->front(), "reason"));  // Google: "dailyLimitExceeded"
    }
    add(Str(*error, "detail"));   // Brave
    add(Str(*error, "message"));  // Google
  } else if (error != json->end() && error->is_string()) {
    add(error->get_ref<const std::string&>());  // SearXNG and others
  }
  if (out.empty())
    add(Str(*json, "message"));
  return PlainText(out, kMaxErrorBytes);
}

}  // namespace leadscan::search
