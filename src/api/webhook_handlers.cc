#include "api/webhook_handlers.h"

#include <set>

#include "common/uuid.h"
#include "webhooks/payload.h"
#include "webhooks/url_policy.h"

namespace leadscan::api {
namespace {

using common::Result;
using common::Status;
using http::Request;
using http::Response;

constexpr int64_t kDefaultDeliveryPage = 50;
constexpr size_t kHintCharacters = 4;

// The last `n` characters (code points) of valid UTF-8 `text`.
std::string LastCharacters(const std::string& text, size_t n) {
  size_t start = text.size();
  while (n > 0 && start > 0) {
    --start;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
      --start;
    --n;
  }
  return text.substr(start);
}

size_t CharacterCount(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text)
    n += (c & 0xC0) != 0x80;
  return n;
}

Result<std::vector<std::string>> ParseEvents(const Json& body) {
  auto it = body.find("events");
  if (it == body.end() || it->is_null())
    return Status::InvalidArgument("missing_field", "events is required", "events");
  if (!it->is_array()) {
    return Status::InvalidArgument("invalid_type", "events must be an array of event names",
                                   "events");
  }
  if (it->empty()) {
    return Status::InvalidArgument("invalid_events", "events must name at least one event",
                                   "events");
  }
  std::string known;
  for (std::string_view e : webhooks::KnownEvents())
    known += (known.empty() ? "" : ", ") + std::string(e);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Json& e : *it) {
    if (!e.is_string()) {
      return Status::InvalidArgument("invalid_type", "events must be an array of event names",
                                     "events");
    }
    const std::string name = e.get<std::string>();
    if (!webhooks::IsKnownEvent(name)) {
      return Status::InvalidArgument(
          "unknown_event", "unknown event '" + name + "' (known: " + known + ")", "events");
    }
    if (!seen.insert(name).second) {
      return Status::InvalidArgument("duplicate_event", "event listed twice: " + name, "events");
    }
    out.push_back(name);
  }
  return out;
}

Result<std::string> ParseSecret(const Json& body, const ApiOptions& options) {
  auto secret = RequiredString(body, "secret");
  if (!secret.ok())
    return secret.status();
  const size_t n = CharacterCount(*secret);
  if (n < static_cast<size_t>(options.min_webhook_secret) ||
      secret->size() > static_cast<size_t>(options.max_webhook_secret)) {
    return Status::InvalidArgument(
        "invalid_secret",
        "secret must be at least " + std::to_string(options.min_webhook_secret) +
            " characters and at most " + std::to_string(options.max_webhook_secret) + " bytes",
        "secret");
  }
  for (unsigned char c : *secret) {
    if (c < 0x20 || c == 0x7F) {
      return Status::InvalidArgument("invalid_secret", "secret must not contain control characters",
                                     "secret");
    }
  }
  return *secret;
}

Response CreateWebhook(Services& s, const Request& req) {
  auto body = http::ParseJsonBody(req);
  if (!body.ok())
    return Response::FromStatus(body.status());
  if (auto st = CheckObject(*body, {"url", "events", "secret"}); !st.ok())
    return Response::FromStatus(st);
  auto url = RequiredString(*body, "url");
  if (!url.ok())
    return Response::FromStatus(url.status());
  auto events = ParseEvents(*body);
  if (!events.ok())
    return Response::FromStatus(events.status());
  auto secret = ParseSecret(*body, s.options);
  if (!secret.ok())
    return Response::FromStatus(secret.status());
  Result<std::string> checked = Status::Internal("unchecked");
  if (s.webhook_urls != nullptr) {
    checked = s.webhook_urls->Check(*url);
  } else {
    // No policy wired: the guard's defaults, no range opened.
    auto policy = webhooks::WebhookUrlPolicy::Create({});
    checked = policy.ok() ? policy->Check(*url) : Result<std::string>(policy.status());
  }
  if (!checked.ok())
    return Response::FromStatus(checked.status());
  store::NewWebhook w;
  w.url = *checked;
  w.events = std::move(events).value();
  w.secret = std::move(secret).value();
  w.created_by = req.Caller().subject;
  auto created = s.store.CreateWebhook(req.Caller().org_id, w, s.options.max_webhooks_per_org);
  if (!created.ok())
    return Response::FromStatus(created.status());
  return Response::Json(201, WebhookJson(*created));
}

