#include "jobs/testing/scripted_lead_analyzer.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace leadscan::jobs::testing {
namespace {

// Cancel flags are plain atomics with no notifier, so a blocked call re-reads its flag at this
// real-time interval.
constexpr std::chrono::milliseconds kCancelPoll{1};

}  // namespace

ScriptedLeadAnalyzer::Answer ScriptedLeadAnalyzer::Ok(std::string platform) {
  Answer answer;
  detect::Finding finding;
  finding.name = platform;
  finding.slug = platform;
  std::transform(
      finding.slug.begin(), finding.slug.end(), finding.slug.begin(),
      [](unsigned char c) { return c == ' ' ? '-' : static_cast<char>(std::tolower(c)); });
  finding.group = detect::Group::kPlatform;
  finding.confidence = 100;
  answer.result.ecommerce_platform = finding;
  answer.result.technologies.push_back(finding);
  return answer;
}

ScriptedLeadAnalyzer::Answer ScriptedLeadAnalyzer::Fail(common::Status status) {
  Answer answer;
  answer.error = std::move(status);
  return answer;
}

ScriptedLeadAnalyzer::Answer ScriptedLeadAnalyzer::Throw() {
  Answer answer;
  answer.throws = true;
  return answer;
}

ScriptedLeadAnalyzer::Answer ScriptedLeadAnalyzer::Block(Answer then) {
  then.block = true;
  return then;
}

void ScriptedLeadAnalyzer::Script(const std::string& domain, std::vector<Answer> answers) {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_[domain] = std::move(answers);
}

void ScriptedLeadAnalyzer::SetDefault(Answer answer) {
  std::lock_guard<std::mutex> lock(mu_);
  default_ = std::move(answer);
}

common::Result<analysis::AnalysisResult> ScriptedLeadAnalyzer::Analyze(
    std::string_view target, analysis::AnalysisType type, const analysis::AnalysisConfig& config,
    std::shared_ptr<std::atomic<bool>> cancel) {
  const std::string domain(target);
  std::unique_lock<std::mutex> lock(mu_);
  const int call = calls_[domain]++;
  ++total_;
  last_config_ = config;
  Answer answer = default_;
  if (auto it = scripts_.find(domain); it != scripts_.end() && !it->second.empty()) {
    answer = it->second[std::min<size_t>(static_cast<size_t>(call), it->second.size() - 1)];
  }
  if (answer.throws)
    throw std::runtime_error("scripted analysis bug for " + domain);
  if (answer.block) {
    ++blocked_;
    const int domain_gen = released_[domain];
    const int all_gen = release_all_;
    bool was_cancelled = false;
    while (released_[domain] == domain_gen && release_all_ == all_gen) {
      if (cancel && cancel->load()) {
        was_cancelled = true;
        break;
      }
      cv_.wait_for(lock, kCancelPoll);
    }
    --blocked_;
    if (was_cancelled) {
      ++cancels_;
      return common::Status::Cancelled("analysis cancelled");
    }
  }
  if (answer.error)
    return *answer.error;
  analysis::AnalysisResult result = answer.result;
  if (result.domain.empty())
    result.domain = domain;
  result.final_url = "https://" + domain + "/";
  result.type = type;
  return result;
}

void ScriptedLeadAnalyzer::Release(const std::string& domain) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++released_[domain];
  }
  cv_.notify_all();
}

void ScriptedLeadAnalyzer::ReleaseAll() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++release_all_;
  }
  cv_.notify_all();
}

int ScriptedLeadAnalyzer::Calls(const std::string& domain) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = calls_.find(domain);
  return it == calls_.end() ? 0 : it->second;
}

int ScriptedLeadAnalyzer::TotalCalls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

int ScriptedLeadAnalyzer::Blocked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blocked_;
}

int ScriptedLeadAnalyzer::CancelsSeen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancels_;
}

analysis::AnalysisConfig ScriptedLeadAnalyzer::LastConfig() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_config_;
}

}  // namespace leadscan::jobs::testing
