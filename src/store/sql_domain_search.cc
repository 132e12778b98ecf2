// SqlStore's domain-search tables (migration 010): the search cache and the leads' domain
// suggestions. Kept apart from sql_store.cc; the same rules hold (one transaction per call,
// organisation-scoped lead rows, JSON as text, times as ISO 8601 UTC).
#include <algorithm>
#include <unordered_map>

#include "common/json_parse.h"
#include "common/uuid.h"
#include "store/sql_store.h"

namespace leadscan::store {
namespace {

SqlParam Text(std::string v) {
  return SqlParam::Text(std::move(v));
}

SqlParam JsonParam(const Json& j) {
  return j.is_null() ? SqlParam::Null()
                     : SqlParam::Text(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

SqlParam TimeParam(TimePoint t) {
  return SqlParam::Text(FormatTime(t));
}

// Column values of one row by name.
class Cols {
 public:
  Cols(const SqlRows& rows, size_t i) : rows_(rows), i_(i) {
    for (size_t c = 0; c < rows.columns.size(); ++c)
      index_[rows.columns[c]] = c;
  }

  std::string Str(const std::string& name) const {
    const auto* v = Get(name);
    return v != nullptr && v->has_value() ? **v : std::string();
  }

  int64_t Int(const std::string& name) const {
    std::string v = Str(name);
    return v.empty() ? 0 : std::stoll(v);
  }

  std::optional<TimePoint> Time(const std::string& name) const {
    const auto* v = Get(name);
    if (v == nullptr || !v->has_value())
      return std::nullopt;
    return ParseTime(**v);
  }

  Json JsonValue(const std::string& name) const {
    const auto* v = Get(name);
    if (v == nullptr || !v->has_value())
      return nullptr;
    auto parsed = common::ParseJson(**v, name);
    return parsed.ok() ? *parsed : Json();
  }

 private:
  const std::optional<std::string>* Get(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &rows_.rows[i_][it->second];
  }

  const SqlRows& rows_;
  size_t i_;
  std::unordered_map<std::string, size_t> index_;
};

constexpr const char* kSuggestionCols =
    "lead_id, org_id, domain, confidence, source, provider, evidence, status, decided_domain, "
    "decided_by, decided_at, created_at, updated_at";

DomainSuggestion ToSuggestion(const SqlRows& rows, size_t i) {
  Cols r(rows, i);
  DomainSuggestion s;
  s.lead_id = r.Str("lead_id");
  s.org_id = r.Str("org_id");
  s.domain = r.Str("domain");
  s.confidence = static_cast<int>(r.Int("confidence"));
  s.source = r.Str("source");
  s.provider = r.Str("provider");
  s.evidence = r.JsonValue("evidence");
  s.status = r.Str("status");
  s.decided_domain = r.Str("decided_domain");
  s.decided_by = r.Str("decided_by");
  s.decided_at = r.Time("decided_at");
  s.created_at = r.Time("created_at").value_or(TimePoint{});
  s.updated_at = r.Time("updated_at").value_or(TimePoint{});
  return s;
}

bool IsUuid(std::string_view id) {
  return common::IsUuid(id);
}

Status LeadNotFound(const std::string& lead_id) {
  return Status::NotFound("lead not found: " + lead_id);
}

// Fails NotFound unless the lead exists in the organisation.
Status CheckLeadTx(SqlConn& c, const OrgId& org_id, const std::string& lead_id) {
  if (!IsUuid(lead_id) || !IsUuid(org_id.str()))
    return LeadNotFound(lead_id);
  auto rows = c.Query("SELECT id FROM leads WHERE id = ? AND org_id = ?",
                      {Text(lead_id), Text(org_id.str())});
  if (!rows.ok())
    return rows.status();
  return rows->empty() ? LeadNotFound(lead_id) : Status::Ok();
}

Result<std::optional<DomainSuggestion>> SuggestionTx(SqlConn& c, const OrgId& org_id,
                                                     const std::string& lead_id,
                                                     std::string_view for_update) {
  auto rows = c.Query(std::string("SELECT ") + kSuggestionCols +
                          " FROM lead_domain_suggestions WHERE lead_id = ? AND org_id = ?" +
                          std::string(for_update),
                      {Text(lead_id), Text(org_id.str())});
  if (!rows.ok())
    return rows.status();
  if (rows->empty())
    return std::optional<DomainSuggestion>();
  return std::optional<DomainSuggestion>(ToSuggestion(*rows, 0));
}

}  // namespace

Result<std::optional<DomainSearchRow>> SqlStore::GetDomainSearch(const std::string& name_key,
                                                                 const std::string& country,
                                                                 TimePoint newer_than) {
  std::optional<DomainSearchRow> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    out.reset();
    auto rows = c.Query(
        "SELECT name_key, country, provider, result, searched_at FROM domain_searches "
        "WHERE name_key = ? AND country = ? AND searched_at >= ?",
        {Text(name_key), Text(country), TimeParam(TruncateTime(newer_than))});
    if (!rows.ok())
      return rows.status();
    if (rows->empty())
      return Status::Ok();
    Cols r(*rows, 0);
    DomainSearchRow row;
    row.name_key = r.Str("name_key");
    row.country = r.Str("country");
    row.provider = r.Str("provider");
    row.result = r.JsonValue("result");
    row.searched_at = r.Time("searched_at").value_or(TimePoint{});
    out = std::move(row);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Status SqlStore::PutDomainSearch(const std::string& name_key, const std::string& country,
                                 const std::string& provider, const Json& result) {
  if (name_key.empty()) {
    return Status::InvalidArgument("invalid_domain_search", "a domain search needs a name key");
  }
  const TimePoint now = Now();
  return backend_->Write([&](SqlConn& c) -> Status {
    auto n = c.Exec(
        "INSERT INTO domain_searches (name_key, country, provider, result, searched_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name_key, country) DO UPDATE SET "
        "provider = excluded.provider, result = excluded.result, "
        "searched_at = excluded.searched_at",
        {Text(name_key), Text(country), Text(provider),
         JsonParam(result.is_null() ? Json::object() : result), TimeParam(now)});
    return n.ok() ? Status::Ok() : n.status();
  });
}

Result<DomainSuggestion> SqlStore::SaveDomainSuggestion(const OrgId& org_id,
                                                        const std::string& lead_id_in,
                                                        const NewDomainSuggestion& suggestion) {
  const std::string lead_id = IsUuid(lead_id_in) ? common::CanonicalUuid(lead_id_in) : lead_id_in;
  const TimePoint now = Now();
  std::optional<DomainSuggestion> out;
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out.reset();
    LEADSCAN_RETURN_IF_ERROR(CheckLeadTx(c, org_id, lead_id));
    const std::string status(suggestion.domain.empty() ? kSuggestionNotFound
                                                       : kSuggestionSuggested);
    auto n = c.Exec(
        "INSERT INTO lead_domain_suggestions (lead_id, org_id, domain, confidence, source, "
        "provider, evidence, status, decided_domain, decided_by, decided_at, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', NULL, ?, ?) "
        "ON CONFLICT (lead_id) DO UPDATE SET domain = excluded.domain, "
        "confidence = excluded.confidence, source = excluded.source, "
        "provider = excluded.provider, evidence = excluded.evidence, status = excluded.status, "
        "decided_domain = '', decided_by = '', decided_at = NULL, "
        "updated_at = excluded.updated_at",
        {Text(lead_id), Text(org_id.str()), Text(suggestion.domain),
         SqlParam::Int(std::clamp(suggestion.confidence, 0, 100)), Text(suggestion.source),
         Text(suggestion.provider), JsonParam(suggestion.evidence), Text(status), TimeParam(now),
         TimeParam(now)});
    if (!n.ok())
      return n.status();
    auto row = SuggestionTx(c, org_id, lead_id, "");
    if (!row.ok())
      return row.status();
    out = std::move(**row);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

Result<std::optional<DomainSuggestion>> SqlStore::GetDomainSuggestion(
    const OrgId& org_id, const std::string& lead_id_in) {
  const std::string lead_id = IsUuid(lead_id_in) ? common::CanonicalUuid(lead_id_in) : lead_id_in;
  std::optional<DomainSuggestion> out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    out.reset();
    LEADSCAN_RETURN_IF_ERROR(CheckLeadTx(c, org_id, lead_id));
    auto row = SuggestionTx(c, org_id, lead_id, "");
    if (!row.ok())
      return row.status();
    out = std::move(*row);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<std::vector<DomainSuggestion>> SqlStore::ListDomainSuggestions(
    const OrgId& org_id, const std::vector<std::string>& lead_ids) {
  constexpr size_t kChunk = 200;  // ids per IN list
  std::vector<std::string> ids;
  for (const auto& id : lead_ids) {
    if (IsUuid(id))
      ids.push_back(common::CanonicalUuid(id));
  }
  std::vector<DomainSuggestion> out;
  if (ids.empty() || !IsUuid(org_id.str()))
    return out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    out.clear();
    for (size_t start = 0; start < ids.size(); start += kChunk) {
      const size_t end = std::min(ids.size(), start + kChunk);
      std::string sql = std::string("SELECT ") + kSuggestionCols +
                        " FROM lead_domain_suggestions WHERE org_id = ? AND lead_id IN (";
      SqlParams params{Text(org_id.str())};
      for (size_t i = start; i < end; ++i) {
        sql += i > start ? ",?" : "?";
        params.push_back(Text(ids[i]));
      }
      sql += ")";
      auto rows = c.Query(sql, params);
      if (!rows.ok())
        return rows.status();
      for (size_t i = 0; i < rows->size(); ++i)
        out.push_back(ToSuggestion(*rows, i));
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<DomainSuggestion> SqlStore::DecideDomainSuggestion(const OrgId& org_id,
                                                          const std::string& lead_id_in,
                                                          const std::optional<std::string>& domain,
                                                          const std::string& decided_by) {
  const std::string lead_id = IsUuid(lead_id_in) ? common::CanonicalUuid(lead_id_in) : lead_id_in;
  const TimePoint now = Now();
  std::optional<DomainSuggestion> out;
  Status s = backend_->Write([&](SqlConn& c) -> Status {
    out.reset();
    LEADSCAN_RETURN_IF_ERROR(CheckLeadTx(c, org_id, lead_id));
    auto current = SuggestionTx(c, org_id, lead_id, backend_->ForUpdate());
    if (!current.ok())
      return current.status();
    if (!current->has_value())
      return Status::NotFound("the lead has no domain suggestion: " + lead_id);
    const DomainSuggestion& cur = **current;
    if (!domain && cur.domain.empty()) {
      return Status::Conflict("no_domain_suggestion",
                              "the search found no domain to accept; correct it with a domain");
    }
    const std::string chosen = domain.value_or(cur.domain);
    const std::string status(domain && *domain != cur.domain ? kSuggestionCorrected
                                                             : kSuggestionAccepted);
    auto lead = c.Exec("UPDATE leads SET domain = ?, updated_at = ? WHERE id = ? AND org_id = ?",
                       {Text(chosen), TimeParam(now), Text(lead_id), Text(org_id.str())});
    if (!lead.ok())
      return lead.status();
    auto n = c.Exec(
        "UPDATE lead_domain_suggestions SET status = ?, decided_domain = ?, decided_by = ?, "
        "decided_at = ?, updated_at = ? WHERE lead_id = ? AND org_id = ?",
        {Text(status), Text(chosen), Text(decided_by), TimeParam(now), TimeParam(now),
         Text(lead_id), Text(org_id.str())});
    if (!n.ok())
      return n.status();
    auto row = SuggestionTx(c, org_id, lead_id, "");
    if (!row.ok())
      return row.status();
    out = std::move(**row);
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return *out;
}

}  // namespace leadscan::store
