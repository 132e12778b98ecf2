// Store: the durable state of leadscan (organisations, tokens, leads, batch jobs, runs, items,
// analysis history) behind one abstract interface with no SQL dialect in it. Adapters:
// SqliteStore (default) and PostgresStore; OpenStore picks one from a URL. Every Store is
// thread-safe: any number of threads may call any method at once. Every call blocks on the
// database. Expected failures come back as Status / Result (see each method); the error codes
// used are not_found (missing or another organisation's object), conflict codes such as
// job_final / lease_lost / run_in_progress, invalid_argument and io_error.
//
// Conventions:
// - ids are lower-case UUID text made by the store.
// - JSON values (findings, analysis_config, results) are nlohmann::json.
// - Times are common::TimePoint, kept to the microsecond (UTC). Times the store stamps itself
//   (created_at, started_at, lease expiry, ...) come from the Clock given at open.
// - Object reads and writes that belong to an organisation take its org_id as an OrgId,
//   which cannot be empty (common/org_id.h), so an org-scoped query without an organisation
//   does not compile; an object of another organisation behaves exactly like a missing one
//   (NotFound). Ids read back in structs (Job::org_id, ...) stay text.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/org_id.h"
#include "common/result.h"
#include "common/status.h"
#include "store/lead_changes.h"

