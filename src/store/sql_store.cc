#include "store/sql_store.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "common/json_parse.h"
#include "common/uuid.h"
#include "store/sql_finding_history.h"
#include "store/webhook_outbox.h"

namespace leadscan::store {
namespace {

using common::NewUuid;

bool IsUuid(std::string_view text) {
  return common::IsUuid(text);
}

bool IsUuid(const OrgId& org_id) {
  return common::IsUuid(org_id.str());
}

// Rows per multi-row INSERT and ids per IN list: well under SQLite's and libpq's limits.
constexpr size_t kChunk = 200;

SqlParam T(std::string v) {
  return SqlParam::Text(std::move(v));
}

SqlParam T(const OrgId& org_id) {
  return T(org_id.str());
}

SqlParam I(int64_t v) {
  return SqlParam::Int(v);
}

SqlParam B(bool v) {
  return SqlParam::Bool(v);
}

SqlParam Tm(TimePoint t) {
  return SqlParam::Text(FormatTime(t));
}

SqlParam Tm(const std::optional<TimePoint>& t) {
  return t ? SqlParam::Text(FormatTime(*t)) : SqlParam::Null();
}

SqlParam OptText(const std::string& v) {
  return v.empty() ? SqlParam::Null() : T(v);
}

// Serialised JSON for a column. Strings that are not valid UTF-8 (from a site, a file, a client)
// get U+FFFD for each bad byte instead of making dump() throw inside a transaction.
std::string JsonText(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

SqlParam J(const Json& j) {
  return j.is_null() ? SqlParam::Null() : T(JsonText(j));
}

// A lower-cased LIKE pattern matching `s` anywhere; % _ and \ escaped (ESCAPE '\').
std::string ContainsPattern(const std::string& s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\')
      out.push_back('\\');
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  out.push_back('%');
  return out;
}

std::string Lower(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += i ? ",?" : "?";
  return out;
}

// Read access to one result row by column name.
class Row {
 public:
  Row(const SqlRows& rows, size_t i, const std::unordered_map<std::string, size_t>& index)
      : rows_(rows), i_(i), index_(index) {}

  const std::optional<std::string>& Get(const std::string& name) const {
    static const std::optional<std::string> kNull;
    auto it = index_.find(name);
    if (it == index_.end())
      return kNull;
    return rows_.rows[i_][it->second];
  }

  std::string Str(const std::string& name) const {
    const auto& v = Get(name);
    return v ? *v : std::string();
  }

  int64_t Int(const std::string& name) const {
    const auto& v = Get(name);
    if (!v || v->empty())
      return 0;
    return std::stoll(*v);
  }

  std::optional<double> Real(const std::string& name) const {
    const auto& v = Get(name);
    if (!v || v->empty())
      return std::nullopt;
    return std::stod(*v);
  }

  bool Bool(const std::string& name) const {
    const auto& v = Get(name);
    return v && (*v == "1" || *v == "t" || *v == "true");
  }

  std::optional<TimePoint> OptTime(const std::string& name) const {
    const auto& v = Get(name);
    if (!v)
      return std::nullopt;
    return ParseTime(*v);
  }

  TimePoint Time(const std::string& name) const { return OptTime(name).value_or(TimePoint{}); }

  Json JsonOr(const std::string& name, Json fallback) const {
    const auto& v = Get(name);
    if (!v)
      return fallback;
    // Rows written before the depth limit existed must not blow the stack on the way out.
    if (!common::CheckJsonDepth(*v).ok())
      return fallback;
    Json j = Json::parse(*v, nullptr, /*allow_exceptions=*/false);
    return j.is_discarded() ? fallback : j;
  }

 private:
  const SqlRows& rows_;
  size_t i_;
  const std::unordered_map<std::string, size_t>& index_;
};

template <typename T, typename F>
std::vector<T> MapRows(const SqlRows& rows, F f) {
  std::unordered_map<std::string, size_t> index;
  for (size_t c = 0; c < rows.columns.size(); ++c)
    index[rows.columns[c]] = c;
  std::vector<T> out;
  out.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)
    out.push_back(f(Row(rows, i, index)));
  return out;
}

const char* kOrgCols = "id, name, created_at";
const char* kTokenCols = "id, org_id, role, name, token_hash, created_at, revoked_at";
const char* kLeadCols =
    "l.id, l.org_id, l.company_name, l.domain, l.extra, l.ecommerce_platform, "
    "l.checkout_solutions, l.payment_methods, l.carriers, l.shipping_software, l.technologies, "
    "l.last_analyzed_at, l.created_at, l.updated_at";
const char* kJobCols =
    "j.id, j.org_id, j.job_name, j.job_type, j.status, j.progress, j.total_leads, "
    "j.successful_count, j.failed_count, j.analysis_config, j.is_scheduled, j.schedule_cron, "
    "j.next_run_at, j.last_run_at, j.created_at, j.created_by, j.timezone, j.enabled, "
    "j.started_at, j.completed_at, j.error_message, j.current_run_id";
const char* kRunCols =
    "r.id, r.job_id, r.org_id, r.trigger_type, r.status, r.scheduled_for, r.started_at, "
    "r.completed_at, r.total_items, r.successful_count, r.failed_count, r.error_message";
const char* kItemCols =
    "i.id, i.job_id, i.run_id, i.lead_id, l.company_name AS company_name, l.domain AS domain, "
    "i.status, i.retry_count, i.error_code, i.error_message, i.started_at, i.completed_at, "
    "i.duration_seconds, i.lease_owner, i.lease_expires_at, i.lease_token, i.not_before, "
    "i.error_details";
const char* kAnalysisCols =
    "a.id, a.org_id, a.lead_id, a.job_id, a.run_id, a.item_id, a.job_type, a.domain, "
    "a.analyzed_at, a.result";

Organization ToOrg(const Row& r) {
  return {r.Str("id"), r.Str("name"), r.Time("created_at")};
}

ApiToken ToToken(const Row& r) {
  ApiToken t;
  t.id = r.Str("id");
  t.org_id = r.Str("org_id");
  t.role = ParseRole(r.Str("role")).value_or(Role::kMember);
  t.name = r.Str("name");
  t.token_hash = r.Str("token_hash");
  t.created_at = r.Time("created_at");
  t.revoked_at = r.OptTime("revoked_at");
  return t;
}

Lead ToLead(const Row& r) {
  Lead l;
  l.id = r.Str("id");
  l.org_id = r.Str("org_id");
  l.company_name = r.Str("company_name");
  l.domain = r.Str("domain");
  l.extra = r.JsonOr("extra", Json::object());
  l.findings.ecommerce_platform = r.JsonOr("ecommerce_platform", nullptr);
  l.findings.checkout_solutions = r.JsonOr("checkout_solutions", Json::array());
  l.findings.payment_methods = r.JsonOr("payment_methods", Json::array());
  l.findings.carriers = r.JsonOr("carriers", Json::array());
  l.findings.shipping_software = r.JsonOr("shipping_software", Json::array());
  l.findings.technologies = r.JsonOr("technologies", Json::array());
  l.findings.last_analyzed_at = r.OptTime("last_analyzed_at");
  l.created_at = r.Time("created_at");
  l.updated_at = r.Time("updated_at");
  return l;
}

Job ToJob(const Row& r) {
  Job j;
  j.id = r.Str("id");
  j.org_id = r.Str("org_id");
  j.job_name = r.Str("job_name");
  j.job_type = r.Str("job_type");
  j.status = ParseJobStatus(r.Str("status")).value_or(JobStatus::kPending);
  j.progress = r.Int("progress");
  j.total_leads = r.Int("total_leads");
  j.successful_count = r.Int("successful_count");
  j.failed_count = r.Int("failed_count");
  j.analysis_config = r.JsonOr("analysis_config", Json::object());
  j.is_scheduled = r.Bool("is_scheduled");
  j.schedule_cron = r.Str("schedule_cron");
  j.next_run_at = r.OptTime("next_run_at");
  j.last_run_at = r.OptTime("last_run_at");
  j.created_at = r.Time("created_at");
  j.created_by = r.Str("created_by");
  j.timezone = r.Str("timezone");
  j.enabled = r.Bool("enabled");
  j.started_at = r.OptTime("started_at");
  j.completed_at = r.OptTime("completed_at");
  j.error_message = r.Str("error_message");
  j.current_run_id = r.Str("current_run_id");
  return j;
}

Run ToRun(const Row& r) {
  Run run;
  run.id = r.Str("id");
  run.job_id = r.Str("job_id");
  run.org_id = r.Str("org_id");
  run.trigger = ParseRunTrigger(r.Str("trigger_type")).value_or(RunTrigger::kManual);
  run.status = ParseRunStatus(r.Str("status")).value_or(RunStatus::kRunning);
  run.scheduled_for = r.OptTime("scheduled_for");
  run.started_at = r.Time("started_at");
  run.completed_at = r.OptTime("completed_at");
  run.total_items = r.Int("total_items");
  run.successful_count = r.Int("successful_count");
  run.failed_count = r.Int("failed_count");
  run.error_message = r.Str("error_message");
  return run;
}

Item ToItem(const Row& r) {
  Item it;
  it.id = r.Str("id");
  it.job_id = r.Str("job_id");
  it.run_id = r.Str("run_id");
  it.lead_id = r.Str("lead_id");
  it.company_name = r.Str("company_name");
  it.domain = r.Str("domain");
  it.status = ParseItemStatus(r.Str("status")).value_or(ItemStatus::kPending);
  it.retry_count = static_cast<int>(r.Int("retry_count"));
  it.error_code = r.Str("error_code");
  it.error_message = r.Str("error_message");
  it.started_at = r.OptTime("started_at");
  it.completed_at = r.OptTime("completed_at");
  it.duration_seconds = r.Real("duration_seconds");
  it.lease_owner = r.Str("lease_owner");
  it.lease_expires_at = r.OptTime("lease_expires_at");
  it.lease_token = r.Int("lease_token");
  it.not_before = r.OptTime("not_before");
  it.result = r.JsonOr("result", nullptr);
  it.error_details = r.JsonOr("error_details", nullptr);
  return it;
}

AnalysisRecord ToAnalysis(const Row& r) {
  AnalysisRecord a;
  a.id = r.Str("id");
  a.org_id = r.Str("org_id");
  a.lead_id = r.Str("lead_id");
  a.job_id = r.Str("job_id");
  a.run_id = r.Str("run_id");
  a.item_id = r.Str("item_id");
  a.job_type = r.Str("job_type");
  a.domain = r.Str("domain");
  a.analyzed_at = r.Time("analyzed_at");
  a.result = r.JsonOr("result", nullptr);
  return a;
}

Status NotFoundStatus(const std::string& what, const std::string& id) {
  return Status::NotFound(what + " not found: " + id);
}

Status NotFoundStatus(const std::string& what, const OrgId& id) {
  return NotFoundStatus(what, id.str());
}

Status LeaseLost(const std::string& item_id) {
  return Status::Conflict("lease_lost",
                          "item " + item_id + " is not leased to this worker under this claim");
}

// Run `sql` and fetch rows, or return the error from the enclosing lambda.
#define QUERY_OR_RETURN(var, conn, sql, ...)                  \
  auto var##_r = (conn).Query((sql), SqlParams{__VA_ARGS__}); \
  if (!var##_r.ok())                                          \
    return var##_r.status();                                  \
  SqlRows& var = var##_r.value()

#define EXEC_OR_RETURN(var, conn, sql, ...)                  \
  auto var##_r = (conn).Exec((sql), SqlParams{__VA_ARGS__}); \
  if (!var##_r.ok())                                         \
    return var##_r.status();                                 \
  int64_t var = var##_r.value()

Result<Job> QueryJobTx(SqlConn& c, const OrgId* org_id, const std::string& job_id,
                       std::string_view for_update) {
  if (!IsUuid(job_id) || (org_id != nullptr && !IsUuid(*org_id))) {
    return NotFoundStatus("job", job_id);
  }
  std::string sql = std::string("SELECT ") + kJobCols +
                    " FROM batch_analysis_jobs j WHERE j.id = ?" +
                    (org_id == nullptr ? "" : " AND j.org_id = ?") + std::string(for_update);
  SqlParams p{T(job_id)};
  if (org_id != nullptr)
    p.push_back(T(*org_id));
  auto rows = c.Query(sql, p);
  if (!rows.ok())
    return rows.status();
  auto jobs = MapRows<Job>(rows.value(), ToJob);
  if (jobs.empty())
    return NotFoundStatus("job", job_id);
  return jobs.front();
}

// A job of this organisation only.
Result<Job> GetJobTx(SqlConn& c, const OrgId& org_id, const std::string& job_id,
                     std::string_view for_update = "") {
  return QueryJobTx(c, &org_id, job_id, for_update);
}

// Worker and run paths, which serve every organisation by design (the job id comes from an
// item or run row, never from a caller).
Result<Job> GetJobAnyOrgTx(SqlConn& c, const std::string& job_id,
                           std::string_view for_update = "") {
  return QueryJobTx(c, nullptr, job_id, for_update);
}

Result<Run> GetRunTx(SqlConn& c, const std::string& run_id) {
  if (!IsUuid(run_id))
    return NotFoundStatus("run", run_id);
  auto rows =
      c.Query(std::string("SELECT ") + kRunCols + " FROM batch_analysis_runs r WHERE r.id = ?",
              {T(run_id)});
  if (!rows.ok())
    return rows.status();
  auto runs = MapRows<Run>(rows.value(), ToRun);
  if (runs.empty())
    return NotFoundStatus("run", run_id);
  return runs.front();
}

Result<Lead> GetLeadTx(SqlConn& c, const OrgId& org_id, const std::string& lead_id) {
  if (!IsUuid(lead_id) || !IsUuid(org_id))
    return NotFoundStatus("lead", lead_id);
  auto rows =
      c.Query(std::string("SELECT ") + kLeadCols + " FROM leads l WHERE l.org_id = ? AND l.id = ?",
              {T(org_id), T(lead_id)});
  if (!rows.ok())
    return rows.status();
  auto leads = MapRows<Lead>(rows.value(), ToLead);
  if (leads.empty())
    return NotFoundStatus("lead", lead_id);
  return leads.front();
}

Status WriteFindingsTx(SqlConn& c, const std::string& lead_id, const LeadFindings& f,
                       TimePoint now) {
  auto n = c.Exec(
      "UPDATE leads SET ecommerce_platform = ?, checkout_solutions = ?, payment_methods = ?, "
      "carriers = ?, shipping_software = ?, technologies = ?, last_analyzed_at = ?, "
      "updated_at = ? WHERE id = ?",
      {J(f.ecommerce_platform), T(JsonText(f.checkout_solutions)), T(JsonText(f.payment_methods)),
       T(JsonText(f.carriers)), T(JsonText(f.shipping_software)), T(JsonText(f.technologies)),
       Tm(now), Tm(now), T(lead_id)});
  if (!n.ok())
    return n.status();
  if (n.value() == 0)
    return NotFoundStatus("lead", lead_id);
  return Status::Ok();
}

Status InsertLeadTx(SqlConn& c, const OrgId& org_id, const NewLead& lead, TimePoint now,
                    std::string* id_out) {
  std::string id = NewUuid();
  auto n = c.Exec(
      "INSERT INTO leads (id, org_id, company_name, domain, extra, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {T(id), T(org_id), T(lead.company_name), T(lead.domain),
       T(lead.extra.is_object() ? JsonText(lead.extra) : "{}"), Tm(now), Tm(now)});
  if (!n.ok())
    return n.status();
  *id_out = id;
  return Status::Ok();
}

// Enqueues job.completed for a run that has just ended, with the run's and job's state as this
// transaction leaves them (webhook_outbox.h).
Status EnqueueRunEndedTx(SqlConn& c, const std::string& job_id, const std::string& run_id,
                         TimePoint now) {
  auto run = GetRunTx(c, run_id);
  if (!run.ok())
    return run.status();
  auto job = GetJobAnyOrgTx(c, job_id);
  if (!job.ok())
    return job.status();
  return EnqueueWebhookEventTx(c, job->org_id, kWebhookEventJobCompleted,
                               JobCompletedEventData(*job, *run), now);
}

// Recomputes the counters of `run_id` (and of its job when it is the job's current run) from
// the items, and finishes the run when no item is open any more. The caller holds the job's
// row lock, so concurrent transitions of one job are serialised and counts are exact.
Result<ItemUpdate> RecountTx(SqlConn& c, const std::string& job_id, const std::string& run_id,
                             TimePoint now) {
  ItemUpdate u;
  u.job_id = job_id;
  u.run_id = run_id;
  auto counts = c.Query(
      "SELECT status, COUNT(*) AS n FROM batch_analysis_items WHERE run_id = ? GROUP BY status",
      {T(run_id)});
  if (!counts.ok())
    return counts.status();
  int64_t total = 0;
  int64_t open = 0;
  for (const auto& row : counts.value().rows) {
    int64_t n = row[1] ? std::stoll(*row[1]) : 0;
    std::string st = row[0].value_or("");
    total += n;
    if (st == "completed")
      u.successful_count = n;
    if (st == "failed")
      u.failed_count = n;
    if (st == "pending" || st == "processing")
      open += n;
  }
  u.total_leads = total;
  int64_t done = u.successful_count + u.failed_count;
  auto run = GetRunTx(c, run_id);
  if (!run.ok())
    return run.status();
  bool finish = open == 0 && run->status == RunStatus::kRunning;
  RunStatus run_status = run->status;
  if (finish) {
    run_status = (total > 0 && u.successful_count == 0 && u.failed_count > 0)
                     ? RunStatus::kFailed
                     : RunStatus::kCompleted;
    u.run_finished = true;
  }
  {
    auto n = c.Exec(
        "UPDATE batch_analysis_runs SET total_items = ?, successful_count = ?, failed_count = ?, "
        "status = ?, completed_at = ? WHERE id = ?",
        {I(total), I(u.successful_count), I(u.failed_count), T(RunStatusName(run_status)),
         finish ? Tm(now) : Tm(run->completed_at), T(run_id)});
    if (!n.ok())
      return n.status();
  }
  auto job = GetJobAnyOrgTx(c, job_id);
  if (!job.ok())
    return job.status();
  u.job_status = job->status;
  if (job->current_run_id == run_id) {
    JobStatus js = job->status;
    std::optional<TimePoint> completed_at = job->completed_at;
    if (finish && js == JobStatus::kRunning) {
      if (job->is_scheduled) {
        js = JobStatus::kScheduled;
      } else {
        js = run_status == RunStatus::kFailed ? JobStatus::kFailed : JobStatus::kCompleted;
      }
      completed_at = now;
    }
    auto n = c.Exec(
        "UPDATE batch_analysis_jobs SET total_leads = ?, successful_count = ?, failed_count = ?, "
        "progress = ?, status = ?, completed_at = ? WHERE id = ?",
        {I(total), I(u.successful_count), I(u.failed_count), I(done), T(JobStatusName(js)),
         Tm(completed_at), T(job_id)});
    if (!n.ok())
      return n.status();
    u.job_status = js;
  }
  if (finish)
    LEADSCAN_RETURN_IF_ERROR(EnqueueRunEndedTx(c, job_id, run_id, now));
  return u;
}

// Counts one item that just reached completed (ok) or failed into its run and, when the run
// is the job's current one, its job: O(1) increments instead of a recount, exact because the
// caller holds the job's row lock (every item transition takes it first). When the run has no
// open item left, RecountTx recomputes everything from the items and finishes the run.
Result<ItemUpdate> CountItemsTx(SqlConn& c, const Job& job, const std::string& run_id, int64_t d_ok,
                                int64_t d_failed, TimePoint now) {
  auto counts = c.Query(
      "UPDATE batch_analysis_runs SET successful_count = successful_count + ?, failed_count = "
      "failed_count + ? WHERE id = ? RETURNING total_items, successful_count, failed_count",
      {I(d_ok), I(d_failed), T(run_id)});
  if (!counts.ok())
    return counts.status();
  if (counts->empty())
    return NotFoundStatus("run", run_id);
  if (job.current_run_id == run_id) {
    auto n = c.Exec(
        "UPDATE batch_analysis_jobs SET successful_count = successful_count + ?, failed_count = "
        "failed_count + ?, progress = progress + ? WHERE id = ?",
        {I(d_ok), I(d_failed), I(d_ok + d_failed), T(job.id)});
    if (!n.ok())
      return n.status();
  }
  auto open = c.Query(
      "SELECT 1 FROM batch_analysis_items WHERE run_id = ? AND status IN ('pending', "
      "'processing') LIMIT 1",
      {T(run_id)});
  if (!open.ok())
    return open.status();
  if (open->empty())
    return RecountTx(c, job.id, run_id, now);
  ItemUpdate u;
  u.job_id = job.id;
  u.run_id = run_id;
  u.job_status = job.status;
  u.total_leads = std::stoll(counts->rows[0][0].value_or("0"));
  u.successful_count = std::stoll(counts->rows[0][1].value_or("0"));
  u.failed_count = std::stoll(counts->rows[0][2].value_or("0"));
  return u;
}

Result<ItemUpdate> CountItemTx(SqlConn& c, const Job& job, const std::string& run_id, bool ok,
                               TimePoint now) {
  return CountItemsTx(c, job, run_id, ok ? 1 : 0, ok ? 0 : 1, now);
}

// Conflict occurrence_fired when the job already has a run row for the due time
// `scheduled_for` (the unique index batch_runs_occurrence is the last line of defence).
Status CheckOccurrenceFreeTx(SqlConn& c, const std::string& job_id,
                             const std::optional<TimePoint>& scheduled_for) {
  if (!scheduled_for)
    return Status::Ok();
  QUERY_OR_RETURN(fired, c,
                  "SELECT id FROM batch_analysis_runs WHERE job_id = ? AND scheduled_for = ?",
                  T(job_id), Tm(TruncateTime(*scheduled_for)));
  if (!fired.empty()) {
    return Status::Conflict("occurrence_fired", "the job already has a run for the due time " +
                                                    FormatTime(*scheduled_for));
  }
  return Status::Ok();
}

// A scheduled run that did not start (the previous run still running) at due time
// `scheduled_for`, with the reason.
Result<Run> InsertSkippedRunTx(SqlConn& c, const Job& job, TimePoint scheduled_for,
                               const std::string& reason, TimePoint now) {
  std::string run_id = NewUuid();
  EXEC_OR_RETURN(n, c,
                 "INSERT INTO batch_analysis_runs (id, job_id, org_id, trigger_type, status, "
                 "scheduled_for, started_at, completed_at, total_items, error_message) VALUES "
                 "(?, ?, ?, 'scheduled', 'skipped', ?, ?, ?, 0, ?)",
                 T(run_id), T(job.id), T(job.org_id), Tm(scheduled_for), Tm(now), Tm(now),
                 T(reason));
  (void)n;
  return GetRunTx(c, run_id);
}

// Creates a running run of the job with one pending item per lead. The caller holds the job's
// row lock and has checked that no run is running.
Result<Run> CreateRunTx(SqlConn& c, const Job& job, RunTrigger trigger,
                        std::optional<TimePoint> scheduled_for, TimePoint now) {
  QUERY_OR_RETURN(leads, c,
                  "SELECT lead_id FROM batch_analysis_job_leads WHERE job_id = ? ORDER BY position",
                  T(job.id));
  std::string run_id = NewUuid();
  int64_t total = static_cast<int64_t>(leads.size());
  {
    EXEC_OR_RETURN(
        n, c,
        "INSERT INTO batch_analysis_runs (id, job_id, org_id, trigger_type, status, "
        "scheduled_for, started_at, total_items) VALUES (?, ?, ?, ?, 'running', ?, ?, ?)",
        T(run_id), T(job.id), T(job.org_id), T(RunTriggerName(trigger)), Tm(scheduled_for), Tm(now),
        I(total));
    (void)n;
  }
  for (size_t start = 0; start < leads.size(); start += kChunk) {
    size_t end = std::min(leads.size(), start + kChunk);
    std::string sql =
        "INSERT INTO batch_analysis_items (id, job_id, run_id, lead_id, seq, status, created_at) "
        "VALUES ";
    SqlParams p;
    for (size_t i = start; i < end; ++i) {
      sql += i == start ? "(?, ?, ?, ?, ?, 'pending', ?)" : ", (?, ?, ?, ?, ?, 'pending', ?)";
      p.push_back(T(NewUuid()));
      p.push_back(T(job.id));
      p.push_back(T(run_id));
      p.push_back(T(leads.rows[i][0].value_or("")));
      p.push_back(I(static_cast<int64_t>(i)));
      p.push_back(Tm(now));
    }
    auto n = c.Exec(sql, p);
    if (!n.ok())
      return n.status();
  }
  {
    EXEC_OR_RETURN(n, c,
                   "UPDATE batch_analysis_jobs SET status = 'running', current_run_id = ?, "
                   "total_leads = ?, progress = 0, successful_count = 0, failed_count = 0, "
                   "last_run_at = ?, started_at = ?, completed_at = NULL, error_message = NULL "
                   "WHERE id = ?",
                   T(run_id), I(total), Tm(now), Tm(now), T(job.id));
    (void)n;
  }
  if (total == 0) {
    auto u = RecountTx(c, job.id, run_id, now);
    if (!u.ok())
      return u.status();
  }
  return GetRunTx(c, run_id);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

SqlStore::SqlStore(std::unique_ptr<SqlBackend> backend, const std::vector<Migration>& migrations,
                   common::Clock* clock)
    : backend_(std::move(backend)),
      migrations_(migrations),
      clock_(clock ? clock : &system_clock_) {}

TimePoint SqlStore::Now() const {
  return TruncateTime(clock_->Now());
}

Result<std::vector<int>> SqlStore::Migrate() {
  std::vector<int> applied_now;
  TimePoint now = Now();
  Status s = backend_->Migrate([&](SqlConn& c) -> Status {
    applied_now.clear();
    LEADSCAN_RETURN_IF_ERROR(
        c.Script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                 "name TEXT NOT NULL, applied_at TEXT NOT NULL)"));
    QUERY_OR_RETURN(rows, c, "SELECT version FROM schema_migrations");
    std::set<int> have;
    for (const auto& r : rows.rows)
      have.insert(std::stoi(r[0].value_or("0")));
    for (const Migration& m : migrations_) {
      if (have.count(m.version))
        continue;
      Status ms = c.Script(m.sql);
      if (!ms.ok()) {
        return Status::IoError("migration " + std::to_string(m.version) + "_" + m.name +
                               " failed: " + ms.message());
      }
      EXEC_OR_RETURN(n, c,
                     "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                     I(m.version), T(m.name), Tm(now));
      (void)n;
      applied_now.push_back(m.version);
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return applied_now;
}

Result<std::vector<int>> SqlStore::AppliedMigrations() {
  std::vector<int> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    out.clear();
    QUERY_OR_RETURN(rows, c, "SELECT version FROM schema_migrations ORDER BY version");
    for (const auto& r : rows.rows)
      out.push_back(std::stoi(r[0].value_or("0")));
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Status SqlStore::Ping() {
  // Both paths: a store that can read but not start a write transaction is not ready.
  auto select_one = [](SqlConn& c) -> Status {
    auto r = c.Query("SELECT 1");
    return r.ok() ? Status::Ok() : r.status();
  };
  LEADSCAN_RETURN_IF_ERROR(backend_->Read(select_one));
  return backend_->Write(select_one);
}

// ---- organisations and tokens ----

Result<Organization> SqlStore::CreateOrganization(const std::string& name) {
  if (name.empty())
    return Status::InvalidArgument("invalid_argument", "empty name", "name");
  Organization org{NewUuid(), name, Now()};
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(rows, c, "SELECT id FROM organizations WHERE name = ?", T(name));
    if (!rows.empty())
      return Status::Conflict("org_exists", "organisation exists: " + name);
    EXEC_OR_RETURN(n, c, "INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)",
                   T(org.id), T(org.name), Tm(org.created_at));
    (void)n;
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return org;
}

Result<Organization> SqlStore::GetOrganization(const OrgId& org_id) {
  if (!IsUuid(org_id))
    return NotFoundStatus("organisation", org_id);
  std::vector<Organization> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(rows, c, std::string("SELECT ") + kOrgCols + " FROM organizations WHERE id = ?",
                    T(org_id));
    out = MapRows<Organization>(rows, ToOrg);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  if (out.empty())
    return NotFoundStatus("organisation", org_id);
  return out.front();
}

Result<Organization> SqlStore::FindOrganizationByName(const std::string& name) {
  std::vector<Organization> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(
        rows, c, std::string("SELECT ") + kOrgCols + " FROM organizations WHERE name = ?", T(name));
    out = MapRows<Organization>(rows, ToOrg);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  if (out.empty())
    return NotFoundStatus("organisation", name);
  return out.front();
}

Result<ApiToken> SqlStore::CreateToken(const OrgId& org_id, const NewToken& token) {
  if (token.token_hash.empty()) {
    return Status::InvalidArgument("invalid_argument", "empty token hash", "token_hash");
  }
  if (!IsUuid(org_id))
    return NotFoundStatus("organisation", org_id);
  ApiToken t;
  t.id = NewUuid();
  t.org_id = org_id.str();
  t.role = token.role;
  t.name = token.name;
  t.token_hash = token.token_hash;
  t.created_at = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(org, c, "SELECT id FROM organizations WHERE id = ?", T(org_id));
    if (org.empty())
      return NotFoundStatus("organisation", org_id);
    QUERY_OR_RETURN(dup, c, "SELECT id FROM api_tokens WHERE token_hash = ?", T(t.token_hash));
    if (!dup.empty())
      return Status::Conflict("token_exists", "a token with this hash exists");
    EXEC_OR_RETURN(n, c,
                   "INSERT INTO api_tokens (id, org_id, role, name, token_hash, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   T(t.id), T(t.org_id), T(RoleName(t.role)), T(t.name), T(t.token_hash),
                   Tm(t.created_at));
    (void)n;
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return t;
}

Result<ApiToken> SqlStore::FindTokenByHash(const std::string& token_hash) {
  std::vector<ApiToken> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kTokenCols +
                        " FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
                    T(token_hash));
    out = MapRows<ApiToken>(rows, ToToken);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  if (out.empty())
    return Status::NotFound("token not found");
  return out.front();
}

Result<std::vector<ApiToken>> SqlStore::ListTokens(const OrgId& org_id) {
  std::vector<ApiToken> out;
  if (!IsUuid(org_id))
    return out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kTokenCols +
                        " FROM api_tokens WHERE org_id = ? ORDER BY created_at, id",
                    T(org_id));
    out = MapRows<ApiToken>(rows, ToToken);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Status SqlStore::RevokeToken(const OrgId& org_id, const std::string& token_id) {
  if (!IsUuid(org_id) || !IsUuid(token_id))
    return NotFoundStatus("token", token_id);
  TimePoint now = Now();
  return backend_->Write([&](SqlConn& c) -> Status {
    EXEC_OR_RETURN(n, c,
                   "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND org_id = ? AND "
                   "revoked_at IS NULL",
                   Tm(now), T(token_id), T(org_id));
    if (n == 0)
      return NotFoundStatus("token", token_id);
    return Status::Ok();
  });
}

Result<int64_t> SqlStore::CountTokens() {
  int64_t count = 0;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(rows, c, "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL");
    count = std::stoll(rows.rows[0][0].value_or("0"));
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return count;
}

// ---- leads ----

Result<Lead> SqlStore::CreateLead(const OrgId& org_id, const NewLead& lead) {
  auto leads = CreateLeads(org_id, {lead});
  if (!leads.ok())
    return leads.status();
  return leads.value().front();
}

Result<std::vector<Lead>> SqlStore::CreateLeads(const OrgId& org_id,
                                                const std::vector<NewLead>& leads) {
  if (!IsUuid(org_id))
    return NotFoundStatus("organisation", org_id);
  for (const NewLead& l : leads) {
    if (l.company_name.empty() && l.domain.empty()) {
      return Status::InvalidArgument("invalid_lead", "a lead needs a company_name or a domain",
                                     "company_name");
    }
  }
  std::vector<Lead> out;
  TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out.clear();
    QUERY_OR_RETURN(org, c, "SELECT id FROM organizations WHERE id = ?", T(org_id));
    if (org.empty())
      return NotFoundStatus("organisation", org_id);
    for (const NewLead& l : leads) {
      Lead lead;
      lead.id = NewUuid();
      lead.org_id = org_id.str();
      lead.company_name = l.company_name;
      lead.domain = l.domain;
      lead.extra = l.extra.is_object() ? l.extra : Json::object();
      lead.created_at = now + std::chrono::microseconds(out.size());
      lead.updated_at = lead.created_at;
      out.push_back(std::move(lead));
    }
    // Multi-row inserts: one round trip per chunk instead of per lead.
    for (size_t start = 0; start < out.size(); start += kChunk) {
      size_t end = std::min(out.size(), start + kChunk);
      std::string sql =
          "INSERT INTO leads (id, org_id, company_name, domain, extra, created_at, updated_at) "
          "VALUES ";
      SqlParams p;
      for (size_t i = start; i < end; ++i) {
        sql += i == start ? "(?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?)";
        const Lead& l = out[i];
        p.insert(p.end(), {T(l.id), T(org_id), T(l.company_name), T(l.domain), T(JsonText(l.extra)),
                           Tm(l.created_at), Tm(l.updated_at)});
      }
      auto n = c.Exec(sql, p);
      if (!n.ok())
        return n.status();
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<Lead> SqlStore::GetLead(const OrgId& org_id, const std::string& lead_id) {
  std::optional<Lead> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto l = GetLeadTx(c, org_id, lead_id);
    if (!l.ok())
      return l.status();
    out = std::move(l).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Result<std::vector<Lead>> SqlStore::GetLeads(const OrgId& org_id,
                                             const std::vector<std::string>& lead_ids) {
  std::vector<std::string> ids;
  for (const auto& id : lead_ids) {
    if (IsUuid(id))
      ids.push_back(common::CanonicalUuid(id));
  }
  std::vector<Lead> out;
  if (!IsUuid(org_id))
    return out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    out.clear();
    for (size_t start = 0; start < ids.size(); start += kChunk) {
      size_t end = std::min(ids.size(), start + kChunk);
      SqlParams p{T(org_id)};
      for (size_t i = start; i < end; ++i)
        p.push_back(T(ids[i]));
      QUERY_OR_RETURN(rows, c,
                      std::string("SELECT ") + kLeadCols +
                          " FROM leads l WHERE l.org_id = ? AND l.id IN (" +
                          Placeholders(end - start) + ")",
                      p);
      for (auto& l : MapRows<Lead>(rows, ToLead))
        out.push_back(std::move(l));
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<Lead> SqlStore::UpdateLead(const OrgId& org_id, const std::string& lead_id,
                                  const LeadPatch& patch) {
  std::optional<Lead> out;
  TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    auto cur = GetLeadTx(c, org_id, lead_id);
    if (!cur.ok())
      return cur.status();
    Lead l = std::move(cur).value();
    if (patch.company_name)
      l.company_name = *patch.company_name;
    if (patch.domain)
      l.domain = *patch.domain;
    if (patch.extra)
      l.extra = patch.extra->is_object() ? *patch.extra : Json::object();
    l.updated_at = now;
    EXEC_OR_RETURN(n, c,
                   "UPDATE leads SET company_name = ?, domain = ?, extra = ?, updated_at = ? "
                   "WHERE id = ? AND org_id = ?",
                   T(l.company_name), T(l.domain), T(JsonText(l.extra)), Tm(now), T(l.id),
                   T(org_id));
    (void)n;
    out = std::move(l);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Status SqlStore::DeleteLead(const OrgId& org_id, const std::string& lead_id) {
  if (!IsUuid(lead_id) || !IsUuid(org_id))
    return NotFoundStatus("lead", lead_id);
  TimePoint now = Now();
  return backend_->Write([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(lead, c, "SELECT id FROM leads WHERE id = ? AND org_id = ?", T(lead_id),
                    T(org_id));
    if (lead.empty())
      return NotFoundStatus("lead", lead_id);
    // Runs that lose an item get their counters recomputed so they never drift.
    QUERY_OR_RETURN(runs, c,
                    "SELECT DISTINCT job_id, run_id FROM batch_analysis_items WHERE lead_id = ?",
                    T(lead_id));
    std::vector<std::pair<std::string, std::string>> affected;
    for (const auto& r : runs.rows)
      affected.emplace_back(r[0].value_or(""), r[1].value_or(""));
    std::sort(affected.begin(), affected.end());
    for (const auto& [job_id, run_id] : affected) {
      auto j = GetJobAnyOrgTx(c, job_id, backend_->ForUpdate());
      if (!j.ok())
        return j.status();
    }
    EXEC_OR_RETURN(n, c, "DELETE FROM leads WHERE id = ? AND org_id = ?", T(lead_id), T(org_id));
    (void)n;
    for (const auto& [job_id, run_id] : affected) {
      auto u = RecountTx(c, job_id, run_id, now);
      if (!u.ok())
        return u.status();
    }
    return Status::Ok();
  });
}

void AppendLeadWhere(const SqlBackend& backend, const OrgId& org_id, const LeadFilter& filter,
                     std::string* where_out, SqlParams* params_out) {
  std::string& where = *where_out;
  SqlParams& p = *params_out;
  where += " WHERE l.org_id = ?";
  p.push_back(T(org_id));
  if (!filter.search.empty()) {
    where +=
        " AND (lower(l.company_name) LIKE ? ESCAPE '\\' OR lower(l.domain) LIKE ? ESCAPE '\\')";
    p.push_back(T(ContainsPattern(filter.search)));
    p.push_back(T(ContainsPattern(filter.search)));
  }
  auto name_or_slug = [&](const std::string& value, const std::string& expr) {
    where += " AND " + expr;
    p.push_back(T(Lower(value)));
    p.push_back(T(Lower(value)));
  };
  if (!filter.platform.empty()) {
    name_or_slug(filter.platform, backend.JsonObjectNameOrSlug("l.ecommerce_platform"));
  }
  if (!filter.checkout.empty()) {
    name_or_slug(filter.checkout, backend.JsonArrayHasNameOrSlug("l.checkout_solutions"));
  }
  if (!filter.carrier.empty()) {
    name_or_slug(filter.carrier, backend.JsonArrayHasNameOrSlug("l.carriers"));
  }
  if (filter.analysed) {
    where += *filter.analysed ? " AND l.last_analyzed_at IS NOT NULL"
                              : " AND l.last_analyzed_at IS NULL";
  }
  AppendFindingFilters(org_id, filter, &where, &p);
}

Result<Page<Lead>> SqlStore::ListLeads(const OrgId& org_id, const LeadFilter& filter) {
  Page<Lead> page;
  page.limit = std::max<int64_t>(0, filter.limit);
  page.offset = std::max<int64_t>(0, filter.offset);
  if (!IsUuid(org_id))
    return page;
  std::string where;
  SqlParams p;
  AppendLeadWhere(*backend_, org_id, filter, &where, &p);
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(count, c, "SELECT COUNT(*) FROM leads l" + where, p);
    page.total = std::stoll(count.rows[0][0].value_or("0"));
    SqlParams q = p;
    q.push_back(I(page.limit));
    q.push_back(I(page.offset));
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kLeadCols + " FROM leads l" + where +
                        " ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?",
                    q);
    page.rows = MapRows<Lead>(rows, ToLead);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return page;
}

Result<std::vector<UpsertedLead>> SqlStore::UpsertLeadsByDomain(const OrgId& org_id,
                                                                const std::vector<NewLead>& leads) {
  if (!IsUuid(org_id))
    return NotFoundStatus("organisation", org_id);
  std::vector<UpsertedLead> out;
  TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out.clear();
    QUERY_OR_RETURN(org, c, "SELECT id FROM organizations WHERE id = ?", T(org_id));
    if (org.empty())
      return NotFoundStatus("organisation", org_id);
    for (const NewLead& l : leads) {
      if (!l.domain.empty()) {
        QUERY_OR_RETURN(found, c,
                        "SELECT id, company_name, extra FROM leads WHERE org_id = ? AND domain = ? "
                        "ORDER BY created_at, id LIMIT 1",
                        T(org_id), T(l.domain));
        if (!found.empty()) {
          std::string id = found.rows[0][0].value_or("");
          std::string name =
              l.company_name.empty() ? found.rows[0][1].value_or("") : l.company_name;
          std::string stored_extra = found.rows[0][2].value_or("{}");
          Json extra = common::CheckJsonDepth(stored_extra).ok()
                           ? Json::parse(stored_extra, nullptr, false)
                           : Json::object();
          if (!extra.is_object())
            extra = Json::object();
          if (l.extra.is_object())
            extra.update(l.extra);
          EXEC_OR_RETURN(
              n, c, "UPDATE leads SET company_name = ?, extra = ?, updated_at = ? WHERE id = ?",
              T(name), T(JsonText(extra)), Tm(now), T(id));
          (void)n;
          out.push_back({id, false});
          continue;
        }
      }
      std::string id;
      LEADSCAN_RETURN_IF_ERROR(
          InsertLeadTx(c, org_id, l, now + std::chrono::microseconds(out.size()), &id));
      out.push_back({id, true});
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Status SqlStore::UpdateLeadFindings(const OrgId& org_id, const std::string& lead_id,
                                    const LeadFindings& findings) {
  if (!IsUuid(lead_id) || !IsUuid(org_id))
    return NotFoundStatus("lead", lead_id);
  TimePoint now = Now();
  return backend_->Write([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(lead, c, "SELECT id FROM leads WHERE id = ? AND org_id = ?", T(lead_id),
                    T(org_id));
    if (lead.empty())
      return NotFoundStatus("lead", lead_id);
    return WriteFindingsTx(c, lead_id, findings, now);
  });
}

// ---- jobs ----

Result<JobCreated> SqlStore::CreateJob(const OrgId& org_id, const NewJob& job) {
  if (job.lead_ids.empty()) {
    return Status::InvalidArgument("empty_lead_ids", "lead_ids must not be empty", "lead_ids");
  }
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& id : job.lead_ids) {
    if (!IsUuid(id))
      return NotFoundStatus("lead", id).WithField("lead_ids");
    std::string canon = common::CanonicalUuid(id);
    if (!seen.insert(canon).second) {
      return Status::InvalidArgument("duplicate_lead_id", "lead id listed twice: " + id,
                                     "lead_ids");
    }
    ids.push_back(canon);
  }
  if (!IsUuid(org_id))
    return NotFoundStatus("organisation", org_id);
  TimePoint now = Now();
  std::optional<JobCreated> out;
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out.reset();
    std::set<std::string> found;
    for (size_t start = 0; start < ids.size(); start += kChunk) {
      size_t end = std::min(ids.size(), start + kChunk);
      SqlParams p{T(org_id)};
      for (size_t i = start; i < end; ++i)
        p.push_back(T(ids[i]));
      QUERY_OR_RETURN(
          rows, c,
          "SELECT id FROM leads WHERE org_id = ? AND id IN (" + Placeholders(end - start) + ")", p);
      for (const auto& r : rows.rows)
        found.insert(r[0].value_or(""));
    }
    for (const auto& id : ids) {
      if (!found.count(id))
        return NotFoundStatus("lead", id).WithField("lead_ids");
    }
    std::string job_id = NewUuid();
    JobStatus status = job.is_scheduled ? JobStatus::kScheduled : JobStatus::kPending;
    EXEC_OR_RETURN(
        n, c,
        "INSERT INTO batch_analysis_jobs (id, org_id, job_name, job_type, status, total_leads, "
        "analysis_config, is_scheduled, schedule_cron, next_run_at, created_at, created_by, "
        "timezone, enabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        T(job_id), T(org_id), T(job.job_name), T(job.job_type), T(JobStatusName(status)),
        I(static_cast<int64_t>(ids.size())),
        T(job.analysis_config.is_object() ? JsonText(job.analysis_config) : "{}"),
        B(job.is_scheduled), OptText(job.schedule_cron), Tm(job.next_run_at), Tm(now),
        OptText(job.created_by), T(job.timezone.empty() ? "UTC" : job.timezone), B(job.enabled));
    (void)n;
    for (size_t start = 0; start < ids.size(); start += kChunk) {
      size_t end = std::min(ids.size(), start + kChunk);
      std::string sql = "INSERT INTO batch_analysis_job_leads (job_id, lead_id, position) VALUES ";
      SqlParams p;
      for (size_t i = start; i < end; ++i) {
        sql += i == start ? "(?, ?, ?)" : ", (?, ?, ?)";
        p.push_back(T(job_id));
        p.push_back(T(ids[i]));
        p.push_back(I(static_cast<int64_t>(i)));
      }
      auto r = c.Exec(sql, p);
      if (!r.ok())
        return r.status();
    }
    JobCreated created;
    if (!job.is_scheduled) {
      auto j = GetJobTx(c, org_id, job_id);
      if (!j.ok())
        return j.status();
      auto run = CreateRunTx(c, j.value(), RunTrigger::kManual, std::nullopt, now);
      if (!run.ok())
        return run.status();
      created.run = std::move(run).value();
    }
    auto j = GetJobTx(c, org_id, job_id);
    if (!j.ok())
      return j.status();
    created.job = std::move(j).value();
    out = std::move(created);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Result<Job> SqlStore::GetJob(const OrgId& org_id, const std::string& job_id) {
  std::optional<Job> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto j = GetJobTx(c, org_id, job_id);
    if (!j.ok())
      return j.status();
    out = std::move(j).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Result<Page<Job>> SqlStore::ListJobs(const OrgId& org_id, const JobFilter& filter) {
  Page<Job> page;
  page.limit = std::max<int64_t>(0, filter.limit);
  page.offset = std::max<int64_t>(0, filter.offset);
  if (!IsUuid(org_id))
    return page;
  std::string where = " WHERE j.org_id = ?";
  SqlParams p{T(org_id)};
  if (filter.status) {
    where += " AND j.status = ?";
    p.push_back(T(JobStatusName(*filter.status)));
  }
  if (filter.is_scheduled) {
    where += " AND j.is_scheduled = ?";
    p.push_back(B(*filter.is_scheduled));
  }
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(count, c, "SELECT COUNT(*) FROM batch_analysis_jobs j" + where, p);
    page.total = std::stoll(count.rows[0][0].value_or("0"));
    SqlParams q = p;
    q.push_back(I(page.limit));
    q.push_back(I(page.offset));
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kJobCols + " FROM batch_analysis_jobs j" + where +
                        " ORDER BY j.created_at DESC, j.id DESC LIMIT ? OFFSET ?",
                    q);
    page.rows = MapRows<Job>(rows, ToJob);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return page;
}

Result<Job> SqlStore::UpdateJob(const OrgId& org_id, const std::string& job_id,
                                const JobPatch& patch) {
  std::optional<Job> out;
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    auto cur = GetJobTx(c, org_id, job_id, backend_->ForUpdate());
    if (!cur.ok())
      return cur.status();
    Job j = std::move(cur).value();
    if (patch.job_name)
      j.job_name = *patch.job_name;
    if (patch.schedule_cron)
      j.schedule_cron = *patch.schedule_cron;
    if (patch.timezone)
      j.timezone = *patch.timezone;
    if (patch.enabled)
      j.enabled = *patch.enabled;
    if (patch.next_run_at)
      j.next_run_at = *patch.next_run_at;
    if (patch.analysis_config) {
      j.analysis_config =
          patch.analysis_config->is_object() ? *patch.analysis_config : Json::object();
    }
    EXEC_OR_RETURN(n, c,
                   "UPDATE batch_analysis_jobs SET job_name = ?, schedule_cron = ?, timezone = ?, "
                   "enabled = ?, next_run_at = ?, analysis_config = ? WHERE id = ?",
                   T(j.job_name), OptText(j.schedule_cron), T(j.timezone), B(j.enabled),
                   Tm(j.next_run_at), T(JsonText(j.analysis_config)), T(j.id));
    (void)n;
    out = std::move(j);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Status SqlStore::DeleteJob(const OrgId& org_id, const std::string& job_id) {
  if (!IsUuid(job_id) || !IsUuid(org_id))
    return NotFoundStatus("job", job_id);
  return backend_->Write([&](SqlConn& c) -> Status {
    EXEC_OR_RETURN(n, c, "DELETE FROM batch_analysis_jobs WHERE id = ? AND org_id = ?", T(job_id),
                   T(org_id));
    if (n == 0)
      return NotFoundStatus("job", job_id);
    return Status::Ok();
  });
}

Result<std::vector<std::string>> SqlStore::JobLeadIds(const OrgId& org_id,
                                                      const std::string& job_id) {
  std::vector<std::string> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto j = GetJobTx(c, org_id, job_id);
    if (!j.ok())
      return j.status();
    QUERY_OR_RETURN(
        rows, c, "SELECT lead_id FROM batch_analysis_job_leads WHERE job_id = ? ORDER BY position",
        T(job_id));
    out.clear();
    for (const auto& r : rows.rows)
      out.push_back(r[0].value_or(""));
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<Job> SqlStore::TransitionJob(const OrgId& org_id, const std::string& job_id,
                                    const std::vector<JobStatus>& from, JobStatus to,
                                    const std::string& error_message) {
  std::optional<Job> out;
  TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    auto cur = GetJobTx(c, org_id, job_id, backend_->ForUpdate());
    if (!cur.ok())
      return cur.status();
    if (std::find(from.begin(), from.end(), cur->status) == from.end()) {
      return Status::Conflict("job_status_conflict",
                              std::string("job is ") + JobStatusName(cur->status));
    }
    std::optional<TimePoint> completed_at = cur->completed_at;
    if (IsFinal(to))
      completed_at = now;
    std::optional<TimePoint> started_at = cur->started_at;
    if (to == JobStatus::kRunning && !started_at)
      started_at = now;
    EXEC_OR_RETURN(n, c,
                   "UPDATE batch_analysis_jobs SET status = ?, completed_at = ?, started_at = ?, "
                   "error_message = ? WHERE id = ?",
                   T(JobStatusName(to)), Tm(completed_at), Tm(started_at),
                   error_message.empty() ? OptText(cur->error_message) : T(error_message),
                   T(job_id));
    (void)n;
    auto j = GetJobTx(c, org_id, job_id);
    if (!j.ok())
      return j.status();
    out = std::move(j).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Result<Job> SqlStore::CancelJob(const OrgId& org_id, const std::string& job_id) {
  std::optional<Job> out;
  TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    auto cur = GetJobTx(c, org_id, job_id, backend_->ForUpdate());
    if (!cur.ok())
      return cur.status();
    if (IsFinal(cur->status)) {
      return Status::Conflict("job_final",
                              std::string("job is already ") + JobStatusName(cur->status));
    }
    {
      EXEC_OR_RETURN(n, c,
                     "UPDATE batch_analysis_items SET status = 'cancelled', completed_at = ?, "
                     "lease_owner = NULL, lease_expires_at = NULL WHERE job_id = ? AND status IN "
                     "('pending', 'processing')",
                     Tm(now), T(job_id));
      (void)n;
    }
    QUERY_OR_RETURN(cancelled_runs, c,
                    "SELECT id FROM batch_analysis_runs WHERE job_id = ? AND status = 'running'",
                    T(job_id));
    {
      EXEC_OR_RETURN(n, c,
                     "UPDATE batch_analysis_runs SET status = 'cancelled', completed_at = ? "
                     "WHERE job_id = ? AND status = 'running'",
                     Tm(now), T(job_id));
      (void)n;
    }
    {
      EXEC_OR_RETURN(n, c,
                     "UPDATE batch_analysis_jobs SET status = 'cancelled', completed_at = ? "
                     "WHERE id = ?",
                     Tm(now), T(job_id));
      (void)n;
    }
    if (!cur->current_run_id.empty()) {
      auto u = RecountTx(c, job_id, cur->current_run_id, now);
      if (!u.ok())
        return u.status();
    }
    for (const auto& row : cancelled_runs.rows)
      LEADSCAN_RETURN_IF_ERROR(EnqueueRunEndedTx(c, job_id, row[0].value_or(""), now));
    auto j = GetJobTx(c, org_id, job_id);
    if (!j.ok())
      return j.status();
    out = std::move(j).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

// ---- runs ----

Result<Run> SqlStore::CreateRun(const OrgId& org_id, const std::string& job_id, RunTrigger trigger,
                                std::optional<TimePoint> scheduled_for) {
  std::optional<Run> out;
  TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    auto j = GetJobTx(c, org_id, job_id, backend_->ForUpdate());
    if (!j.ok())
      return j.status();
    LEADSCAN_RETURN_IF_ERROR(CheckOccurrenceFreeTx(c, job_id, scheduled_for));
    if (j->status == JobStatus::kCancelled) {
      return Status::Conflict("job_final", "job is cancelled");
    }
    QUERY_OR_RETURN(running, c,
                    "SELECT id FROM batch_analysis_runs WHERE job_id = ? AND status = 'running'",
                    T(job_id));
    if (!running.empty()) {
      return Status::Conflict("run_in_progress", "the job's previous run is still running");
    }
    auto run = CreateRunTx(c, j.value(), trigger, scheduled_for, now);
    if (!run.ok())
      return run.status();
    out = std::move(run).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Result<Run> SqlStore::RecordSkippedRun(const OrgId& org_id, const std::string& job_id,
                                       TimePoint scheduled_for, const std::string& reason) {
  std::optional<Run> out;
  TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    auto j = GetJobTx(c, org_id, job_id, backend_->ForUpdate());
    if (!j.ok())
      return j.status();
    LEADSCAN_RETURN_IF_ERROR(CheckOccurrenceFreeTx(c, job_id, scheduled_for));
    auto run = InsertSkippedRunTx(c, j.value(), TruncateTime(scheduled_for), reason, now);
    if (!run.ok())
      return run.status();
    out = std::move(run).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Result<Page<Run>> SqlStore::ListRuns(const OrgId& org_id, const std::string& job_id, int64_t limit,
                                     int64_t offset) {
  Page<Run> page;
  page.limit = std::max<int64_t>(0, limit);
  page.offset = std::max<int64_t>(0, offset);
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto j = GetJobTx(c, org_id, job_id);
    if (!j.ok())
      return j.status();
    QUERY_OR_RETURN(count, c, "SELECT COUNT(*) FROM batch_analysis_runs WHERE job_id = ?",
                    T(job_id));
    page.total = std::stoll(count.rows[0][0].value_or("0"));
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kRunCols +
                        " FROM batch_analysis_runs r WHERE r.job_id = ? ORDER BY r.started_at "
                        "DESC, r.id DESC LIMIT ? OFFSET ?",
                    T(job_id), I(page.limit), I(page.offset));
    page.rows = MapRows<Run>(rows, ToRun);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return page;
}

Result<Run> SqlStore::GetRun(const OrgId& org_id, const std::string& run_id) {
  std::optional<Run> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto r = GetRunTx(c, run_id);
    if (!r.ok())
      return r.status();
    if (r->org_id != org_id.str())
      return NotFoundStatus("run", run_id);
    out = std::move(r).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Result<Run> SqlStore::FinishRun(const std::string& run_id, RunStatus status,
                                const std::string& error_message) {
  if (status != RunStatus::kCompleted && status != RunStatus::kFailed) {
    return Status::InvalidArgument("invalid_argument", "a run finishes completed or failed");
  }
  std::optional<Run> out;
  TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    auto r0 = GetRunTx(c, run_id);
    if (!r0.ok())
      return r0.status();
    auto j = GetJobAnyOrgTx(c, r0->job_id, backend_->ForUpdate());
    if (!j.ok())
      return j.status();
    auto r = GetRunTx(c, run_id);
    if (!r.ok())
      return r.status();
    if (r->status != RunStatus::kRunning) {
      return Status::Conflict("run_not_running", std::string("run is ") + RunStatusName(r->status));
    }
    if (status == RunStatus::kFailed) {
      EXEC_OR_RETURN(
          n, c,
          "UPDATE batch_analysis_items SET status = 'failed', error_code = 'run_failed', "
          "error_message = ?, completed_at = ?, lease_owner = NULL, "
          "lease_expires_at = NULL WHERE run_id = ? AND status IN ('pending', "
          "'processing')",
          T(error_message), Tm(now), T(run_id));
      (void)n;
    } else {
      EXEC_OR_RETURN(n, c,
                     "UPDATE batch_analysis_items SET status = 'cancelled', completed_at = ?, "
                     "lease_owner = NULL, lease_expires_at = NULL WHERE run_id = ? AND status IN "
                     "('pending', 'processing')",
                     Tm(now), T(run_id));
      (void)n;
    }
    {
      EXEC_OR_RETURN(n, c,
                     "UPDATE batch_analysis_runs SET status = ?, completed_at = ?, error_message = "
                     "? WHERE id = ?",
                     T(RunStatusName(status)), Tm(now), OptText(error_message), T(run_id));
      (void)n;
    }
    auto u = RecountTx(c, r->job_id, run_id, now);
    if (!u.ok())
      return u.status();
    if (j->current_run_id == run_id && j->status == JobStatus::kRunning) {
      JobStatus js = j->is_scheduled ? JobStatus::kScheduled
                                     : (status == RunStatus::kFailed ? JobStatus::kFailed
                                                                     : JobStatus::kCompleted);
      EXEC_OR_RETURN(n, c,
                     "UPDATE batch_analysis_jobs SET status = ?, completed_at = ?, error_message = "
                     "? WHERE id = ?",
                     T(JobStatusName(js)), Tm(now), OptText(error_message), T(r->job_id));
      (void)n;
    }
    LEADSCAN_RETURN_IF_ERROR(EnqueueRunEndedTx(c, r->job_id, run_id, now));
    auto done = GetRunTx(c, run_id);
    if (!done.ok())
      return done.status();
    out = std::move(done).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

// ---- items ----

Result<std::vector<ClaimedItem>> SqlStore::ClaimItems(const ClaimRequest& request) {
  if (request.worker_id.empty()) {
    return Status::InvalidArgument("invalid_argument", "worker_id is empty", "worker_id");
  }
  std::vector<ClaimedItem> out;
  if (request.max_items <= 0)
    return out;
  if (!request.job_id.empty() && !IsUuid(request.job_id))
    return out;
  TimePoint now = Now();
  TimePoint expires = TruncateTime(now + request.lease);
  auto to_claimed = [](const Row& r) {
    ClaimedItem ci;
    ci.item = ToItem(r);
    ci.org_id = r.Str("job_org_id");
    ci.job_type = r.Str("job_type");
    ci.analysis_config = r.JsonOr("job_config", Json::object());
    return ci;
  };
  if (backend_->BatchStatements()) {
    // One statement: walk the partial index of pending items in claim order
    // (batch_items_pending), lock the first ones no other claim holds, mark them processing and
    // return them with their lead and job. The run/job check is one boolean subquery on
    // purpose. As a join, or as `(subquery) = 'running'` (estimated to pass 0.5% of the rows),
    // the planner expects too few rows to reach the LIMIT early and reads and sorts every
    // pending item of the run instead (O(items) per claim; seen while the statistics still
    // described the table before a big run's items were inserted). One statement is its own
    // transaction: no BEGIN and COMMIT round trips.
    Status s = backend_->WriteStatement([&](SqlConn& c) -> Status {
      out.clear();
      std::string pick =
          "SELECT p.id FROM batch_analysis_items p WHERE p.status = 'pending' AND "
          "(p.not_before IS NULL OR p.not_before <= ?) AND (SELECT r.status = 'running' AND "
          "j.status = 'running' FROM batch_analysis_runs r JOIN batch_analysis_jobs j ON j.id = "
          "r.job_id WHERE r.id = p.run_id)";
      SqlParams p{Tm(now)};
      if (!request.job_id.empty()) {
        pick += " AND p.job_id = ?";
        p.push_back(T(request.job_id));
      }
      // Materialised: evaluated once. As `id IN (subquery)` the planner may run the subquery
      // again for every row it joins, and with SKIP LOCKED each run picks other rows.
      pick += " ORDER BY p.created_at, p.seq LIMIT ? FOR UPDATE SKIP LOCKED";
      p.push_back(I(request.max_items));
      p.push_back(T(request.worker_id));
      p.push_back(Tm(expires));
      p.push_back(Tm(now));
      QUERY_OR_RETURN(rows, c,
                      "WITH c AS MATERIALIZED (" + pick +
                          "), i AS (UPDATE batch_analysis_items u SET status = 'processing', "
                          "lease_owner = ?, lease_expires_at = ?, started_at = ?, lease_token = "
                          "u.lease_token + 1 FROM c WHERE u.id = c.id RETURNING u.*) SELECT " +
                          kItemCols +
                          ", j.org_id AS job_org_id, j.job_type AS job_type, j.analysis_config "
                          "AS job_config FROM i JOIN leads l ON l.id = i.lead_id JOIN "
                          "batch_analysis_jobs j ON j.id = i.job_id ORDER BY i.created_at, i.seq",
                      p);
      out = MapRows<ClaimedItem>(rows, to_claimed);
      return Status::Ok();
    });
    if (!s.ok())
      return s;
    return out;
  }
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out.clear();
    std::string sql =
        "SELECT i.id FROM batch_analysis_items i "
        "JOIN batch_analysis_jobs j ON j.id = i.job_id "
        "JOIN batch_analysis_runs r ON r.id = i.run_id "
        "WHERE i.status = 'pending' AND (i.not_before IS NULL OR i.not_before <= ?) "
        "AND j.status = 'running' AND r.status = 'running'";
    SqlParams p{Tm(now)};
    if (!request.job_id.empty()) {
      sql += " AND i.job_id = ?";
      p.push_back(T(request.job_id));
    }
    sql += " ORDER BY i.created_at, i.seq LIMIT ?" + backend_->ForUpdateSkipLocked("i");
    p.push_back(I(request.max_items));
    QUERY_OR_RETURN(ids, c, sql, p);
    if (ids.empty())
      return Status::Ok();
    SqlParams u{T(request.worker_id), Tm(expires), Tm(now)};
    for (const auto& r : ids.rows)
      u.push_back(T(r[0].value_or("")));
    {
      EXEC_OR_RETURN(n, c,
                     "UPDATE batch_analysis_items SET status = 'processing', lease_owner = ?, "
                     "lease_expires_at = ?, started_at = ?, lease_token = lease_token + 1 WHERE "
                     "status = 'pending' AND id IN (" +
                         Placeholders(ids.size()) + ")",
                     u);
      (void)n;
    }
    SqlParams q{T(request.worker_id)};
    for (const auto& r : ids.rows)
      q.push_back(T(r[0].value_or("")));
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kItemCols +
                        ", j.org_id AS job_org_id, j.job_type AS job_type, j.analysis_config AS "
                        "job_config FROM batch_analysis_items i JOIN leads l ON l.id = i.lead_id "
                        "JOIN batch_analysis_jobs j ON j.id = i.job_id WHERE i.lease_owner = ? "
                        "AND i.status = 'processing' AND i.id IN (" +
                        Placeholders(ids.size()) + ") ORDER BY i.created_at, i.seq",
                    q);
    out = MapRows<ClaimedItem>(rows, to_claimed);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Status SqlStore::RenewLease(const std::string& item_id, const std::string& worker_id,
                            int64_t lease_token, std::chrono::milliseconds lease) {
  if (!IsUuid(item_id))
    return NotFoundStatus("item", item_id);
  TimePoint expires = TruncateTime(Now() + lease);
  return backend_->Write([&](SqlConn& c) -> Status {
    EXEC_OR_RETURN(n, c,
                   "UPDATE batch_analysis_items SET lease_expires_at = ? WHERE id = ? AND "
                   "status = 'processing' AND lease_owner = ? AND lease_token = ?",
                   Tm(expires), T(item_id), T(worker_id), I(lease_token));
    if (n == 0)
      return LeaseLost(item_id);
    return Status::Ok();
  });
}

namespace {

// Locks the item's job, then checks the item is processing under worker_id and the claim
// lease_token (the fencing token: a late write of an earlier claim is refused).
Status LockLeasedItemTx(SqlConn& c, SqlBackend& b, const std::string& item_id,
                        const std::string& worker_id, int64_t lease_token, Job* job,
                        std::string* run_id, std::string* lead_id, std::string* domain) {
  if (!IsUuid(item_id))
    return NotFoundStatus("item", item_id);
  // The job row first (the locking order everywhere), found through the item. A key-share
  // lock: cancel and finish (FOR UPDATE) wait for it, but the outcomes of a job's items are
  // written side by side; they queue only on the run's counter row (CountItemTx), from its
  // update to the commit. That row lock also orders the last items' "any item open?" checks,
  // so exactly one of them finishes the run.
  QUERY_OR_RETURN(jobs, c,
                  std::string("SELECT ") + kJobCols +
                      " FROM batch_analysis_jobs j WHERE j.id = (SELECT job_id FROM "
                      "batch_analysis_items WHERE id = ?)" +
                      std::string(b.ForKeyShare()),
                  T(item_id));
  if (jobs.empty())
    return NotFoundStatus("item", item_id);
  *job = MapRows<Job>(jobs, ToJob).front();
  QUERY_OR_RETURN(rows, c,
                  "SELECT i.status, i.lease_owner, i.lead_id, i.run_id, l.domain, i.lease_token "
                  "FROM "
                  "batch_analysis_items i JOIN leads l ON l.id = i.lead_id WHERE i.id = ?" +
                      b.ForUpdateOf("i"),
                  T(item_id));
  if (rows.empty())
    return NotFoundStatus("item", item_id);
  if (rows.rows[0][0].value_or("") != "processing" || rows.rows[0][1].value_or("") != worker_id ||
      rows.rows[0][5].value_or("") != std::to_string(lease_token)) {
    return LeaseLost(item_id);
  }
  *lead_id = rows.rows[0][2].value_or("");
  *run_id = rows.rows[0][3].value_or("");
  *domain = rows.rows[0][4].value_or("");
  return Status::Ok();
}

}  // namespace

namespace {

// The item's own writes of a completion (the caller has locked it with LockLeasedItemTx): the
// item completed with its result, the lead's latest findings, a history row.
Status WriteCompletionTx(SqlBackend& b, SqlConn& c, const ItemCompletion& completion,
                         const Job& job, const std::string& run_id, const std::string& lead_id,
                         const std::string& domain, TimePoint now) {
  {
    EXEC_OR_RETURN(n, c,
                   "UPDATE batch_analysis_items SET status = 'completed', completed_at = ?, "
                   "duration_seconds = ?, result = ?, error_code = NULL, error_message = NULL, "
                   "lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
                   Tm(now), SqlParam::Real(completion.duration_seconds), J(completion.result),
                   T(completion.item_id));
    (void)n;
  }
  LEADSCAN_RETURN_IF_ERROR(WriteFindingsTx(c, lead_id, completion.findings, now));
  const std::string analysis_id = NewUuid();
  EXEC_OR_RETURN(n, c,
                 "INSERT INTO analysis_results (id, org_id, lead_id, job_id, run_id, item_id, "
                 "job_type, domain, analyzed_at, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 T(analysis_id), T(job.org_id), T(lead_id), T(job.id), T(run_id),
                 T(completion.item_id), T(job.job_type), T(domain), Tm(now),
                 T(JsonText(completion.result)));
  (void)n;
  // What changed in the lead's findings, decided once, here, in the outcome's transaction.
  AnalysisOutcome outcome{job.org_id,          lead_id,      domain, job.id,
                          analysis_id,         job.job_type, now,    &completion.result,
                          &completion.findings};
  return RecordFindingChangesTx(b, c, outcome);
}

// A PostgreSQL array literal ({"a","b",NULL}) for a `?::type[]` parameter: one parameter
// carries one column of a whole batch, so the statement's text does not depend on its size.
std::string PgArray(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0)
      out += ',';
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char ch : *values[i]) {
      if (ch == '"' || ch == '\\')
        out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::optional<std::string> JsonOrNull(const Json& j) {
  if (j.is_null())
    return std::nullopt;
  return JsonText(j);
}

// The counter steps of a one-statement outcome write (PostgreSQL), after a `per_run(run_id,
// job_id, ok, failed)` step that reads the written rows: each run's counters, then (reading
// `runs`, so the run's row is locked before the job's, as everywhere) its job's when the run is
// the job's current one. A run whose counters then show every item done ends, by RecountTx's
// rules (failed when nothing succeeded, else completed; its job scheduled again, or ending as
// the run did). The counters include every outcome committed before: the run's row orders
// concurrent writers (its lock is held until commit) and every path that moves an item changes
// them under that lock or sets them from the items. Two time parameters (the end's time).
// `runs` returns id, total_items, successful_count, failed_count, finished; `jobs` id, status.
constexpr const char* kCounterCtes =
    "runs AS (UPDATE batch_analysis_runs r SET successful_count = r.successful_count + "
    "per_run.ok, failed_count = r.failed_count + per_run.failed, status = CASE WHEN r.status = "
    "'running' AND r.successful_count + per_run.ok + r.failed_count + per_run.failed >= "
    "r.total_items THEN CASE WHEN r.successful_count + per_run.ok = 0 AND r.failed_count + "
    "per_run.failed > 0 THEN 'failed' ELSE 'completed' END ELSE r.status END, completed_at = "
    "CASE WHEN r.status = 'running' AND r.successful_count + per_run.ok + r.failed_count + "
    "per_run.failed >= r.total_items THEN ?::timestamptz ELSE r.completed_at END FROM per_run "
    "WHERE r.id = per_run.run_id RETURNING r.id, r.status, r.total_items, r.successful_count, "
    "r.failed_count, r.status IN ('completed', 'failed') AND r.successful_count + r.failed_count "
    ">= r.total_items AS finished), "
    "jobs AS (UPDATE batch_analysis_jobs j SET successful_count = j.successful_count + "
    "per_run.ok, failed_count = j.failed_count + per_run.failed, progress = j.progress + "
    "per_run.ok + per_run.failed, status = CASE WHEN runs.finished AND j.status = 'running' THEN "
    "CASE WHEN j.is_scheduled THEN 'scheduled' ELSE runs.status END ELSE j.status END, "
    "completed_at = CASE WHEN runs.finished AND j.status = 'running' THEN ?::timestamptz ELSE "
    "j.completed_at END FROM per_run JOIN runs ON runs.id = per_run.run_id WHERE j.id = "
    "per_run.job_id AND j.current_run_id = per_run.run_id RETURNING j.id, j.status) ";

// CompleteItems where the backend has BatchStatements(): the whole batch in a fixed number of
// statements, whatever its size, in one transaction. The first pins the batch's jobs (key share,
// in id order, as LockLeasedItemTx pins one), completes every item still processing under its
// completion's worker and token (the fencing check is the UPDATE's own condition), writes the
// latest findings of their leads and inserts their history rows. Then the finding changes of
// those leads are recorded (RecordFindingChangesTx, a few statements for the whole batch).
// Last, one statement adds the written items to their runs' and jobs' counters, ending a run
// (and its job) whose counters then show every item done, and job.completed is enqueued for
// each run that ended. The run's counter row orders concurrent batches (its lock is held until
// commit), so the counters its UPDATE returns include every batch committed before and are
// exact: every path that moves an item changes them under that lock or sets them from the
// items. Taking that lock last keeps it for the counters and the commit alone. (Should the
// counters ever disagree with the items and never show a run done, ReleaseExpiredLeases
// finishes it.) (*out)[i] is item i's ItemUpdate, or lease_lost / not_found for an item not
// written (told apart by one read after the first statement, only when there are such).
Status CompleteBatchTx(SqlBackend& b, SqlConn& c, const std::vector<ItemCompletion>& batch,
                       TimePoint now, std::vector<Result<ItemUpdate>>* out) {
  out->clear();
  std::vector<std::optional<std::string>> ids, owners, tokens, durations, results, history_ids;
  std::vector<std::optional<std::string>> platforms, checkouts, payments, carriers, shipping, techs;
  std::vector<size_t> entry_of;  // array position -> index in the batch
  for (size_t i = 0; i < batch.size(); ++i) {
    const ItemCompletion& completion = batch[i];
    if (!IsUuid(completion.item_id)) {
      out->emplace_back(NotFoundStatus("item", completion.item_id));
      continue;
    }
    out->emplace_back(Status::Internal("not written"));
    entry_of.push_back(i);
    ids.push_back(completion.item_id);
    owners.push_back(completion.worker_id);
    tokens.push_back(std::to_string(completion.lease_token));
    char duration[64];
    std::snprintf(duration, sizeof duration, "%.17g", completion.duration_seconds);
    durations.push_back(duration);
    results.push_back(JsonOrNull(completion.result));
    history_ids.push_back(NewUuid());
    const LeadFindings& f = completion.findings;
    platforms.push_back(JsonOrNull(f.ecommerce_platform));
    checkouts.push_back(JsonText(f.checkout_solutions));
    payments.push_back(JsonText(f.payment_methods));
    carriers.push_back(JsonText(f.carriers));
    shipping.push_back(JsonText(f.shipping_software));
    techs.push_back(JsonText(f.technologies));
  }
  if (ids.empty())
    return Status::Ok();
  const std::string id_array = PgArray(ids);
  QUERY_OR_RETURN(
      done, c,
      "WITH pin AS (SELECT j.id, j.status, j.org_id, j.job_type FROM batch_analysis_jobs j "
      "WHERE j.id IN (SELECT job_id FROM batch_analysis_items WHERE id = ANY(?::uuid[])) ORDER "
      "BY j.id FOR KEY SHARE), "
      "v AS (SELECT * FROM unnest(?::uuid[], ?::text[], ?::bigint[], ?::float8[], ?::jsonb[], "
      "?::uuid[], ?::jsonb[], ?::jsonb[], ?::jsonb[], ?::jsonb[], ?::jsonb[], ?::jsonb[]) WITH "
      "ORDINALITY AS v(id, owner, token, duration, result, history_id, platform, checkout, "
      "payment, carriers, shipping, technologies, k)), "
      "done AS (UPDATE batch_analysis_items i SET status = 'completed', completed_at = ?, "
      "duration_seconds = v.duration, result = v.result, error_code = NULL, error_message = "
      "NULL, lease_owner = NULL, lease_expires_at = NULL FROM v WHERE i.id = v.id AND i.status "
      "= 'processing' AND i.lease_owner = v.owner AND i.lease_token = v.token AND i.job_id IN "
      "(SELECT id FROM pin) RETURNING v.k, i.id, i.lead_id, i.job_id, i.run_id), "
      // A lead completed twice in one batch (two jobs) keeps the later completion's findings.
      "latest AS (SELECT DISTINCT ON (done.lead_id) done.lead_id, v.platform, v.checkout, "
      "v.payment, v.carriers, v.shipping, v.technologies FROM done JOIN v ON v.k = done.k "
      "ORDER BY done.lead_id, done.k DESC), "
      "findings AS (UPDATE leads l SET ecommerce_platform = latest.platform, "
      "checkout_solutions = latest.checkout, payment_methods = latest.payment, carriers = "
      "latest.carriers, shipping_software = latest.shipping, technologies = "
      "latest.technologies, last_analyzed_at = ?, updated_at = ? FROM latest WHERE l.id = "
      "latest.lead_id RETURNING l.id, l.domain), "
      "history AS (INSERT INTO analysis_results (id, org_id, lead_id, job_id, run_id, item_id, "
      "job_type, domain, analyzed_at, result) SELECT v.history_id, pin.org_id, done.lead_id, "
      "done.job_id, done.run_id, done.id, pin.job_type, findings.domain, ?, COALESCE(v.result, "
      "'null'::jsonb) FROM done JOIN v ON v.k = done.k JOIN pin ON pin.id = done.job_id JOIN "
      "findings ON findings.id = done.lead_id RETURNING id) "
      "SELECT done.k, done.job_id, done.run_id, done.lead_id, pin.org_id, pin.job_type, "
      "findings.domain FROM done JOIN pin ON pin.id = done.job_id JOIN findings ON findings.id "
      "= done.lead_id ORDER BY done.k",
      T(id_array), T(id_array), T(PgArray(owners)), T(PgArray(tokens)), T(PgArray(durations)),
      T(PgArray(results)), T(PgArray(history_ids)), T(PgArray(platforms)), T(PgArray(checkouts)),
      T(PgArray(payments)), T(PgArray(carriers)), T(PgArray(shipping)), T(PgArray(techs)), Tm(now),
      Tm(now), Tm(now), Tm(now));

  // The written items, in batch order: their finding changes, then their runs' counters.
  std::vector<bool> was_written(ids.size(), false);
  std::vector<AnalysisOutcome> outcomes;
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> per_run;  // (run, job)
  for (const auto& row : done.rows) {
    const size_t k = static_cast<size_t>(std::stoll(row[0].value_or("0")));
    if (k == 0 || k > ids.size())
      return Status::Internal("a completed item does not match its batch");
    was_written[k - 1] = true;
    const ItemCompletion& completion = batch[entry_of[k - 1]];
    AnalysisOutcome o{row[4].value_or(""),
                      row[3].value_or(""),
                      row[6].value_or(""),
                      row[1].value_or(""),
                      *history_ids[k - 1],
                      row[5].value_or(""),
                      now,
                      &completion.result,
                      &completion.findings};
    outcomes.push_back(std::move(o));
    per_run[{row[2].value_or(""), row[1].value_or("")}].push_back(entry_of[k - 1]);
  }
  LEADSCAN_RETURN_IF_ERROR(RecordFindingChangesTx(b, c, outcomes));

  if (!per_run.empty()) {
    std::vector<std::optional<std::string>> run_ids, job_ids, oks;
    for (const auto& [key, entries] : per_run) {
      run_ids.push_back(key.first);
      job_ids.push_back(key.second);
      oks.push_back(std::to_string(entries.size()));
    }
    QUERY_OR_RETURN(
        counted, c,
        "WITH per_run AS (SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::bigint[]) AS "
        "per_run(run_id, job_id, ok) CROSS JOIN (SELECT 0 AS failed) f ORDER BY run_id), " +
            std::string(kCounterCtes) +
            "SELECT runs.id, per_run.job_id, COALESCE(jobs.status, (SELECT status FROM "
            "batch_analysis_jobs WHERE id = per_run.job_id)), runs.total_items, "
            "runs.successful_count, runs.failed_count, runs.finished FROM runs JOIN per_run ON "
            "per_run.run_id = runs.id LEFT JOIN jobs ON jobs.id = per_run.job_id",
        T(PgArray(run_ids)), T(PgArray(job_ids)), T(PgArray(oks)), Tm(now), Tm(now));
    for (const auto& row : counted.rows) {
      ItemUpdate update;
      update.run_id = row[0].value_or("");
      update.job_id = row[1].value_or("");
      update.job_status = ParseJobStatus(row[2].value_or("")).value_or(JobStatus::kRunning);
      update.total_leads = std::stoll(row[3].value_or("0"));
      update.successful_count = std::stoll(row[4].value_or("0"));
      update.failed_count = std::stoll(row[5].value_or("0"));
      update.run_finished = row[6].value_or("") == "t";
      auto it = per_run.find({update.run_id, update.job_id});
      if (it == per_run.end())
        return Status::Internal("a counted run does not match its batch");
      if (update.run_finished)
        LEADSCAN_RETURN_IF_ERROR(EnqueueRunEndedTx(c, update.job_id, update.run_id, now));
      const std::vector<size_t>& entries = it->second;
      for (size_t e = 0; e < entries.size(); ++e) {
        ItemUpdate entry = update;
        entry.run_finished = update.run_finished && e + 1 == entries.size();
        (*out)[entries[e]] = std::move(entry);
      }
    }
  }
  std::vector<std::optional<std::string>> refused;
  for (size_t k = 0; k < ids.size(); ++k) {
    if (!was_written[k])
      refused.push_back(ids[k]);
  }
  if (refused.empty())
    return Status::Ok();
  // Not written: held by another claim (lease_lost) or not there at all (not_found).
  QUERY_OR_RETURN(existing, c, "SELECT id FROM batch_analysis_items WHERE id = ANY(?::uuid[])",
                  T(PgArray(refused)));
  std::set<std::string> exists;
  for (const auto& row : existing.rows)
    exists.insert(row[0].value_or(""));
  for (size_t k = 0; k < ids.size(); ++k) {
    if (was_written[k])
      continue;
    (*out)[entry_of[k]] =
        exists.count(*ids[k]) > 0 ? LeaseLost(*ids[k]) : NotFoundStatus("item", *ids[k]);
  }
  return Status::Ok();
}

}  // namespace

Result<ItemUpdate> SqlStore::CompleteItem(const ItemCompletion& completion) {
  if (backend_->BatchStatements()) {
    // The batch path's one statement is cheaper than the item-by-item steps, even for one.
    auto batch = CompleteItems({completion});
    if (!batch.ok())
      return batch.status();
    return std::move(batch->front());
  }
  std::optional<ItemUpdate> out;
  TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    Job job;
    std::string run_id, lead_id, domain;
    LEADSCAN_RETURN_IF_ERROR(LockLeasedItemTx(c, *backend_, completion.item_id,
                                              completion.worker_id, completion.lease_token, &job,
                                              &run_id, &lead_id, &domain));
    LEADSCAN_RETURN_IF_ERROR(
        WriteCompletionTx(*backend_, c, completion, job, run_id, lead_id, domain, now));
    auto u = CountItemTx(c, job, run_id, /*ok=*/true, now);
    if (!u.ok())
      return u.status();
    out = std::move(u).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Result<std::vector<Result<ItemUpdate>>> SqlStore::CompleteItems(
    const std::vector<ItemCompletion>& completions) {
  std::vector<Result<ItemUpdate>> out;
  TimePoint now = Now();
  if (backend_->BatchStatements()) {
    Status s = backend_->Write([&](SqlConn& c) -> Status {
      return CompleteBatchTx(*backend_, c, completions, now, &out);
    });
    if (!s.ok())
      return s;
    return out;
  }
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out.clear();
    struct RunCompletions {
      Job job;
      std::vector<size_t> entries;  // indexes into `completions` / `out`
    };
    // By run id: counter rows are updated in one order by every batch (no lock cycles).
    std::map<std::string, RunCompletions> runs;
    for (size_t i = 0; i < completions.size(); ++i) {
      const ItemCompletion& completion = completions[i];
      Job job;
      std::string run_id, lead_id, domain;
      Status locked = LockLeasedItemTx(c, *backend_, completion.item_id, completion.worker_id,
                                       completion.lease_token, &job, &run_id, &lead_id, &domain);
      if (locked.error_code() == "lease_lost" || locked.code() == common::StatusCode::kNotFound) {
        out.emplace_back(std::move(locked));  // this item only; nothing of it was written
        continue;
      }
      LEADSCAN_RETURN_IF_ERROR(locked);
      LEADSCAN_RETURN_IF_ERROR(
          WriteCompletionTx(*backend_, c, completion, job, run_id, lead_id, domain, now));
      out.emplace_back(Status::Internal("not counted"));
      RunCompletions& run = runs[run_id];
      run.job = std::move(job);
      run.entries.push_back(i);
    }
    for (const auto& [run_id, run] : runs) {
      auto u = CountItemsTx(c, run.job, run_id, static_cast<int64_t>(run.entries.size()), 0, now);
      if (!u.ok())
        return u.status();
      for (size_t k = 0; k < run.entries.size(); ++k) {
        ItemUpdate update = *u;
        update.run_finished = u->run_finished && k + 1 == run.entries.size();
        out[run.entries[k]] = std::move(update);
      }
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<ItemUpdate> SqlStore::FailItem(const ItemFailure& failure) {
  std::optional<ItemUpdate> out;
  TimePoint now = Now();
  if (backend_->BatchStatements()) {
    if (!IsUuid(failure.item_id))
      return NotFoundStatus("item", failure.item_id);
    // One statement, as a batch of completions is counted (CompleteBatchTx): the job pinned,
    // the item failed if it is still processing under this claim, the counters, the run's end;
    // then, when the run ended, its job.completed delivery in the same transaction.
    Status s = backend_->Write([&](SqlConn& c) -> Status {
      out.reset();
      QUERY_OR_RETURN(
          rows, c,
          "WITH pin AS (SELECT j.id, j.status FROM batch_analysis_jobs j WHERE j.id = (SELECT "
          "job_id FROM batch_analysis_items WHERE id = ?) FOR KEY SHARE), "
          "done AS (UPDATE batch_analysis_items i SET status = 'failed', completed_at = ?, "
          "duration_seconds = ?, result = ?, error_code = ?, error_message = ?, error_details = "
          "?, lease_owner = NULL, lease_expires_at = NULL WHERE i.id = ? AND i.status = "
          "'processing' AND "
          "i.lease_owner = ? AND i.lease_token = ? AND i.job_id IN (SELECT id FROM pin) "
          "RETURNING i.job_id, i.run_id), "
          "per_run AS (SELECT run_id, job_id, 0 AS ok, count(*) AS failed FROM done GROUP BY "
          "run_id, job_id), " +
              std::string(kCounterCtes) +
              "SELECT done.job_id, done.run_id, COALESCE(jobs.status, pin.status), "
              "runs.total_items, runs.successful_count, runs.failed_count, runs.finished FROM "
              "done JOIN pin ON pin.id = done.job_id JOIN runs ON runs.id = done.run_id LEFT "
              "JOIN jobs ON jobs.id = done.job_id",
          T(failure.item_id), Tm(now), SqlParam::Real(failure.duration_seconds), J(failure.result),
          T(failure.error_code), T(failure.error_message), J(failure.error_details),
          T(failure.item_id), T(failure.worker_id), I(failure.lease_token), Tm(now), Tm(now));
      if (rows.empty()) {
        QUERY_OR_RETURN(exists, c, "SELECT 1 FROM batch_analysis_items WHERE id = ?",
                        T(failure.item_id));
        return exists.empty() ? NotFoundStatus("item", failure.item_id)
                              : LeaseLost(failure.item_id);
      }
      const auto& row = rows.rows[0];
      ItemUpdate u;
      u.job_id = row[0].value_or("");
      u.run_id = row[1].value_or("");
      u.job_status = ParseJobStatus(row[2].value_or("")).value_or(JobStatus::kRunning);
      u.total_leads = std::stoll(row[3].value_or("0"));
      u.successful_count = std::stoll(row[4].value_or("0"));
      u.failed_count = std::stoll(row[5].value_or("0"));
      u.run_finished = row[6].value_or("") == "t";
      if (u.run_finished)
        LEADSCAN_RETURN_IF_ERROR(EnqueueRunEndedTx(c, u.job_id, u.run_id, now));
      out = std::move(u);
      return Status::Ok();
    });
    if (!s.ok())
      return s;
    return *out;
  }
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    Job job;
    std::string run_id, lead_id, domain;
    LEADSCAN_RETURN_IF_ERROR(LockLeasedItemTx(c, *backend_, failure.item_id, failure.worker_id,
                                              failure.lease_token, &job, &run_id, &lead_id,
                                              &domain));
    {
      EXEC_OR_RETURN(n, c,
                     "UPDATE batch_analysis_items SET status = 'failed', completed_at = ?, "
                     "duration_seconds = ?, result = ?, error_code = ?, error_message = ?, "
                     "error_details = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
                     Tm(now), SqlParam::Real(failure.duration_seconds), J(failure.result),
                     T(failure.error_code), T(failure.error_message), J(failure.error_details),
                     T(failure.item_id));
      (void)n;
    }
    auto u = CountItemTx(c, job, run_id, /*ok=*/false, now);
    if (!u.ok())
      return u.status();
    out = std::move(u).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Status SqlStore::RetryItem(const ItemRetry& retry) {
  if (!IsUuid(retry.item_id))
    return NotFoundStatus("item", retry.item_id);
  return backend_->Write([&](SqlConn& c) -> Status {
    EXEC_OR_RETURN(n, c,
                   "UPDATE batch_analysis_items SET status = 'pending', retry_count = retry_count "
                   "+ 1, not_before = ?, error_code = ?, error_message = ?, lease_owner = NULL, "
                   "lease_expires_at = NULL WHERE id = ? AND status = 'processing' AND "
                   "lease_owner = ? AND lease_token = ?",
                   Tm(TruncateTime(retry.not_before)), OptText(retry.error_code),
                   OptText(retry.error_message), T(retry.item_id), T(retry.worker_id),
                   I(retry.lease_token));
    if (n == 0)
      return LeaseLost(retry.item_id);
    return Status::Ok();
  });
}

Result<int64_t> SqlStore::ReleaseExpiredLeases(bool count_expiries) {
  int64_t count = 0;
  TimePoint now = Now();
  const int64_t expiry_step = count_expiries ? 1 : 0;
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    count = 0;
    // Poison items first: their lease ran out before, and now again (never when expiries are
    // not counted: the limit below is out of reach).
    QUERY_OR_RETURN(poisoned, c,
                    "SELECT id, lease_owner, lease_token FROM batch_analysis_items WHERE status = "
                    "'processing' AND lease_expires_at < ? AND lease_expiries + 1 >= ?",
                    Tm(now),
                    I(count_expiries ? kPoisonLeaseExpiries : std::numeric_limits<int>::max()));
    for (const auto& row : poisoned.rows) {
      const std::string id = row[0].value_or("");
      Job job;
      std::string run_id, lead_id, domain;
      const int64_t token = std::stoll(row[2].value_or("0"));  // an INTEGER column
      Status locked = LockLeasedItemTx(c, *backend_, id, row[1].value_or(""), token, &job, &run_id,
                                       &lead_id, &domain);
      if (locked.error_code() == "lease_lost")
        continue;  // finished or renewed meanwhile
      LEADSCAN_RETURN_IF_ERROR(locked);
      EXEC_OR_RETURN(n, c,
                     "UPDATE batch_analysis_items SET status = 'failed', completed_at = ?, "
                     "error_code = ?, error_message = ?, lease_owner = NULL, lease_expires_at = "
                     "NULL, lease_expiries = lease_expiries + 1 WHERE id = ? AND lease_expires_at "
                     "< ?",
                     Tm(now), T(std::string(kPoisonItemErrorCode)),
                     T("the item's lease ran out " + std::to_string(kPoisonLeaseExpiries) +
                       " times without an outcome: its analysis ended or hung its process"),
                     T(id), Tm(now));
      if (n == 0)
        continue;
      auto counted = CountItemTx(c, job, run_id, /*ok=*/false, now);
      if (!counted.ok())
        return counted.status();
      ++count;
    }
    EXEC_OR_RETURN(n, c,
                   "UPDATE batch_analysis_items SET status = 'pending', lease_owner = NULL, "
                   "lease_expires_at = NULL, lease_expiries = lease_expiries + ? WHERE status = "
                   "'processing' AND lease_expires_at < ?",
                   I(expiry_step), Tm(now));
    count += n;
    // A running run without an open item is finished here. None should exist: a batch of
    // completions ends its run by the counters, which every path keeps exact; this is the net
    // for counters that were changed outside the store (SQL by hand, say).
    QUERY_OR_RETURN(stranded, c,
                    "SELECT r.job_id, r.id FROM batch_analysis_runs r WHERE r.status = "
                    "'running' AND NOT EXISTS (SELECT 1 FROM batch_analysis_items i WHERE "
                    "i.run_id = r.id AND i.status IN ('pending', 'processing')) ORDER BY "
                    "r.job_id");
    for (const auto& row : stranded.rows) {
      auto job = GetJobAnyOrgTx(c, row[0].value_or(""), backend_->ForUpdate());
      if (!job.ok())
        return job.status();
      auto u = RecountTx(c, job->id, row[1].value_or(""), now);
      if (!u.ok())
        return u.status();
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return count;
}

Result<int64_t> SqlStore::ReleaseWorkerLeases(const std::string& worker_id) {
  int64_t count = 0;
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    EXEC_OR_RETURN(n, c,
                   "UPDATE batch_analysis_items SET status = 'pending', lease_owner = NULL, "
                   "lease_expires_at = NULL WHERE status = 'processing' AND lease_owner = ?",
                   T(worker_id));
    count = n;
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return count;
}

Result<Page<Item>> SqlStore::ListItems(const OrgId& org_id, const std::string& job_id,
                                       const ItemFilter& filter) {
  Page<Item> page;
  page.limit = std::max<int64_t>(0, filter.limit);
  page.offset = std::max<int64_t>(0, filter.offset);
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto j = GetJobTx(c, org_id, job_id);
    if (!j.ok())
      return j.status();
    std::string run_id = filter.run_id.empty() ? j->current_run_id : filter.run_id;
    if (run_id.empty() || !IsUuid(run_id))
      return Status::Ok();
    std::string where = " WHERE i.job_id = ? AND i.run_id = ?";
    SqlParams p{T(job_id), T(run_id)};
    if (filter.status) {
      where += " AND i.status = ?";
      p.push_back(T(ItemStatusName(*filter.status)));
    }
    QUERY_OR_RETURN(count, c, "SELECT COUNT(*) FROM batch_analysis_items i" + where, p);
    page.total = std::stoll(count.rows[0][0].value_or("0"));
    SqlParams q = p;
    q.push_back(I(page.limit));
    q.push_back(I(page.offset));
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kItemCols +
                        (filter.include_result ? ", i.result" : "") +
                        " FROM batch_analysis_items i JOIN leads l ON l.id = i.lead_id" + where +
                        " ORDER BY i.seq LIMIT ? OFFSET ?",
                    q);
    page.rows = MapRows<Item>(rows, ToItem);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return page;
}

Result<Item> SqlStore::GetItem(const std::string& item_id) {
  if (!IsUuid(item_id))
    return NotFoundStatus("item", item_id);
  std::vector<Item> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kItemCols +
                        ", i.result FROM batch_analysis_items i JOIN leads l ON l.id = i.lead_id "
                        "WHERE i.id = ?",
                    T(item_id));
    out = MapRows<Item>(rows, ToItem);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  if (out.empty())
    return NotFoundStatus("item", item_id);
  return out.front();
}

// ---- analysis history ----

Result<AnalysisRecord> SqlStore::RecordAnalysis(const OrgId& org_id, const AnalysisRecord& record,
                                                const LeadFindings& findings) {
  if (!IsUuid(record.lead_id) || !IsUuid(org_id))
    return NotFoundStatus("lead", record.lead_id);
  AnalysisRecord a = record;
  a.org_id = org_id.str();
  a.id = NewUuid();
  a.analyzed_at = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(lead, c, "SELECT domain FROM leads WHERE id = ? AND org_id = ?", T(a.lead_id),
                    T(a.org_id));
    if (lead.empty())
      return NotFoundStatus("lead", a.lead_id);
    if (a.domain.empty())
      a.domain = lead.rows[0][0].value_or("");
    auto id_or_null = [](const std::string& v) {
      return IsUuid(v) ? SqlParam::Text(v) : SqlParam::Null();
    };
    EXEC_OR_RETURN(n, c,
                   "INSERT INTO analysis_results (id, org_id, lead_id, job_id, run_id, item_id, "
                   "job_type, domain, analyzed_at, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   T(a.id), T(a.org_id), T(a.lead_id), id_or_null(a.job_id), id_or_null(a.run_id),
                   id_or_null(a.item_id), OptText(a.job_type), OptText(a.domain), Tm(a.analyzed_at),
                   T(JsonText(a.result)));
    (void)n;
    LEADSCAN_RETURN_IF_ERROR(WriteFindingsTx(c, a.lead_id, findings, a.analyzed_at));
    // What changed in the lead's findings, decided once, here, in the outcome's transaction.
    AnalysisOutcome outcome{a.org_id,   a.lead_id,     a.domain,  a.job_id, a.id,
                            a.job_type, a.analyzed_at, &a.result, &findings};
    return RecordFindingChangesTx(*backend_, c, outcome);
  });
  if (!s.ok())
    return s;
  return a;
}

Result<Page<AnalysisRecord>> SqlStore::ListAnalyses(const OrgId& org_id, const std::string& lead_id,
                                                    int64_t limit, int64_t offset) {
  Page<AnalysisRecord> page;
  page.limit = std::max<int64_t>(0, limit);
  page.offset = std::max<int64_t>(0, offset);
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto l = GetLeadTx(c, org_id, lead_id);
    if (!l.ok())
      return l.status();
    QUERY_OR_RETURN(count, c, "SELECT COUNT(*) FROM analysis_results WHERE lead_id = ?",
                    T(lead_id));
    page.total = std::stoll(count.rows[0][0].value_or("0"));
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kAnalysisCols +
                        " FROM analysis_results a WHERE a.lead_id = ? ORDER BY a.analyzed_at "
                        "DESC, a.id DESC LIMIT ? OFFSET ?",
                    T(lead_id), I(page.limit), I(page.offset));
    page.rows = MapRows<AnalysisRecord>(rows, ToAnalysis);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return page;
}

// ---- scheduler ----

Result<std::vector<Job>> SqlStore::ListDueJobs(TimePoint now, int64_t limit) {
  std::vector<Job> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    QUERY_OR_RETURN(rows, c,
                    std::string("SELECT ") + kJobCols +
                        " FROM batch_analysis_jobs j WHERE j.is_scheduled = ? AND j.enabled = ? "
                        "AND j.status <> 'cancelled' AND j.next_run_at IS NOT NULL AND "
                        "j.next_run_at <= ? ORDER BY j.next_run_at, j.id LIMIT ?",
                    B(true), B(true), Tm(TruncateTime(now)), I(limit));
    out = MapRows<Job>(rows, ToJob);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<bool> SqlStore::ClaimOccurrence(const std::string& job_id, TimePoint expected,
                                       std::optional<TimePoint> new_next) {
  if (!IsUuid(job_id))
    return NotFoundStatus("job", job_id);
  bool won = false;
  if (new_next)
    new_next = TruncateTime(*new_next);
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    EXEC_OR_RETURN(n, c,
                   "UPDATE batch_analysis_jobs SET next_run_at = ? WHERE id = ? AND "
                   "next_run_at = ?",
                   Tm(new_next), T(job_id), Tm(TruncateTime(expected)));
    won = n == 1;
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return won;
}

Result<std::optional<Run>> SqlStore::FireOccurrence(const std::string& job_id, TimePoint occurrence,
                                                    std::optional<TimePoint> new_next,
                                                    const std::string& skip_reason) {
  if (!IsUuid(job_id))
    return NotFoundStatus("job", job_id);
  occurrence = TruncateTime(occurrence);
  if (new_next)
    new_next = TruncateTime(*new_next);
  std::optional<Run> out;
  const TimePoint now = Now();
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out.reset();
    auto j = GetJobAnyOrgTx(c, job_id, backend_->ForUpdate());
    if (!j.ok())
      return j.status();
    if (!j->is_scheduled || !j->enabled || j->next_run_at != occurrence)
      return Status::Ok();  // another scheduler (or an edit) moved it first
    EXEC_OR_RETURN(moved, c, "UPDATE batch_analysis_jobs SET next_run_at = ? WHERE id = ?",
                   Tm(new_next), T(job_id));
    (void)moved;
    if (j->status == JobStatus::kCancelled)
      return Status::Ok();
    QUERY_OR_RETURN(fired, c,
                    "SELECT id FROM batch_analysis_runs WHERE job_id = ? AND scheduled_for = ?",
                    T(job_id), Tm(occurrence));
    if (!fired.empty())
      return Status::Ok();
    QUERY_OR_RETURN(running, c,
                    "SELECT id FROM batch_analysis_runs WHERE job_id = ? AND status = 'running'",
                    T(job_id));
    if (running.empty()) {
      auto run = CreateRunTx(c, j.value(), RunTrigger::kScheduled, occurrence, now);
      if (!run.ok())
        return run.status();
      out = std::move(run).value();
      return Status::Ok();
    }
    auto run = InsertSkippedRunTx(c, j.value(), occurrence, skip_reason, now);
    if (!run.ok())
      return run.status();
    out = std::move(run).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<LeaderLease> SqlStore::AcquireLeaderLease(const std::string& name, const std::string& owner,
                                                 std::chrono::milliseconds ttl) {
  if (name.empty() || owner.empty())
    return Status::InvalidArgument("invalid_lease", "a leader lease needs a name and an owner");
  if (ttl <= std::chrono::milliseconds::zero())
    return Status::InvalidArgument("invalid_lease", "a leader lease needs a positive duration");
  LeaderLease out;
  const TimePoint now = Now();
  const TimePoint expires = TruncateTime(now + ttl);
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out = LeaderLease{};
    // One conditional upsert: a free, own or expired lease is taken; a live one of another
    // owner is left alone (0 rows changed).
    EXEC_OR_RETURN(n, c,
                   "INSERT INTO leader_leases (name, owner, acquired_at, expires_at) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                   "owner = excluded.owner, expires_at = excluded.expires_at, acquired_at = "
                   "CASE WHEN leader_leases.owner = excluded.owner THEN leader_leases.acquired_at "
                   "ELSE excluded.acquired_at END "
                   "WHERE leader_leases.owner = excluded.owner OR leader_leases.expires_at < ?",
                   T(name), T(owner), Tm(now), Tm(expires), Tm(now));
    (void)n;
    QUERY_OR_RETURN(rows, c,
                    "SELECT owner, acquired_at, expires_at FROM leader_leases WHERE name = ?",
                    T(name));
    if (rows.empty())
      return Status::Error(common::StatusCode::kIoError, "io_error", "leader lease row missing");
    const auto& row = rows.rows[0];
    out.owner = row[0].value_or("");
    out.acquired_at = ParseTime(row[1].value_or("")).value_or(TimePoint{});
    out.expires_at = ParseTime(row[2].value_or("")).value_or(TimePoint{});
    out.held = out.owner == owner;
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Status SqlStore::ReleaseLeaderLease(const std::string& name, const std::string& owner) {
  return backend_->Write([&](SqlConn& c) -> Status {
    EXEC_OR_RETURN(n, c, "DELETE FROM leader_leases WHERE name = ? AND owner = ?", T(name),
                   T(owner));
    (void)n;
    return Status::Ok();
  });
}

Result<std::vector<Job>> SqlStore::ListUpcomingJobs(const std::optional<OrgId>& org_id,
                                                    int64_t limit) {
  std::vector<Job> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    std::string sql = std::string("SELECT ") + kJobCols +
                      " FROM batch_analysis_jobs j WHERE j.is_scheduled = ? AND j.enabled = ? "
                      "AND j.status <> 'cancelled' AND j.next_run_at IS NOT NULL";
    SqlParams p{B(true), B(true)};
    if (org_id) {
      if (!IsUuid(*org_id))
        return Status::Ok();
      sql += " AND j.org_id = ?";
      p.push_back(T(*org_id));
    }
    sql += " ORDER BY j.next_run_at, j.id LIMIT ?";
    p.push_back(I(limit));
    QUERY_OR_RETURN(rows, c, sql, p);
    out = MapRows<Job>(rows, ToJob);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

}  // namespace leadscan::store
