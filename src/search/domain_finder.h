// DomainFinder: finds a company's own website from its name — asks a SearchProvider, skips
// directories, registries and social sites, scores the other hits by name similarity, country
// TLD and search rank, fetches the best few home pages through the Fetcher (address guard,
// robots.txt, limits) and keeps only a site whose home page names the company. The choice comes
// with its evidence (every candidate with its score and why). Results are cached per
// (normalised name, country) through a DomainSearchCache. Holds references to the provider,
// fetcher, clock and cache, which must outlive it. Thread-safe; Find blocks.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "fetch/fetcher.h"
#include "search/company_name.h"
#include "search/search_provider.h"

namespace leadscan::search {

// The error code of a search that found no site sure enough (batch items fail with it).
inline constexpr std::string_view kDomainNotFound = "domain_not_found";

inline constexpr int kDefaultMinConfidence = 60;
inline constexpr int kDefaultHomePages = 3;   // home pages fetched per search
inline constexpr size_t kMaxCandidates = 10;  // candidates kept in a result
inline constexpr std::chrono::milliseconds kDefaultSearchTimeout{10000};
inline constexpr std::chrono::milliseconds kDefaultHomePageTimeout{8000};
inline constexpr std::chrono::hours kDefaultCacheTtl{24 * 30};
// After the provider said its quota is spent (402 or a daily limit), searches fail at once
// with provider_quota for this long instead of asking it again for every lead.
inline constexpr std::chrono::minutes kQuotaPause{15};

struct DomainFinderOptions {
  int min_confidence = kDefaultMinConfidence;  // 0..100; below it `domain` stays empty
  int home_pages = kDefaultHomePages;
  int results = 10;  // hits asked of the provider
  std::chrono::milliseconds search_timeout = kDefaultSearchTimeout;
  std::chrono::milliseconds home_page_timeout = kDefaultHomePageTimeout;
  std::chrono::hours cache_ttl = kDefaultCacheTtl;  // 0: cached results are never used
};

struct DomainCandidate {
  std::string url;    // the hit's URL
  std::string host;   // its host without "www."
  std::string title;  // the hit's title
  int rank = 0;       // position in the provider's answer
  int score = 0;      // 0..100
  std::vector<std::string> why;
  // Why it was never in the running ("business directory", "social network", ...), or "".
  std::string skipped;
  // "title", "og:site_name" or "body text" where its home page names the company; "silent"
  // when it does not; "error: <code>" when it could not be fetched; "" when not fetched.
  std::string home_page;
  bool chosen = false;

  nlohmann::json ToJson() const;
};

struct DomainSearch {
  std::string company_name;  // as asked
  std::string name_key;      // CompanyName::key
  std::string country;       // as asked, lower-case ("" = none)
  std::string provider;      // who answered
  std::string domain;        // the chosen host; "" when none reached min_confidence
  int confidence = 0;        // the best home-page-confirmed candidate's score (0 when none)
  int min_confidence = 0;    // the threshold the result was judged against
  std::vector<DomainCandidate> candidates;  // best first, at most kMaxCandidates
  bool cached = false;                      // read from the cache
  common::TimePoint searched_at;

  bool found() const { return !domain.empty(); }

  // {"company_name", "country", "provider", "domain" (or null), "confidence",
  // "min_confidence", "candidates": [{url, title, score, why, ...}], "cached", "searched_at"}.
  nlohmann::json ToJson() const;

  // The inverse of ToJson (cache rows); invalid_argument when a field is missing or mistyped.
  static common::Result<DomainSearch> FromJson(const nlohmann::json& json);
};

// Where searches are remembered (the store's domain_searches table in `serve`). Thread-safe.
class DomainSearchCache {
 public:
  virtual ~DomainSearchCache() = default;

  // The search stored for (name_key, country) at or after `newer_than`, or nullopt.
  virtual common::Result<std::optional<nlohmann::json>> Get(const std::string& name_key,
                                                            const std::string& country,
                                                            common::TimePoint newer_than) = 0;

  // Stores (replaces) the search for (name_key, country).
  virtual common::Status Put(const std::string& name_key, const std::string& country,
                             const std::string& provider, const nlohmann::json& search) = 0;
};

// The seam the batch runner finds domains through; DomainFinder is the real one.
class DomainLookup {
 public:
  virtual ~DomainLookup() = default;

  // See DomainFinder::Find.
  virtual common::Result<DomainSearch> Find(std::string_view company_name, std::string_view country,
                                            std::shared_ptr<std::atomic<bool>> cancel) = 0;
};

class DomainFinder final : public DomainLookup {
 public:
  // `cache` may be null (no caching).
  DomainFinder(SearchProvider& provider, fetch::Fetcher& fetcher, common::Clock& clock,
               DomainSearchCache* cache, DomainFinderOptions options = {});

  // Searches for the company's site. Success means the search ran (from the cache or the
  // provider); whether a site was found is DomainSearch::found(). Fails with invalid_argument
  // `invalid_company_name` when the name has no words, `invalid_country` for a country that
  // is not two letters, the provider's error codes (provider_auth, provider_quota, ...) or
  // cancelled. A cache that fails is logged and bypassed. Blocks for at most the search and
  // home-page timeouts.
  common::Result<DomainSearch> Find(std::string_view company_name, std::string_view country,
                                    std::shared_ptr<std::atomic<bool>> cancel = nullptr) override;

  const DomainFinderOptions& options() const { return options_; }

 private:
  // Fetches the home pages of `chosen` (indexes into candidates) at once and scores them.
  void CheckHomePages(const CompanyName& name, const std::vector<size_t>& chosen,
                      std::vector<DomainCandidate>* candidates,
                      const std::shared_ptr<std::atomic<bool>>& cancel);

  SearchProvider& provider_;
  fetch::Fetcher& fetcher_;
  common::Clock& clock_;
  DomainSearchCache* cache_;
  const DomainFinderOptions options_;
  std::mutex mu_;
  std::optional<common::TimePoint> quota_pause_until_;  // guarded by mu_
  std::string quota_message_;                           // guarded by mu_
};

}  // namespace leadscan::search