namespace leadscan::store {

using common::OrgId;
using common::Result;
using common::Status;
using common::TimePoint;
using Json = nlohmann::json;

// ---- enums and their stable text forms (the same words are stored in the database) ----

enum class Role { kAdmin, kMember };

enum class JobStatus {
  kPending,    // created, no run started yet
  kScheduled,  // scheduled job waiting for its next occurrence (between runs)
  kRunning,    // a run is in progress
  kCompleted,  // final (manual job): its run ended, at least one item completed or no items
  kFailed,     // final (manual job): every item failed, or the run was failed as a whole
  kCancelled,  // final: cancelled by a user; a cancelled scheduled job no longer fires
};

enum class RunStatus { kRunning, kCompleted, kFailed, kCancelled, kSkipped };

enum class RunTrigger { kManual, kScheduled, kApi };

enum class ItemStatus { kPending, kProcessing, kCompleted, kFailed, kCancelled };

const char* RoleName(Role role);  // "admin" | "member"
const char* JobStatusName(JobStatus status);
const char* RunStatusName(RunStatus status);
const char* RunTriggerName(RunTrigger trigger);
const char* ItemStatusName(ItemStatus status);
std::optional<Role> ParseRole(std::string_view text);
std::optional<JobStatus> ParseJobStatus(std::string_view text);
std::optional<RunStatus> ParseRunStatus(std::string_view text);
std::optional<RunTrigger> ParseRunTrigger(std::string_view text);
std::optional<ItemStatus> ParseItemStatus(std::string_view text);

// True for completed, failed, cancelled.
bool IsFinal(JobStatus status);
bool IsFinal(ItemStatus status);

// ---- plain data ----

struct Organization {
  std::string id;
  std::string name;
  TimePoint created_at;
};

struct ApiToken {
  std::string id;
  std::string org_id;
  Role role = Role::kMember;
  std::string name;        // free text label ("first admin", "ci")
  std::string token_hash;  // hex SHA-256 of the secret; the secret itself is never stored
  TimePoint created_at;
  std::optional<TimePoint> revoked_at;
};

struct NewToken {
  Role role = Role::kMember;
  std::string name;
  std::string token_hash;  // caller hashes (hex SHA-256)
};

// The latest findings of a lead, in the shapes of SPEC §6 (each a finding object or an array
// of them). ecommerce_platform is an object or null; the others are arrays.
struct LeadFindings {
  Json ecommerce_platform = nullptr;
  Json checkout_solutions = Json::array();
  Json payment_methods = Json::array();
  Json carriers = Json::array();
  Json shipping_software = Json::array();
  Json technologies = Json::array();
  std::optional<TimePoint> last_analyzed_at;  // set by the store when findings are written
};

struct Lead {
  std::string id;
  std::string org_id;
  std::string company_name;
  std::string domain;           // as given by the caller (normalised upstream); empty: none
  Json extra = Json::object();  // other columns a user imported (city, org number, ...)
  LeadFindings findings;
  TimePoint created_at;
  TimePoint updated_at;
};

struct NewLead {
  std::string company_name;
  std::string domain;
  Json extra = Json::object();
};

// Partial update: only the engaged fields change.
struct LeadPatch {
  std::optional<std::string> company_name;
  std::optional<std::string> domain;
  std::optional<Json> extra;
};

struct LeadFilter {
  std::string search;            // case-insensitive substring of company_name or domain; empty: all
  std::string platform;          // ecommerce_platform name or slug equals (case-insensitive)
  std::string checkout;          // some checkout_solutions element's name or slug equals
  std::string carrier;           // some carriers element's name or slug equals
  std::optional<bool> analysed;  // true: last_analyzed_at set; false: never analysed
  // Finding filters (issue 14). A name matches a finding's name in any field, A-Z
  // case-insensitive; every name of every list must hold (AND).
  std::vector<std::string> uses;      // a present finding has this name
  std::vector<std::string> not_uses;  // no present finding has this name
  std::vector<std::string> added;     // a change added a finding of this name (at/after since)
  std::vector<std::string> removed;   // a change removed a finding of this name (at/after since)
  std::optional<TimePoint> since;     // for added / removed; nullopt: all time
  int64_t limit = 50;
  int64_t offset = 0;
};

// One page of a listing: rows in order plus the total number of matches ignoring paging.
template <typename T>
struct Page {
  std::vector<T> rows;
  int64_t total = 0;
  int64_t limit = 0;
  int64_t offset = 0;
};

// Outcome of one row of an import upsert, in input order.
struct UpsertedLead {
  std::string id;
  bool created = false;  // false: an existing lead with that domain was updated
};

struct Job {
  std::string id;
  std::string org_id;
  std::string job_name;
  std::string job_type;  // tech_analysis | checkout_scraping | full_analysis | ... (validated
                         // by the caller; stored as given)
  JobStatus status = JobStatus::kPending;
  // Counters of the job's current (latest) run, changed in the same transaction as every item
  // change with the job row locked (increments; a full recount from the items whenever a run
  // ends or loses items), so they never drift. progress = successful + failed.
  int64_t progress = 0;
  int64_t total_leads = 0;
  int64_t successful_count = 0;
  int64_t failed_count = 0;
  Json analysis_config = Json::object();
  bool is_scheduled = false;
  std::string schedule_cron;  // empty when not scheduled
  std::string timezone;       // IANA name; "UTC" by default
  bool enabled = true;
  std::optional<TimePoint> next_run_at;
  std::optional<TimePoint> last_run_at;
  TimePoint created_at;
  std::string created_by;  // token id or user id; may be empty
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> completed_at;
  std::string error_message;
  std::string current_run_id;  // latest run; empty before the first run
};

struct NewJob {
  std::string job_name;
  std::string job_type;
  Json analysis_config = Json::object();
  bool is_scheduled = false;
  std::string schedule_cron;
  std::string timezone = "UTC";
  bool enabled = true;
  std::optional<TimePoint> next_run_at;  // scheduled jobs: first occurrence (caller computes)
  std::string created_by;
  std::vector<std::string> lead_ids;  // non-empty, unique, all of the job's organisation
};

struct JobFilter {
  std::optional<JobStatus> status;
  std::optional<bool> is_scheduled;
  int64_t limit = 50;
  int64_t offset = 0;
};

// Partial update of a job's editable fields.
struct JobPatch {
  std::optional<std::string> job_name;
  std::optional<std::string> schedule_cron;
  std::optional<std::string> timezone;
  std::optional<bool> enabled;
  std::optional<std::optional<TimePoint>> next_run_at;  // engaged nullopt clears it
  std::optional<Json> analysis_config;
};

struct Run {
  std::string id;
  std::string job_id;
  std::string org_id;
  RunTrigger trigger = RunTrigger::kManual;
  RunStatus status = RunStatus::kRunning;
  std::optional<TimePoint> scheduled_for;  // the cron occurrence it serves, if any
  TimePoint started_at;
  std::optional<TimePoint> completed_at;
  int64_t total_items = 0;
  int64_t successful_count = 0;
  int64_t failed_count = 0;
  std::string error_message;  // for skipped runs: why
};

struct Item {
  std::string id;
  std::string job_id;
  std::string run_id;
  std::string lead_id;
  std::string company_name;  // joined from the lead
  std::string domain;        // joined from the lead
  ItemStatus status = ItemStatus::kPending;
  int retry_count = 0;
  std::string error_code;
  std::string error_message;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> completed_at;
  std::optional<double> duration_seconds;
  std::string lease_owner;  // empty unless processing
  std::optional<TimePoint> lease_expires_at;
  // Fencing token: the item's claim generation, raised by every claim. A write of the item's
  // outcome must carry the token of the claim it was made under (docs/decisions/fencing.md).
  int64_t lease_token = 0;
  std::optional<TimePoint> not_before;  // retry backoff: not claimable before this
  Json result = nullptr;                // the analysis result once completed
  Json error_details = nullptr;         // a failure's details (domain_not_found: candidates)
};

struct ItemFilter {
  std::string run_id;  // empty: the job's current run
  std::optional<ItemStatus> status;
  bool include_result = false;  // also load each item's result JSON (exports)
  int64_t limit = 1000;
  int64_t offset = 0;
};

// An item handed to a worker with what it needs to analyse it.
struct ClaimedItem {
  Item item;
  std::string org_id;
  std::string job_type;
  Json analysis_config = Json::object();
};

struct ClaimRequest {
  std::string worker_id;
  int max_items = 1;
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
  std::string job_id;  // empty: any job
};

struct ItemCompletion {
  std::string item_id;
  std::string worker_id;    // must hold the lease
  int64_t lease_token = 0;  // Item::lease_token of the claim
  double duration_seconds = 0;
  Json result = nullptr;  // the full per-lead result (SPEC §6)
  LeadFindings findings;  // written as the lead's latest findings
};

// The poison-item rule: a lease that runs out this many times fails the item.
inline constexpr int kPoisonLeaseExpiries = 2;
inline constexpr std::string_view kPoisonItemErrorCode = "poison_item";

struct ItemFailure {
  std::string item_id;
  std::string worker_id;    // must hold the lease
  int64_t lease_token = 0;  // Item::lease_token of the claim
  std::string error_code;
  std::string error_message;
  double duration_seconds = 0;
  Json result = nullptr;         // partial result, if any
  Json error_details = nullptr;  // what the failure found (domain_not_found: the candidates)
};

struct ItemRetry {
  std::string item_id;
  std::string worker_id;    // must hold the lease
  int64_t lease_token = 0;  // Item::lease_token of the claim
  TimePoint not_before;     // backoff: claimable again from this time
  std::string error_code;
  std::string error_message;
};

// What an item transition did to its run and job (for events and logs).
struct ItemUpdate {
  std::string job_id;
  std::string run_id;
  bool run_finished = false;  // this change moved the last item of the run to a final state
  JobStatus job_status = JobStatus::kRunning;  // the job's status after the change
  int64_t successful_count = 0;
  int64_t failed_count = 0;
  int64_t total_leads = 0;
};

struct AnalysisRecord {
  std::string id;  // set by the store on insert
  std::string org_id;
  std::string lead_id;
  std::string job_id;  // empty for analyses outside a job
  std::string run_id;
  std::string item_id;
  std::string job_type;
  std::string domain;
  TimePoint analyzed_at;  // set by the store on insert
  Json result = nullptr;
};

// Who holds a named leader lease (e.g. the scheduler's) after an acquire attempt.
struct LeaderLease {
  bool held = false;  // the caller holds it now
  std::string owner;  // the holder (the caller when held)
  TimePoint acquired_at;
  TimePoint expires_at;  // the holder must renew before this; anyone may take it after
};

struct JobCreated {
  Job job;
  std::optional<Run> run;  // set for a manual job: its first run, created in the same transaction
};

// ---- domain search (issue 12: a lead's website found from its company name) ----

// One web search for a company, remembered per (normalised name, country) for every
// organisation (search answers are public; the key holds no organisation data).
struct DomainSearchRow {
  std::string name_key;
  std::string country;  // "" = none
  std::string provider;
  Json result = nullptr;  // the search with its candidates (search::DomainSearch::ToJson)
  TimePoint searched_at;  // set by the store on write
};

// What the user did with a lead's found domain.
inline constexpr std::string_view kSuggestionSuggested = "suggested";  // a domain was found
inline constexpr std::string_view kSuggestionNotFound = "not_found";   // none sure enough
inline constexpr std::string_view kSuggestionAccepted = "accepted";    // the lead took it
inline constexpr std::string_view kSuggestionCorrected = "corrected";  // the lead took another

struct NewDomainSuggestion {
  std::string domain;  // the found domain; "" when none reached the threshold (not_found)
  int confidence = 0;  // 0..100
  std::string source = "search";
  std::string provider;
  Json evidence = nullptr;  // the search with its candidates and why
};

struct DomainSuggestion {
  std::string lead_id;
  std::string org_id;
  std::string domain;
  int confidence = 0;
  std::string source;
  std::string provider;
  Json evidence = nullptr;
  std::string status;          // one of the kSuggestion* words
  std::string decided_domain;  // what the lead's domain was set to (accepted / corrected)
  std::string decided_by;      // token or user id; may be empty
  std::optional<TimePoint> decided_at;
  TimePoint created_at;
  TimePoint updated_at;
};

// ---- webhooks (docs/webhooks.md) ----

// The events a webhook may subscribe to. The store enqueues them itself, in the transaction of
// the change they report: job.completed when a run of a job ends (completed, failed or
// cancelled), lead.changed when an analysis changed a lead's findings.
inline constexpr std::string_view kWebhookEventJobCompleted = "job.completed";
inline constexpr std::string_view kWebhookEventLeadChanged = "lead.changed";

struct Webhook {
  std::string id;
  std::string org_id;
  std::string url;
  std::vector<std::string> events;  // names from the list above, in the order given
  std::string secret;               // the HMAC key; the API never shows it again
  TimePoint created_at;
  std::string created_by;  // token id or user id; may be empty
};

struct NewWebhook {
  std::string url;  // validated by the caller (scheme, address guard)
  std::vector<std::string> events;
  std::string secret;
  std::string created_by;
};

enum class DeliveryStatus { kPending, kDelivered, kFailed };

const char* DeliveryStatusName(DeliveryStatus status);  // "pending" | "delivered" | "failed"
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view text);

