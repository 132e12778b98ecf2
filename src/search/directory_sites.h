// The sites a domain search must never pick as a company's own website: business directories
// and registries (allabolag, hitta, eniro, proff, merinfo, ratsit and their Norwegian, Danish
// and Finnish equivalents), social networks, encyclopaedias, video and review sites and maps.
// Pure functions over a fixed list; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leadscan::search {

// What kind of site `host` (ASCII, any case, no port) belongs to when it is on the list —
// "business directory", "company registry", "social network", "encyclopaedia", "video site",
// "review site", "maps" — or nullopt when it may be a company's own site. Subdomains count
// ("sv.wikipedia.org", "se.linkedin.com"); families with many country domains match by name
// ("trustpilot.dk", "google.se/maps" only for maps paths: see `path`).
std::optional<std::string> DirectorySiteKind(std::string_view host, std::string_view path = "/");

}  // namespace leadscan::search
