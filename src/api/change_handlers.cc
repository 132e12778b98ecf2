#include "api/change_handlers.h"

#include <charconv>

#include "api/lead_handlers.h"
#include "common/uuid.h"
#include "history/analysis_reach.h"

namespace leadscan::api {
namespace {

using common::Result;
using common::Status;
using http::Request;
using http::Response;

constexpr int64_t kDefaultChangesPage = 50;
constexpr int64_t kMaxChangesPage = 500;
constexpr int64_t kDefaultMarketWeeks = 12;
constexpr int64_t kMaxMarketWeeks = 104;
constexpr int kMarketNamesPerField = 50;
constexpr size_t kMaxNameLength = 200;
constexpr size_t kMaxCursorLength = 64;
// Cursor times past this (year 2255) cannot be held by a TimePoint: not a cursor we made.
constexpr int64_t kMaxCursorMicros = 9'000'000'000'000'000;

Response ListChanges(Services& s, const Request& req) {
  if (auto st = CheckQueryNames(
          req, {"since", "until", "field", "name", "change", "lead_id", "limit", "cursor"});
      !st.ok()) {
    return Response::FromStatus(st);
  }
  store::ChangeFilter filter;
  auto since = QueryTime(req, "since");
  if (!since.ok())
    return Response::FromStatus(since.status());
  auto until = QueryTime(req, "until");
  if (!until.ok())
    return Response::FromStatus(until.status());
  if (*since && *until && **until <= **since) {
    return Response::Error(400, "invalid_query", "until must be after since", "until");
  }
  filter.since = *since;
  filter.until = *until;
  if (auto field = req.Query("field")) {
    if (!history::IsFindingField(*field)) {
      return Response::Error(400, "invalid_query",
                             "field must be one of ecommerce_platform, checkout_solutions, "
                             "payment_methods, carriers, shipping_software, technologies",
                             "field");
    }
    filter.field = std::string(*field);
  }
  if (auto name = req.Query("name")) {
    if (name->empty() || name->size() > kMaxNameLength) {
      return Response::Error(
          400, "invalid_query",
          "name must name a finding (1 to " + std::to_string(kMaxNameLength) + " characters)",
          "name");
    }
    filter.name = std::string(*name);
  }
  if (auto change = req.Query("change")) {
    if (*change != "added" && *change != "removed") {
      return Response::Error(400, "invalid_query", "change must be added or removed", "change");
    }
    filter.change = std::string(*change);
  }
  if (auto lead = req.Query("lead_id")) {
    if (!common::IsUuid(*lead))
      return Response::FromStatus(Status::NotFound("lead not found").WithField("lead_id"));
    filter.lead_id = common::CanonicalUuid(*lead);
  }
  auto limit = QueryInt(req, "limit", kDefaultChangesPage, 1, kMaxChangesPage);
  if (!limit.ok())
    return Response::FromStatus(limit.status());
  filter.limit = *limit;
  if (auto cursor = req.Query("cursor")) {
    filter.after = DecodeChangeCursor(*cursor);
    if (!filter.after) {
      return Response::Error(400, "invalid_cursor",
                             "cursor must be a next_cursor this API returned", "cursor");
    }
  }
  auto page = s.store.ListChanges(req.Caller().org_id, filter);
  if (!page.ok())
    return Response::FromStatus(page.status());
  Json changes = Json::array();
  for (const auto& c : page->rows)
    changes.push_back(ChangeJson(c));
  return Response::Json(
      200, {{"changes", changes},
            {"next_cursor", page->next ? Json(EncodeChangeCursor(*page->next)) : Json()}});
}

Response Market(Services& s, const Request& req) {
  if (auto st = CheckQueryNames(
          req, {"search", "q", "platform", "checkout", "carrier", "analysed", "uses", "not_uses",
                "added", "removed", "since", "limit", "offset", "weeks"});
      !st.ok()) {
    return Response::FromStatus(st);
  }
  auto filter = ParseLeadFilter(req, ApiOptions::kMaxPageSize);
  if (!filter.ok())
    return Response::FromStatus(filter.status());
  auto weeks = QueryInt(req, "weeks", kDefaultMarketWeeks, 1, kMaxMarketWeeks);
  if (!weeks.ok())
    return Response::FromStatus(weeks.status());
  auto market =
      s.store.Market(req.Caller().org_id, *filter, static_cast<int>(*weeks), kMarketNamesPerField);
  if (!market.ok())
    return Response::FromStatus(market.status());
  Json shares = Json::object();
  for (const auto& [field, names] : market->shares) {
    Json list = Json::array();
    for (const auto& n : names)
      list.push_back({{"name", n.name}, {"count", n.count}});
    shares[field] = std::move(list);
  }
  Json timeline = Json::array();
  for (const auto& w : market->timeline) {
    timeline.push_back({{"week_start", w.week_start},
                        {"field", w.field},
                        {"name", w.name},
                        {"added", w.added},
                        {"removed", w.removed}});
  }
  Json switches = Json::array();
  for (const auto& sw : market->switches) {
    switches.push_back(
        {{"field", sw.field}, {"from", sw.from}, {"to", sw.to}, {"count", sw.count}});
  }
  return Response::Json(200, {{"lead_count", market->lead_count},
                              {"analysed_count", market->analysed_count},
                              {"weeks", *weeks},
                              {"window_start", market->window_start},
                              {"shares", shares},
                              {"timeline", timeline},
                              {"switches", switches}});
}

}  // namespace

std::string EncodeChangeCursor(const store::ChangeCursor& cursor) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(cursor.detected_at.time_since_epoch())
          .count();
  return std::to_string(micros) + "." + cursor.id;
}

std::optional<store::ChangeCursor> DecodeChangeCursor(std::string_view text) {
  if (text.size() > kMaxCursorLength)
    return std::nullopt;
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0)
    return std::nullopt;
  int64_t micros = 0;
  auto r = std::from_chars(text.data(), text.data() + dot, micros);
  if (r.ec != std::errc() || r.ptr != text.data() + dot || micros < 0 || micros > kMaxCursorMicros)
    return std::nullopt;
  std::string_view id = text.substr(dot + 1);
  if (!common::IsUuid(id))
    return std::nullopt;
  store::ChangeCursor cursor;
  cursor.detected_at = common::TimePoint{} + std::chrono::microseconds(micros);
  cursor.id = common::CanonicalUuid(id);
  return cursor;
}

Json ChangeJson(const store::ChangeRecord& c) {
  return {{"id", c.id},
          {"lead_id", c.lead_id},
          {"company_name", c.company_name},
          {"domain", c.domain.empty() ? Json() : Json(c.domain)},
          {"field", c.field},
          {"name", c.name},
          {"change", c.change},
          {"detected_at", IsoTime(c.detected_at)},
          {"job_id", c.job_id.empty() ? Json() : Json(c.job_id)},
          {"analysis_id", c.analysis_id},
          {"previous", c.previous},
          {"evidence", c.evidence.is_array() ? c.evidence : Json::array()}};
}

void RegisterChangeRoutes(http::Router& router, Services& services) {
  Services* s = &services;
  router.Get("/api/changes", [s](const Request& req) { return ListChanges(*s, req); });
  router.Get("/api/market", [s](const Request& req) { return Market(*s, req); });
}

}  // namespace leadscan::api
