// Process-wide logging setup on top of spdlog. Modules log with spdlog::info(...) etc.;
// only main calls InitLogging. Thread-safe after initialisation.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

#include "common/status.h"

namespace leadscan::common {

// Logs to stderr at `level` ("trace", "debug", "info", "warn", "error", "off").
// Fails with invalid_log_level for any other word.
Status InitLogging(std::string_view level);

}  // namespace leadscan::common
