// The body of the web-search answer fuzz targets (brave, google, searxng): a provider's answer
// as a domain search reads it (search/search_responses.h): the body parsed with the depth bound
// into hits, every hit's host checked against the directory list and scored against a name from
// its title, and the error text quoted from a failed answer; the home-page reader and name check
// run on the body too.
#pragma once

#include <string>
#include <string_view>

#include "common/ascii.h"
#include "common/utf8.h"
#include "fetch/target.h"
#include "fuzz_check.h"
#include "search/candidate_scoring.h"
#include "search/company_name.h"
#include "search/directory_sites.h"
#include "search/search_responses.h"

namespace leadscan::fuzz {

// Runs the checks above on `body` with `parse`, one provider's answer parser.
template <typename Parse>
int FuzzSearchAnswer(std::string_view body, Parse parse) {
  namespace search = leadscan::search;
  using leadscan::common::IsValidUtf8;

  const std::string text = search::ProviderErrorText(body);
  FUZZ_CHECK(IsValidUtf8(text));
  FUZZ_CHECK(text.size() <= 300);

  const search::HomePageText page = search::ExtractHomePageText(body);
  FUZZ_CHECK(IsValidUtf8(page.title) && IsValidUtf8(page.site_name) && IsValidUtf8(page.body_text));
  FUZZ_CHECK(page.body_text.size() <= search::kMaxHomeBodyTextBytes);

  auto hits = parse(body);
  if (!hits.ok()) {
    FUZZ_CHECK(hits.status().error_code() == search::kSearchBadResponse);
    FUZZ_CHECK(!hits.status().retryable());
    FUZZ_CHECK(IsValidUtf8(hits.status().message()));
    return 0;
  }
  FUZZ_CHECK(hits->size() <= search::kMaxSearchHits);
  for (const search::SearchHit& hit : *hits) {
    const std::string scheme = leadscan::common::AsciiLower(hit.url.substr(0, 8));
    FUZZ_CHECK(scheme.starts_with("http://") || scheme.starts_with("https://"));
    FUZZ_CHECK(hit.url.size() <= search::kMaxHitUrlBytes);
    FUZZ_CHECK(IsValidUtf8(hit.title) && IsValidUtf8(hit.snippet));
    FUZZ_CHECK(hit.title.size() <= search::kMaxHitTextBytes);
    FUZZ_CHECK(hit.snippet.size() <= search::kMaxHitTextBytes);
    const search::CompanyName name = search::NormaliseCompanyName(hit.title);
    FUZZ_CHECK(IsValidUtf8(name.key));
    auto target = leadscan::fetch::NormalizeTarget(hit.url);
    if (!target.ok())
      continue;
    (void)search::DirectorySiteKind(target->host, target->path);
    const search::Similarity s = search::DomainNameSimilarity(name, target->host);
    FUZZ_CHECK(s.value >= 0 && s.value <= 1);
    const search::Similarity t = search::TextNameSimilarity(name, hit.snippet);
    FUZZ_CHECK(t.value >= 0 && t.value <= 1);
    (void)search::WhereHomePageNamesCompany(name, page);
  }
  return 0;
}

}  // namespace leadscan::fuzz
