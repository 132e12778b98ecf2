// MeteredAnalyzer: a LeadAnalyzer that forwards to another and records what happened in a
// Metrics registry (analyses by type and outcome, failures and page errors by error code,
// durations). Both references must outlive it. Thread-safe.
#pragma once

#include "analysis/analyzer.h"
#include "common/clock.h"
#include "common/metrics.h"

namespace leadscan::analysis {

class MeteredAnalyzer final : public LeadAnalyzer {
 public:
  MeteredAnalyzer(LeadAnalyzer& inner, common::Metrics& metrics, common::Clock& clock);

  common::Result<AnalysisResult> Analyze(
      std::string_view target, AnalysisType type, const AnalysisConfig& config,
      std::shared_ptr<std::atomic<bool>> cancel = nullptr) override;

 private:
  LeadAnalyzer& inner_;
  common::Metrics& metrics_;
  common::Clock& clock_;
};

}  // namespace leadscan::analysis
