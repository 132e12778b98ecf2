// `leadscan cron next "<expr>" --tz ZONE [--from ISO8601] [-n N] [--format json]`: the next
// runs in UTC ISO 8601 and a plain-language reading. Exit 2 on invalid input, naming the field.
#pragma once

#include <optional>
#include <string>

#include "cli/command.h"

namespace leadscan::cli {

class CronCommand final : public Command {
 public:
  explicit CronCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  CLI::App* app_;
  CLI::App* next_;
  std::string expression_;
  std::string timezone_ = "UTC";
  std::string from_;
  int count_ = 5;
  std::string format_ = "text";
};

}  // namespace leadscan::cli
