// Layered configuration for CLI11 subcommands: an option the user did not pass on the command
// line takes its value from the environment (LEADSCAN_<NAME>) and then from the TOML file
// given with --config. Called by main after parsing; not thread-safe (start-up only).
#pragma once

#include <CLI/CLI.hpp>

#include "common/config.h"
#include "common/status.h"

namespace leadscan::cli {

// For each option of `app` (and of its parsed subcommands) that has a long name and no value from
// the command line, looks the name up in `config` and feeds the value through CLI11 so its
// validators and callbacks run. Repeatable options split environment values at commas.
// Fails with invalid_config naming the option and the source when a value is rejected.
common::Status ApplyConfigLayers(CLI::App& app, const common::Config& config);

}  // namespace leadscan::cli
