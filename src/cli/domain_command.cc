#include "cli/domain_command.h"

#include <iostream>

#include "cli/fetch_flags.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "fetch/curl_fetcher.h"
#include "jobs/store_domain_search_cache.h"
#include "store/store.h"

namespace leadscan::cli {

DomainCommand::DomainCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("domain", "Find a lead's website from its company name");
  app_->require_subcommand(1);
  find_ = app_->add_subcommand(
      "find", "Search for the company's own site and print the choice with its evidence (JSON)");
  find_->add_option("company_name", company_name_, "The company's name, e.g. \"Kaffebönan AB\"")
      ->required();
  find_->add_option("--country", country_,
                    "Two-letter country the company is in (se, no, dk, fi, ...); default "
                    "--search-country");
  find_->add_option("--db", db_,
                    "Store URL whose search cache to use (sqlite:///... or postgresql://...); "
                    "default: no cache");
  find_
      ->add_option("--provider-allow-net", provider_allow_net_,
                   "Open an address range for search API calls only (CIDR, optionally "
                   "CIDR:PORT), e.g. a self-hosted SearXNG; repeatable")
      ->group("Domain search");
  AddSearchFlags(*find_, &search_);
  AddFetchFlags(*find_, &fetch_options_);
}

int DomainCommand::Run() {
  if (search_.provider.empty()) {
    std::cerr << "leadscan domain find: no search provider: set --search-provider (or "
                 "LEADSCAN_SEARCH_PROVIDER) to brave, google or searxng\n";
    return kExitUsage;
  }
  common::SystemClock clock;
  common::Metrics metrics;
  auto fetcher = fetch::CurlFetcher::Create(fetch_options_, clock);
  if (!fetcher.ok()) {
    std::cerr << "leadscan domain find: " << fetcher.status().ToString() << "\n";
    return kExitUsage;
  }
  std::unique_ptr<search::DomainSearchCache> cache;
  std::unique_ptr<store::Store> store;
  if (!db_.empty()) {
    auto opened = store::OpenStore(db_);
    if (!opened.ok()) {
      std::cerr << "leadscan domain find: " << opened.status().ToString() << "\n";
      return kExitSomeFailed;
    }
    store = std::move(*opened);
    cache = std::make_unique<jobs::StoreDomainSearchCache>(*store);
  }
  auto setup = DomainSearchSetup::Create(search_, fetch_options_, provider_allow_net_, **fetcher,
                                         clock, &metrics, cache.get());
  if (!setup.ok()) {
    std::cerr << "leadscan domain find: " << setup.status().ToString() << "\n";
    return kExitUsage;
  }
  const std::string country = country_.empty() ? (*setup)->default_country() : country_;
  auto found = (*setup)->finder().Find(company_name_, country);
  if (!found.ok()) {
    const common::Status& s = found.status();
    if (s.code() == common::StatusCode::kInvalidArgument) {
      std::cerr << "leadscan domain find: " << s.ToString() << "\n";
      return kExitUsage;
    }
    nlohmann::json out = {
        {"company_name", company_name_},
        {"provider", search_.provider},
        {"domain", nullptr},
        {"error",
         {{"code", s.error_code()}, {"message", s.message()}, {"retryable", s.retryable()}}}};
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
    return kExitSomeFailed;
  }
  std::cout << found->ToJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
            << std::endl;
  return found->found() ? kExitOk : kExitSomeFailed;
}

}  // namespace leadscan::cli
