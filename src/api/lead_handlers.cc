#include "api/lead_handlers.h"

#include <map>
#include <set>

#include "api/crm_export.h"
#include "api/csv.h"
#include "common/uuid.h"
#include "fetch/target.h"

namespace leadscan::api {
namespace {

using common::Result;
using common::Status;
using http::Request;
using http::Response;

constexpr int64_t kMaxHistory = 50;
// Finding-name filters: values per parameter, characters per name.
constexpr size_t kMaxFilterNames = 20;
constexpr size_t kMaxFilterNameLength = 200;
// Change rows read to show the changes of one page of a lead's history.
constexpr int64_t kMaxHistoryChanges = 5000;
constexpr const char* kUtf8Bom = "\xEF\xBB\xBF";

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

// The values of a repeatable finding-name filter, trimmed; invalid_query naming it when one is
// empty or too long, or there are too many.
Result<std::vector<std::string>> QueryNames(const Request& req, std::string_view name) {
  std::vector<std::string> out;
  const std::string param(name);
  auto values = req.QueryAll(name);
  if (values.size() > kMaxFilterNames) {
    return Status::InvalidArgument(
        "invalid_query",
        param + " may be given at most " + std::to_string(kMaxFilterNames) + " times", param);
  }
  for (const std::string& v : values) {
    size_t a = v.find_first_not_of(" \t");
    size_t b = v.find_last_not_of(" \t");
    std::string trimmed = a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
    if (trimmed.empty() || trimmed.size() > kMaxFilterNameLength) {
      return Status::InvalidArgument("invalid_query",
                                     param + " must name a finding (1 to " +
                                         std::to_string(kMaxFilterNameLength) + " characters)",
                                     param);
    }
    out.push_back(std::move(trimmed));
  }
  return out;
}

}  // namespace

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

  struct NameList {
    const char* name;
    std::vector<std::string>* out;
  };

  for (const NameList& list :
       {NameList{"uses", &filter.uses}, NameList{"not_uses", &filter.not_uses},
        NameList{"added", &filter.added}, NameList{"removed", &filter.removed}}) {
    auto names = QueryNames(req, list.name);
    if (!names.ok())
      return names.status();
    *list.out = std::move(*names);
  }
  auto since = QueryTime(req, "since");
  if (!since.ok())
    return since.status();
  filter.since = *since;
  return filter;
}

