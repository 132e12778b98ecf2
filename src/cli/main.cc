// leadscan: the one binary. main parses the command line, layers the configuration
// (flags, then LEADSCAN_* environment, then the --config TOML file) and runs one subcommand.
#include <iostream>

#include "cli/command_line.h"
#include "cli/layered_options.h"
#include "common/allocator.h"
#include "common/config.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  using namespace leadscan;
  common::TuneAllocator();
  auto cl = cli::BuildCommandLine();
  CLI::App& app = cl->app;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? cli::kExitOk : cli::kExitUsage;
  }
  // The global log level may come from the environment or the file too.
  if (auto s = common::InitLogging(cl->log_level); !s.ok()) {
    std::cerr << "leadscan: " << s.message() << "\n";
    return cli::kExitUsage;
  }
  for (auto& command : cl->commands) {
    CLI::App* sub = command->app();
    if (!sub->parsed())
      continue;
    auto config = common::Config::Load(cl->config_file, sub->get_name());
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
