// SqlStore's webhook methods: webhooks per organisation and the outbox of deliveries the
// delivery workers claim (docs/decisions/webhook-outbox.md). The enqueueing itself happens in
// the transactions of the changes (webhook_outbox.h).
#include <algorithm>
#include <map>

#include "common/json_parse.h"
#include "common/uuid.h"
#include "store/sql_store.h"

namespace leadscan::store {
namespace {

using common::NewUuid;

// Longest error text kept per attempt (a receiver's error page is not the log's business).
constexpr size_t kMaxErrorBytes = 1000;
// Ids per IN list.
constexpr size_t kChunk = 200;

SqlParam T(std::string v) {
  return SqlParam::Text(std::move(v));
}

SqlParam T(const OrgId& org_id) {
  return SqlParam::Text(org_id.str());
}

SqlParam I(int64_t v) {
  return SqlParam::Int(v);
}

SqlParam Tm(TimePoint t) {
  return SqlParam::Text(FormatTime(t));
}

SqlParam Tm(const std::optional<TimePoint>& t) {
  return t ? Tm(*t) : SqlParam::Null();
}

SqlParam OptInt(const std::optional<int>& v) {
  return v ? I(*v) : SqlParam::Null();
}

std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += i ? ",?" : "?";
  return out;
}

Status NotFound(const std::string& what, const std::string& id) {
  return Status::NotFound(what + " not found: " + id);
}

Status LeaseLost(const std::string& delivery_id) {
  return Status::Conflict(
      "lease_lost", "delivery " + delivery_id + " is not leased to this worker under this claim");
}

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string Clip(const std::string& text, size_t max) {
  if (text.size() <= max)
    return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return text.substr(0, end);
}

Json ParseStored(const std::optional<std::string>& text, Json fallback) {
  if (!text || !common::CheckJsonDepth(*text).ok())
    return fallback;
  Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? fallback : j;
}

// Column access by name for one row.
class Cols {
 public:
  explicit Cols(const SqlRows& rows) : rows_(rows) {
    for (size_t c = 0; c < rows.columns.size(); ++c)
      index_[rows.columns[c]] = c;
  }

  const std::optional<std::string>& Get(size_t row, const std::string& name) const {
    static const std::optional<std::string> kNull;
    auto it = index_.find(name);
    return it == index_.end() ? kNull : rows_.rows[row][it->second];
  }

  std::string Str(size_t row, const std::string& name) const { return Get(row, name).value_or(""); }

  int64_t Int(size_t row, const std::string& name) const {
    const auto& v = Get(row, name);
    return v && !v->empty() ? std::stoll(*v) : 0;
  }

  std::optional<int> OptInt(size_t row, const std::string& name) const {
    const auto& v = Get(row, name);
    if (!v || v->empty())
      return std::nullopt;
    return static_cast<int>(std::stoll(*v));
  }

  std::optional<TimePoint> OptTime(size_t row, const std::string& name) const {
    const auto& v = Get(row, name);
    return v ? ParseTime(*v) : std::nullopt;
  }

  TimePoint Time(size_t row, const std::string& name) const {
    return OptTime(row, name).value_or(TimePoint{});
  }

