#include "search/directory_sites.h"

#include <array>
#include <utility>

#include "common/ascii.h"
#include "fetch/target.h"

namespace leadscan::search {
namespace {

using Entry = std::pair<std::string_view, std::string_view>;  // domain, kind

// Exact registrable domains (and their subdomains).
constexpr std::array kDomains = {
    // Sweden
    Entry{"allabolag.se", "business directory"},
    Entry{"hitta.se", "business directory"},
    Entry{"merinfo.se", "business directory"},
    Entry{"ratsit.se", "business directory"},
    Entry{"upplysning.se", "business directory"},
    Entry{"bolagsfakta.se", "business directory"},
    Entry{"foretagsfakta.se", "business directory"},
    Entry{"syna.se", "business directory"},
    Entry{"reco.se", "review site"},
    Entry{"bolagsverket.se", "company registry"},
    Entry{"verksamt.se", "company registry"},
    // Norway
    Entry{"gulesider.no", "business directory"},
    Entry{"1881.no", "business directory"},
    Entry{"purehelp.no", "business directory"},
    Entry{"180.no", "business directory"},
    Entry{"firmasok.no", "business directory"},
    Entry{"finn.no", "classifieds"},
    Entry{"brreg.no", "company registry"},
    Entry{"forvalt.no", "business directory"},
    // Denmark
    Entry{"krak.dk", "business directory"},
    Entry{"degulesider.dk", "business directory"},
    Entry{"cvr.dk", "company registry"},
    Entry{"virk.dk", "company registry"},
    Entry{"cvrapi.dk", "company registry"},
    Entry{"ownr.dk", "business directory"},
    Entry{"paqle.dk", "business directory"},
    // Finland
    Entry{"finder.fi", "business directory"},
    Entry{"fonecta.fi", "business directory"},
    Entry{"asiakastieto.fi", "business directory"},
    Entry{"kauppalehti.fi", "business directory"},
    Entry{"ytj.fi", "company registry"},
    Entry{"prh.fi", "company registry"},
    Entry{"yritystele.fi", "business directory"},
    Entry{"inforegister.fi", "business directory"},
    // international
    Entry{"x.com", "social network"},
    Entry{"t.co", "social network"},
    Entry{"goo.gl", "maps"},
    Entry{"dnb.com", "business directory"},
    Entry{"creditsafe.com", "business directory"},
    Entry{"bloomberg.com", "business directory"},
    Entry{"crunchbase.com", "business directory"},
    Entry{"opencorporates.com", "company registry"},
    Entry{"maps.apple.com", "maps"},
};

// Site families with many country domains: the registrable domain's first label.
constexpr std::array kFamilies = {
    Entry{"eniro", "business directory"},
    Entry{"proff", "business directory"},
    Entry{"kompass", "business directory"},
    Entry{"europages", "business directory"},
    Entry{"linkedin", "social network"},
    Entry{"facebook", "social network"},
    Entry{"fb", "social network"},
    Entry{"instagram", "social network"},
    Entry{"twitter", "social network"},
    Entry{"tiktok", "social network"},
    Entry{"pinterest", "social network"},
    Entry{"threads", "social network"},
    Entry{"wikipedia", "encyclopaedia"},
    Entry{"wikimedia", "encyclopaedia"},
    Entry{"wikidata", "encyclopaedia"},
    Entry{"youtube", "video site"},
    Entry{"youtu", "video site"},
    Entry{"vimeo", "video site"},
    Entry{"trustpilot", "review site"},
    Entry{"yelp", "review site"},
    Entry{"tripadvisor", "review site"},
    Entry{"glassdoor", "review site"},
    Entry{"indeed", "job site"},
    Entry{"bing", "search engine"},
    Entry{"duckduckgo", "search engine"},
};

bool HostIsOrUnder(std::string_view host, std::string_view domain) {
  if (host == domain)
    return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

}  // namespace

std::optional<std::string> DirectorySiteKind(std::string_view host_in, std::string_view path) {
  const std::string lower = common::AsciiLower(host_in);
  std::string_view host = lower;
  while (!host.empty() && host.back() == '.')
    host.remove_suffix(1);
  for (const auto& [domain, kind] : kDomains) {
    if (HostIsOrUnder(host, domain))
      return std::string(kind);
  }
  std::string registrable = fetch::RegistrableDomain(host);
  if (registrable.empty())
    registrable = std::string(host);
  const std::string_view label = std::string_view(registrable).substr(0, registrable.find('.'));
  for (const auto& [family, kind] : kFamilies) {
    if (label == family)
      return std::string(kind);
  }
  // Google's own pages are never a company's site; its maps are listed by name.
  if (label == "google") {
    return std::string(host.starts_with("maps.") || path.starts_with("/maps") ? "maps"
                                                                              : "search engine");
  }
  return std::nullopt;
}

}  // namespace leadscan::search
