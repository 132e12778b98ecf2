// `leadscan domain find "Company AB" [--country se]`: finds a company's own website with the
// configured web-search provider and prints the choice with its evidence as JSON (domain,
// confidence, candidates with url, title, score and why, provider). With --db the store's
// search cache is used. Exit 0 when a domain was found, 1 when none was (or the search
// failed: then the JSON carries `error`), 2 for usage errors. Start-up object.
#pragma once

#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/search_flags.h"
#include "fetch/fetch_options.h"

namespace leadscan::cli {

class DomainCommand final : public Command {
 public:
  explicit DomainCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  CLI::App* app_;
  CLI::App* find_;
  std::string company_name_;
  std::string country_;
  std::string db_;
  std::vector<std::string> provider_allow_net_;
  SearchFlags search_;
  fetch::FetchOptions fetch_options_;
};

}  // namespace leadscan::cli