 private:
  const SqlRows& rows_;
  std::map<std::string, size_t> index_;
};

const char* kWebhookCols = "id, org_id, url, events, secret, created_at, created_by";
const char* kDeliveryCols =
    "d.id, d.webhook_id, d.org_id, d.event_id, d.event, d.event_created_at, d.data, d.status, "
    "d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, "
    "d.delivered_at, d.created_at, d.lease_token";

std::vector<Webhook> ToWebhooks(const SqlRows& rows) {
  Cols c(rows);
  std::vector<Webhook> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    Webhook w;
    w.id = c.Str(i, "id");
    w.org_id = c.Str(i, "org_id");
    w.url = c.Str(i, "url");
    Json events = ParseStored(c.Get(i, "events"), Json::array());
    if (events.is_array()) {
      for (const Json& e : events) {
        if (e.is_string())
          w.events.push_back(e.get<std::string>());
      }
    }
    w.secret = c.Str(i, "secret");
    w.created_at = c.Time(i, "created_at");
    w.created_by = c.Str(i, "created_by");
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<WebhookDelivery> ToDeliveries(const SqlRows& rows) {
  Cols c(rows);
  std::vector<WebhookDelivery> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    WebhookDelivery d;
    d.id = c.Str(i, "id");
    d.webhook_id = c.Str(i, "webhook_id");
    d.org_id = c.Str(i, "org_id");
    d.event_id = c.Str(i, "event_id");
    d.event = c.Str(i, "event");
    d.event_created_at = c.Time(i, "event_created_at");
    d.data = ParseStored(c.Get(i, "data"), nullptr);
    d.status = ParseDeliveryStatus(c.Str(i, "status")).value_or(DeliveryStatus::kPending);
    d.attempts = static_cast<int>(c.Int(i, "attempts"));
    d.next_attempt_at = c.OptTime(i, "next_attempt_at");
    d.last_attempt_at = c.OptTime(i, "last_attempt_at");
    d.last_status_code = c.OptInt(i, "last_status_code");
    d.last_error = c.Str(i, "last_error");
    d.delivered_at = c.OptTime(i, "delivered_at");
    d.created_at = c.Time(i, "created_at");
    d.lease_token = c.Int(i, "lease_token");
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<Webhook>> QueryWebhooksTx(SqlConn& c, const OrgId& org_id,
                                             const std::string& webhook_id) {
  std::string sql = std::string("SELECT ") + kWebhookCols + " FROM webhooks WHERE org_id = ?";
  SqlParams p{T(org_id)};
  if (!webhook_id.empty()) {
    sql += " AND id = ?";
    p.push_back(T(webhook_id));
  }
  sql += " ORDER BY created_at, id";
  auto rows = c.Query(sql, p);
  if (!rows.ok())
    return rows.status();
  return ToWebhooks(*rows);
}

}  // namespace

Result<Webhook> SqlStore::CreateWebhook(const OrgId& org_id, const NewWebhook& webhook,
                                        int64_t max_per_org) {
  if (!common::IsUuid(org_id.str()))
    return NotFound("organisation", org_id.str());
  if (webhook.url.empty() || webhook.secret.empty() || webhook.events.empty()) {
    return Status::InvalidArgument("invalid_argument",
                                   "a webhook needs a url, events and a secret");
  }
  Webhook w;
  w.id = NewUuid();
  w.org_id = org_id.str();
  w.url = webhook.url;
  w.events = webhook.events;
  w.secret = webhook.secret;
  w.created_at = Now();
  w.created_by = webhook.created_by;
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    // The organisation row first: concurrent creations of one org queue here, so the limit
    // holds (SQLite has one writer anyway).
    auto org = c.Query(std::string("SELECT id FROM organizations WHERE id = ?") +
                           std::string(backend_->ForUpdate()),
                       {T(org_id)});
    if (!org.ok())
      return org.status();
    if (org->empty())
      return NotFound("organisation", org_id.str());
    auto count = c.Query("SELECT COUNT(*) FROM webhooks WHERE org_id = ?", {T(org_id)});
    if (!count.ok())
      return count.status();
    if (std::stoll(count->rows[0][0].value_or("0")) >= max_per_org) {
      return Status::Conflict("too_many_webhooks", "an organisation has at most " +
                                                       std::to_string(max_per_org) + " webhooks");
    }
    auto n = c.Exec(
        "INSERT INTO webhooks (id, org_id, url, events, secret, created_at, created_by) VALUES "
        "(?, ?, ?, ?, ?, ?, ?)",
        {T(w.id), T(org_id), T(w.url), T(Json(w.events).dump()), T(w.secret), Tm(w.created_at),
         w.created_by.empty() ? SqlParam::Null() : T(w.created_by)});
    if (!n.ok())
      return n.status();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return w;
}

Result<std::vector<Webhook>> SqlStore::ListWebhooks(const OrgId& org_id) {
  std::vector<Webhook> out;
  if (!common::IsUuid(org_id.str()))
    return out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto hooks = QueryWebhooksTx(c, org_id, "");
    if (!hooks.ok())
      return hooks.status();
    out = std::move(hooks).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<Webhook> SqlStore::GetWebhook(const OrgId& org_id, const std::string& webhook_id) {
  if (!common::IsUuid(org_id.str()) || !common::IsUuid(webhook_id))
    return NotFound("webhook", webhook_id);
  std::vector<Webhook> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto hooks = QueryWebhooksTx(c, org_id, common::CanonicalUuid(webhook_id));
    if (!hooks.ok())
      return hooks.status();
    out = std::move(hooks).value();
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  if (out.empty())
    return NotFound("webhook", webhook_id);
  return out.front();
}

Status SqlStore::DeleteWebhook(const OrgId& org_id, const std::string& webhook_id) {
  if (!common::IsUuid(org_id.str()) || !common::IsUuid(webhook_id))
    return NotFound("webhook", webhook_id);
  return backend_->Write([&](SqlConn& c) -> Status {
    auto n = c.Exec("DELETE FROM webhooks WHERE id = ? AND org_id = ?",
                    {T(common::CanonicalUuid(webhook_id)), T(org_id)});
    if (!n.ok())
      return n.status();
    if (*n == 0)
      return NotFound("webhook", webhook_id);
    return Status::Ok();
  });
}

Result<Page<WebhookDelivery>> SqlStore::ListWebhookDeliveries(const OrgId& org_id,
                                                              const std::string& webhook_id,
                                                              const DeliveryFilter& filter) {
  if (!common::IsUuid(org_id.str()) || !common::IsUuid(webhook_id))
    return NotFound("webhook", webhook_id);
  const std::string id = common::CanonicalUuid(webhook_id);
  Page<WebhookDelivery> page;
  page.limit = std::max<int64_t>(0, filter.limit);
  page.offset = std::max<int64_t>(0, filter.offset);
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    page.rows.clear();
    auto hook = c.Query("SELECT id FROM webhooks WHERE id = ? AND org_id = ?", {T(id), T(org_id)});
    if (!hook.ok())
      return hook.status();
    if (hook->empty())
      return NotFound("webhook", webhook_id);
    std::string where = " WHERE d.webhook_id = ?";
    SqlParams p{T(id)};
    if (filter.status) {
      where += " AND d.status = ?";
      p.push_back(T(DeliveryStatusName(*filter.status)));
    }
    auto count = c.Query("SELECT COUNT(*) FROM webhook_deliveries d" + where, p);
    if (!count.ok())
      return count.status();
    page.total = std::stoll(count->rows[0][0].value_or("0"));
    SqlParams q = p;
    q.push_back(I(page.limit));
    q.push_back(I(page.offset));
    auto rows = c.Query(std::string("SELECT ") + kDeliveryCols + " FROM webhook_deliveries d" +
                            where + " ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?",
                        q);
    if (!rows.ok())
      return rows.status();
    page.rows = ToDeliveries(*rows);
    std::map<std::string, WebhookDelivery*> by_id;
    for (WebhookDelivery& d : page.rows)
      by_id[d.id] = &d;
    for (size_t start = 0; start < page.rows.size(); start += kChunk) {
      size_t end = std::min(page.rows.size(), start + kChunk);
      SqlParams ids;
      for (size_t i = start; i < end; ++i)
        ids.push_back(T(page.rows[i].id));
      auto attempts = c.Query(
          "SELECT delivery_id, attempt, started_at, status_code, error, duration_ms FROM "
          "webhook_delivery_attempts WHERE delivery_id IN (" +
              Placeholders(end - start) + ") ORDER BY delivery_id, attempt",
          ids);
      if (!attempts.ok())
        return attempts.status();
      Cols a(*attempts);
      for (size_t i = 0; i < attempts->size(); ++i) {
        auto it = by_id.find(a.Str(i, "delivery_id"));
        if (it == by_id.end())
          continue;
        DeliveryAttempt at;
        at.attempt = static_cast<int>(a.Int(i, "attempt"));
        at.started_at = a.Time(i, "started_at");
        at.status_code = a.OptInt(i, "status_code");
        at.error = a.Str(i, "error");
        const auto& ms = a.Get(i, "duration_ms");
        at.duration_ms = ms && !ms->empty() ? std::stod(*ms) : 0;
        it->second->attempt_log.push_back(std::move(at));
      }
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return page;
}

Result<std::vector<ClaimedDelivery>> SqlStore::ClaimWebhookDeliveries(
    const DeliveryClaimRequest& request) {
  if (request.worker_id.empty())
    return Status::InvalidArgument("invalid_argument", "worker_id is empty", "worker_id");
  std::vector<ClaimedDelivery> out;
  if (request.max_deliveries <= 0)
    return out;
  const TimePoint now = Now();
  const TimePoint expires = TruncateTime(now + request.lease);
  // Workers poll every second or so and there is usually nothing due: a read answers that
  // without taking SQLite's write lock or opening a PostgreSQL write transaction.
  const std::string due_where =
      " WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND (d.lease_expires_at IS NULL OR "
      "d.lease_expires_at < ?)";
  bool any_due = false;
  Status peek = backend_->Read([&](SqlConn& c) -> Status {
    auto rows =
        c.Query("SELECT 1 FROM webhook_deliveries d" + due_where + " LIMIT 1", {Tm(now), Tm(now)});
    if (!rows.ok())
      return rows.status();
    any_due = !rows->empty();
    return Status::Ok();
  });
  if (!peek.ok())
    return peek;
  if (!any_due)
    return out;
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out.clear();
    // Locked rows (another process claiming them now) are skipped; rows claimed and committed
    // before carry a live lease and are left out by the condition.
    auto due = c.Query("SELECT d.id FROM webhook_deliveries d" + due_where +
                           " ORDER BY d.next_attempt_at, d.id LIMIT ?" +
                           backend_->ForUpdateSkipLocked("d"),
                       {Tm(now), Tm(now), I(request.max_deliveries)});
    if (!due.ok())
      return due.status();
    if (due->empty())
      return Status::Ok();
    SqlParams ids;
    for (const auto& r : due->rows)
      ids.push_back(T(r[0].value_or("")));
    SqlParams u{T(request.worker_id), Tm(expires)};
    u.insert(u.end(), ids.begin(), ids.end());
    auto n = c.Exec(
        "UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ?, lease_token = "
        "lease_token + 1 WHERE status = 'pending' AND id IN (" +
            Placeholders(ids.size()) + ")",
        u);
    if (!n.ok())
      return n.status();
    SqlParams q{T(request.worker_id)};
    q.insert(q.end(), ids.begin(), ids.end());
    auto rows = c.Query(std::string("SELECT ") + kDeliveryCols +
                            ", w.url AS url, w.secret AS secret FROM webhook_deliveries d JOIN "
                            "webhooks w ON w.id = d.webhook_id WHERE d.lease_owner = ? AND d.id "
                            "IN (" +
                            Placeholders(ids.size()) + ") ORDER BY d.next_attempt_at, d.id",
                        q);
    if (!rows.ok())
      return rows.status();
    std::vector<WebhookDelivery> deliveries = ToDeliveries(*rows);
    Cols cols(*rows);
    for (size_t i = 0; i < deliveries.size(); ++i) {
      ClaimedDelivery cd;
      cd.delivery = std::move(deliveries[i]);
      cd.url = cols.Str(i, "url");
      cd.secret = cols.Str(i, "secret");
      out.push_back(std::move(cd));
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Status SqlStore::RecordDeliveryAttempt(const DeliveryOutcome& outcome) {
  if (!common::IsUuid(outcome.delivery_id))
    return NotFound("delivery", outcome.delivery_id);
  const TimePoint now = Now();
  return backend_->Write([&](SqlConn& c) -> Status {
    auto cur = c.Query(
        "SELECT status, lease_owner, lease_token, attempts FROM webhook_deliveries WHERE id = ?" +
            std::string(backend_->ForUpdate()),
        {T(outcome.delivery_id)});
    if (!cur.ok())
      return cur.status();
    if (cur->empty())
      return NotFound("delivery", outcome.delivery_id);
    const auto& row = cur->rows[0];
    if (row[0].value_or("") != "pending" || row[1].value_or("") != outcome.worker_id ||
        row[2].value_or("") != std::to_string(outcome.lease_token)) {
      return LeaseLost(outcome.delivery_id);
    }
    const int64_t attempt = std::stoll(row[3].value_or("0")) + 1;
    const std::string error =
        outcome.delivered ? std::string() : Clip(outcome.error, kMaxErrorBytes);
    auto logged = c.Exec(
        "INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, status_code, "
        "error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)",
        {T(outcome.delivery_id), I(attempt), Tm(TruncateTime(outcome.started_at)),
         OptInt(outcome.status_code), error.empty() ? SqlParam::Null() : T(error),
         SqlParam::Real(outcome.duration_ms)});
    if (!logged.ok())
      return logged.status();
    DeliveryStatus status = DeliveryStatus::kPending;
    std::optional<TimePoint> next;
    std::optional<TimePoint> delivered_at;
    if (outcome.delivered) {
      status = DeliveryStatus::kDelivered;
      delivered_at = now;
    } else if (outcome.next_attempt_at) {
      next = TruncateTime(*outcome.next_attempt_at);
    } else {
      status = DeliveryStatus::kFailed;
    }
    auto n = c.Exec(
        "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, "
        "last_attempt_at = ?, last_status_code = ?, last_error = ?, delivered_at = ?, "
        "lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
        {T(DeliveryStatusName(status)), I(attempt), Tm(next), Tm(TruncateTime(outcome.started_at)),
         OptInt(outcome.status_code), error.empty() ? SqlParam::Null() : T(error), Tm(delivered_at),
         T(outcome.delivery_id)});
    if (!n.ok())
      return n.status();
    return Status::Ok();
  });
}

Result<int64_t> SqlStore::CountPendingWebhookDeliveries() {
  int64_t count = 0;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    auto rows = c.Query("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'");
    if (!rows.ok())
      return rows.status();
    count = std::stoll(rows->rows[0][0].value_or("0"));
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return count;
}

Result<int64_t> SqlStore::PruneWebhookDeliveries(TimePoint before) {
  int64_t count = 0;
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    auto n = c.Exec("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?",
                    {Tm(TruncateTime(before))});
    if (!n.ok())
      return n.status();
    count = *n;
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return count;
}

}  // namespace leadscan::store