namespace {

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

// GET /api/leads/export: the filtered lead list as CSV. layout=default (the columns the import
// reads back) or crm (docs/crm-export.md: HubSpot / Pipedrive, UTF-8 with BOM); delimiter
// "," (default) or ";".
Response ExportLeads(Services& s, const Request& req) {
  auto filter = ParseLeadFilter(req, ApiOptions::kMaxPageSize);
  if (!filter.ok())
    return Response::FromStatus(filter.status());
  const std::string layout(req.Query("layout").value_or("default"));
  if (layout != "default" && layout != "crm") {
    return Response::Error(400, "invalid_query", "layout must be default or crm", "layout");
  }
  const std::string delimiter_text(req.Query("delimiter").value_or(","));
  if (delimiter_text != "," && delimiter_text != ";") {
    return Response::Error(400, "invalid_query", "delimiter must be , or ;", "delimiter");
  }
  const char delimiter = delimiter_text[0];
  const bool crm = layout == "crm";
  std::string out = crm ? std::string(kUtf8Bom) + CsvLine(CrmHeader(), delimiter)
                        : CsvLine({"id", "company_name", "domain", "ecommerce_platform",
                                   "checkout_solutions", "payment_methods", "carriers",
                                   "shipping_software", "technologies", "last_analyzed_at"},
                                  delimiter);
  const common::OrgId& org = req.Caller().org_id;
  filter->limit = ApiOptions::kMaxPageSize;
  filter->offset = 0;
  while (true) {
    auto page = s.store.ListLeads(org, *filter);
    if (!page.ok())
      return Response::FromStatus(page.status());
    std::vector<store::FindingPresence> presence;
    if (crm && !page->rows.empty()) {
      std::vector<std::string> ids;
      for (const auto& l : page->rows)
        ids.push_back(l.id);
      auto found = s.store.ListFindingPresence(org, ids);
      if (!found.ok())
        return Response::FromStatus(found.status());
      presence = std::move(*found);
    }
    for (const auto& l : page->rows) {
      if (crm) {
        out += CsvLine(CrmRow(l, presence), delimiter);
        continue;
      }
      const auto& f = l.findings;
      out += CsvLine({l.id, l.company_name, l.domain, JoinFindingNames(f.ecommerce_platform),
                      JoinFindingNames(f.checkout_solutions), JoinFindingNames(f.payment_methods),
                      JoinFindingNames(f.carriers), JoinFindingNames(f.shipping_software),
                      JoinFindingNames(f.technologies),
                      f.last_analyzed_at ? IsoTime(*f.last_analyzed_at) : std::string()},
                     delimiter);
    }
    filter->offset += static_cast<int64_t>(page->rows.size());
    if (page->rows.empty() || filter->offset >= page->total)
      break;
  }
  Response r = Response::Text(200, std::move(out), "text/csv; charset=utf-8");
  r.WithHeader("Content-Disposition", crm ? "attachment; filename=\"leads-crm.csv\""
                                          : "attachment; filename=\"leads.csv\"");
  return r;
}

Json PresenceJson(const store::FindingPresence& p) {
  return {{"field", p.field},
          {"name", p.name},
          {"first_seen", IsoTime(p.first_seen)},
          {"last_seen", IsoTime(p.last_seen)},
          {"present", p.present()},
          {"added_by", p.added_by.empty() ? Json() : Json(p.added_by)},
          {"removed_at", IsoTimeOrNull(p.removed_at)},
          {"removed_by", p.removed_by.empty() ? Json() : Json(p.removed_by)}};
}

Json FindingHistoryJson(const store::LeadFindingHistory& history) {
  Json out = Json::array();
  for (const auto& p : history.findings)
    out.push_back(PresenceJson(p));
  return out;
}

// The history rows' "changes": per analysis, {field: {added: [...], removed: [...]}} from the
// change rows the store wrote with it; null for analyses up to the lead's first tracked one
// (nothing to compare with, or recorded before change tracking).
Result<std::map<std::string, Json>> HistoryChanges(Services& s, const common::OrgId& org,
                                                   const std::string& lead_id,
                                                   const std::vector<store::AnalysisRecord>& rows) {
  std::map<std::string, Json> out;
  if (rows.empty())
    return out;
  store::ChangeFilter filter;
  filter.lead_id = lead_id;
  filter.limit = kMaxHistoryChanges;
  for (const auto& r : rows)
    filter.analysis_ids.push_back(r.id);
  auto changes = s.store.ListChanges(org, filter);
  if (!changes.ok())
    return changes.status();
  for (const auto& r : rows)
    out[r.id] = Json::object();
  for (const auto& c : changes->rows) {
    Json& field = out[c.analysis_id][c.field];
    if (field.is_null())
      field = {{"added", Json::array()}, {"removed", Json::array()}};
    field[c.change].push_back(c.name);
  }
  for (auto& [id, changes_of] : out) {
    for (auto& [field, lists] : changes_of.items()) {
      for (auto& [kind, names] : lists.items()) {
        std::vector<std::string> sorted = names.get<std::vector<std::string>>();
        std::sort(sorted.begin(), sorted.end());
        names = sorted;
      }
    }
  }
  return out;
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
    auto findings = s->store.GetFindingHistory(org, lead->id);
    if (!findings.ok())
      return Response::FromStatus(findings.status());
    const auto& records = history->rows;  // newest first
    auto changes = HistoryChanges(*s, org, lead->id, records);
    if (!changes.ok())
      return Response::FromStatus(changes.status());
    Json rows = Json::array();
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& r = records[i];
      Json row = {{"id", r.id},
                  {"analyzed_at", IsoTime(r.analyzed_at)},
                  {"job_id", r.job_id.empty() ? Json() : Json(r.job_id)},
                  {"run_id", r.run_id.empty() ? Json() : Json(r.run_id)},
                  {"job_type", r.job_type},
                  {"domain", r.domain},
                  {"result", r.result}};
      const bool tracked = findings->tracked_since && r.analyzed_at > *findings->tracked_since;
      row["changes"] = tracked ? (*changes)[r.id] : Json();
      rows.push_back(std::move(row));
    }
    Json out = LeadJson(*lead);
    out["history"] = rows;
    out["history_total"] = history->total;
    out["finding_history"] = FindingHistoryJson(*findings);
    return Response::Json(200, {{"lead", out}});
  });

  router.Get("/api/leads/:id/findings-history", [s](const Request& req) {
    std::string id(req.Param("id"));
    if (!common::IsUuid(id))
      return Response::FromStatus(Status::NotFound("lead not found"));
    auto history = s->store.GetFindingHistory(req.Caller().org_id, common::CanonicalUuid(id));
    if (!history.ok())
      return Response::FromStatus(history.status());
    return Response::Json(200, {{"lead_id", common::CanonicalUuid(id)},
                                {"tracked_since", IsoTimeOrNull(history->tracked_since)},
                                {"findings", FindingHistoryJson(*history)}});
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
