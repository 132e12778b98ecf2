#include "api/routes.h"

#include "analysis/analyzer.h"
#include "api/change_handlers.h"
#include "api/job_handlers.h"
#include "api/json_util.h"
#include "api/lead_handlers.h"
#include "api/openapi_json.h"
#include "common/uuid.h"
#include "store/store.h"

namespace leadscan::api {
namespace {

using common::Status;
using http::Request;
using http::Response;

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

std::string_view OpenApiJson() {
  return {kOpenApiJsonBytes, sizeof(kOpenApiJsonBytes)};
}

nlohmann::json OpenApiDocument() {
  return nlohmann::json::parse(OpenApiJson());
}

void RegisterRoutes(http::Router& router, Services& services) {
  Services* s = &services;
  RegisterLeadRoutes(router, services);
  RegisterJobRoutes(router, services);
  RegisterChangeRoutes(router, services);
  router.Post("/api/analyze", [s](const Request& r) { return AnalyzeNow(*s, r); });
  router.Get("/api/me", [](const Request& r) {
    return Response::Json(200, {{"org_id", r.Caller().org_id.str()},
                                {"role", http::RoleName(r.Caller().role)},
                                {"subject", r.Caller().subject}});
  });
  router.Get(
      "/api/openapi.json",
      [](const Request&) {
        return Response::Text(200, std::string(OpenApiJson()), "application/json");
      },
      http::RouteOptions{.is_public = true});
}

}  // namespace leadscan::api
