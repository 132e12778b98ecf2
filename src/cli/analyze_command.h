// `leadscan analyze`: analyse domains now (or saved pages) and print one result per input,
// with no database. Start-up object; Run() blocks until every input is done.
#pragma once

#include <string>
#include <vector>

#include "cli/command.h"
#include "fetch/fetch_options.h"

namespace leadscan::cli {

class AnalyzeCommand final : public Command {
 public:
  explicit AnalyzeCommand(CLI::App& parent);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  int RunSaved();

  CLI::App* app_;
  std::vector<std::string> inputs_;
  std::string type_ = "full_analysis";
  std::string format_ = "json";
  std::vector<std::string> rules_;
  std::vector<std::string> only_rules_;
  int64_t timeout_ms_ = 20000;
  int concurrency_ = 64;
  std::string html_file_;
  std::string url_;
  std::string headers_file_;
  std::string pages_list_;
  fetch::FetchOptions fetch_options_;
};

}  // namespace leadscan::cli
