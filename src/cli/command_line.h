// The whole `leadscan` command line: the CLI11 app with its global options and every
// subcommand registered, built once by main (and by the parsing tests). Start-up object; not
// thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"

namespace leadscan::cli {

struct CommandLine {
  CLI::App app{
      "leadscan — analyses the websites of sales leads: technologies, e-commerce "
      "platform, checkout and payment solutions, shipping carriers."};
  std::string config_file;
  std::string log_level = "info";
  std::vector<std::unique_ptr<Command>> commands;
};

// Registers the global options and every subcommand, then makes every repeatable option take
// one value per occurrence (see OneValuePerOccurrence).
std::unique_ptr<CommandLine> BuildCommandLine();

// CLI11 lets a vector option take every following token, which swallows positionals
// (`analyze --allow-net 10.0.0.0/8 intranet.example`). This makes every non-positional option
// of `app` and its subcommands (recursively) that takes several values take exactly one per
// occurrence; several values are given by repeating the option.
void OneValuePerOccurrence(CLI::App& app);

}  // namespace leadscan::cli
