// `leadscan backup --db sqlite:///path OUT`: a consistent copy of a SQLite store while
// `serve` may be using it (SQLite's online backup). PostgreSQL is refused: pg_dump is the tool
// there. Start-up object.
#pragma once

#include <string>

#include "cli/admin_commands.h"
#include "cli/command.h"

namespace leadscan::cli {

class BackupCommand final : public Command {
 public:
  explicit BackupCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  CLI::App* app_;
  std::string db_ = kDefaultDbUrl;
  std::string out_;
};

}  // namespace leadscan::cli
