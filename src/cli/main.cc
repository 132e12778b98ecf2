// leadscan: the one binary. main parses the command line, layers the configuration
// (flags, then LEADSCAN_* environment, then the --config TOML file) and runs one subcommand.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <vector>

#include "cli/admin_commands.h"
#include "cli/analyze_command.h"
#include "cli/command.h"
#include "cli/cron_command.h"
#include "cli/layered_options.h"
#include "cli/rules_command.h"
#include "cli/serve_command.h"
#include "common/config.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  using namespace leadscan;
  CLI::App app{
      "leadscan — analyses the websites of sales leads: technologies, e-commerce "
      "platform, checkout and payment solutions, shipping carriers."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");
  std::string config_file;
  std::string log_level = "info";
  app.add_option("--config", config_file, "Optional TOML file with settings (see docs)")
      ->envname("LEADSCAN_CONFIG");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();

  std::vector<std::unique_ptr<cli::Command>> commands;
  commands.push_back(std::make_unique<cli::AnalyzeCommand>(app));
  commands.push_back(std::make_unique<cli::RulesCommand>(app));
  commands.push_back(std::make_unique<cli::ServeCommand>(app, false));
  commands.push_back(std::make_unique<cli::ServeCommand>(app, true));
  commands.push_back(std::make_unique<cli::MigrateCommand>(app));
  commands.push_back(std::make_unique<cli::CronCommand>(app));
  commands.push_back(std::make_unique<cli::TokenCommand>(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? cli::kExitOk : cli::kExitUsage;
  }
  // The global log level may come from the environment or the file too.
  if (auto s = common::InitLogging(log_level); !s.ok()) {
    std::cerr << "leadscan: " << s.message() << "\n";
    return cli::kExitUsage;
  }
  for (auto& command : commands) {
    CLI::App* sub = command->app();
    if (!sub->parsed())
      continue;
    auto config = common::Config::Load(config_file, sub->get_name());
    if (!config.ok()) {
      std::cerr << "leadscan: " << config.status().message() << "\n";
      return cli::kExitUsage;
    }
    if (auto s = cli::ApplyConfigLayers(*sub, *config); !s.ok()) {
      std::cerr << "leadscan: " << s.message() << "\n";
      return cli::kExitUsage;
    }
    return command->Run();
  }
  return cli::kExitUsage;
}
