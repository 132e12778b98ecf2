// OutageStore: a test double that forwards every call to a real Store and, while it is set
// unreachable, fails every call at once with a retryable io_error (what PostgresStore answers
// while the server is down) without reaching the store behind it. It does not own the inner
// store, which must outlive it. Thread-safe.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace leadscan::store::testing {

class OutageStore final : public Store {
 public:
  explicit OutageStore(Store& inner) : inner_(inner) {}

  void SetReachable(bool reachable) { down_ = !reachable; }

  // Calls refused while unreachable.
  int64_t refused() const { return refused_; }

  std::string_view Dialect() const override { return inner_.Dialect(); }

  Result<std::vector<int>> Migrate() override {
    return Call([&] { return inner_.Migrate(); });
  }

  Result<std::vector<int>> AppliedMigrations() override {
    return Call([&] { return inner_.AppliedMigrations(); });
  }

  Status Ping() override {
    return Call([&] { return inner_.Ping(); });
  }

  Result<Organization> CreateOrganization(const std::string& name) override {
    return Call([&] { return inner_.CreateOrganization(name); });
  }

  Result<Organization> GetOrganization(const OrgId& org_id) override {
    return Call([&] { return inner_.GetOrganization(org_id); });
  }

  Result<Organization> FindOrganizationByName(const std::string& name) override {
    return Call([&] { return inner_.FindOrganizationByName(name); });
  }

  Result<ApiToken> CreateToken(const OrgId& org_id, const NewToken& token) override {
    return Call([&] { return inner_.CreateToken(org_id, token); });
  }

  Result<ApiToken> FindTokenByHash(const std::string& token_hash) override {
    return Call([&] { return inner_.FindTokenByHash(token_hash); });
  }

  Result<std::vector<ApiToken>> ListTokens(const OrgId& org_id) override {
    return Call([&] { return inner_.ListTokens(org_id); });
  }

  Status RevokeToken(const OrgId& org_id, const std::string& token_id) override {
    return Call([&] { return inner_.RevokeToken(org_id, token_id); });
  }

  Result<int64_t> CountTokens() override {
    return Call([&] { return inner_.CountTokens(); });
  }

  Result<Lead> CreateLead(const OrgId& org_id, const NewLead& lead) override {
    return Call([&] { return inner_.CreateLead(org_id, lead); });
  }

  Result<std::vector<Lead>> CreateLeads(const OrgId& org_id,
                                        const std::vector<NewLead>& leads) override {
    return Call([&] { return inner_.CreateLeads(org_id, leads); });
  }

  Result<Lead> GetLead(const OrgId& org_id, const std::string& lead_id) override {
    return Call([&] { return inner_.GetLead(org_id, lead_id); });
  }

  Result<std::vector<Lead>> GetLeads(const OrgId& org_id,
                                     const std::vector<std::string>& lead_ids) override {
    return Call([&] { return inner_.GetLeads(org_id, lead_ids); });
  }

  Result<Lead> UpdateLead(const OrgId& org_id, const std::string& lead_id,
                          const LeadPatch& patch) override {
    return Call([&] { return inner_.UpdateLead(org_id, lead_id, patch); });
  }

  Status DeleteLead(const OrgId& org_id, const std::string& lead_id) override {
    return Call([&] { return inner_.DeleteLead(org_id, lead_id); });
  }

  Result<Page<Lead>> ListLeads(const OrgId& org_id, const LeadFilter& filter) override {
    return Call([&] { return inner_.ListLeads(org_id, filter); });
  }

  Result<std::vector<UpsertedLead>> UpsertLeadsByDomain(
      const OrgId& org_id, const std::vector<NewLead>& leads) override {
    return Call([&] { return inner_.UpsertLeadsByDomain(org_id, leads); });
  }

  Status UpdateLeadFindings(const OrgId& org_id, const std::string& lead_id,
                            const LeadFindings& findings) override {
    return Call([&] { return inner_.UpdateLeadFindings(org_id, lead_id, findings); });
  }

  Result<JobCreated> CreateJob(const OrgId& org_id, const NewJob& job) override {
    return Call([&] { return inner_.CreateJob(org_id, job); });
  }

  Result<Job> GetJob(const OrgId& org_id, const std::string& job_id) override {
    return Call([&] { return inner_.GetJob(org_id, job_id); });
  }

  Result<Page<Job>> ListJobs(const OrgId& org_id, const JobFilter& filter) override {
    return Call([&] { return inner_.ListJobs(org_id, filter); });
  }

  Result<Job> UpdateJob(const OrgId& org_id, const std::string& job_id,
                        const JobPatch& patch) override {
    return Call([&] { return inner_.UpdateJob(org_id, job_id, patch); });
  }

  Status DeleteJob(const OrgId& org_id, const std::string& job_id) override {
    return Call([&] { return inner_.DeleteJob(org_id, job_id); });
  }

  Result<std::vector<std::string>> JobLeadIds(const OrgId& org_id,
                                              const std::string& job_id) override {
    return Call([&] { return inner_.JobLeadIds(org_id, job_id); });
  }

