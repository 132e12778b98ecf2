// `leadscan batch FILE.csv`: analyses every row of a lead CSV (company_name, domain) with the
// analysis flags of `analyze`, writes one result per row to stdout (JSON lines or CSV) and
// shows progress on stderr. No database. Start-up object; Run() blocks until every row is done.
#pragma once

#include <string>

#include "cli/command.h"
#include "cli/live_analysis.h"

namespace leadscan::cli {

class BatchCommand final : public Command {
 public:
  explicit BatchCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  CLI::App* app_;
  std::string file_;
  std::string format_ = "jsonl";
  std::string order_ = "input";
  std::string resume_;
  AnalysisFlags flags_;
};

}  // namespace leadscan::cli
