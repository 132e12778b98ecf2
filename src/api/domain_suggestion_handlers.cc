#include "api/domain_suggestion_handlers.h"

#include <map>

#include "api/lead_handlers.h"
#include "common/uuid.h"
#include "fetch/target.h"

namespace leadscan::api {
namespace {

using common::Status;
using http::Request;
using http::Response;

constexpr std::string_view kAccept = "accept";
constexpr std::string_view kCorrect = "correct";

Response Decide(Services& s, const Request& req) {
  const common::OrgId& org = req.Caller().org_id;
  std::string id(req.Param("id"));
  if (!common::IsUuid(id))
    return Response::FromStatus(Status::NotFound("lead not found"));
  id = common::CanonicalUuid(id);
  auto body = http::ParseJsonBody(req);
  if (!body.ok())
    return Response::FromStatus(body.status());
  if (auto st = CheckObject(*body, {"decision", "domain"}); !st.ok())
    return Response::FromStatus(st);
  auto decision = RequiredString(*body, "decision");
  if (!decision.ok())
    return Response::FromStatus(decision.status());
  auto domain = OptionalString(*body, "domain");
  if (!domain.ok())
    return Response::FromStatus(domain.status());
  std::optional<std::string> chosen;
  if (*decision == kAccept) {
    if (domain->has_value()) {
      return Response::Error(400, "unexpected_field",
                             "domain goes with decision \"correct\"; \"accept\" takes the "
                             "suggested domain",
                             "domain");
    }
  } else if (*decision == kCorrect) {
    if (!domain->has_value() || (*domain)->empty()) {
      return Response::Error(400, "missing_field", "decision \"correct\" needs the domain",
                             "domain");
    }
    auto target = fetch::NormalizeTarget(**domain);
    if (!target.ok()) {
      return Response::Error(400, "invalid_domain", target.status().message(), "domain");
    }
    chosen = fetch::StoredDomain(*target);
  } else {
    return Response::Error(400, "invalid_decision", "decision must be accept or correct",
                           "decision");
  }
  auto decided = s.store.DecideDomainSuggestion(org, id, chosen, req.Caller().subject);
  if (!decided.ok())
    return Response::FromStatus(decided.status());
  auto lead = s.store.GetLead(org, id);
  if (!lead.ok())
    return Response::FromStatus(lead.status());
  Json out = LeadJson(*lead);
  out["domain_suggestion"] = DomainSuggestionJson(*decided);
  return Response::Json(200, {{"lead", out}});
}

}  // namespace

Json DomainSuggestionJson(const store::DomainSuggestion& s) {
  Json candidates = Json::array();
  int min_confidence = 0;
  if (s.evidence.is_object()) {
    auto it = s.evidence.find("candidates");
    if (it != s.evidence.end() && it->is_array())
      candidates = *it;
    auto m = s.evidence.find("min_confidence");
    if (m != s.evidence.end() && m->is_number_integer())
      min_confidence = m->get<int>();
  }
  return {{"domain", s.domain.empty() ? Json() : Json(s.domain)},
          {"confidence", s.confidence},
          {"min_confidence", min_confidence},
          {"source", s.source},
          {"provider", s.provider},
          {"status", s.status},
          {"decided_domain", s.decided_domain.empty() ? Json() : Json(s.decided_domain)},
          {"decided_at", IsoTimeOrNull(s.decided_at)},
          {"candidates", std::move(candidates)},
          {"created_at", IsoTime(s.created_at)},
          {"updated_at", IsoTime(s.updated_at)}};
}

common::Status AddDomainSuggestions(Services& services, const common::OrgId& org, Json* leads) {
  std::vector<std::string> ids;
  for (const Json& l : *leads)
    ids.push_back(l.value("id", ""));
  auto found = services.store.ListDomainSuggestions(org, ids);
  if (!found.ok())
    return found.status();
  std::map<std::string, const store::DomainSuggestion*> by_lead;
  for (const auto& s : *found)
    by_lead[s.lead_id] = &s;
  for (Json& l : *leads) {
    auto it = by_lead.find(l.value("id", ""));
    l["domain_suggestion"] = it == by_lead.end() ? Json() : DomainSuggestionJson(*it->second);
  }
  return common::Status::Ok();
}

void RegisterDomainSuggestionRoutes(http::Router& router, Services& services) {
  Services* s = &services;
  router.Post("/api/leads/:id/domain-suggestion",
              [s](const Request& req) { return Decide(*s, req); });
}

}  // namespace leadscan::api
