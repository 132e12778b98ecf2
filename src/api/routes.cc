#include "api/routes.h"

#include <map>

#include "analysis/analyzer.h"
#include "api/job_handlers.h"
#include "api/json_util.h"
#include "api/lead_handlers.h"
#include "common/uuid.h"
#include "store/store.h"

namespace leadscan::api {
namespace {

using common::Status;
using http::Request;
using http::Response;

struct RouteDoc {
  const char* tag;
  const char* summary;
};

// One line per route: what it does. OpenApiDocument joins this with the router's table.
const std::map<std::string, RouteDoc>& RouteDocs() {
  static const auto* kDocs = new std::map<std::string, RouteDoc>{
      {"POST /api/batch-analysis/jobs",
       {"jobs", "Create a batch job (manual: starts now; scheduled: cron + timezone)"}},
      {"GET /api/batch-analysis/jobs", {"jobs", "List jobs (status, limit, offset)"}},
      {"GET /api/batch-analysis/jobs/:id", {"jobs", "Job status with its items"}},
      {"PATCH /api/batch-analysis/jobs/:id",
       {"jobs", "Edit a job: name, schedule_cron, timezone, enabled, analysis_config"}},
      {"DELETE /api/batch-analysis/jobs/:id", {"jobs", "Delete a job (cancels it first)"}},
      {"POST /api/batch-analysis/jobs/:id/cancel", {"jobs", "Cancel a job (409 when final)"}},
      {"POST /api/batch-analysis/jobs/:id/trigger",
       {"jobs", "Run a job now without moving its schedule"}},
      {"GET /api/batch-analysis/jobs/:id/runs", {"jobs", "Run history of a job"}},
      {"GET /api/batch-analysis/jobs/:id/results",
       {"jobs", "Export a run's results (format=csv|jsonl)"}},
      {"GET /api/batch-analysis/jobs/:id/events",
       {"jobs", "Server-Sent Events: snapshot, item and counter events, status changes"}},
      {"POST /api/batch-analysis/quick-analyze",
       {"jobs", "Start a batch for lead_ids with an analysis_type"}},
      {"GET /api/batch-analysis/scheduler/status",
       {"scheduler", "Scheduler status and upcoming jobs (admin)"}},
      {"GET /api/cron/preview", {"scheduler", "Next runs and plain reading of a cron expression"}},
      {"POST /api/leads", {"leads", "Create one lead or an array of leads"}},
      {"GET /api/leads",
       {"leads", "List leads (search, platform, checkout, carrier, analysed, limit, offset)"}},
      {"GET /api/leads/:id", {"leads", "A lead with its latest findings and analysis history"}},
      {"PATCH /api/leads/:id", {"leads", "Edit a lead"}},
      {"DELETE /api/leads/:id", {"leads", "Delete a lead"}},
      {"POST /api/leads/import", {"leads", "Import leads from CSV (comma or semicolon)"}},
      {"GET /api/leads/export", {"leads", "Export leads with findings as CSV"}},
      {"POST /api/analyze", {"analysis", "Analyse one domain now (optionally for a lead)"}},
      {"GET /api/openapi.json", {"meta", "This document"}},
      {"GET /api/me", {"meta", "Who the token belongs to (organisation, role)"}},
  };
  return *kDocs;
}

Response AnalyzeNow(Services& s, const Request& req) {
  if (s.analyzer == nullptr) {
    return Response::Error(503, "analyzer_unavailable", "this process does not analyse");
  }
  auto body = http::ParseJsonBody(req);
  if (!body.ok())
    return Response::FromStatus(body.status());
  if (auto st = CheckObject(*body, {"domain", "analysis_type", "analysis_config", "lead_id"});
      !st.ok()) {
    return Response::FromStatus(st);
  }
  auto type_text = OptionalString(*body, "analysis_type");
  if (!type_text.ok())
    return Response::FromStatus(type_text.status());
  auto type = analysis::ParseAnalysisType(type_text->value_or("full_analysis"), "analysis_type");
  if (!type.ok())
    return Response::FromStatus(type.status());
  auto config = analysis::ParseAnalysisConfig(body->value("analysis_config", Json()));
  if (!config.ok())
    return Response::FromStatus(config.status());
  auto domain = OptionalString(*body, "domain");
  if (!domain.ok())
    return Response::FromStatus(domain.status());
  auto lead_id = OptionalString(*body, "lead_id");
  if (!lead_id.ok())
    return Response::FromStatus(lead_id.status());
  const common::OrgId& org = req.Caller().org_id;
  std::optional<store::Lead> lead;
  if (lead_id->has_value()) {
    if (!common::IsUuid(**lead_id)) {
      return Response::FromStatus(Status::NotFound("lead not found").WithField("lead_id"));
    }
    auto found = s.store.GetLead(org, common::CanonicalUuid(**lead_id));
    if (!found.ok())
      return Response::FromStatus(found.status().WithField("lead_id"));
    lead = std::move(*found);
  }
  std::string target = domain->value_or(lead ? lead->domain : std::string());
  if (target.empty()) {
    return Response::Error(400, "missing_field", "domain (or a lead with a domain) is required",
                           "domain");
  }
  auto result = s.analyzer->Analyze(target, *type, *config);
  if (!result.ok()) {
    const Status& st = result.status();
    if (st.error_code() == "invalid_url")
      return Response::FromStatus(st.WithField("domain"));
    return Response::Json(
        200,
        {{"domain", target},
         {"result", nullptr},
         {"error",
          {{"code", st.error_code()}, {"message", st.message()}, {"retryable", st.retryable()}}}});
  }
  Json json = result->ToJson();
  if (lead) {
    store::AnalysisRecord record;
    record.lead_id = lead->id;
    record.job_type = std::string(analysis::AnalysisTypeName(*type));
    record.domain = result->domain;
    record.result = json;
    auto saved = s.store.RecordAnalysis(org, record, FindingsFromResult(json));
    if (!saved.ok())
      return Response::FromStatus(saved.status());
  }
  return Response::Json(200, {{"domain", result->domain}, {"result", json}});
}

}  // namespace

nlohmann::json OpenApiDocument(const http::Router& router) {
  Json paths = Json::object();
  for (const auto& route : router.routes()) {
    // "/api/leads/:id" -> "/api/leads/{id}"
    std::string path;
    Json params = Json::array();
    size_t i = 0;
    const std::string& p = route->pattern;
    while (i < p.size()) {
      if (p[i] == ':' && (i == 0 || p[i - 1] == '/')) {
        size_t end = p.find('/', i);
        std::string name =
            p.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
        path += "{" + name + "}";
        params.push_back(
            {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
        i = end == std::string::npos ? p.size() : end;
      } else {
        path.push_back(p[i++]);
      }
    }
    std::string method = route->method;
    for (char& c : method)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto doc = RouteDocs().find(route->method + " " + route->pattern);
    Json op = {{"summary", doc != RouteDocs().end() ? doc->second.summary : "undocumented"},
               {"tags", Json::array({doc != RouteDocs().end() ? doc->second.tag : "other"})},
               {"parameters", params},
               {"responses",
                {{"200", {{"description", "OK"}}},
                 {"400", {{"$ref", "#/components/responses/Error"}}},
                 {"401", {{"$ref", "#/components/responses/Error"}}},
                 {"404", {{"$ref", "#/components/responses/Error"}}}}}};
    if (route->options.is_public)
      op["security"] = Json::array();
    if (route->options.admin_only) {
      op["responses"]["403"] = {{"$ref", "#/components/responses/Error"}};
      op["description"] = "Admin only.";
    }
    paths[path][method] = std::move(op);
  }
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "leadscan API"},
        {"version", "0.1.0"},
        {"description",
         "Batch analysis of lead websites: technologies, e-commerce platform, checkout, "
         "payment methods, carriers and shipping software."}}},
      {"servers", Json::array({{{"url", "/"}}})},
      {"security", Json::array({{{"bearer", Json::array()}}})},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"required", Json::array({"error"})},
            {"properties",
             {{"error",
               {{"type", "object"},
                {"required", Json::array({"code", "message"})},
                {"properties",
                 {{"code", {{"type", "string"}}},
                  {"message", {{"type", "string"}}},
                  {"field", {{"type", "string"}}}}}}}}}}}}},
        {"responses",
         {{"Error",
           {{"description", "Error object"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}}},
      {"paths", paths}};
}

void RegisterRoutes(http::Router& router, Services& services) {
  Services* s = &services;
  RegisterLeadRoutes(router, services);
  RegisterJobRoutes(router, services);
  router.Post("/api/analyze", [s](const Request& r) { return AnalyzeNow(*s, r); });
  router.Get("/api/me", [](const Request& r) {
    return Response::Json(200, {{"org_id", r.Caller().org_id.str()},
                                {"role", http::RoleName(r.Caller().role)},
                                {"subject", r.Caller().subject}});
  });
  const http::Router* rp = &router;
  router.Get(
      "/api/openapi.json",
      [rp](const Request&) { return Response::Json(200, OpenApiDocument(*rp)); },
      http::RouteOptions{.is_public = true});
}

}  // namespace leadscan::api