// One POST of a delivery, as the delivery log shows it.
struct DeliveryAttempt {
  int attempt = 0;  // 1 for the first
  TimePoint started_at;
  std::optional<int> status_code;  // the receiver's HTTP status; none when there was no answer
  std::string error;               // empty for a 2xx
  double duration_ms = 0;
};

// One event for one webhook: the outbox row and its delivery log.
struct WebhookDelivery {
  std::string id;  // X-Leadscan-Delivery: the same on every retry
  std::string webhook_id;
  std::string org_id;
  std::string event_id;  // the payload's "id": one per event, shared by every webhook
  std::string event;
  TimePoint event_created_at;
  Json data = nullptr;  // the payload's "data"
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;
  std::optional<TimePoint> next_attempt_at;  // pending only
  std::optional<TimePoint> last_attempt_at;
  std::optional<int> last_status_code;
  std::string last_error;
  std::optional<TimePoint> delivered_at;
  TimePoint created_at;
  int64_t lease_token = 0;                   // the claim generation (fencing, as for items)
  std::vector<DeliveryAttempt> attempt_log;  // oldest first (ListWebhookDeliveries only)
};

struct DeliveryFilter {
  std::optional<DeliveryStatus> status;
  int64_t limit = 50;
  int64_t offset = 0;
};

