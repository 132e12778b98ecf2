#include "jobs/store_domain_search_cache.h"

namespace leadscan::jobs {

common::Result<std::optional<nlohmann::json>> StoreDomainSearchCache::Get(
    const std::string& name_key, const std::string& country, common::TimePoint newer_than) {
  auto row = store_.GetDomainSearch(name_key, country, newer_than);
  if (!row.ok())
    return row.status();
  if (!row->has_value())
    return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>((*row)->result);
}

common::Status StoreDomainSearchCache::Put(const std::string& name_key, const std::string& country,
                                           const std::string& provider,
                                           const nlohmann::json& search) {
  return store_.PutDomainSearch(name_key, country, provider, search);
}

}  // namespace leadscan::jobs
