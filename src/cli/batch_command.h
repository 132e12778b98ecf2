// `leadscan batch FILE.csv`: analyses every row of a lead CSV (company_name, domain) with the
// analysis flags of `analyze`, writes one result per row to stdout (JSON lines or CSV) and
// shows progress on stderr. With a web-search provider configured, a row without a domain gets
// one found from its company name first (as in jobs). No database. Start-up object; Run() blocks
// until every row is done.
#pragma once

#include <string>

#include "cli/command.h"
#include "cli/live_analysis.h"
#include "cli/search_flags.h"

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
  SearchFlags search_;  // a provider set: rows without a domain get one found by web search
};

}  // namespace leadscan::cli