// A due delivery handed to a delivery worker with what it needs to send it.
struct ClaimedDelivery {
  WebhookDelivery delivery;
  std::string url;
  std::string secret;
};

struct DeliveryClaimRequest {
  std::string worker_id;
  int max_deliveries = 16;
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
};

// The outcome of one attempt of a claimed delivery.
struct DeliveryOutcome {
  std::string delivery_id;
  std::string worker_id;    // must hold the lease
  int64_t lease_token = 0;  // WebhookDelivery::lease_token of the claim
  bool delivered = false;   // the receiver answered 2xx
  std::optional<int> status_code;
  std::string error;  // why it failed (no secret in it)
  double duration_ms = 0;
  TimePoint started_at;
  // Not delivered: when to try again; nullopt gives the delivery up (status failed).
  std::optional<TimePoint> next_attempt_at;
};

// ---- the interface ----

class Store {
 public:
  virtual ~Store() = default;

  // Which adapter: "sqlite" or "postgresql".
  virtual std::string_view Dialect() const = 0;

  // Applies the migrations not yet in schema_migrations, all in one transaction under a
  // migration lock (safe when several processes start at once); a no-op when current. OpenStore
  // already calls it. Returns the versions applied now.
  virtual Result<std::vector<int>> Migrate() = 0;

  // Versions recorded in schema_migrations, ascending.
  virtual Result<std::vector<int>> AppliedMigrations() = 0;

  // One trivial read and one trivial write transaction: ok when the database answers both (for
  // /readyz; a store that can read but cannot start a write is not ready). Blocks at most as
  // long as a transaction can wait for a connection or the write lock.
  virtual Status Ping() = 0;

  // --- organisations and tokens ---
  virtual Result<Organization> CreateOrganization(const std::string& name) = 0;
  virtual Result<Organization> GetOrganization(const OrgId& org_id) = 0;
  // NotFound when no organisation has that exact name.
  virtual Result<Organization> FindOrganizationByName(const std::string& name) = 0;

  // token_hash must be unique (Conflict token_exists otherwise); org must exist (NotFound).
  virtual Result<ApiToken> CreateToken(const OrgId& org_id, const NewToken& token) = 0;
  // The live token with that hash; NotFound when unknown or revoked.
  virtual Result<ApiToken> FindTokenByHash(const std::string& token_hash) = 0;
  virtual Result<std::vector<ApiToken>> ListTokens(const OrgId& org_id) = 0;
  // NotFound when missing, of another org or already revoked.
  virtual Status RevokeToken(const OrgId& org_id, const std::string& token_id) = 0;
  // Live (not revoked) tokens of every organisation; 0 on a fresh database.
  virtual Result<int64_t> CountTokens() = 0;

