// Operations on the store: `leadscan migrate` and `leadscan token create`. Start-up objects.
#pragma once

#include <string>

#include "cli/command.h"

namespace leadscan::cli {

inline constexpr char kDefaultDbUrl[] = "sqlite://data/leadscan.db";

// `leadscan migrate [--db URL]`: applies pending migrations and lists them.
class MigrateCommand final : public Command {
 public:
  explicit MigrateCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  CLI::App* app_;
  std::string db_ = kDefaultDbUrl;
};

// `leadscan token create --org NAME --role admin|member [--name LABEL] [--db URL]`: creates
// the organisation when it does not exist, stores the new token's hash and prints the token
// once, as the last line of stdout.
class TokenCommand final : public Command {
 public:
  explicit TokenCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  CLI::App* app_;
  CLI::App* create_;
  std::string db_ = kDefaultDbUrl;
  std::string org_;
  std::string role_ = "member";
  std::string name_;
};

}  // namespace leadscan::cli
