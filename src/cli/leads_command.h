// `leadscan leads import FILE.csv --db URL --org NAME` (the API import's upsert by domain;
// prints counts) and `leadscan leads export --db URL --org NAME [--format csv|jsonl]`.
// Start-up object.
#pragma once

#include <string>

#include "cli/admin_commands.h"
#include "cli/command.h"

namespace leadscan::cli {

class LeadsCommand final : public Command {
 public:
  explicit LeadsCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  int Import();
  int Export();

  CLI::App* app_;
  CLI::App* import_;
  CLI::App* export_;
  std::string db_ = kDefaultDbUrl;
  std::string org_;
  std::string file_;
  std::string format_ = "csv";
};

}  // namespace leadscan::cli
