// SqlStore: the Store logic written once over an SqlBackend (SQLite or PostgreSQL). Every
// operation is one read or one write transaction of the backend; the backend supplies
// connections, locking and the few dialect differences. Thread-safe as its backend is.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "store/sql_backend.h"
#include "store/store.h"

namespace leadscan::store {

// One embedded migration file (src/store/migrations/<dialect>/NNN_name.sql).
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Generated at build time from the .sql files, ascending by version.
const std::vector<Migration>& SqliteMigrations();
const std::vector<Migration>& PostgresMigrations();

class SqlStore : public Store {
 public:
  SqlStore(std::unique_ptr<SqlBackend> backend, const std::vector<Migration>& migrations,
           common::Clock* clock);

  std::string_view Dialect() const override { return backend_->Dialect(); }

  Result<std::vector<int>> Migrate() override;
  Result<std::vector<int>> AppliedMigrations() override;
  Status Ping() override;

  Result<Organization> CreateOrganization(const std::string& name) override;
  Result<Organization> GetOrganization(const OrgId& org_id) override;
  Result<Organization> FindOrganizationByName(const std::string& name) override;
  Result<ApiToken> CreateToken(const OrgId& org_id, const NewToken& token) override;
  Result<ApiToken> FindTokenByHash(const std::string& token_hash) override;
  Result<std::vector<ApiToken>> ListTokens(const OrgId& org_id) override;
  Status RevokeToken(const OrgId& org_id, const std::string& token_id) override;
  Result<int64_t> CountTokens() override;

  Result<Lead> CreateLead(const OrgId& org_id, const NewLead& lead) override;
  Result<std::vector<Lead>> CreateLeads(const OrgId& org_id,
                                        const std::vector<NewLead>& leads) override;
  Result<Lead> GetLead(const OrgId& org_id, const std::string& lead_id) override;
  Result<std::vector<Lead>> GetLeads(const OrgId& org_id,
                                     const std::vector<std::string>& lead_ids) override;
  Result<Lead> UpdateLead(const OrgId& org_id, const std::string& lead_id,
                          const LeadPatch& patch) override;
  Status DeleteLead(const OrgId& org_id, const std::string& lead_id) override;
  Result<Page<Lead>> ListLeads(const OrgId& org_id, const LeadFilter& filter) override;
  Result<std::vector<UpsertedLead>> UpsertLeadsByDomain(const OrgId& org_id,
                                                        const std::vector<NewLead>& leads) override;
  Status UpdateLeadFindings(const OrgId& org_id, const std::string& lead_id,
                            const LeadFindings& findings) override;

  Result<JobCreated> CreateJob(const OrgId& org_id, const NewJob& job) override;
  Result<Job> GetJob(const OrgId& org_id, const std::string& job_id) override;
  Result<Page<Job>> ListJobs(const OrgId& org_id, const JobFilter& filter) override;
  Result<Job> UpdateJob(const OrgId& org_id, const std::string& job_id,
                        const JobPatch& patch) override;
  Status DeleteJob(const OrgId& org_id, const std::string& job_id) override;
  Result<std::vector<std::string>> JobLeadIds(const OrgId& org_id,
                                              const std::string& job_id) override;
  Result<Job> TransitionJob(const OrgId& org_id, const std::string& job_id,
                            const std::vector<JobStatus>& from, JobStatus to,
                            const std::string& error_message) override;
  Result<Job> CancelJob(const OrgId& org_id, const std::string& job_id) override;

  Result<Run> CreateRun(const OrgId& org_id, const std::string& job_id, RunTrigger trigger,
                        std::optional<TimePoint> scheduled_for) override;
  Result<Run> RecordSkippedRun(const OrgId& org_id, const std::string& job_id,
                               TimePoint scheduled_for, const std::string& reason) override;
  Result<Page<Run>> ListRuns(const OrgId& org_id, const std::string& job_id, int64_t limit,
                             int64_t offset) override;
  Result<Run> GetRun(const OrgId& org_id, const std::string& run_id) override;
  Result<Run> FinishRun(const std::string& run_id, RunStatus status,
                        const std::string& error_message) override;

