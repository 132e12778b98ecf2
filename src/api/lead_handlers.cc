#include "api/lead_handlers.h"

#include <map>
#include <set>

#include "api/csv.h"
#include "api/domain_suggestion_handlers.h"
#include "common/uuid.h"
#include "fetch/target.h"

namespace leadscan::api {
namespace {

using common::Result;
using common::Status;
using http::Request;
using http::Response;

constexpr int64_t kMaxHistory = 50;
constexpr const char* kFindingFields[] = {"ecommerce_platform", "checkout_solutions",
                                          "payment_methods",    "carriers",
                                          "shipping_software",  "technologies"};

// Normalises a user's domain: the host for a bare domain or a root URL, the URL otherwise.
Result<std::string> NormaliseDomain(const std::string& raw) {
  auto target = fetch::NormalizeTarget(raw);
  if (!target.ok()) {
    return Status::InvalidArgument("invalid_domain", target.status().message(), "domain");
  }
  return fetch::StoredDomain(*target);
}

Result<store::NewLead> ParseNewLead(const Json& body, std::string_view prefix) {
  LEADSCAN_RETURN_IF_ERROR(CheckObject(body, {"company_name", "domain", "extra"}, prefix));
  store::NewLead lead;
  auto name = RequiredString(body, "company_name");
  if (!name.ok())
    return name.status();
  lead.company_name = *name;
  auto domain = OptionalString(body, "domain");
  if (!domain.ok())
    return domain.status();
  if (domain->has_value() && !(*domain)->empty()) {
    auto d = NormaliseDomain(**domain);
    if (!d.ok())
      return d.status();
    lead.domain = *d;
  }
  if (auto it = body.find("extra"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) {
      return Status::InvalidArgument("invalid_type", "extra must be an object", "extra");
    }
    lead.extra = *it;
  }
  return lead;
}

Result<store::LeadFilter> ParseLeadFilter(const Request& req, int64_t max_page) {
  store::LeadFilter filter;
  if (auto v = req.Query("search"))
    filter.search = *v;
  if (auto v = req.Query("q"))
    filter.search = *v;
  if (auto v = req.Query("platform"))
    filter.platform = *v;
  if (auto v = req.Query("checkout"))
    filter.checkout = *v;
  if (auto v = req.Query("carrier"))
    filter.carrier = *v;
  auto analysed = QueryBool(req, "analysed");
  if (!analysed.ok())
    return analysed.status();
  filter.analysed = *analysed;
  auto limit = QueryInt(req, "limit", 50, 1, max_page);
  if (!limit.ok())
    return limit.status();
  auto offset = QueryInt(req, "offset", 0, 0, INT64_MAX);
  if (!offset.ok())
    return offset.status();
  filter.limit = *limit;
  filter.offset = *offset;
  return filter;
}

std::set<std::string> NamesOf(const Json& field) {
  std::set<std::string> out;
  if (field.is_object()) {
    out.insert(field.value("name", ""));
  } else if (field.is_array()) {
    for (const auto& f : field) {
      if (f.is_object())
        out.insert(f.value("name", ""));
    }
  }
  out.erase("");
  return out;
}

Response ImportLeads(Services& s, const Request& req) {
  auto table = ParseCsv(req.body);
  if (!table.ok())
    return Response::FromStatus(table.status());
  int name_col = -1;
  int domain_col = -1;
  for (size_t i = 0; i < table->header.size(); ++i) {
    std::string role = LeadColumnRole(table->header[i]);
    if (role == "company_name" && name_col < 0)
      name_col = static_cast<int>(i);
    if (role == "domain" && domain_col < 0)
      domain_col = static_cast<int>(i);
  }
  if (name_col < 0) {
    return Response::Error(400, "invalid_csv",
                           "the header row needs a company_name column (or company, name, "
                           "företag)",
                           "company_name");
  }
  if (static_cast<int64_t>(table->rows.size()) > s.options.batch_limit) {
    return Response::Error(400, "too_many_rows",
                           "at most " + std::to_string(s.options.batch_limit) + " rows per import");
  }
  std::vector<store::NewLead> leads;
  std::vector<int> lines;
  Json rejected = Json::array();
  for (const auto& row : table->rows) {
    auto cell = [&](int col) -> std::string {
      if (col < 0 || col >= static_cast<int>(row.fields.size()))
        return {};
      std::string v = row.fields[static_cast<size_t>(col)];
      size_t a = v.find_first_not_of(" \t");
      size_t b = v.find_last_not_of(" \t");
      return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
    };
    if (row.fields.size() > table->header.size()) {
      rejected.push_back(
          {{"line", row.line},
           {"reason", "the row has " + std::to_string(row.fields.size()) +
                          " fields but the header has " + std::to_string(table->header.size())}});
      continue;
    }
    store::NewLead lead;
    lead.company_name = cell(name_col);
    if (lead.company_name.empty()) {
      rejected.push_back({{"line", row.line}, {"reason", "company_name is empty"}});
      continue;
    }
    std::string domain = cell(domain_col);
    if (!domain.empty()) {
      auto d = NormaliseDomain(domain);
      if (!d.ok()) {
        rejected.push_back({{"line", row.line}, {"reason", d.status().message()}});
        continue;
      }
      lead.domain = *d;
    }
    for (size_t i = 0; i < table->header.size(); ++i) {
      int col = static_cast<int>(i);
      if (col == name_col || col == domain_col || LeadColumnRole(table->header[i]) == "id")
        continue;
      std::string v = cell(col);
      if (!v.empty() && !table->header[i].empty())
        lead.extra[table->header[i]] = v;
    }
    leads.push_back(std::move(lead));
    lines.push_back(row.line);
  }
  int64_t created = 0;
  int64_t updated = 0;
  if (!leads.empty()) {
    auto result = s.store.UpsertLeadsByDomain(req.Caller().org_id, leads);
    if (!result.ok())
      return Response::FromStatus(result.status());
    for (const auto& r : *result)
      (r.created ? created : updated)++;
  }
  return Response::Json(200, {{"created", created},
                              {"updated", updated},
                              {"rejected_count", rejected.size()},
                              {"rejected", rejected},
                              {"delimiter", std::string(1, table->delimiter)}});
}

Response ExportLeads(Services& s, const Request& req) {
  auto filter = ParseLeadFilter(req, ApiOptions::kMaxPageSize);
  if (!filter.ok())
    return Response::FromStatus(filter.status());
  std::string out = CsvLine({"id", "company_name", "domain", "ecommerce_platform",
                             "checkout_solutions", "payment_methods", "carriers",
                             "shipping_software", "technologies", "last_analyzed_at"});
  filter->limit = ApiOptions::kMaxPageSize;
  filter->offset = 0;
  while (true) {
    auto page = s.store.ListLeads(req.Caller().org_id, *filter);
    if (!page.ok())
      return Response::FromStatus(page.status());
    for (const auto& l : page->rows) {
      const auto& f = l.findings;
      out += CsvLine({l.id, l.company_name, l.domain, JoinFindingNames(f.ecommerce_platform),
                      JoinFindingNames(f.checkout_solutions), JoinFindingNames(f.payment_methods),
                      JoinFindingNames(f.carriers), JoinFindingNames(f.shipping_software),
                      JoinFindingNames(f.technologies),
                      f.last_analyzed_at ? IsoTime(*f.last_analyzed_at) : std::string()});
    }
    filter->offset += static_cast<int64_t>(page->rows.size());
    if (page->rows.empty() || filter->offset >= page->total)
      break;
  }
  Response r = Response::Text(200, std::move(out), "text/csv; charset=utf-8");
  r.WithHeader("Content-Disposition", "attachment; filename=\"leads.csv\"");
  return r;
}

}  // namespace

Json LeadJson(const store::Lead& l) {
  return {{"id", l.id},
          {"company_name", l.company_name},
          {"domain", l.domain.empty() ? Json() : Json(l.domain)},
          {"extra", l.extra},
          {"ecommerce_platform", l.findings.ecommerce_platform},
          {"checkout_solutions", l.findings.checkout_solutions},
          {"payment_methods", l.findings.payment_methods},
          {"carriers", l.findings.carriers},
          {"shipping_software", l.findings.shipping_software},
          {"technologies", l.findings.technologies},
          {"last_analyzed_at", IsoTimeOrNull(l.findings.last_analyzed_at)},
          {"created_at", IsoTime(l.created_at)},
          {"updated_at", IsoTime(l.updated_at)}};
}

Json DiffFindings(const Json& older, const Json& newer) {
  Json out = Json::object();
  for (const char* field : kFindingFields) {
    auto before = NamesOf(older.is_object() ? older.value(field, Json()) : Json());
    auto after = NamesOf(newer.is_object() ? newer.value(field, Json()) : Json());
    Json added = Json::array();
    Json removed = Json::array();
    for (const auto& n : after) {
      if (before.count(n) == 0)
        added.push_back(n);
    }
    for (const auto& n : before) {
      if (after.count(n) == 0)
        removed.push_back(n);
    }
    if (!added.empty() || !removed.empty()) {
      out[field] = {{"added", added}, {"removed", removed}};
    }
  }
  return out;
}

store::LeadFindings FindingsFromResult(const Json& result) {
  store::LeadFindings f;
  if (!result.is_object())
    return f;
  f.ecommerce_platform = result.value("ecommerce_platform", Json());
  f.checkout_solutions = result.value("checkout_solutions", Json::array());
  f.payment_methods = result.value("payment_methods", Json::array());
  f.carriers = result.value("carriers", Json::array());
  f.shipping_software = result.value("shipping_software", Json::array());
  f.technologies = result.value("technologies", Json::array());
  return f;
}

void RegisterLeadRoutes(http::Router& router, Services& services) {
  Services* s = &services;
  router.Post("/api/leads", [s](const Request& req) {
    auto body = http::ParseJsonBody(req);
    if (!body.ok())
      return Response::FromStatus(body.status());
    const common::OrgId& org = req.Caller().org_id;
    if (body->is_array()) {
      if (body->empty()) {
        return Response::Error(400, "empty_leads", "the array of leads is empty");
      }
      if (static_cast<int64_t>(body->size()) > s->options.batch_limit) {
        return Response::Error(
            400, "too_many_leads",
            "at most " + std::to_string(s->options.batch_limit) + " leads per call");
      }
      std::vector<store::NewLead> leads;
      for (size_t i = 0; i < body->size(); ++i) {
        auto lead = ParseNewLead((*body)[i], "[" + std::to_string(i) + "]");
        if (!lead.ok()) {
          Status st = lead.status();
          return Response::Error(400, st.error_code(),
                                 "lead " + std::to_string(i) + ": " + st.message(),
                                 "[" + std::to_string(i) + "]." + st.field());
        }
        leads.push_back(std::move(*lead));
      }
      auto created = s->store.CreateLeads(org, leads);
      if (!created.ok())
        return Response::FromStatus(created.status());
      Json out = Json::array();
      for (const auto& l : *created)
        out.push_back(LeadJson(l));
      return Response::Json(201, {{"leads", out}, {"created", out.size()}});
    }
    auto lead = ParseNewLead(*body, "");
    if (!lead.ok())
      return Response::FromStatus(lead.status());
    auto created = s->store.CreateLead(org, *lead);
    if (!created.ok())
      return Response::FromStatus(created.status());
    return Response::Json(201, {{"lead", LeadJson(*created)}});
  });

  router.Get("/api/leads", [s](const Request& req) {
    auto filter = ParseLeadFilter(req, ApiOptions::kMaxPageSize);
    if (!filter.ok())
      return Response::FromStatus(filter.status());
    auto page = s->store.ListLeads(req.Caller().org_id, *filter);
    if (!page.ok())
      return Response::FromStatus(page.status());
    Json leads = Json::array();
    for (const auto& l : page->rows)
      leads.push_back(LeadJson(l));
    if (auto st = AddDomainSuggestions(*s, req.Caller().org_id, &leads); !st.ok())
      return Response::FromStatus(st);
    return Response::Json(200, {{"leads", leads},
                                {"total", page->total},
                                {"limit", page->limit},
                                {"offset", page->offset}});
  });

  router.Post("/api/leads/import", [s](const Request& req) { return ImportLeads(*s, req); });
  router.Get("/api/leads/export", [s](const Request& req) { return ExportLeads(*s, req); });

  router.Get("/api/leads/:id", [s](const Request& req) {
    const common::OrgId& org = req.Caller().org_id;
    std::string id(req.Param("id"));
    if (!common::IsUuid(id))
      return Response::FromStatus(Status::NotFound("lead not found"));
    auto lead = s->store.GetLead(org, common::CanonicalUuid(id));
    if (!lead.ok())
      return Response::FromStatus(lead.status());
    auto history = s->store.ListAnalyses(org, lead->id, kMaxHistory, 0);
    if (!history.ok())
      return Response::FromStatus(history.status());
    Json rows = Json::array();
    const auto& records = history->rows;  // newest first
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& r = records[i];
      Json row = {{"id", r.id},
                  {"analyzed_at", IsoTime(r.analyzed_at)},
                  {"job_id", r.job_id.empty() ? Json() : Json(r.job_id)},
                  {"run_id", r.run_id.empty() ? Json() : Json(r.run_id)},
                  {"job_type", r.job_type},
                  {"domain", r.domain},
                  {"result", r.result}};
      row["changes"] =
          i + 1 < records.size() ? DiffFindings(records[i + 1].result, r.result) : Json();
      rows.push_back(std::move(row));
    }
    Json out = LeadJson(*lead);
    out["history"] = rows;
    out["history_total"] = history->total;
    auto suggestion = s->store.GetDomainSuggestion(org, lead->id);
    if (!suggestion.ok())
      return Response::FromStatus(suggestion.status());
    out["domain_suggestion"] =
        suggestion->has_value() ? DomainSuggestionJson(**suggestion) : Json();
    return Response::Json(200, {{"lead", out}});
  });