  // --- leads ---
  virtual Result<Lead> CreateLead(const OrgId& org_id, const NewLead& lead) = 0;
  // All or nothing, in input order. Leads of one call get created_at one microsecond apart
  // in input order, so listings (newest first) are stable.
  virtual Result<std::vector<Lead>> CreateLeads(const OrgId& org_id,
                                                const std::vector<NewLead>& leads) = 0;
  virtual Result<Lead> GetLead(const OrgId& org_id, const std::string& lead_id) = 0;
  // The leads among `lead_ids` that exist in org_id (others are simply absent), in no
  // particular order. Ids that are not UUIDs are treated as missing.
  virtual Result<std::vector<Lead>> GetLeads(const OrgId& org_id,
                                             const std::vector<std::string>& lead_ids) = 0;
  virtual Result<Lead> UpdateLead(const OrgId& org_id, const std::string& lead_id,
                                  const LeadPatch& patch) = 0;
  // Deletes the lead, its history and its items in jobs (job lead lists shrink).
  virtual Status DeleteLead(const OrgId& org_id, const std::string& lead_id) = 0;
  // Newest first (created_at, then id).
  virtual Result<Page<Lead>> ListLeads(const OrgId& org_id, const LeadFilter& filter) = 0;
  // Import: rows with a domain update the org's oldest lead with that exact domain
  // (company_name, extra merged) or create one; rows without a domain are created. One
  // transaction; results in input order.
  virtual Result<std::vector<UpsertedLead>> UpsertLeadsByDomain(
      const OrgId& org_id, const std::vector<NewLead>& leads) = 0;
  // Replaces the lead's latest findings; last_analyzed_at = now.
  virtual Status UpdateLeadFindings(const OrgId& org_id, const std::string& lead_id,
                                    const LeadFindings& findings) = 0;

  // --- jobs ---
  // Verifies every lead id belongs to the org (NotFound naming the first that does not;
  // InvalidArgument duplicate_lead_id / empty_lead_ids). A manual job (is_scheduled false) is
  // created running with its first run and one pending item per lead in ONE transaction; a
  // scheduled job is created with status scheduled and no run.
  virtual Result<JobCreated> CreateJob(const OrgId& org_id, const NewJob& job) = 0;
  virtual Result<Job> GetJob(const OrgId& org_id, const std::string& job_id) = 0;
  // Newest first.
  virtual Result<Page<Job>> ListJobs(const OrgId& org_id, const JobFilter& filter) = 0;
  virtual Result<Job> UpdateJob(const OrgId& org_id, const std::string& job_id,
                                const JobPatch& patch) = 0;
  // Deletes the job with its runs, items and lead list (history rows keep no job id).
  virtual Status DeleteJob(const OrgId& org_id, const std::string& job_id) = 0;
  // The job's lead ids in the order given at creation.
  virtual Result<std::vector<std::string>> JobLeadIds(const OrgId& org_id,
                                                      const std::string& job_id) = 0;
  // Conditional transition: sets `to` only if the current status is in `from` (Conflict
  // job_status_conflict otherwise, naming the current status). Entering a final status stamps
  // completed_at; error_message is stored when non-empty.
  virtual Result<Job> TransitionJob(const OrgId& org_id, const std::string& job_id,
                                    const std::vector<JobStatus>& from, JobStatus to,
                                    const std::string& error_message = {}) = 0;
  // Cancels a job that is not final: the job and its running run become cancelled, its pending
  // and processing items cancelled (workers then get lease_lost). Conflict job_final when the
  // job is already completed, failed or cancelled.
  virtual Result<Job> CancelJob(const OrgId& org_id, const std::string& job_id) = 0;

  // --- runs ---
  // Starts a run of the job: a run row and one pending item per lead of the job, the job set
  // running with counters reset to the new run, last_run_at = now. Conflict run_in_progress
  // when the job has a running run; Conflict job_final when the job is cancelled; Conflict
  // occurrence_fired (checked first) when `scheduled_for` is set and the job already has a run
  // row (of any status, skipped included) for that due time: one run per (job, due time).
  virtual Result<Run> CreateRun(const OrgId& org_id, const std::string& job_id, RunTrigger trigger,
                                std::optional<TimePoint> scheduled_for = std::nullopt) = 0;
  // Records an occurrence that did not run (previous run still going): a run row with status
  // skipped, no items, error_message = reason. The job is not changed. Conflict
  // occurrence_fired as for CreateRun.
  virtual Result<Run> RecordSkippedRun(const OrgId& org_id, const std::string& job_id,
                                       TimePoint scheduled_for, const std::string& reason) = 0;
  // Newest first.
  virtual Result<Page<Run>> ListRuns(const OrgId& org_id, const std::string& job_id, int64_t limit,
                                     int64_t offset) = 0;
  virtual Result<Run> GetRun(const OrgId& org_id, const std::string& run_id) = 0;
  // Ends a running run as a whole (completed or failed): remaining pending/processing items
  // become cancelled (failed run: failed with error_code run_failed), the job leaves running
  // (scheduled job: back to scheduled; manual job: the same status as the run). Conflict
  // run_not_running when it is not running.
  virtual Result<Run> FinishRun(const std::string& run_id, RunStatus status,
                                const std::string& error_message = {}) = 0;

