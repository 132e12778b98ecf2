#include "cli/command_line.h"

#include "cli/admin_commands.h"
#include "cli/analyze_command.h"
#include "cli/backup_command.h"
#include "cli/batch_command.h"
#include "cli/cron_command.h"
#include "cli/domain_command.h"
#include "cli/leads_command.h"
#include "cli/rules_command.h"
#include "cli/serve_command.h"

namespace leadscan::cli {

void OneValuePerOccurrence(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_positional())
      continue;
    if (opt->get_items_expected_max() > 1)
      opt->allow_extra_args(false);
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    OneValuePerOccurrence(*sub);
}

std::unique_ptr<CommandLine> BuildCommandLine() {
  auto cl = std::make_unique<CommandLine>();
  CLI::App& app = cl->app;
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");
  app.add_option("--config", cl->config_file, "Optional TOML file with settings (see docs)")
      ->envname("LEADSCAN_CONFIG");
  app.add_option("--log-level", cl->log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();

  auto& commands = cl->commands;
  commands.push_back(std::make_unique<AnalyzeCommand>(app));
  commands.push_back(std::make_unique<BatchCommand>(app));
  commands.push_back(std::make_unique<RulesCommand>(app));
  commands.push_back(std::make_unique<ServeCommand>(app, false));
  commands.push_back(std::make_unique<ServeCommand>(app, true));
  commands.push_back(std::make_unique<MigrateCommand>(app));
  commands.push_back(std::make_unique<BackupCommand>(app));
  commands.push_back(std::make_unique<LeadsCommand>(app));
  commands.push_back(std::make_unique<CronCommand>(app));
  commands.push_back(std::make_unique<TokenCommand>(app));
  commands.push_back(std::make_unique<DomainCommand>(app));
  OneValuePerOccurrence(app);
  return cl;
}

}  // namespace leadscan::cli
