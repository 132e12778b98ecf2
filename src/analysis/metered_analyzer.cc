#include "analysis/metered_analyzer.h"

namespace leadscan::analysis {
namespace {

constexpr char kAnalyses[] = "leadscan_analyses_total";
constexpr char kErrors[] = "leadscan_analysis_errors_total";
constexpr char kDuration[] = "leadscan_analysis_duration_seconds";
constexpr char kPages[] = "leadscan_pages_fetched_total";

}  // namespace

MeteredAnalyzer::MeteredAnalyzer(LeadAnalyzer& inner, common::Metrics& metrics,
                                 common::Clock& clock)
    : inner_(inner), metrics_(metrics), clock_(clock) {
  metrics_.DefineCounter(kAnalyses, "Lead analyses by analysis type and outcome (ok, error)");
  metrics_.DefineCounter(
      kErrors, "Failed leads, failed secondary pages and analysis notes by stable error code");
  metrics_.DefineHistogram(kDuration, "Wall time of one lead's analysis",
                           common::Metrics::DefaultLatencyBuckets());
  metrics_.DefineCounter(kPages, "Pages fetched for analyses");
}

common::Result<AnalysisResult> MeteredAnalyzer::Analyze(std::string_view target, AnalysisType type,
                                                        const AnalysisConfig& config,
                                                        std::shared_ptr<std::atomic<bool>> cancel) {
  const common::TimePoint start = clock_.Now();
  auto result = inner_.Analyze(target, type, config, std::move(cancel));
  const std::string type_name(AnalysisTypeName(type));
  metrics_.Observe(kDuration, {{"type", type_name}},
                   std::chrono::duration<double>(clock_.Now() - start).count());
  if (!result.ok()) {
    metrics_.Increment(kAnalyses, {{"type", type_name}, {"outcome", "error"}});
    metrics_.Increment(kErrors, {{"code", result.status().error_code()}});
    return result;
  }
  metrics_.Increment(kAnalyses, {{"type", type_name}, {"outcome", "ok"}});
  metrics_.Increment(kPages, {}, static_cast<double>(result->pages.size()));
  for (const auto& e : result->errors)
    metrics_.Increment(kErrors, {{"code", e.code}});
  return result;
}

}  // namespace leadscan::analysis