  // --- items (workers; not org-scoped: a worker serves every organisation) ---
  // Claims up to max_items pending items whose job and run are running and whose not_before
  // has passed, oldest first; marks them processing with lease_owner = worker_id,
  // lease_expires_at = now + lease and a new lease_token (the claim generation + 1). Never hands
  // one item to two callers. Empty when none.
  virtual Result<std::vector<ClaimedItem>> ClaimItems(const ClaimRequest& request) = 0;
  // Extends the lease to now + lease. Conflict lease_lost when the item is no longer
  // processing under worker_id with this lease_token (cancelled, expired and released, claimed
  // again, ...): the write is refused and changes nothing.
  virtual Status RenewLease(const std::string& item_id, const std::string& worker_id,
                            int64_t lease_token, std::chrono::milliseconds lease) = 0;
  // One transaction: item completed with result and duration, the lead's latest findings, a
  // row in analysis_results, the counters; finishes the run when it was its last open item.
  // Conflict lease_lost as for RenewLease.
  virtual Result<ItemUpdate> CompleteItem(const ItemCompletion& completion) = 0;
  // Several completions in ONE transaction (the batch runner's group commit): each item as
  // CompleteItem writes it, each run's counters changed once. One entry per completion, in
  // order: its ItemUpdate (run_finished only on the entry that finished the run), or that
  // item's own lease_lost / not_found, which leaves the others to be written. Any other error
  // rolls the whole batch back and is the outer Status.
  virtual Result<std::vector<Result<ItemUpdate>>> CompleteItems(
      const std::vector<ItemCompletion>& completions) = 0;
  // Final failure with a stable error code; same transaction rules as CompleteItem (no
  // findings or history row).
  virtual Result<ItemUpdate> FailItem(const ItemFailure& failure) = 0;
  // Back to pending for another attempt: retry_count + 1, not_before, last error kept, lease
  // cleared. Conflict lease_lost as for RenewLease.
  virtual Status RetryItem(const ItemRetry& retry) = 0;
  // Returns processing items whose lease expired before now to pending (crash recovery) and
  // counts the expiry on the item; an item whose lease expires for the kPoisonLeaseExpiries-th
  // time is failed with kPoisonItemErrorCode instead (its analysis took processes down).
  // count_expiries = false releases them without counting and fails none: the caller could
  // not reach the store a short while ago, so the holders may be alive and have been cut off
  // as it was (BatchRunner decides; docs/operations.md). Returns how many items were released
  // or failed.
  virtual Result<int64_t> ReleaseExpiredLeases(bool count_expiries = true) = 0;
  // Gives back this worker's processing items at once (graceful shutdown). Returns how many.
  virtual Result<int64_t> ReleaseWorkerLeases(const std::string& worker_id) = 0;
  // Items of a job (see ItemFilter), in creation order, with company_name and domain.
  virtual Result<Page<Item>> ListItems(const OrgId& org_id, const std::string& job_id,
                                       const ItemFilter& filter) = 0;
  virtual Result<Item> GetItem(const std::string& item_id) = 0;

  // --- analysis history ---
  // Inserts a history row and writes `findings` as the lead's latest, in one transaction
  // (analyses outside jobs, e.g. single-domain analysis of a lead). Returns the stored record.
  // record.org_id is ignored: the row belongs to org_id.
  virtual Result<AnalysisRecord> RecordAnalysis(const OrgId& org_id, const AnalysisRecord& record,
                                                const LeadFindings& findings) = 0;
  // A lead's analyses, newest first, with job and run ids.
  virtual Result<Page<AnalysisRecord>> ListAnalyses(const OrgId& org_id, const std::string& lead_id,
                                                    int64_t limit, int64_t offset) = 0;

