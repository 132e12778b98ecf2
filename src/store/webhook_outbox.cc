#include "store/webhook_outbox.h"

#include <date/date.h>

#include "common/json_parse.h"
#include "common/uuid.h"

namespace leadscan::store {
namespace {

// The API's one time format ("2025-12-18T22:00:00Z"), so a payload reads like an answer.
Json IsoOrNull(const std::optional<TimePoint>& t) {
  if (!t)
    return nullptr;
  return date::format("%FT%TZ", date::floor<std::chrono::seconds>(*t));
}

SqlParam Text(std::string v) {
  return SqlParam::Text(std::move(v));
}

}  // namespace

Json JobCompletedEventData(const Job& job, const Run& run) {
  return {{"job_id", job.id},
          {"job_name", job.job_name},
          {"job_type", job.job_type},
          {"is_scheduled", job.is_scheduled},
          {"job_status", JobStatusName(job.status)},
          {"run_id", run.id},
          {"trigger", RunTriggerName(run.trigger)},
          {"status", RunStatusName(run.status)},
          {"scheduled_for", IsoOrNull(run.scheduled_for)},
          {"started_at", IsoOrNull(run.started_at)},
          {"completed_at", IsoOrNull(run.completed_at)},
          {"total_items", run.total_items},
          {"successful_count", run.successful_count},
          {"failed_count", run.failed_count},
          {"progress", run.successful_count + run.failed_count},
          {"error_message", run.error_message.empty() ? Json() : Json(run.error_message)}};
}

Json LeadChangedEventData(const LeadChangeSet& set) {
  Json changes = Json::array();
  for (const LeadChange& c : set.changes) {
    changes.push_back({{"field", c.field},
                       {"name", c.name},
                       {"change", c.change},
                       {"previous", c.previous},
                       {"evidence", c.evidence.is_null() ? Json::array() : c.evidence}});
  }
  return {{"lead_id", set.lead_id},
          {"company_name", set.company_name},
          {"domain", set.domain.empty() ? Json() : Json(set.domain)},
          {"job_id", set.job_id.empty() ? Json() : Json(set.job_id)},
          {"analysis_id", set.analysis_id},
          {"detected_at", IsoOrNull(set.detected_at)},
          {"changes", changes}};
}

bool WebhookWantsEvent(std::string_view events_json, std::string_view event) {
  if (!common::CheckJsonDepth(events_json).ok())
    return false;
  Json events = Json::parse(events_json, nullptr, /*allow_exceptions=*/false);
  if (!events.is_array())
    return false;
  for (const Json& e : events) {
    if (e.is_string() && e.get_ref<const std::string&>() == event)
      return true;
  }
  return false;
}

common::Status EnqueueWebhookEventTx(SqlConn& conn, const std::string& org_id,
                                     std::string_view event, const Json& data, TimePoint now) {
  auto hooks = conn.Query("SELECT id, events FROM webhooks WHERE org_id = ?", {Text(org_id)});
  if (!hooks.ok())
    return hooks.status();
  if (hooks->empty())
    return common::Status::Ok();
  const std::string event_id = common::NewUuid();
  // Invalid UTF-8 from a site becomes U+FFFD instead of making dump() throw.
  const std::string data_text = data.dump(-1, ' ', false, Json::error_handler_t::replace);
  const std::string at = FormatTime(now);
  for (const auto& row : hooks->rows) {
    if (!WebhookWantsEvent(row[1].value_or(""), event))
      continue;
    auto n = conn.Exec(
        "INSERT INTO webhook_deliveries (id, webhook_id, org_id, event_id, event, "
        "event_created_at, data, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, "
        "?, ?, ?, ?, 'pending', 0, ?, ?)",
        {Text(common::NewUuid()), Text(row[0].value_or("")), Text(org_id), Text(event_id),
         Text(std::string(event)), Text(at), Text(data_text), Text(at), Text(at)});
    if (!n.ok())
      return n.status();
  }
  return common::Status::Ok();
}

}  // namespace leadscan::store