  router.Patch("/api/leads/:id", [s](const Request& req) {
    std::string id(req.Param("id"));
    if (!common::IsUuid(id))
      return Response::FromStatus(Status::NotFound("lead not found"));
    auto body = http::ParseJsonBody(req);
    if (!body.ok())
      return Response::FromStatus(body.status());
    if (auto st = CheckObject(*body, {"company_name", "domain", "extra"}); !st.ok()) {
      return Response::FromStatus(st);
    }
    store::LeadPatch patch;
    auto name = OptionalString(*body, "company_name");
    if (!name.ok())
      return Response::FromStatus(name.status());
    if (name->has_value()) {
      if ((*name)->empty()) {
        return Response::Error(400, "missing_field", "company_name cannot be empty",
                               "company_name");
      }
      patch.company_name = **name;
    }
    if (body->contains("domain")) {
      auto domain = OptionalString(*body, "domain");
      if (!domain.ok())
        return Response::FromStatus(domain.status());
      if (!domain->has_value() || (*domain)->empty()) {
        patch.domain = std::string();
      } else {
        auto d = NormaliseDomain(**domain);
        if (!d.ok())
          return Response::FromStatus(d.status());
        patch.domain = *d;
      }
    }
    if (auto it = body->find("extra"); it != body->end()) {
      if (!it->is_object()) {
        return Response::Error(400, "invalid_type", "extra must be an object", "extra");
      }
      patch.extra = *it;
    }
    auto lead = s->store.UpdateLead(req.Caller().org_id, common::CanonicalUuid(id), patch);
    if (!lead.ok())
      return Response::FromStatus(lead.status());
    return Response::Json(200, {{"lead", LeadJson(*lead)}});
  });

  router.Delete("/api/leads/:id", [s](const Request& req) {
    std::string id(req.Param("id"));
    if (!common::IsUuid(id))
      return Response::FromStatus(Status::NotFound("lead not found"));
    auto st = s->store.DeleteLead(req.Caller().org_id, common::CanonicalUuid(id));
    if (!st.ok())
      return Response::FromStatus(st);
    return Response::NoContent();
  });
}

}  // namespace leadscan::api
