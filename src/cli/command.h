// Command: one `leadscan` subcommand. Each registers its CLI11 subcommand and flags in its
// constructor and does its work in Run() after main has parsed and layered the options.
// Start-up objects; not thread-safe.
#pragma once

#include <CLI/CLI.hpp>

namespace leadscan::cli {

// Exit statuses shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitSomeFailed = 1;
inline constexpr int kExitUsage = 2;

class Command {
 public:
  virtual ~Command() = default;

  // The CLI11 subcommand this command owns.
  virtual CLI::App* app() = 0;

  // Does the work; returns the process exit status.
  virtual int Run() = 0;
};

}  // namespace leadscan::cli