  // --- finding history and changes (issue 14) ---
  // CompleteItem, CompleteItems and RecordAnalysis write, in their transaction, the lead's
  // finding presence and one change row per finding added or removed, as
  // history::DiffFindings decides from the lead's prior state and the analysis's result
  // (docs/decisions/finding-changes.md), and hand the changes to OnLeadChangedTx.
  //
  // The org's changes, newest first (detected_at, then id, descending), keyset-paged:
  // page.next is set when the page is full. NotFound (field lead_id) when filter.lead_id is not
  // a lead of the org.
  virtual Result<ChangePage> ListChanges(const OrgId& org_id, const ChangeFilter& filter) = 0;
  // Every finding the lead has had, with first / last seen. NotFound for a missing lead.
  virtual Result<LeadFindingHistory> GetFindingHistory(const OrgId& org_id,
                                                       const std::string& lead_id) = 0;
  // The presence rows of the org's leads among lead_ids (others absent), in no order.
  virtual Result<std::vector<FindingPresence>> ListFindingPresence(
      const OrgId& org_id, const std::vector<std::string>& lead_ids) = 0;
  // Shares, weekly timeline and switches over the leads `filter` selects (its limit and
  // offset are ignored). The timeline and switches cover `weeks` weeks: from the Monday
  // (00:00 UTC) weeks - 1 weeks before the current week's, by the store's clock; weeks >= 1.
  // Shares list at most `max_names` names per field.
  virtual Result<MarketSummary> Market(const OrgId& org_id, const LeadFilter& filter, int weeks,
                                       int max_names) = 0;

  // --- scheduler (every organisation) ---
  // Enabled, not cancelled scheduled jobs with next_run_at <= now, earliest first.
  virtual Result<std::vector<Job>> ListDueJobs(TimePoint now, int64_t limit) = 0;
  // ONE conditional update: next_run_at = new_next WHERE id = job_id AND next_run_at =
  // expected. True when this caller won the occurrence; false when another node (or an edit)
  // moved it first.
  virtual Result<bool> ClaimOccurrence(const std::string& job_id, TimePoint expected,
                                       std::optional<TimePoint> new_next) = 0;
  // The scheduler's firing of one due time, in ONE transaction (so a process killed halfway
  // neither loses nor doubles it): when the job's next_run_at still equals `occurrence`, moves
  // it to `new_next` and starts a scheduled run for `occurrence` (as CreateRun) or, when the
  // job has a running run, records a skipped run with `skip_reason` (as RecordSkippedRun).
  // nullopt when another scheduler or an edit moved next_run_at first, when the job is
  // cancelled, or when the due time already has a run (then next_run_at still moves on).
  // NotFound for a missing job.
  virtual Result<std::optional<Run>> FireOccurrence(const std::string& job_id, TimePoint occurrence,
                                                    std::optional<TimePoint> new_next,
                                                    const std::string& skip_reason) = 0;
  // Takes or renews the leader lease `name` for `owner` until now + ttl, in one conditional
  // write: it succeeds when nobody holds the lease, the caller holds it, or the holder's lease
  // has expired (expires_at < now). Otherwise returns held = false with the current holder.
  // Times come from the store's Clock, so the processes' clocks must roughly agree.
  virtual Result<LeaderLease> AcquireLeaderLease(const std::string& name, const std::string& owner,
                                                 std::chrono::milliseconds ttl) = 0;
  // Gives the lease up at once when `owner` holds it (graceful shutdown); ok otherwise too.
  virtual Status ReleaseLeaderLease(const std::string& name, const std::string& owner) = 0;
  // Enabled, not cancelled scheduled jobs with a next_run_at, earliest first; org_id nullopt:
  // every organisation (the scheduler's view), by an explicit argument, never by an empty id.
  virtual Result<std::vector<Job>> ListUpcomingJobs(const std::optional<OrgId>& org_id,
                                                    int64_t limit) = 0;

