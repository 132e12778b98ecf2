#include "search/domain_finder.h"

#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <exception>
#include <map>
#include <system_error>
#include <thread>

#include "common/ascii.h"
#include "fetch/site_fetch.h"
#include "fetch/target.h"
#include "search/candidate_scoring.h"
#include "search/directory_sites.h"

namespace leadscan::search {
namespace {

using common::Result;
using common::Status;
using Json = nlohmann::json;

constexpr int kMaxScore = 100;
constexpr double kSnippetWeight = 0.6;  // a snippet names more than the site's own name
constexpr std::array kRankPoints = {kFirstRankPoints, 3, 1};
constexpr std::string_view kProviderQuotaCode = "provider_quota";
constexpr size_t kMaxNameBytes = 300;

std::string StripWww(std::string host) {
  if (host.starts_with("www.") && host.size() > 4)
    host.erase(0, 4);
  return host;
}

int Clip(double v) {
  return std::clamp(static_cast<int>(v + (v >= 0 ? 0.5 : -0.5)), 0, kMaxScore);
}

bool ValidCountry(std::string_view country) {
  return country.empty() ||
         (country.size() == 2 && std::all_of(country.begin(), country.end(),
                                             [](char c) { return (c >= 'a' && c <= 'z'); }));
}

// Pre-score of a candidate before its home page is seen: domain name, hit text, TLD, rank.
void ScoreHit(const CompanyName& name, std::string_view country, DomainCandidate* c,
              std::string_view snippet, double* points) {
  Similarity domain = DomainNameSimilarity(name, c->host);
  Similarity title = TextNameSimilarity(name, c->title);
  Similarity snip = TextNameSimilarity(name, snippet);
  double p = domain.value * kDomainNamePoints;
  if (!domain.why.empty())
    c->why.push_back(domain.why);
  else
    c->why.push_back("domain name does not resemble the company name");
  if (title.value >= snip.value * kSnippetWeight && title.value > 0) {
    p += title.value * kHitTextPoints;
    c->why.push_back("title " + title.why);
  } else if (snip.value > 0) {
    p += snip.value * kSnippetWeight * kHitTextPoints;
    c->why.push_back("snippet " + snip.why);
  }
  std::string tld_why;
  const int tld = CountryTldPoints(c->host, country, &tld_why);
  p += tld;
  if (!tld_why.empty())
    c->why.push_back(tld_why);
  if (c->rank >= 0 && static_cast<size_t>(c->rank) < kRankPoints.size()) {
    p += kRankPoints[static_cast<size_t>(c->rank)];
    c->why.push_back("search rank " + std::to_string(c->rank + 1));
  }
  *points = p;
}

// "2026-01-05T10:00:00Z" (UTC, whole seconds).
std::string IsoTime(common::TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<common::TimePoint> ParseIsoTime(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0')
    return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

Json DomainCandidate::ToJson() const {
  Json out = {{"url", url},     {"domain", host}, {"title", title},  {"rank", rank + 1},
              {"score", score}, {"why", why},     {"chosen", chosen}};
  out["skipped"] = skipped.empty() ? Json() : Json(skipped);
  out["home_page"] = home_page.empty() ? Json() : Json(home_page);
  return out;
}

Json DomainSearch::ToJson() const {
  Json list = Json::array();
  for (const auto& c : candidates)
    list.push_back(c.ToJson());
  return {{"company_name", company_name},
          {"name_key", name_key},
          {"country", country.empty() ? Json() : Json(country)},
          {"provider", provider},
          {"domain", domain.empty() ? Json() : Json(domain)},
          {"confidence", confidence},
          {"min_confidence", min_confidence},
          {"candidates", std::move(list)},
          {"cached", cached},
          {"searched_at", IsoTime(searched_at)}};
}

Result<DomainSearch> DomainSearch::FromJson(const Json& json) {
  auto bad = [](const std::string& what) {
    return Status::InvalidArgument("invalid_domain_search", "stored domain search: " + what);
  };
  if (!json.is_object())
    return bad("not an object");
  DomainSearch out;
  try {
    out.company_name = json.at("company_name").get<std::string>();
    out.name_key = json.at("name_key").get<std::string>();
    out.country = json.value("country", Json()).is_string() ? json["country"].get<std::string>()
                                                            : std::string();
    out.provider = json.at("provider").get<std::string>();
    out.domain = json.value("domain", Json()).is_string() ? json["domain"].get<std::string>()
                                                          : std::string();
    out.confidence = json.at("confidence").get<int>();
    out.min_confidence = json.value("min_confidence", 0);
    auto when = ParseIsoTime(json.at("searched_at").get<std::string>());
    if (!when)
      return bad("searched_at is not an ISO 8601 UTC time");
    out.searched_at = *when;
    for (const Json& c : json.at("candidates")) {
      DomainCandidate d;
      d.url = c.at("url").get<std::string>();
      d.host = c.at("domain").get<std::string>();
      d.title = c.value("title", "");
      d.rank = c.value("rank", 1) - 1;
      d.score = c.at("score").get<int>();
      d.why = c.value("why", std::vector<std::string>{});
      d.skipped = c.value("skipped", Json()).is_string() ? c["skipped"].get<std::string>() : "";
      d.home_page =
          c.value("home_page", Json()).is_string() ? c["home_page"].get<std::string>() : "";
      d.chosen = c.value("chosen", false);
      out.candidates.push_back(std::move(d));
    }
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  return out;
}

DomainFinder::DomainFinder(SearchProvider& provider, fetch::Fetcher& fetcher, common::Clock& clock,
                           DomainSearchCache* cache, DomainFinderOptions options)
    : provider_(provider), fetcher_(fetcher), clock_(clock), cache_(cache), options_(options) {}

Result<DomainSearch> DomainFinder::Find(std::string_view company_name, std::string_view country_in,
                                        std::shared_ptr<std::atomic<bool>> cancel) {
  if (company_name.size() > kMaxNameBytes) {
    return Status::InvalidArgument("invalid_company_name",
                                   "the company name is longer than 300 bytes", "company_name");
  }
  const CompanyName name = NormaliseCompanyName(company_name);
  if (name.key.empty()) {
    return Status::InvalidArgument("invalid_company_name",
                                   "the company name has no letters or digits to search for",
                                   "company_name");
  }
  const std::string country = common::AsciiLower(country_in);
  if (!ValidCountry(country)) {
    return Status::InvalidArgument(
        "invalid_country", "country must be a two-letter code such as se, no, dk, fi", "country");
  }
  const common::TimePoint now = clock_.Now();
  if (cache_ != nullptr && options_.cache_ttl.count() > 0) {
    auto hit = cache_->Get(name.key, country, now - options_.cache_ttl);
    if (!hit.ok()) {
      spdlog::warn("domain search cache: {}", hit.status().ToString());
    } else if (hit->has_value()) {
      auto stored = DomainSearch::FromJson(**hit);
      if (stored.ok()) {
        stored->cached = true;
        stored->company_name = name.input;
        // The threshold may have changed since: judge the stored candidates again.
        stored->min_confidence = options_.min_confidence;
        stored->domain.clear();
        for (const auto& c : stored->candidates) {
          if (c.chosen && stored->confidence >= options_.min_confidence)
            stored->domain = c.host;
        }
        return stored;
      }
      spdlog::warn("domain search cache: {}", stored.status().ToString());
    }
  }
  {
    std::lock_guard lock(mu_);
    if (quota_pause_until_ && now < *quota_pause_until_) {
      return Status::Error(common::StatusCode::kResourceExhausted, std::string(kProviderQuotaCode),
                           quota_message_ + " (not asked again before the pause ends)");
    }
  }

  SearchQuery query;
  query.text = name.input;
  query.country = country;
  query.count = options_.results;
  query.deadline = now + options_.search_timeout;
  query.cancel = cancel;
  auto hits = provider_.Search(query);
  if (!hits.ok()) {
    if (hits.status().error_code() == kProviderQuotaCode) {
      std::lock_guard lock(mu_);
      quota_pause_until_ = clock_.Now() + kQuotaPause;
      quota_message_ = hits.status().message();
    }
    return hits.status();
  }

  DomainSearch out;
  out.company_name = name.input;
  out.name_key = name.key;
  out.country = country;
  out.provider = std::string(provider_.name());
  out.min_confidence = options_.min_confidence;
  out.searched_at = now;

  std::vector<DomainCandidate> candidates;
  std::vector<double> points;
  std::map<std::string, size_t> by_host;
  for (const SearchHit& hit : *hits) {
    auto target = fetch::NormalizeTarget(hit.url);
    if (!target.ok())
      continue;
    const std::string host = StripWww(target->host);
    if (by_host.count(host) > 0)
      continue;  // the provider's first hit of a site stands for it
    DomainCandidate c;
    c.url = hit.url;
    c.host = host;
    c.title = hit.title;
    c.rank = hit.rank;
    double p = 0;
    if (auto kind = DirectorySiteKind(target->host, target->path)) {
      c.skipped = *kind;
      c.why.push_back(*kind + ", never a company's own site");
    } else {
      ScoreHit(name, country, &c, hit.snippet, &p);
    }
    by_host[host] = candidates.size();
    candidates.push_back(std::move(c));
    points.push_back(p);
  }
  // The best few by what the hit says get their home page read.
  std::vector<size_t> order;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].skipped.empty())
      order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&points](size_t a, size_t b) { return points[a] > points[b]; });
  std::vector<size_t> chosen;
  for (size_t i : order) {
    if (chosen.size() >= static_cast<size_t>(std::max(0, options_.home_pages)))
      break;
    if (points[i] <= 0) {
      candidates[i].why.push_back("too unlike the company to read its home page");
      continue;
    }
    chosen.push_back(i);
  }
  for (size_t i = 0; i < candidates.size(); ++i)
    candidates[i].score = Clip(points[i]);
  CheckHomePages(name, chosen, &candidates, cancel);
  if (cancel && cancel->load())
    return Status::Cancelled("domain search cancelled");

