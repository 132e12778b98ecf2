// Parsers of the three web-search APIs' published JSON answers, from the body text: Brave
// Search (`web.results[]`: url, title, description), Google Programmable Search
// (`items[]`: link, title, snippet) and SearXNG (`results[]`: url, title, content). Bounded:
// JSON depth (common::ParseJson), at most kMaxSearchHits hits, texts cut to kMaxHitTextBytes;
// entries that are not objects or lack an http(s) URL are skipped. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::search {

inline constexpr size_t kMaxSearchHits = 50;
inline constexpr size_t kMaxHitTextBytes = 600;
inline constexpr size_t kMaxHitUrlBytes = 2048;

// The error code of an answer that is not the provider's JSON shape (not JSON, too deep, the
// list missing or of the wrong type). Not retryable: the same answer would come again.
inline constexpr std::string_view kSearchBadResponse = "provider_bad_response";

struct SearchHit {
  std::string url;      // absolute http(s) URL, at most kMaxHitUrlBytes
  std::string title;    // plain text (tags removed, entities decoded), valid UTF-8
  std::string snippet;  // plain text, as title
  int rank = 0;         // 0-based position in the answer
};

// Each parser reads the answer as parsed JSON (what providers::ProviderClient hands out);
// Parse*Body reads it from the body text (common::ParseJson first). Failure:
// kSearchBadResponse.
common::Result<std::vector<SearchHit>> ParseBraveResults(const nlohmann::json& answer);
common::Result<std::vector<SearchHit>> ParseBraveBody(std::string_view body);

common::Result<std::vector<SearchHit>> ParseGoogleResults(const nlohmann::json& answer);
common::Result<std::vector<SearchHit>> ParseGoogleBody(std::string_view body);

common::Result<std::vector<SearchHit>> ParseSearxngResults(const nlohmann::json& answer);
common::Result<std::vector<SearchHit>> ParseSearxngBody(std::string_view body);

// The provider's own words about a failed request, for error messages: Brave's
// `error.code` / `error.detail`, Google's `error.status` / `error.message` and first
// `errors[].reason`, or the first 200 bytes of a body that is not JSON; valid UTF-8, at most
// 300 bytes. "" for an empty body.
std::string ProviderErrorText(std::string_view body);

// Text from a search answer as plain text: tags removed, the common entities decoded,
// whitespace collapsed, cut at a UTF-8 boundary to at most `max_bytes`.
std::string PlainText(std::string_view html_fragment, size_t max_bytes = kMaxHitTextBytes);

}  // namespace leadscan::search
