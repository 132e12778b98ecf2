#include "cli/backup_command.h"

#include <iostream>

#include "store/store.h"

namespace leadscan::cli {

BackupCommand::BackupCommand(CLI::App& parent) {
  app_ = parent.add_subcommand(
      "backup",
      "Copy a SQLite store to a new file while it may be in use (PostgreSQL: use pg_dump)");
  app_->add_option("out", out_, "The new file to write (must not exist)")->required();
  app_->add_option("--db", db_, "Store URL: sqlite:///path/file.db")->capture_default_str();
}

int BackupCommand::Run() {
  if (auto s = store::BackupStore(db_, out_); !s.ok()) {
    std::cerr << "leadscan backup: " << s.ToString() << "\n";
    return s.error_code() == "backup_unsupported" || s.error_code() == "invalid_store_url"
               ? kExitUsage
               : kExitSomeFailed;
  }
  std::cout << "backed up " << db_ << " to " << out_ << "\n";
  return kExitOk;
}

}  // namespace leadscan::cli