  Result<Job> TransitionJob(const OrgId& org_id, const std::string& job_id,
                            const std::vector<JobStatus>& from, JobStatus to,
                            const std::string& error_message) override {
    return Call([&] { return inner_.TransitionJob(org_id, job_id, from, to, error_message); });
  }

  Result<Job> CancelJob(const OrgId& org_id, const std::string& job_id) override {
    return Call([&] { return inner_.CancelJob(org_id, job_id); });
  }

  Result<Run> CreateRun(const OrgId& org_id, const std::string& job_id, RunTrigger trigger,
                        std::optional<TimePoint> scheduled_for) override {
    return Call([&] { return inner_.CreateRun(org_id, job_id, trigger, scheduled_for); });
  }

  Result<Run> RecordSkippedRun(const OrgId& org_id, const std::string& job_id,
                               TimePoint scheduled_for, const std::string& reason) override {
    return Call([&] { return inner_.RecordSkippedRun(org_id, job_id, scheduled_for, reason); });
  }

  Result<Page<Run>> ListRuns(const OrgId& org_id, const std::string& job_id, int64_t limit,
                             int64_t offset) override {
    return Call([&] { return inner_.ListRuns(org_id, job_id, limit, offset); });
  }

  Result<Run> GetRun(const OrgId& org_id, const std::string& run_id) override {
    return Call([&] { return inner_.GetRun(org_id, run_id); });
  }

  Result<Run> FinishRun(const std::string& run_id, RunStatus status,
                        const std::string& error_message) override {
    return Call([&] { return inner_.FinishRun(run_id, status, error_message); });
  }

  Result<std::vector<ClaimedItem>> ClaimItems(const ClaimRequest& request) override {
    return Call([&] { return inner_.ClaimItems(request); });
  }

  Status RenewLease(const std::string& item_id, const std::string& worker_id, int64_t lease_token,
                    std::chrono::milliseconds lease) override {
    return Call([&] { return inner_.RenewLease(item_id, worker_id, lease_token, lease); });
  }

  Result<ItemUpdate> CompleteItem(const ItemCompletion& completion) override {
    return Call([&] { return inner_.CompleteItem(completion); });
  }

  Result<std::vector<Result<ItemUpdate>>> CompleteItems(
      const std::vector<ItemCompletion>& completions) override {
    return Call([&] { return inner_.CompleteItems(completions); });
  }

  Result<ItemUpdate> FailItem(const ItemFailure& failure) override {
    return Call([&] { return inner_.FailItem(failure); });
  }

  Status RetryItem(const ItemRetry& retry) override {
    return Call([&] { return inner_.RetryItem(retry); });
  }

  Result<int64_t> ReleaseExpiredLeases(bool count_expiries = true) override {
    return Call([&] { return inner_.ReleaseExpiredLeases(count_expiries); });
  }

  Result<int64_t> ReleaseWorkerLeases(const std::string& worker_id) override {
    return Call([&] { return inner_.ReleaseWorkerLeases(worker_id); });
  }

  Result<Page<Item>> ListItems(const OrgId& org_id, const std::string& job_id,
                               const ItemFilter& filter) override {
    return Call([&] { return inner_.ListItems(org_id, job_id, filter); });
  }

  Result<Item> GetItem(const std::string& item_id) override {
    return Call([&] { return inner_.GetItem(item_id); });
  }

  Result<AnalysisRecord> RecordAnalysis(const OrgId& org_id, const AnalysisRecord& record,
                                        const LeadFindings& findings) override {
    return Call([&] { return inner_.RecordAnalysis(org_id, record, findings); });
  }

  Result<Page<AnalysisRecord>> ListAnalyses(const OrgId& org_id, const std::string& lead_id,
                                            int64_t limit, int64_t offset) override {
    return Call([&] { return inner_.ListAnalyses(org_id, lead_id, limit, offset); });
  }

  Result<std::vector<Job>> ListDueJobs(TimePoint now, int64_t limit) override {
    return Call([&] { return inner_.ListDueJobs(now, limit); });
  }

  Result<bool> ClaimOccurrence(const std::string& job_id, TimePoint expected,
                               std::optional<TimePoint> new_next) override {
    return Call([&] { return inner_.ClaimOccurrence(job_id, expected, new_next); });
  }

  Result<std::optional<Run>> FireOccurrence(const std::string& job_id, TimePoint occurrence,
                                            std::optional<TimePoint> new_next,
                                            const std::string& skip_reason) override {
    return Call([&] { return inner_.FireOccurrence(job_id, occurrence, new_next, skip_reason); });
  }

  Result<LeaderLease> AcquireLeaderLease(const std::string& name, const std::string& owner,
                                         std::chrono::milliseconds ttl) override {
    return Call([&] { return inner_.AcquireLeaderLease(name, owner, ttl); });
  }

