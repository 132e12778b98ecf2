// StoreDomainSearchCache: the domain searches of search::DomainFinder remembered in the Store
// (domain_searches, migration 010), for every process on the same database. Holds a reference
// to the store, which must outlive it. Thread-safe as the store is; every call blocks on it.
#pragma once

#include "search/domain_finder.h"
#include "store/store.h"

namespace leadscan::jobs {

class StoreDomainSearchCache final : public search::DomainSearchCache {
 public:
  explicit StoreDomainSearchCache(store::Store& store) : store_(store) {}

  common::Result<std::optional<nlohmann::json>> Get(const std::string& name_key,
                                                    const std::string& country,
                                                    common::TimePoint newer_than) override;

  common::Status Put(const std::string& name_key, const std::string& country,
                     const std::string& provider, const nlohmann::json& search) override;

 private:
  store::Store& store_;
};

}  // namespace leadscan::jobs