Response ListDeliveries(Services& s, const Request& req) {
  std::string id(req.Param("id"));
  if (!common::IsUuid(id))
    return Response::FromStatus(Status::NotFound("webhook not found"));
  store::DeliveryFilter filter;
  auto limit = QueryInt(req, "limit", kDefaultDeliveryPage, 1, ApiOptions::kMaxPageSize);
  if (!limit.ok())
    return Response::FromStatus(limit.status());
  auto offset = QueryInt(req, "offset", 0, 0, INT64_MAX);
  if (!offset.ok())
    return Response::FromStatus(offset.status());
  filter.limit = *limit;
  filter.offset = *offset;
  if (auto status = req.Query("status")) {
    filter.status = store::ParseDeliveryStatus(*status);
    if (!filter.status) {
      return Response::Error(400, "invalid_query", "status must be pending, delivered or failed",
                             "status");
    }
  }
  auto page = s.store.ListWebhookDeliveries(req.Caller().org_id, common::CanonicalUuid(id), filter);
  if (!page.ok())
    return Response::FromStatus(page.status());
  Json rows = Json::array();
  for (const auto& d : page->rows)
    rows.push_back(DeliveryJson(d));
  return Response::Json(200, {{"deliveries", rows},
                              {"total", page->total},
                              {"limit", page->limit},
                              {"offset", page->offset}});
}

}  // namespace

Json WebhookJson(const store::Webhook& w) {
  return {{"id", w.id},
          {"url", w.url},
          {"events", w.events},
          {"secret_hint", "****" + LastCharacters(w.secret, kHintCharacters)},
          {"created_at", IsoTime(w.created_at)},
          {"created_by", w.created_by}};
}

Json DeliveryJson(const store::WebhookDelivery& d) {
  Json attempts = Json::array();
  for (const auto& a : d.attempt_log) {
    attempts.push_back({{"attempt", a.attempt},
                        {"started_at", IsoTime(a.started_at)},
                        {"status_code", a.status_code ? Json(*a.status_code) : Json()},
                        {"error", a.error.empty() ? Json() : Json(a.error)},
                        {"duration_ms", a.duration_ms}});
  }
  return {{"id", d.id},
          {"event", d.event},
          {"event_id", d.event_id},
          {"status", store::DeliveryStatusName(d.status)},
          {"attempts", d.attempts},
          {"created_at", IsoTime(d.created_at)},
          {"next_attempt_at",
           d.status == store::DeliveryStatus::kPending ? IsoTimeOrNull(d.next_attempt_at) : Json()},
          {"last_attempt_at", IsoTimeOrNull(d.last_attempt_at)},
          {"last_status_code", d.last_status_code ? Json(*d.last_status_code) : Json()},
          {"last_error", d.last_error.empty() ? Json() : Json(d.last_error)},
          {"delivered_at", IsoTimeOrNull(d.delivered_at)},
          {"attempt_log", attempts}};
}

void RegisterWebhookRoutes(http::Router& router, Services& services) {
  Services* s = &services;
  const http::RouteOptions admin{.is_public = false, .admin_only = true};
  router.Post(
      "/api/webhooks", [s](const Request& r) { return CreateWebhook(*s, r); }, admin);
  router.Get(
      "/api/webhooks",
      [s](const Request& r) {
        auto hooks = s->store.ListWebhooks(r.Caller().org_id);
        if (!hooks.ok())
          return Response::FromStatus(hooks.status());
        Json rows = Json::array();
        for (const auto& w : *hooks)
          rows.push_back(WebhookJson(w));
        return Response::Json(200, {{"webhooks", rows}});
      },
      admin);
  router.Get(
      "/api/webhooks/:id",
      [s](const Request& r) {
        std::string id(r.Param("id"));
        if (!common::IsUuid(id))
          return Response::FromStatus(Status::NotFound("webhook not found"));
        auto hook = s->store.GetWebhook(r.Caller().org_id, common::CanonicalUuid(id));
        if (!hook.ok())
          return Response::FromStatus(hook.status());
        return Response::Json(200, WebhookJson(*hook));
      },
      admin);
  router.Delete(
      "/api/webhooks/:id",
      [s](const Request& r) {
        std::string id(r.Param("id"));
        if (!common::IsUuid(id))
          return Response::FromStatus(Status::NotFound("webhook not found"));
        auto st = s->store.DeleteWebhook(r.Caller().org_id, common::CanonicalUuid(id));
        if (!st.ok())
          return Response::FromStatus(st);
        return Response::NoContent();
      },
      admin);
  router.Get(
      "/api/webhooks/:id/deliveries", [s](const Request& r) { return ListDeliveries(*s, r); },
      admin);
}

}  // namespace leadscan::api
