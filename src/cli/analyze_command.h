// `leadscan analyze`: analyse domains now (or saved pages) and print one result per input,
// with no database. Start-up object; Run() blocks until every input is done.
#pragma once

#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/live_analysis.h"
#include "cli/ordered_runner.h"

namespace leadscan::cli {

class AnalyzeCommand final : public Command {
 public:
  explicit AnalyzeCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  int RunSaved();
  int RunAll(size_t count, const OrderedRunner::WorkFn& work);

  CLI::App* app_;
  std::vector<std::string> inputs_;
  std::string format_ = "json";
  std::string html_file_;
  std::string url_;
  std::string headers_file_;
  std::string pages_list_;
  AnalysisFlags flags_;
};

}  // namespace leadscan::cli
