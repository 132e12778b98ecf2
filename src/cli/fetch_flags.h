// The fetch options every command that reaches the web shares (analyze, batch, serve, worker):
// address guard openings, resolve / connect-to, extra CA, robots, limits. Start-up only.
#pragma once

#include <CLI/CLI.hpp>

#include "fetch/fetch_options.h"

namespace leadscan::cli {

// Registers the flags on `app`; parsed values land in `*options`, which must outlive parsing.
void AddFetchFlags(CLI::App& app, fetch::FetchOptions* options);

}  // namespace leadscan::cli
