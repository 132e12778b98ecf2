#include "api/job_handlers.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <set>

#include "analysis/analysis_type.h"
#include "api/csv.h"
#include "common/uuid.h"
#include "http/sse_stream.h"
#include "jobs/batch_runner.h"
#include "jobs/cron_next.h"
#include "jobs/job_events.h"
#include "jobs/scheduler.h"

namespace leadscan::api {
namespace {

using common::Result;
using common::Status;
using http::Request;
using http::Response;

constexpr int64_t kDefaultItemsLimit = 1000;
constexpr int64_t kMaxItemsLimit = 20000;

std::string TypeLabel(analysis::AnalysisType type) {
  switch (type) {
    case analysis::AnalysisType::kTechAnalysis:
      return "Tech Analysis";
    case analysis::AnalysisType::kCheckoutScraping:
      return "Checkout Scraping";
    case analysis::AnalysisType::kFullAnalysis:
      return "Full Analysis";
    case analysis::AnalysisType::kEcommerceDetection:
      return "E-commerce Detection";
    case analysis::AnalysisType::kCarrierDetection:
      return "Carrier Detection";
  }
  return "Analysis";
}

// lead_ids: a non-empty array of unique UUID strings, at most `limit`.
Result<std::vector<std::string>> ParseLeadIds(const Json& body, int64_t limit) {
  auto it = body.find("lead_ids");
  if (it == body.end() || it->is_null()) {
    return Status::InvalidArgument("missing_field", "lead_ids is required", "lead_ids");
  }
  if (!it->is_array()) {
    return Status::InvalidArgument("invalid_type", "lead_ids must be an array of lead ids",
                                   "lead_ids");
  }
  if (it->empty()) {
    return Status::InvalidArgument("empty_lead_ids", "lead_ids must not be empty", "lead_ids");
  }
  if (static_cast<int64_t>(it->size()) > limit) {
    return Status::InvalidArgument("too_many_leads",
                                   "at most " + std::to_string(limit) + " lead_ids per job (got " +
                                       std::to_string(it->size()) + ")",
                                   "lead_ids");
  }
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& v = (*it)[i];
    const std::string field = "lead_ids[" + std::to_string(i) + "]";
    if (!v.is_string() || !common::IsUuid(v.get<std::string>())) {
      return Status::InvalidArgument("invalid_lead_id", field + " is not a UUID", field);
    }
    std::string id = common::CanonicalUuid(v.get<std::string>());
    if (!seen.insert(id).second) {
      return Status::InvalidArgument("duplicate_lead_id", field + " repeats " + id, field);
    }
    ids.push_back(std::move(id));
  }
  return ids;
}

Result<std::string> ParseZone(const Json& body, const std::string& fallback) {
  auto tz = OptionalString(body, "timezone");
  if (!tz.ok())
    return tz.status();
  std::string zone = tz->value_or(fallback);
  if (zone.empty())
    zone = fallback;
  auto found = jobs::LookupTimeZone(zone);
  if (!found.ok())
    return found.status();
  return zone;
}

// Creates a job (manual or scheduled) from validated parts and answers in the seed's shape.
Response CreateJob(Services& s, const Request& req, store::NewJob job) {
  job.created_by = req.Caller().subject;
  auto created = s.store.CreateJob(req.Caller().org_id, job);
  if (!created.ok())
    return Response::FromStatus(created.status());
  if (job.is_scheduled) {
    if (s.scheduler != nullptr)
      s.scheduler->Notify();
    return Response::Json(201, {{"job_id", created->job.id},
                                {"message", "Scheduled job created"},
                                {"status", store::JobStatusName(created->job.status)},
                                {"next_run_at", IsoTimeOrNull(created->job.next_run_at)}});
  }
  if (s.runner != nullptr)
    s.runner->Wake();
  return Response::Json(201, {{"job_id", created->job.id},
                              {"message", "Batch job started"},
                              {"status", store::JobStatusName(created->job.status)}});
}

// The parts a manual job and a quick analysis share: the type under `type_key`, lead_ids,
// analysis_config and job_name (a name is made up from the type and count when absent).
Result<store::NewJob> ParseBatch(const Json& body, std::string_view type_key, int64_t limit) {
  auto type_text = RequiredString(body, type_key);
  if (!type_text.ok())
    return type_text.status();
  auto type = analysis::ParseAnalysisType(*type_text, type_key);
  if (!type.ok())
    return type.status();
  auto ids = ParseLeadIds(body, limit);
  if (!ids.ok())
    return ids.status();
  auto config = analysis::ParseAnalysisConfig(body.value("analysis_config", Json()));
  if (!config.ok())
    return config.status();
  auto name = OptionalString(body, "job_name");
  if (!name.ok())
    return name.status();
  store::NewJob job;
  job.job_type = std::string(analysis::AnalysisTypeName(*type));
  job.job_name = name->value_or("");
  if (job.job_name.empty()) {
    job.job_name = TypeLabel(*type) + " (" + std::to_string(ids->size()) + " leads)";
  }
  job.lead_ids = std::move(*ids);
  job.analysis_config = body.value("analysis_config", Json::object());
  if (job.analysis_config.is_null())
    job.analysis_config = Json::object();
  return job;
}

Response PostJob(Services& s, const Request& req) {
  auto body = http::ParseJsonBody(req);
  if (!body.ok())
    return Response::FromStatus(body.status());
  if (auto st = CheckObject(*body, {"job_name", "job_type", "lead_ids", "analysis_config",
                                    "is_scheduled", "schedule_cron", "timezone", "enabled"});
      !st.ok()) {
    return Response::FromStatus(st);
  }
  auto parsed = ParseBatch(*body, "job_type", s.options.batch_limit);
  if (!parsed.ok())
    return Response::FromStatus(parsed.status());
  auto scheduled = OptionalBool(*body, "is_scheduled");
  if (!scheduled.ok())
    return Response::FromStatus(scheduled.status());
  auto enabled = OptionalBool(*body, "enabled");
  if (!enabled.ok())
    return Response::FromStatus(enabled.status());
  auto cron = OptionalString(*body, "schedule_cron");
  if (!cron.ok())
    return Response::FromStatus(cron.status());
  auto zone = ParseZone(*body, s.options.default_timezone);
  if (!zone.ok())
    return Response::FromStatus(zone.status());

  store::NewJob job = std::move(*parsed);
  job.is_scheduled = scheduled->value_or(false);
  job.enabled = enabled->value_or(true);
  job.timezone = *zone;
  if (job.is_scheduled) {
    if (!cron->has_value() || (*cron)->empty()) {
      return Response::Error(400, "missing_field", "schedule_cron is required when is_scheduled",
                             "schedule_cron");
    }
    auto next = jobs::NextOccurrence(**cron, job.timezone, s.clock.Now());
    if (!next.ok())
      return Response::FromStatus(next.status());
    job.schedule_cron = **cron;
    job.next_run_at = *next;
  } else if (cron->has_value() && !(*cron)->empty()) {
    return Response::Error(400, "invalid_schedule",
                           "schedule_cron needs is_scheduled: true (or leave it out)",
                           "schedule_cron");
  }
  return CreateJob(s, req, std::move(job));
}

Response QuickAnalyze(Services& s, const Request& req) {
  auto body = http::ParseJsonBody(req);
  if (!body.ok())
    return Response::FromStatus(body.status());
  if (auto st = CheckObject(*body, {"lead_ids", "analysis_type", "analysis_config", "job_name"});
      !st.ok()) {
    return Response::FromStatus(st);
  }
  auto parsed = ParseBatch(*body, "analysis_type", s.options.batch_limit);
  if (!parsed.ok())
    return Response::FromStatus(parsed.status());
  store::NewJob job = std::move(*parsed);
  job.timezone = s.options.default_timezone;
  return CreateJob(s, req, std::move(job));
}

Result<std::string> JobId(const Request& req) {
  std::string id(req.Param("id"));
  if (!common::IsUuid(id))
    return Status::NotFound("job not found");
  return common::CanonicalUuid(id);
}

Response ListJobs(Services& s, const Request& req) {
  store::JobFilter filter;
  if (auto v = req.Query("status")) {
    auto status = store::ParseJobStatus(*v);
    if (!status) {
      return Response::Error(400, "invalid_query",
                             "status must be one of pending, scheduled, running, completed, "
                             "failed, cancelled",
                             "status");
    }
    filter.status = status;
  }
  auto scheduled = QueryBool(req, "is_scheduled");
  if (!scheduled.ok())
    return Response::FromStatus(scheduled.status());
  filter.is_scheduled = *scheduled;
  auto limit = QueryInt(req, "limit", 50, 1, ApiOptions::kMaxPageSize);
  if (!limit.ok())
    return Response::FromStatus(limit.status());
  auto offset = QueryInt(req, "offset", 0, 0, INT64_MAX);
  if (!offset.ok())
    return Response::FromStatus(offset.status());
  filter.limit = *limit;
  filter.offset = *offset;
  auto page = s.store.ListJobs(req.Caller().org_id, filter);
  if (!page.ok())
    return Response::FromStatus(page.status());
  Json jobs = Json::array();
  for (const auto& j : page->rows)
    jobs.push_back(JobJson(j));
  return Response::Json(
      200,
      {{"jobs", jobs}, {"total", page->total}, {"limit", page->limit}, {"offset", page->offset}});
}

Response GetJob(Services& s, const Request& req) {
  auto id = JobId(req);
  if (!id.ok())
    return Response::FromStatus(id.status());
  const common::OrgId& org = req.Caller().org_id;
  auto job = s.store.GetJob(org, *id);
  if (!job.ok())
    return Response::FromStatus(job.status());
  store::ItemFilter filter;
  if (auto v = req.Query("run_id"))
    filter.run_id = *v;
  if (auto v = req.Query("item_status")) {
    auto st = store::ParseItemStatus(*v);
    if (!st) {
      return Response::Error(400, "invalid_query",
                             "item_status must be pending, processing, completed, failed or "
                             "cancelled",
                             "item_status");
    }
    filter.status = st;
  }
  auto limit = QueryInt(req, "items_limit", kDefaultItemsLimit, 0, kMaxItemsLimit);
  if (!limit.ok())
    return Response::FromStatus(limit.status());
  auto offset = QueryInt(req, "items_offset", 0, 0, INT64_MAX);
  if (!offset.ok())
    return Response::FromStatus(offset.status());
  filter.limit = *limit;
  filter.offset = *offset;
  Json out = JobJson(*job);
  Json items = Json::array();
  int64_t items_total = 0;
  if (filter.limit == 0 && filter.run_id.empty() && !filter.status) {
    // Counters only (pollers): the job row already carries the current run's total.
    items_total = job->total_leads;
  } else if (!job->current_run_id.empty() || !filter.run_id.empty()) {
    auto page = s.store.ListItems(org, *id, filter);
    if (!page.ok())
      return Response::FromStatus(page.status());
    for (const auto& item : page->rows)
      items.push_back(ItemJson(item));
    items_total = page->total;
  }
  out["items"] = std::move(items);
  out["items_total"] = items_total;
  return Response::Json(200, {{"job", out}});
}

Response CancelJob(Services& s, const Request& req) {
  auto id = JobId(req);
  if (!id.ok())
    return Response::FromStatus(id.status());
  auto job = s.runner != nullptr ? s.runner->CancelJob(req.Caller().org_id, *id)
                                 : s.store.CancelJob(req.Caller().org_id, *id);
  if (!job.ok())
    return Response::FromStatus(job.status());
  if (s.scheduler != nullptr && job->is_scheduled)
    s.scheduler->Notify();
  return Response::Json(200, {{"job_id", job->id},
                              {"message", "Batch job cancelled"},
                              {"status", store::JobStatusName(job->status)}});
}

Response TriggerJob(Services& s, const Request& req) {
  auto id = JobId(req);
  if (!id.ok())
    return Response::FromStatus(id.status());
  if (s.scheduler == nullptr) {
    return Response::Error(503, "scheduler_unavailable", "this process runs no scheduler");
  }
  auto run = s.scheduler->Trigger(req.Caller().org_id, *id);
  if (!run.ok())
    return Response::FromStatus(run.status());
  return Response::Json(
      200,
      {{"job_id", *id}, {"run_id", run->id}, {"message", "Job triggered"}, {"status", "running"}});
}

Response PatchJob(Services& s, const Request& req) {
  auto id = JobId(req);
  if (!id.ok())
    return Response::FromStatus(id.status());
  const common::OrgId& org = req.Caller().org_id;
  auto body = http::ParseJsonBody(req);
  if (!body.ok())
    return Response::FromStatus(body.status());
  if (auto st = CheckObject(
          *body, {"job_name", "schedule_cron", "timezone", "enabled", "analysis_config"});
      !st.ok()) {
    return Response::FromStatus(st);
  }
  auto job = s.store.GetJob(org, *id);
  if (!job.ok())
    return Response::FromStatus(job.status());
  store::JobPatch patch;
  auto name = OptionalString(*body, "job_name");
  if (!name.ok())
    return Response::FromStatus(name.status());
  if (name->has_value()) {
    if ((*name)->empty()) {
      return Response::Error(400, "missing_field", "job_name cannot be empty", "job_name");
    }
    patch.job_name = **name;
  }
  auto enabled = OptionalBool(*body, "enabled");
  if (!enabled.ok())
    return Response::FromStatus(enabled.status());
  if (enabled->has_value())
    patch.enabled = **enabled;
  if (body->contains("analysis_config")) {
    auto config = analysis::ParseAnalysisConfig((*body)["analysis_config"]);
    if (!config.ok())
      return Response::FromStatus(config.status());
    patch.analysis_config =
        (*body)["analysis_config"].is_null() ? Json::object() : (*body)["analysis_config"];
  }
  auto cron = OptionalString(*body, "schedule_cron");
  if (!cron.ok())
    return Response::FromStatus(cron.status());
  const bool schedule_change =
      cron->has_value() || body->contains("timezone") || enabled->has_value();
  if ((cron->has_value() || body->contains("timezone")) && !job->is_scheduled) {
    return Response::Error(400, "not_scheduled",
                           "schedule_cron and timezone apply to scheduled jobs only",
                           cron->has_value() ? "schedule_cron" : "timezone");
  }
  if (job->is_scheduled && schedule_change) {
    std::string expr = cron->value_or(job->schedule_cron);
    auto zone = ParseZone(*body, job->timezone);
    if (!zone.ok())
      return Response::FromStatus(zone.status());
    auto next = jobs::NextOccurrence(expr, *zone, s.clock.Now());
    if (!next.ok())
      return Response::FromStatus(next.status());
    if (cron->has_value())
      patch.schedule_cron = expr;
    if (body->contains("timezone"))
      patch.timezone = *zone;
    patch.next_run_at = std::optional<common::TimePoint>(*next);
  }
  auto updated = s.store.UpdateJob(org, *id, patch);
  if (!updated.ok())
    return Response::FromStatus(updated.status());
  if (s.scheduler != nullptr && updated->is_scheduled)
    s.scheduler->Notify();
  return Response::Json(200, {{"job", JobJson(*updated)}});
}

Response DeleteJob(Services& s, const Request& req) {
  auto id = JobId(req);
  if (!id.ok())
    return Response::FromStatus(id.status());
  const common::OrgId& org = req.Caller().org_id;
  auto job = s.store.GetJob(org, *id);
  if (!job.ok())
    return Response::FromStatus(job.status());
  if (!store::IsFinal(job->status) && s.runner != nullptr) {
    // Stop its work first so no worker writes into a deleted job.
    auto cancelled = s.runner->CancelJob(org, *id);
    if (!cancelled.ok() && cancelled.status().code() != common::StatusCode::kConflict) {
      return Response::FromStatus(cancelled.status());
    }
  }
  if (auto st = s.store.DeleteJob(org, *id); !st.ok())
    return Response::FromStatus(st);
  if (s.scheduler != nullptr && job->is_scheduled)
    s.scheduler->Notify();
  return Response::NoContent();
}

Response ListRuns(Services& s, const Request& req) {
  auto id = JobId(req);
  if (!id.ok())
    return Response::FromStatus(id.status());
  auto limit = QueryInt(req, "limit", 50, 1, ApiOptions::kMaxPageSize);
  if (!limit.ok())
    return Response::FromStatus(limit.status());
  auto offset = QueryInt(req, "offset", 0, 0, INT64_MAX);
  if (!offset.ok())
    return Response::FromStatus(offset.status());
  auto page = s.store.ListRuns(req.Caller().org_id, *id, *limit, *offset);
  if (!page.ok())
    return Response::FromStatus(page.status());
  Json runs = Json::array();
  for (const auto& r : page->rows)
    runs.push_back(RunJson(r));
  return Response::Json(
      200,
      {{"runs", runs}, {"total", page->total}, {"limit", page->limit}, {"offset", page->offset}});
}

Response ExportResults(Services& s, const Request& req) {
  auto id = JobId(req);
  if (!id.ok())
    return Response::FromStatus(id.status());
  std::string format(req.Query("format").value_or("jsonl"));
  if (format != "jsonl" && format != "csv") {
    return Response::Error(400, "invalid_query", "format must be csv or jsonl", "format");
  }
  const common::OrgId& org = req.Caller().org_id;
  auto job = s.store.GetJob(org, *id);
  if (!job.ok())
    return Response::FromStatus(job.status());
  store::ItemFilter filter;
  if (auto v = req.Query("run_id"))
    filter.run_id = *v;
  filter.limit = ApiOptions::kMaxPageSize;
  filter.include_result = true;  // the export is the results
  std::string out;
  if (format == "csv") {
    out = CsvLine({"item_id", "lead_id", "company_name", "domain", "status", "error_code",
                   "duration_seconds", "final_url", "ecommerce_platform", "checkout_solutions",
                   "payment_methods", "carriers", "shipping_software", "technologies"});
  }
  if (job->current_run_id.empty() && filter.run_id.empty()) {
    return Response::Text(200, out,
                          format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson");
  }
  while (true) {
    auto page = s.store.ListItems(org, *id, filter);
    if (!page.ok())
      return Response::FromStatus(page.status());
    for (const auto& item : page->rows) {
      if (format == "jsonl") {
        Json line = ItemJson(item);
        line["result"] = item.result;
        out += line.dump(-1, ' ', false, Json::error_handler_t::replace);
        out += "\n";
        continue;
      }
      const Json& r = item.result;
      auto field = [&](const char* name) {
        return r.is_object() ? JoinFindingNames(r.value(name, Json())) : std::string();
      };
      out += CsvLine({item.id, item.lead_id, item.company_name, item.domain,
                      store::ItemStatusName(item.status), item.error_code,
                      item.duration_seconds ? std::to_string(*item.duration_seconds) : "",
                      r.is_object() ? r.value("final_url", "") : "", field("ecommerce_platform"),
                      field("checkout_solutions"), field("payment_methods"), field("carriers"),
                      field("shipping_software"), field("technologies")});
    }
    filter.offset += static_cast<int64_t>(page->rows.size());
    if (page->rows.empty() || filter.offset >= page->total)
      break;
  }
  Response resp = Response::Text(
      200, std::move(out), format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson");
  resp.WithHeader("Content-Disposition", "attachment; filename=\"job-" + *id + "." + format + "\"");
  return resp;
}

// An event's data line: invalid UTF-8 from outside is replaced, never an exception.
std::string EventData(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Streams a snapshot of the job, then its events, until the job is final or the client goes.
Response JobEventsStream(Services& s, const Request& req) {
  auto id = JobId(req);
  if (!id.ok())
    return Response::FromStatus(id.status());
  const common::OrgId org = req.Caller().org_id;
  auto job = s.store.GetJob(org, *id);
  if (!job.ok())
    return Response::FromStatus(job.status());
  if (s.events == nullptr) {
    return Response::Error(503, "events_unavailable", "this process publishes no job events");
  }
  Services* sp = &s;
  std::string job_id = *id;
  return Response::EventStream([sp, org, job_id](std::shared_ptr<http::SseStream> stream) {
    struct State {
      std::mutex mu;
      bool snapshot_sent = false;
    };
    auto state = std::make_shared<State>();
    std::weak_ptr<http::SseStream> weak_stream = stream;
    // Runs on whichever thread publishes the event (a batch worker, the scheduler): nothing
    // may escape into it. A frame that cannot be made ends this stream, not the publisher.
    auto deliver = [state, weak_stream](jobs::JobEventSubscription& sub) {
      auto out = weak_stream.lock();
      if (!out)
        return;
      try {
        for (const auto& e : sub.Drain()) {
          out->Send(jobs::JobEventKindName(e.kind), EventData(e.ToJson()),
                    std::to_string(e.sequence));
          if (e.kind == jobs::JobEventKind::kJobStatus && store::IsFinal(e.job_status)) {
            out->Close();
          }
        }
      } catch (const std::exception& ex) {
        spdlog::error("api: event stream frame failed: {}", ex.what());
        out->Close();
      } catch (...) {
        spdlog::error("api: event stream frame failed with a non-standard exception");
        out->Close();
      }
    };
    auto holder = std::make_shared<std::weak_ptr<jobs::JobEventSubscription>>();
    auto sub = sp->events->Subscribe(job_id, 0, [state, holder, deliver] {
      std::lock_guard<std::mutex> lock(state->mu);
      if (!state->snapshot_sent)
        return;
      if (auto s2 = holder->lock())
        deliver(*s2);
    });
    *holder = sub;
    // The stream owns the subscription; closing the stream ends it.
    stream->OnClose([sub] { sub->Close(); });
    auto snapshot = sp->store.GetJob(org, job_id);
    std::lock_guard<std::mutex> lock(state->mu);
    if (!snapshot.ok()) {
      stream->Send("error", EventData(Json{{"code", snapshot.status().error_code()},
                                           {"message", snapshot.status().message()}}));
      stream->Close();
      return;
    }
    stream->Send("snapshot", EventData(JobJson(*snapshot)));
    state->snapshot_sent = true;
    deliver(*sub);
    if (store::IsFinal(snapshot->status))
      stream->Close();
  });
}

Response SchedulerStatus(Services& s, const Request& req) {
  if (s.scheduler == nullptr) {
    return Response::Json(
        200,
        {{"scheduler", {{"running", false}, {"processing", false}, {"check_interval_seconds", 60}}},
         {"upcoming_jobs", Json::array()}});
  }
  // An admin is an admin of one organisation: the scheduler serves every organisation, but
  // upcoming_jobs lists only the caller's (SPEC section 8: every object scoped to its org).
  auto status = s.scheduler->Status(req.Caller().org_id);
  if (!status.ok())
    return Response::FromStatus(status.status());
  Json out = status->ToJson();
  // Times in the API's one format ("2025-12-19T02:00:00Z", as the seed shows).
  for (size_t i = 0; i < status->upcoming_jobs.size() && i < out["upcoming_jobs"].size(); ++i)
    out["upcoming_jobs"][i]["next_run_at"] = IsoTimeOrNull(status->upcoming_jobs[i].next_run_at);
  return Response::Json(200, out);
}

Response CronPreview(Services& s, const Request& req) {
  jobs::CronNextRequest preview;
  auto expr = req.Query("expr");
  if (!expr)
    expr = req.Query("schedule_cron");
  if (!expr || expr->empty()) {
    return Response::Error(400, "missing_field", "expr is required", "expr");
  }
  preview.expression = std::string(*expr);
  preview.timezone = std::string(req.Query("tz").value_or(s.options.default_timezone));
  if (auto from = req.Query("from"))
    preview.from = std::string(*from);
  auto n = QueryInt(req, "n", jobs::kDefaultCronNextCount, 1, jobs::kMaxCronNextCount);
  if (!n.ok())
    return Response::FromStatus(n.status());
  preview.count = static_cast<int>(*n);
  auto result = jobs::PreviewCron(preview, s.clock.Now());
  if (!result.ok())
    return Response::FromStatus(result.status());
  Json runs = Json::array();
  for (auto t : result->next_runs)
    runs.push_back(jobs::FormatIsoUtc(t));
  return Response::Json(200, {{"expression", result->expression},
                              {"timezone", result->timezone},
                              {"description", result->description},
                              {"next_runs", runs}});
}

}  // namespace

Json JobJson(const store::Job& j) {
  return {{"id", j.id},
          {"job_name", j.job_name},
          {"job_type", j.job_type},
          {"status", store::JobStatusName(j.status)},
          {"progress", j.progress},
          {"total_leads", j.total_leads},
          {"successful_count", j.successful_count},
          {"failed_count", j.failed_count},
          {"analysis_config", j.analysis_config},
          {"is_scheduled", j.is_scheduled},
          {"schedule_cron", j.schedule_cron.empty() ? Json() : Json(j.schedule_cron)},
          {"timezone", j.timezone},
          {"enabled", j.enabled},
          {"next_run_at", IsoTimeOrNull(j.next_run_at)},
          {"last_run_at", IsoTimeOrNull(j.last_run_at)},
          {"created_at", IsoTime(j.created_at)},
          {"created_by", j.created_by},
          {"started_at", IsoTimeOrNull(j.started_at)},
          {"completed_at", IsoTimeOrNull(j.completed_at)},
          {"error_message", j.error_message.empty() ? Json() : Json(j.error_message)},
          {"current_run_id", j.current_run_id.empty() ? Json() : Json(j.current_run_id)}};
}

Json ItemJson(const store::Item& i) {
  return {{"id", i.id},
          {"lead_id", i.lead_id},
          {"run_id", i.run_id},
          {"company_name", i.company_name},
          {"domain", i.domain.empty() ? Json() : Json(i.domain)},
          {"status", store::ItemStatusName(i.status)},
          {"retry_count", i.retry_count},
          {"error_code", i.error_code.empty() ? Json() : Json(i.error_code)},
          {"error_message", i.error_message.empty() ? Json() : Json(i.error_message)},
          {"error_details", i.error_details},
          {"started_at", IsoTimeOrNull(i.started_at)},
          {"completed_at", IsoTimeOrNull(i.completed_at)},
          {"duration_seconds", i.duration_seconds ? Json(*i.duration_seconds) : Json()}};
}

Json RunJson(const store::Run& r) {
  return {{"id", r.id},
          {"job_id", r.job_id},
          {"trigger", store::RunTriggerName(r.trigger)},
          {"status", store::RunStatusName(r.status)},
          {"scheduled_for", IsoTimeOrNull(r.scheduled_for)},
          {"started_at", IsoTime(r.started_at)},
          {"completed_at", IsoTimeOrNull(r.completed_at)},
          {"total_items", r.total_items},
          {"successful_count", r.successful_count},
          {"failed_count", r.failed_count},
          {"progress", r.successful_count + r.failed_count},
          {"error_message", r.error_message.empty() ? Json() : Json(r.error_message)}};
}

void RegisterJobRoutes(http::Router& router, Services& services) {
  Services* s = &services;
  const std::string base = "/api/batch-analysis";
  router.Post(base + "/jobs", [s](const Request& r) { return PostJob(*s, r); });
  router.Get(base + "/jobs", [s](const Request& r) { return ListJobs(*s, r); });
  router.Get(base + "/jobs/:id", [s](const Request& r) { return GetJob(*s, r); });
  router.Patch(base + "/jobs/:id", [s](const Request& r) { return PatchJob(*s, r); });
  router.Delete(base + "/jobs/:id", [s](const Request& r) { return DeleteJob(*s, r); });
  router.Post(base + "/jobs/:id/cancel", [s](const Request& r) { return CancelJob(*s, r); });
  router.Post(base + "/jobs/:id/trigger", [s](const Request& r) { return TriggerJob(*s, r); });
  router.Get(base + "/jobs/:id/runs", [s](const Request& r) { return ListRuns(*s, r); });
  router.Get(base + "/jobs/:id/results", [s](const Request& r) { return ExportResults(*s, r); });
  router.Get(base + "/jobs/:id/events", [s](const Request& r) { return JobEventsStream(*s, r); });
  router.Post(base + "/quick-analyze", [s](const Request& r) { return QuickAnalyze(*s, r); });
  router.Get(
      base + "/scheduler/status", [s](const Request& r) { return SchedulerStatus(*s, r); },
      http::RouteOptions{.is_public = false, .admin_only = true});
  router.Get("/api/cron/preview", [s](const Request& r) { return CronPreview(*s, r); });
}

}  // namespace leadscan::api
