// How well a search hit fits a company: its domain name against the company's name, its title
// and snippet, its top-level domain against the lead's country, and whether its home page names
// the company (title, og:site_name, body text). Each function returns points or a 0..1 value
// with the reason in words, which DomainFinder sums into a candidate's score (0..100) and keeps
// as the candidate's `why`. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "search/company_name.h"

namespace leadscan::search {

// Points of a candidate's score (DomainFinder sums them and clips to 0..100).
inline constexpr int kDomainNamePoints = 50;   // x similarity of the domain's name
inline constexpr int kHitTextPoints = 15;      // x similarity of the hit's title / snippet
inline constexpr int kCountryTldPoints = 10;   // + for the country's TLD, - for another's
inline constexpr int kHomeTitlePoints = 25;    // the home page's title or og:site_name names it
inline constexpr int kHomeBodyPoints = 15;     // only the home page's body text names it
inline constexpr int kFirstRankPoints = 5;     // the provider's first hit; 3, 1 for the next two
inline constexpr int kHomeSilentPenalty = 40;  // the home page does not name the company

struct Similarity {
  double value = 0;  // 0..1
  std::string why;   // "domain name equals the company name", "" when value is 0
};

// The company's name against the first label of host's registrable domain (hyphens dropped;
// "kaffebonan" of "www.kaffebonan.se"): equal 1; one containing the other 0.6..1 by length;
// the acronym 0.7; else the share of the name's words (3+ letters) found in it, or the letter
// pair overlap (Dice), whichever is higher, at most 0.8.
Similarity DomainNameSimilarity(const CompanyName& name, std::string_view host);

// The company's name in free text (a hit's title or snippet): 1 when the words appear as a
// phrase (either folding), else the share of the name's words found among the text's words.
Similarity TextNameSimilarity(const CompanyName& name, std::string_view text);

// Points for host's top-level domain against an ISO 3166 country code ("se", "no", "dk", "fi",
// "gb" -> "uk", ...; empty: no opinion): +kCountryTldPoints for the country's own, minus as
// much for another country's two-letter TLD, 0 for generic ones (.com, .net, .eu, .nu, ...).
// *why says which.
int CountryTldPoints(std::string_view host, std::string_view country, std::string* why);

// What a home page says about whose site it is: <title>, og:site_name, and the visible text
// of the body (script and style contents left out). Read from at most kMaxHomePageScanBytes of
// the HTML, entities of the common kinds decoded, each valid UTF-8 and bounded.
inline constexpr size_t kMaxHomePageScanBytes = 1024 * 1024;
inline constexpr size_t kMaxHomeBodyTextBytes = 64 * 1024;

struct HomePageText {
  std::string title;
  std::string site_name;  // og:site_name
  std::string body_text;
};

HomePageText ExtractHomePageText(std::string_view html);

// Where the home page names the company: "title", "og:site_name" or "body text" (the first
// that does), or "" when none does. Naming means the company's words as a phrase, or one of
// its compact forms (5+ letters) inside a word run together ("Kaffebönan" in "KAFFEBÖNAN.se").
std::string WhereHomePageNamesCompany(const CompanyName& name, const HomePageText& page);

}  // namespace leadscan::search