  // Only a site whose home page names the company can be the answer.
  std::optional<size_t> best;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const DomainCandidate& c = candidates[i];
    const bool named =
        c.home_page == "title" || c.home_page == "og:site_name" || c.home_page == "body text";
    if (named && (!best || c.score > candidates[*best].score))
      best = i;
  }
  if (best) {
    DomainCandidate& c = candidates[*best];
    c.chosen = true;
    out.confidence = c.score;
    if (c.score >= options_.min_confidence)
      out.domain = c.host;
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const DomainCandidate& a, const DomainCandidate& b) {
                     if (a.skipped.empty() != b.skipped.empty())
                       return a.skipped.empty();
                     if (a.chosen != b.chosen)
                       return a.chosen;
                     return a.score > b.score;
                   });
  if (candidates.size() > kMaxCandidates)
    candidates.resize(kMaxCandidates);
  out.candidates = std::move(candidates);

  if (cache_ != nullptr) {
    if (Status s = cache_->Put(out.name_key, out.country, out.provider, out.ToJson()); !s.ok())
      spdlog::warn("domain search cache: {}", s.ToString());
  }
  return out;
}

void DomainFinder::CheckHomePages(const CompanyName& name, const std::vector<size_t>& chosen,
                                  std::vector<DomainCandidate>* candidates,
                                  const std::shared_ptr<std::atomic<bool>>& cancel) {
  struct Check {
    Result<fetch::FetchResponse> response = Status::Internal("not fetched");
  };

  std::vector<Check> checks(chosen.size());
  std::vector<std::thread> threads;
  for (size_t k = 0; k < chosen.size(); ++k) {
    auto check = [&, k] {
      try {
        auto target = fetch::NormalizeTarget((*candidates)[chosen[k]].host);
        if (!target.ok()) {
          checks[k].response = target.status();
          return;
        }
        fetch::FetchRequest base;
        base.timeout = options_.home_page_timeout;
        base.cancel = cancel;
        base.reason = "domain search";
        checks[k].response = fetch::FetchHome(fetcher_, *target, base, &clock_);
      } catch (const std::exception& e) {
        checks[k].response = Status::Internal(std::string("home page check threw: ") + e.what());
      }
    };
    try {
      threads.emplace_back(check);
    } catch (const std::system_error&) {
      check();  // no thread to be had: read this page here, one after the other
    }
  }
  for (auto& t : threads)
    t.join();
  for (size_t k = 0; k < chosen.size(); ++k) {
    DomainCandidate& c = (*candidates)[chosen[k]];
    const auto& response = checks[k].response;
    if (!response.ok()) {
      c.home_page = "error: " + response.status().error_code();
      c.why.push_back("home page could not be read (" + response.status().error_code() + ")");
      continue;
    }
    auto final_target = fetch::NormalizeTarget(response->final_url);
    if (final_target.ok()) {
      const std::string final_host = StripWww(final_target->host);
      if (auto kind = DirectorySiteKind(final_target->host, final_target->path)) {
        c.skipped = *kind;
        c.home_page = "silent";
        c.why.push_back("home page redirects to " + final_host + " (" + *kind + ")");
        c.score = 0;
        continue;
      }
      if (final_host != c.host) {
        c.why.push_back("home page redirects to " + final_host);
        c.host = final_host;
      }
    }
    HomePageText text = ExtractHomePageText(response->body);
    const std::string where = WhereHomePageNamesCompany(name, text);
    if (where.empty()) {
      c.home_page = "silent";
      c.why.push_back("home page does not name the company");
      c.score = Clip(c.score - kHomeSilentPenalty);
      continue;
    }
    c.home_page = where;
    const int bonus = where == "body text" ? kHomeBodyPoints : kHomeTitlePoints;
    c.why.push_back("home page " + where + " names the company");
    c.score = Clip(c.score + bonus);
  }
}

}  // namespace leadscan::search
