// AnalysisReach: what one stored analysis covered and reached — the fields its type looks at,
// the pages it fetched and analysed, the pages it tried and lost, whether its time budget ran
// out, the findings it set aside — read from the result JSON of SPEC §6. The finding diff
// (finding_diff.h) asks it whether an absent finding was really looked for. Pure data and
// functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadscan::history {

using Json = nlohmann::json;

// The six finding fields of a result (SPEC §6), in the result's order.
const std::vector<std::string>& FindingFields();

bool IsFindingField(std::string_view field);

// The fields an analysis type looks at (the five job types of the seed, as
// analysis::Wants* decide them): tech_analysis -> ecommerce_platform, technologies;
// checkout_scraping -> checkout_solutions, payment_methods, carriers, shipping_software;
// full_analysis -> all six; ecommerce_detection -> ecommerce_platform; carrier_detection ->
// carriers, shipping_software. Any other text: all six (an unknown analysis is not taken to
// look at less than it shows).
std::vector<std::string> FieldsOfType(std::string_view analysis_type);

// A page as the diff compares pages across analyses: the host lower-cased without "www." and
// port, then the path (a trailing '/' dropped except for the root) and the query; scheme and
// fragment are ignored, so an https page and its http fallback are one page. A page rendered in
// the browser is another page than the HTTP page of the same URL ("browser:" prefix): a
// rendering that failed does not hide the HTTP page, nor the other way round. "" for an empty
// url.
std::string PageKey(std::string_view url, bool browser = false);

// The page keys a finding's evidence names (`evidence[].page`, `evidence[].source`).
std::set<std::string> EvidencePages(const Json& evidence);

struct AnalysisReach {
  std::vector<std::string> fields;  // the fields the analysis looked at
  // The analysis's time budget ran out before every fetched page was analysed (an error
  // `timeout` without a url): what it did not find may be in what it did not read.
  bool partial = false;
  bool home_reached = false;        // the home page was fetched and analysed
  std::set<std::string> reached;    // page keys fetched (2xx/3xx, no error) and analysed
  std::set<std::string> unreached;  // page keys tried and lost: a failed fetch, an error status,
                                    // skipped for the byte budget, HTML cut at a limit, a
                                    // rendering that failed or was cut short
  std::set<std::pair<std::string, std::string>> set_aside;  // (field, name) seen, not counted

  bool Covers(std::string_view field) const;
};

// Reads a stored result (SPEC §6: pages, errors, set_aside, analysis_type). `analysis_type`
// names the type when the caller knows it (a job's type); empty: the result's own
// `analysis_type`. A result without `pages` reached nothing (so nothing can be removed by it).
AnalysisReach ReachOf(const Json& result, std::string_view analysis_type);

}  // namespace leadscan::history