  Result<std::vector<ClaimedItem>> ClaimItems(const ClaimRequest& request) override;
  Status RenewLease(const std::string& item_id, const std::string& worker_id, int64_t lease_token,
                    std::chrono::milliseconds lease) override;
  Result<ItemUpdate> CompleteItem(const ItemCompletion& completion) override;
  Result<std::vector<Result<ItemUpdate>>> CompleteItems(
      const std::vector<ItemCompletion>& completions) override;
  Result<ItemUpdate> FailItem(const ItemFailure& failure) override;
  Status RetryItem(const ItemRetry& retry) override;
  Result<int64_t> ReleaseExpiredLeases(bool count_expiries = true) override;
  Result<int64_t> ReleaseWorkerLeases(const std::string& worker_id) override;
  Result<Page<Item>> ListItems(const OrgId& org_id, const std::string& job_id,
                               const ItemFilter& filter) override;
  Result<Item> GetItem(const std::string& item_id) override;

  Result<AnalysisRecord> RecordAnalysis(const OrgId& org_id, const AnalysisRecord& record,
                                        const LeadFindings& findings) override;
  Result<Page<AnalysisRecord>> ListAnalyses(const OrgId& org_id, const std::string& lead_id,
                                            int64_t limit, int64_t offset) override;
  Result<ChangePage> ListChanges(const OrgId& org_id, const ChangeFilter& filter) override;
  Result<LeadFindingHistory> GetFindingHistory(const OrgId& org_id,
                                               const std::string& lead_id) override;
  Result<std::vector<FindingPresence>> ListFindingPresence(
      const OrgId& org_id, const std::vector<std::string>& lead_ids) override;
  Result<MarketSummary> Market(const OrgId& org_id, const LeadFilter& filter, int weeks,
                               int max_names) override;

  Result<std::vector<Job>> ListDueJobs(TimePoint now, int64_t limit) override;
  Result<bool> ClaimOccurrence(const std::string& job_id, TimePoint expected,
                               std::optional<TimePoint> new_next) override;
  Result<std::optional<Run>> FireOccurrence(const std::string& job_id, TimePoint occurrence,
                                            std::optional<TimePoint> new_next,
                                            const std::string& skip_reason) override;
  Result<LeaderLease> AcquireLeaderLease(const std::string& name, const std::string& owner,
                                         std::chrono::milliseconds ttl) override;
  Status ReleaseLeaderLease(const std::string& name, const std::string& owner) override;
  Result<std::vector<Job>> ListUpcomingJobs(const std::optional<OrgId>& org_id,
                                            int64_t limit) override;

  // Domain search (sql_domain_search.cc).
  Result<std::optional<DomainSearchRow>> GetDomainSearch(const std::string& name_key,
                                                         const std::string& country,
                                                         TimePoint newer_than) override;
  Status PutDomainSearch(const std::string& name_key, const std::string& country,
                         const std::string& provider, const Json& result) override;
  Result<DomainSuggestion> SaveDomainSuggestion(const OrgId& org_id, const std::string& lead_id,
                                                const NewDomainSuggestion& suggestion) override;
  Result<std::optional<DomainSuggestion>> GetDomainSuggestion(const OrgId& org_id,
                                                              const std::string& lead_id) override;
  Result<std::vector<DomainSuggestion>> ListDomainSuggestions(
      const OrgId& org_id, const std::vector<std::string>& lead_ids) override;
  Result<DomainSuggestion> DecideDomainSuggestion(const OrgId& org_id, const std::string& lead_id,
                                                  const std::optional<std::string>& domain,
                                                  const std::string& decided_by) override;
  // Webhooks: sql_store_webhooks.cc.
  Result<Webhook> CreateWebhook(const OrgId& org_id, const NewWebhook& webhook,
                                int64_t max_per_org) override;
  Result<std::vector<Webhook>> ListWebhooks(const OrgId& org_id) override;
  Result<Webhook> GetWebhook(const OrgId& org_id, const std::string& webhook_id) override;
  Status DeleteWebhook(const OrgId& org_id, const std::string& webhook_id) override;
  Result<Page<WebhookDelivery>> ListWebhookDeliveries(const OrgId& org_id,
                                                      const std::string& webhook_id,
                                                      const DeliveryFilter& filter) override;
  Result<std::vector<ClaimedDelivery>> ClaimWebhookDeliveries(
      const DeliveryClaimRequest& request) override;
  Status RecordDeliveryAttempt(const DeliveryOutcome& outcome) override;
  Result<int64_t> CountPendingWebhookDeliveries() override;
  Result<int64_t> PruneWebhookDeliveries(TimePoint before) override;

  // For tests of the transaction guarantees: the backend this store runs on.
  SqlBackend& backend_for_testing() { return *backend_; }

 private:
  TimePoint Now() const;

  std::unique_ptr<SqlBackend> backend_;
  std::vector<Migration> migrations_;
  common::SystemClock system_clock_;
  common::Clock* clock_;
};

}  // namespace leadscan::store