  Status ReleaseLeaderLease(const std::string& name, const std::string& owner) override {
    return Call([&] { return inner_.ReleaseLeaderLease(name, owner); });
  }

  Result<std::vector<Job>> ListUpcomingJobs(const std::optional<OrgId>& org_id,
                                            int64_t limit) override {
    return Call([&] { return inner_.ListUpcomingJobs(org_id, limit); });
  }

  Result<ChangePage> ListChanges(const OrgId& org_id, const ChangeFilter& filter) override {
    return Call([&] { return inner_.ListChanges(org_id, filter); });
  }

  Result<LeadFindingHistory> GetFindingHistory(const OrgId& org_id,
                                               const std::string& lead_id) override {
    return Call([&] { return inner_.GetFindingHistory(org_id, lead_id); });
  }

  Result<std::vector<FindingPresence>> ListFindingPresence(
      const OrgId& org_id, const std::vector<std::string>& lead_ids) override {
    return Call([&] { return inner_.ListFindingPresence(org_id, lead_ids); });
  }

  Result<MarketSummary> Market(const OrgId& org_id, const LeadFilter& filter, int weeks,
                               int max_names) override {
    return Call([&] { return inner_.Market(org_id, filter, weeks, max_names); });
  }

  Result<std::optional<DomainSearchRow>> GetDomainSearch(const std::string& name_key,
                                                         const std::string& country,
                                                         TimePoint newer_than) override {
    return Call([&] { return inner_.GetDomainSearch(name_key, country, newer_than); });
  }

  Status PutDomainSearch(const std::string& name_key, const std::string& country,
                         const std::string& provider, const Json& result) override {
    return Call([&] { return inner_.PutDomainSearch(name_key, country, provider, result); });
  }

  Result<DomainSuggestion> SaveDomainSuggestion(const OrgId& org_id, const std::string& lead_id,
                                                const NewDomainSuggestion& suggestion) override {
    return Call([&] { return inner_.SaveDomainSuggestion(org_id, lead_id, suggestion); });
  }

  Result<std::optional<DomainSuggestion>> GetDomainSuggestion(const OrgId& org_id,
                                                              const std::string& lead_id) override {
    return Call([&] { return inner_.GetDomainSuggestion(org_id, lead_id); });
  }

  Result<std::vector<DomainSuggestion>> ListDomainSuggestions(
      const OrgId& org_id, const std::vector<std::string>& lead_ids) override {
    return Call([&] { return inner_.ListDomainSuggestions(org_id, lead_ids); });
  }

  Result<DomainSuggestion> DecideDomainSuggestion(const OrgId& org_id, const std::string& lead_id,
                                                  const std::optional<std::string>& domain,
                                                  const std::string& decided_by) override {
    return Call([&] { return inner_.DecideDomainSuggestion(org_id, lead_id, domain, decided_by); });
  }

  Result<Webhook> CreateWebhook(const OrgId& org_id, const NewWebhook& webhook,
                                int64_t max_per_org) override {
    return Call([&] { return inner_.CreateWebhook(org_id, webhook, max_per_org); });
  }

  Result<std::vector<Webhook>> ListWebhooks(const OrgId& org_id) override {
    return Call([&] { return inner_.ListWebhooks(org_id); });
  }

  Result<Webhook> GetWebhook(const OrgId& org_id, const std::string& webhook_id) override {
    return Call([&] { return inner_.GetWebhook(org_id, webhook_id); });
  }

  Status DeleteWebhook(const OrgId& org_id, const std::string& webhook_id) override {
    return Call([&] { return inner_.DeleteWebhook(org_id, webhook_id); });
  }

  Result<Page<WebhookDelivery>> ListWebhookDeliveries(const OrgId& org_id,
                                                      const std::string& webhook_id,
                                                      const DeliveryFilter& filter) override {
    return Call([&] { return inner_.ListWebhookDeliveries(org_id, webhook_id, filter); });
  }

  Result<std::vector<ClaimedDelivery>> ClaimWebhookDeliveries(
      const DeliveryClaimRequest& request) override {
    return Call([&] { return inner_.ClaimWebhookDeliveries(request); });
  }

  Status RecordDeliveryAttempt(const DeliveryOutcome& outcome) override {
    return Call([&] { return inner_.RecordDeliveryAttempt(outcome); });
  }

  Result<int64_t> CountPendingWebhookDeliveries() override {
    return Call([&] { return inner_.CountPendingWebhookDeliveries(); });
  }

  Result<int64_t> PruneWebhookDeliveries(TimePoint before) override {
    return Call([&] { return inner_.PruneWebhookDeliveries(before); });
  }

 private:
  template <typename F>
  auto Call(F&& f) -> decltype(f()) {
    if (down_) {
      ++refused_;
      return Status::Error(common::StatusCode::kIoError, "io_error",
                           "postgresql connect: the store is unreachable (test outage)", true);
    }
    return f();
  }

  Store& inner_;
  std::atomic<bool> down_{false};
  std::atomic<int64_t> refused_{0};
};

}  // namespace leadscan::store::testing
