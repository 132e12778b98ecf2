#include "cli/rules_command.h"

#include <iostream>

#include "cli/rules_location.h"
#include "detect/rules_check.h"

namespace leadscan::cli {

RulesCommand::RulesCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("rules", "Detection rules");
  app_->require_subcommand(1);
  check_ = app_->add_subcommand(
      "check", "Validate Wappalyzer-format rule files (default: our rules folder)");
  check_->add_option("paths", paths_, "Rule files or folders")->check(CLI::ExistingPath);
  check_->add_flag("--strict", strict_, "Treat warnings as errors");
}

int RulesCommand::Run() {
  std::vector<std::string> paths = paths_;
  if (paths.empty())
    paths.push_back(DefaultRulesDir());
  auto problems = detect::CheckRules(paths);
  int errors = 0;
  int warnings = 0;
  for (const auto& p : problems) {
    const bool error = p.severity == detect::RuleProblem::Severity::kError;
    (error ? errors : warnings)++;
    std::cout << (error ? "error: " : "") << p.ToString() << "\n";  // a warning says so itself
  }
  std::cout << errors << " errors, " << warnings << " warnings\n";
  return errors > 0 || (strict_ && warnings > 0) ? kExitSomeFailed : kExitOk;
}

}  // namespace leadscan::cli
