// `leadscan rules check PATH...`: validates rule files and names the file, technology and
// pattern of every problem. Exit 0 when clean (warnings allowed), 1 on errors.
#pragma once

#include <string>
#include <vector>

#include "cli/command.h"

namespace leadscan::cli {

class RulesCommand final : public Command {
 public:
  explicit RulesCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  CLI::App* app_;
  CLI::App* check_;
  std::vector<std::string> paths_;
  bool strict_ = false;
};

}  // namespace leadscan::cli