  // --- domain search (issue 12) ---
  // The search stored for (name_key, country) whose searched_at is at or after `newer_than`,
  // or nullopt.
  virtual Result<std::optional<DomainSearchRow>> GetDomainSearch(const std::string& name_key,
                                                                 const std::string& country,
                                                                 TimePoint newer_than) = 0;
  // Stores the search for (name_key, country), replacing an older one; searched_at = now.
  // InvalidArgument invalid_domain_search for an empty name_key.
  virtual Status PutDomainSearch(const std::string& name_key, const std::string& country,
                                 const std::string& provider, const Json& result) = 0;
  // Records what a search found for a lead (status suggested, or not_found when
  // suggestion.domain is empty), replacing the lead's previous suggestion. NotFound for a
  // missing lead or one of another organisation.
  virtual Result<DomainSuggestion> SaveDomainSuggestion(const OrgId& org_id,
                                                        const std::string& lead_id,
                                                        const NewDomainSuggestion& suggestion) = 0;
  // The lead's suggestion, or nullopt when it has none (NotFound for a missing lead).
  virtual Result<std::optional<DomainSuggestion>> GetDomainSuggestion(
      const OrgId& org_id, const std::string& lead_id) = 0;
  // The suggestions of those of `lead_ids` that have one (others are simply absent).
  virtual Result<std::vector<DomainSuggestion>> ListDomainSuggestions(
      const OrgId& org_id, const std::vector<std::string>& lead_ids) = 0;
  // The user's decision, in one transaction: `domain` nullopt accepts the suggested domain
  // (Conflict no_domain_suggestion when the search found none), a value corrects it (the
  // caller has normalised it); the lead's domain is set, the suggestion marked accepted or
  // corrected with decided_by and now. NotFound for a missing lead or one without a
  // suggestion. Returns the suggestion as stored.
  virtual Result<DomainSuggestion> DecideDomainSuggestion(const OrgId& org_id,
                                                          const std::string& lead_id,
                                                          const std::optional<std::string>& domain,
                                                          const std::string& decided_by) = 0;
  // --- webhooks (org-scoped, except the delivery workers' calls) ---
  // The org must exist (NotFound). Conflict too_many_webhooks when the org already has
  // `max_per_org`.
  virtual Result<Webhook> CreateWebhook(const OrgId& org_id, const NewWebhook& webhook,
                                        int64_t max_per_org) = 0;
  // Oldest first.
  virtual Result<std::vector<Webhook>> ListWebhooks(const OrgId& org_id) = 0;
  virtual Result<Webhook> GetWebhook(const OrgId& org_id, const std::string& webhook_id) = 0;
  // Deletes the webhook with its deliveries (pending ones are never sent). NotFound when
  // missing or another organisation's.
  virtual Status DeleteWebhook(const OrgId& org_id, const std::string& webhook_id) = 0;
  // The webhook's deliveries, newest first, each with its attempt log. NotFound for the
  // webhook as GetWebhook.
  virtual Result<Page<WebhookDelivery>> ListWebhookDeliveries(const OrgId& org_id,
                                                              const std::string& webhook_id,
                                                              const DeliveryFilter& filter) = 0;
  // Claims up to max_deliveries pending deliveries whose next_attempt_at has passed and whose
  // lease (if any) has run out, oldest due first: lease_owner = worker_id, lease_expires_at =
  // now + lease, a new lease_token. Never hands one delivery to two callers while its lease
  // runs (PostgreSQL: FOR UPDATE SKIP LOCKED). Every organisation. Empty when none.
  virtual Result<std::vector<ClaimedDelivery>> ClaimWebhookDeliveries(
      const DeliveryClaimRequest& request) = 0;
  // Records one attempt in the delivery log and moves the delivery on: delivered, pending
  // again at next_attempt_at, or failed (given up). Conflict lease_lost when the delivery is
  // no longer pending under worker_id with this lease_token (the write changes nothing);
  // NotFound when the delivery is gone (its webhook was deleted).
  virtual Status RecordDeliveryAttempt(const DeliveryOutcome& outcome) = 0;
  // Pending deliveries of every organisation (for the metrics gauge).
  virtual Result<int64_t> CountPendingWebhookDeliveries() = 0;
  // Deletes delivered and failed deliveries created before `before` (the log's retention).
  // Returns how many.
  virtual Result<int64_t> PruneWebhookDeliveries(TimePoint before) = 0;
};

struct StoreOptions {
  common::Clock* clock = nullptr;  // nullptr: the system clock. Must outlive the store.
  bool migrate = true;             // apply migrations at open
  int pool_size = 4;               // reader connections (SQLite file) / connections (PostgreSQL)
  std::chrono::milliseconds busy_timeout{std::chrono::seconds(10)};
};

// Opens a store from a URL: "sqlite:///abs/path/file.db", "sqlite://relative/path.db",
// "sqlite::memory:" (a private in-memory database, for tests) or "postgresql://..." /
// "postgres://..." (libpq URI). Creates the SQLite file's parent directory. Fails with
// invalid_store_url for other schemes, io_error when the database cannot be opened or a
// migration fails.
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options = {});

// Backs up the database of a store URL into the new file `out_path` while it may be in use
// (SqliteStore::Backup). SQLite only: a PostgreSQL URL fails with backup_unsupported (pg_dump
// is the tool there), an in-memory or malformed URL with invalid_store_url. Blocks.
Status BackupStore(const std::string& url, const std::string& out_path);

// Time helpers shared by the adapters (and handy for callers): ISO 8601 UTC with microseconds,
// "2025-12-18T22:00:00.000000Z"; the parser accepts seconds-only and any fraction, 'Z', "+00",
// "+00:00", and a space instead of 'T'.
std::string FormatTime(TimePoint t);
std::optional<TimePoint> ParseTime(std::string_view text);
// Truncates to the store's precision (microseconds).
TimePoint TruncateTime(TimePoint t);

}  // namespace leadscan::store
