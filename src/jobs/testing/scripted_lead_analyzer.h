// ScriptedLeadAnalyzer: a LeadAnalyzer test double. Each domain has a script of answers used in
// order (the last one repeats); an answer is a result, an error Status, or "block until the
// test releases it or the cancel flag is set". Records every call. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analyzer.h"
#include "common/status.h"

namespace leadscan::jobs::testing {

class ScriptedLeadAnalyzer final : public analysis::LeadAnalyzer {
 public:
  struct Answer {
    std::optional<common::Status> error;  // nullopt: success with `result`
    analysis::AnalysisResult result;      // domain filled in from the call when empty
    // Wait first until Release(domain) / ReleaseAll() or the cancel flag (then `cancelled`).
    bool block = false;
    bool throws = false;  // throw std::runtime_error (a bug in the analysis) instead of answering
  };

  static Answer Ok(std::string platform = "WooCommerce");
  static Answer Fail(common::Status status);
  static Answer Block(Answer then);
  static Answer Throw();

  // Replaces the script of `domain` (as the runner passes it, i.e. the lead's domain).
  void Script(const std::string& domain, std::vector<Answer> answers);

  // The answer for domains without a script (default: Ok()).
  void SetDefault(Answer answer);

  common::Result<analysis::AnalysisResult> Analyze(
      std::string_view target, analysis::AnalysisType type, const analysis::AnalysisConfig& config,
      std::shared_ptr<std::atomic<bool>> cancel = nullptr) override;

  // Lets blocked calls of `domain` (all domains) go on.
  void Release(const std::string& domain);

  void ReleaseAll();

  int Calls(const std::string& domain) const;

  int TotalCalls() const;

  // Calls that are blocked right now.
  int Blocked() const;

  // Times cancel was seen set while blocked.
  int CancelsSeen() const;

  // The config of the most recent call.
  analysis::AnalysisConfig LastConfig() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<Answer>> scripts_;
  std::map<std::string, int> calls_;
  std::map<std::string, int> released_;  // release generation per domain
  int release_all_ = 0;
  int total_ = 0;
  int blocked_ = 0;
  int cancels_ = 0;
  Answer default_ = Ok();
  analysis::AnalysisConfig last_config_;
};

}  // namespace leadscan::jobs::testing
