#include "store/sql_finding_history.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "common/ascii.h"
#include "common/json_parse.h"
#include "common/uuid.h"
#include "history/finding_diff.h"
#include "store/lead_change_hook.h"
#include "store/sql_store.h"

namespace leadscan::store {
namespace {

using Json = nlohmann::json;

// Rows per multi-row statement: well under SQLite's and libpq's parameter limits.
constexpr size_t kRowsPerStatement = 100;

// The five commerce fields the market view counts (technologies are left out: every site has
// dozens and they are not what the market view is about).
const std::vector<std::string>& MarketFields() {
  static const std::vector<std::string> kFields = {"ecommerce_platform", "checkout_solutions",
                                                   "payment_methods", "carriers",
                                                   "shipping_software"};
  return kFields;
}

SqlParam T(std::string v) {
  return SqlParam::Text(std::move(v));
}

SqlParam Tm(TimePoint t) {
  return SqlParam::Text(FormatTime(t));
}

SqlParam IdOrNull(const std::string& id) {
  return common::IsUuid(id) ? SqlParam::Text(common::CanonicalUuid(id)) : SqlParam::Null();
}

std::string JsonText(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

SqlParam J(const Json& j) {
  return j.is_null() ? SqlParam::Null() : T(JsonText(j));
}

std::string NameKey(std::string_view name) {
  return common::AsciiLower(name);
}

std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += i ? ",?" : "?";
  return out;
}

std::string FieldList() {
  std::string out;
  for (const auto& f : MarketFields())
    out += (out.empty() ? "'" : ", '") + f + "'";
  return out;
}

// Column access by name over one query's rows.
class Cols {
 public:
  explicit Cols(const SqlRows& rows) : rows_(rows) {
    for (size_t c = 0; c < rows.columns.size(); ++c)
      index_[rows.columns[c]] = c;
  }

  const std::optional<std::string>& Get(size_t r, const std::string& name) const {
    static const std::optional<std::string> kNull;
    auto it = index_.find(name);
    return it == index_.end() ? kNull : rows_.rows[r][it->second];
  }

  std::string Str(size_t r, const std::string& name) const { return Get(r, name).value_or(""); }

  int64_t Int(size_t r, const std::string& name) const {
    const auto& v = Get(r, name);
    return v && !v->empty() ? std::stoll(*v) : 0;
  }

  bool Bool(size_t r, const std::string& name) const {
    const auto& v = Get(r, name);
    return v && (*v == "1" || *v == "t" || *v == "true");
  }

  std::optional<TimePoint> OptTime(size_t r, const std::string& name) const {
    const auto& v = Get(r, name);
    return v ? ParseTime(*v) : std::nullopt;
  }

  TimePoint Time(size_t r, const std::string& name) const {
    return OptTime(r, name).value_or(TimePoint{});
  }

  Json JsonOr(size_t r, const std::string& name, Json fallback) const {
    const auto& v = Get(r, name);
    if (!v || !common::CheckJsonDepth(*v).ok())
      return fallback;
    Json j = Json::parse(*v, nullptr, /*allow_exceptions=*/false);
    return j.is_discarded() ? fallback : j;
  }

 private:
  const SqlRows& rows_;
  std::unordered_map<std::string, size_t> index_;
};

#define HQUERY_OR_RETURN(var, conn, sql, ...)                 \
  auto var##_r = (conn).Query((sql), SqlParams{__VA_ARGS__}); \
  if (!var##_r.ok())                                          \
    return var##_r.status();                                  \
  SqlRows& var = var##_r.value()

Status ExecChunked(SqlConn& c, const std::string& head, const std::string& row_sql,
                   size_t params_per_row, const SqlParams& all, const std::string& tail) {
  const size_t rows = params_per_row == 0 ? 0 : all.size() / params_per_row;
  for (size_t start = 0; start < rows; start += kRowsPerStatement) {
    const size_t end = std::min(rows, start + kRowsPerStatement);
    std::string sql = head;
    SqlParams p;
    for (size_t i = start; i < end; ++i) {
      sql += i == start ? row_sql : ", " + row_sql;
      p.insert(p.end(), all.begin() + static_cast<std::ptrdiff_t>(i * params_per_row),
               all.begin() + static_cast<std::ptrdiff_t>((i + 1) * params_per_row));
    }
    auto n = c.Exec(sql + tail, p);
    if (!n.ok())
      return n.status();
  }
  return Status::Ok();
}

Json LatestFindingsObject(const LeadFindings& f) {
  return {
      {"ecommerce_platform", f.ecommerce_platform}, {"checkout_solutions", f.checkout_solutions},
      {"payment_methods", f.payment_methods},       {"carriers", f.carriers},
      {"shipping_software", f.shipping_software},   {"technologies", f.technologies}};
}

size_t FieldRank(const std::string& field) {
  const auto& fields = history::FindingFields();
  return static_cast<size_t>(std::find(fields.begin(), fields.end(), field) - fields.begin());
}

FindingPresence ToPresence(const Cols& c, size_t r) {
  FindingPresence p;
  p.lead_id = c.Str(r, "lead_id");
  p.field = c.Str(r, "field");
  p.name = c.Str(r, "name");
  p.first_seen = c.Time(r, "first_seen");
  p.last_seen = c.Time(r, "last_seen");
  p.added_by = c.Str(r, "added_by");
  p.removed_at = c.OptTime(r, "removed_at");
  p.removed_by = c.Str(r, "removed_by");
  p.evidence = c.JsonOr(r, "evidence", Json::array());
  return p;
}

const char* kPresenceCols =
    "p.lead_id, p.field, p.name, p.first_seen, p.last_seen, p.added_by, p.removed_at, "
    "p.removed_by, p.evidence";

// "YYYY-MM-DD" of the Monday of the week of `day` ("YYYY-MM-DD"); "" when it is no date.
std::string WeekStart(const std::string& day) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  if (std::sscanf(day.c_str(), "%d-%u-%u", &y, &m, &d) != 3)
    return "";
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok())
    return "";
  std::chrono::sys_days days(ymd);
  std::chrono::weekday wd(days);
  days -= std::chrono::days((wd.c_encoding() + 6) % 7);  // back to Monday
  std::chrono::year_month_day monday(days);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(monday.year()),
                static_cast<unsigned>(monday.month()), static_cast<unsigned>(monday.day()));
  return buf;
}

}  // namespace

Status RecordFindingChangesTx(SqlBackend& backend, SqlConn& c, const AnalysisOutcome& o) {
  return RecordFindingChangesTx(backend, c, std::vector<AnalysisOutcome>{o});
}

Status RecordFindingChangesTx(SqlBackend& backend, SqlConn& c,
                              const std::vector<AnalysisOutcome>& outcomes) {
  if (outcomes.empty())
    return Status::Ok();
  {
    // A lead twice in one batch: its second outcome must see what the first wrote, so each
    // is written on its own, in order (rare: two jobs of one lead finishing together).
    std::set<std::string> leads;
    for (const AnalysisOutcome& o : outcomes) {
      if (!leads.insert(o.lead_id).second) {
        for (const AnalysisOutcome& one : outcomes)
          LEADSCAN_RETURN_IF_ERROR(RecordFindingChangesTx(backend, c, std::vector{one}));
        return Status::Ok();
      }
    }
  }
  // Every lead's present findings and field observations in one round trip.
  std::map<std::string, history::PriorState> prior;
  {
    SqlParams ids;
    for (const AnalysisOutcome& o : outcomes)
      ids.push_back(T(o.lead_id));
    SqlParams p = ids;
    p.insert(p.end(), ids.begin(), ids.end());
    const std::string in = "(" + Placeholders(outcomes.size()) + ")";
    // Planned each time: these tables grow from empty in a new database's first batches.
    auto rows_r = c.Query(
        std::string(kPlanEachTime) +
            "SELECT 'p' AS kind, lead_id, field, name, evidence, NULL AS partial, NULL AS "
            "unreached "
            "FROM lead_finding_presence WHERE lead_id IN " +
            in +
            " AND removed_at IS NULL UNION ALL SELECT 'o', lead_id, field, NULL, NULL, partial, "
            "unreached FROM lead_field_observations WHERE lead_id IN " +
            in,
        p);
    if (!rows_r.ok())
      return rows_r.status();
    const SqlRows& rows = rows_r.value();
    Cols cols(rows);
    for (size_t r = 0; r < rows.size(); ++r) {
      history::PriorState& state = prior[cols.Str(r, "lead_id")];
      if (cols.Str(r, "kind") == "p") {
        state.present.push_back(
            {cols.Str(r, "field"), cols.Str(r, "name"), cols.JsonOr(r, "evidence", Json::array())});
        continue;
      }
      history::FieldObservation obs;
      obs.field = cols.Str(r, "field");
      obs.partial = cols.Bool(r, "partial");
      Json unreached = cols.JsonOr(r, "unreached", Json::array());
      if (unreached.is_array()) {
        for (const Json& k : unreached) {
          if (k.is_string())
            obs.unreached.push_back(k.get<std::string>());
        }
      }
      state.observed.push_back(std::move(obs));
    }
  }

  // The rows of every outcome, written together below.
  SqlParams seen, changes, observed;
  std::vector<SqlParams> removals;
  std::vector<LeadChangeSet> change_sets;
  for (const AnalysisOutcome& o : outcomes) {
    static const Json kNull;
    const Json& result = o.result != nullptr ? *o.result : kNull;
    const history::PriorState& before = prior[o.lead_id];
    const history::AnalysisReach reach = history::ReachOf(result, o.job_type);
    static const LeadFindings kNoFindings;
    const Json latest = LatestFindingsObject(o.findings != nullptr ? *o.findings : kNoFindings);
    const history::FindingDiff diff =
        history::DiffFindings(before, history::FindingsOf(latest, reach.fields), reach);

    const SqlParam at = Tm(o.at);
    const SqlParam analysis = IdOrNull(o.analysis_id);
    for (const history::Finding& f : diff.seen) {
      seen.insert(seen.end(), {T(o.lead_id), T(o.org_id), T(f.field), T(f.name), T(NameKey(f.name)),
                               at, at, analysis, T(JsonText(f.evidence))});
    }
    for (const history::Finding& f : diff.removed)
      removals.push_back({at, analysis, T(o.lead_id), T(f.field), T(f.name)});
    if (!diff.changes.empty()) {
      LeadChangeSet set;
      set.org_id = o.org_id;
      set.lead_id = o.lead_id;
      set.domain = o.domain;
      set.job_id = common::IsUuid(o.job_id) ? o.job_id : "";
      set.analysis_id = o.analysis_id;
      set.detected_at = o.at;
      for (const history::FindingChange& ch : diff.changes) {
        LeadChange change;
        change.field = ch.field;
        change.name = ch.name;
        change.change = history::ChangeKindName(ch.kind);
        change.previous = ch.previous;
        change.evidence = ch.evidence;
        changes.insert(changes.end(),
                       {T(common::NewUuid()), T(o.org_id), T(o.lead_id), T(ch.field), T(ch.name),
                        T(NameKey(ch.name)), T(change.change), at, IdOrNull(o.job_id), analysis,
                        J(ch.previous), T(JsonText(ch.evidence))});
        set.changes.push_back(std::move(change));
      }
      change_sets.push_back(std::move(set));
    }
    // Only observations that differ from the stored ones are written: in the steady state (the
    // same pages reached as last time) an analysis writes none.
    std::map<std::string, const history::FieldObservation*> stored;
    for (const history::FieldObservation& obs : before.observed)
      stored[obs.field] = &obs;
    for (const history::FieldObservation& obs : diff.observed) {
      auto it = stored.find(obs.field);
      if (it != stored.end() && it->second->partial == obs.partial &&
          it->second->unreached == obs.unreached) {
        continue;
      }
      Json unreached = Json::array();
      for (const std::string& k : obs.unreached)
        unreached.push_back(k);
      observed.insert(observed.end(), {T(o.lead_id), T(obs.field), at, at, analysis,
                                       SqlParam::Bool(obs.partial), T(JsonText(unreached))});
    }
  }

  LEADSCAN_RETURN_IF_ERROR(ExecChunked(
      c,
      "INSERT INTO lead_finding_presence (lead_id, org_id, field, name, name_key, first_seen, "
      "last_seen, added_by, evidence) VALUES ",
      "(?, ?, ?, ?, ?, ?, ?, ?, ?)", 9, seen,
      " ON CONFLICT (lead_id, field, name) DO UPDATE SET last_seen = excluded.last_seen, "
      "evidence = excluded.evidence, added_by = CASE WHEN lead_finding_presence.removed_at IS "
      "NULL THEN lead_finding_presence.added_by ELSE excluded.added_by END, removed_at = NULL, "
      "removed_by = NULL"));
  for (const SqlParams& p : removals) {
    auto n = c.Exec(
        "UPDATE lead_finding_presence SET removed_at = ?, removed_by = ? WHERE lead_id = ? AND "
        "field = ? AND name = ?",
        p);
    if (!n.ok())
      return n.status();
  }
  LEADSCAN_RETURN_IF_ERROR(
      ExecChunked(c,
                  "INSERT INTO lead_changes (id, org_id, lead_id, field, name, name_key, change, "
                  "detected_at, job_id, analysis_id, previous, evidence) VALUES ",
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 12, changes, ""));
  LEADSCAN_RETURN_IF_ERROR(
      ExecChunked(c,
                  "INSERT INTO lead_field_observations (lead_id, field, first_observed_at, "
                  "last_observed_at, analysis_id, partial, unreached) VALUES ",
                  "(?, ?, ?, ?, ?, ?, ?)", 7, observed,
                  " ON CONFLICT (lead_id, field) DO UPDATE SET last_observed_at = "
                  "excluded.last_observed_at, analysis_id = excluded.analysis_id, partial = "
                  "excluded.partial, unreached = excluded.unreached"));
  for (LeadChangeSet& set : change_sets) {
    HQUERY_OR_RETURN(lead, c, "SELECT company_name FROM leads WHERE id = ?", T(set.lead_id));
    if (!lead.empty())
      set.company_name = lead.rows[0][0].value_or("");
    LEADSCAN_RETURN_IF_ERROR(OnLeadChangedTx(backend, c, set));
  }
  return Status::Ok();
}

void AppendFindingFilters(const common::OrgId& org_id, const LeadFilter& filter, std::string* where,
                          SqlParams* p) {
  for (const std::string& name : filter.uses) {
    *where +=
        " AND l.id IN (SELECT p.lead_id FROM lead_finding_presence p WHERE p.org_id = ? AND "
        "p.name_key = ? AND p.removed_at IS NULL)";
    p->push_back(T(org_id.str()));
    p->push_back(T(NameKey(name)));
  }
  for (const std::string& name : filter.not_uses) {
    *where +=
        " AND l.id NOT IN (SELECT p.lead_id FROM lead_finding_presence p WHERE p.org_id = ? AND "
        "p.name_key = ? AND p.removed_at IS NULL)";
    p->push_back(T(org_id.str()));
    p->push_back(T(NameKey(name)));
  }
  auto changed = [&](const std::vector<std::string>& names, const char* kind) {
    for (const std::string& name : names) {
      *where += std::string(
                    " AND l.id IN (SELECT c.lead_id FROM lead_changes c WHERE c.org_id = ? AND "
                    "c.name_key = ? AND c.change = '") +
                kind + "'" + (filter.since ? " AND c.detected_at >= ?)" : ")");
      p->push_back(T(org_id.str()));
      p->push_back(T(NameKey(name)));
      if (filter.since)
        p->push_back(Tm(TruncateTime(*filter.since)));
    }
  };
  changed(filter.added, "added");
  changed(filter.removed, "removed");
}

// ---- SqlStore's readers of the history ----

Result<ChangePage> SqlStore::ListChanges(const OrgId& org_id, const ChangeFilter& filter) {
  ChangePage page;
  if (!common::IsUuid(org_id.str()))
    return page;
  if (!filter.lead_id.empty() && !common::IsUuid(filter.lead_id))
    return Status::NotFound("lead not found: " + filter.lead_id).WithField("lead_id");
  const int64_t limit = std::max<int64_t>(1, filter.limit);
  std::string where = " WHERE c.org_id = ?";
  SqlParams p{T(org_id.str())};
  if (filter.since) {
    where += " AND c.detected_at >= ?";
    p.push_back(Tm(TruncateTime(*filter.since)));
  }
  if (filter.until) {
    where += " AND c.detected_at < ?";
    p.push_back(Tm(TruncateTime(*filter.until)));
  }
  if (!filter.field.empty()) {
    where += " AND c.field = ?";
    p.push_back(T(filter.field));
  }
  if (!filter.name.empty()) {
    where += " AND c.name_key = ?";
    p.push_back(T(NameKey(filter.name)));
  }
  if (!filter.change.empty()) {
    where += " AND c.change = ?";
    p.push_back(T(filter.change));
  }
  if (!filter.lead_id.empty()) {
    where += " AND c.lead_id = ?";
    p.push_back(T(common::CanonicalUuid(filter.lead_id)));
  }
  if (!filter.analysis_ids.empty()) {
    std::vector<std::string> ids;
    for (const auto& id : filter.analysis_ids) {
      if (common::IsUuid(id))
        ids.push_back(common::CanonicalUuid(id));
    }
    if (ids.empty())
      return page;
    where += " AND c.analysis_id IN (" + Placeholders(ids.size()) + ")";
    for (auto& id : ids)
      p.push_back(T(std::move(id)));
  }
  if (filter.after) {
    if (!common::IsUuid(filter.after->id))
      return Status::InvalidArgument("invalid_cursor", "the cursor is not one this API made",
                                     "cursor");
    // Row values: one range on the feed indexes (detected_at DESC, id DESC).
    where += " AND (c.detected_at, c.id) < (?, ?)";
    p.push_back(Tm(TruncateTime(filter.after->detected_at)));
    p.push_back(T(common::CanonicalUuid(filter.after->id)));
  }
  p.push_back(SqlParam::Int(limit + 1));
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    page = {};
    if (!filter.lead_id.empty()) {
      HQUERY_OR_RETURN(lead, c, "SELECT id FROM leads WHERE id = ? AND org_id = ?",
                       T(common::CanonicalUuid(filter.lead_id)), T(org_id.str()));
      if (lead.empty())
        return Status::NotFound("lead not found: " + filter.lead_id).WithField("lead_id");
    }
    HQUERY_OR_RETURN(rows, c,
                     "SELECT c.id, c.org_id, c.lead_id, l.company_name, l.domain, c.field, c.name, "
                     "c.change, c.detected_at, c.job_id, c.analysis_id, c.previous, c.evidence "
                     "FROM lead_changes c JOIN leads l ON l.id = c.lead_id" +
                         where + " ORDER BY c.detected_at DESC, c.id DESC LIMIT ?",
                     p);
    Cols cols(rows);
    for (size_t r = 0; r < rows.size() && static_cast<int64_t>(r) < limit; ++r) {
      ChangeRecord ch;
      ch.id = cols.Str(r, "id");
      ch.org_id = cols.Str(r, "org_id");
      ch.lead_id = cols.Str(r, "lead_id");
      ch.company_name = cols.Str(r, "company_name");
      ch.domain = cols.Str(r, "domain");
      ch.field = cols.Str(r, "field");
      ch.name = cols.Str(r, "name");
      ch.change = cols.Str(r, "change");
      ch.detected_at = cols.Time(r, "detected_at");
      ch.job_id = cols.Str(r, "job_id");
      ch.analysis_id = cols.Str(r, "analysis_id");
      ch.previous = cols.JsonOr(r, "previous", nullptr);
      ch.evidence = cols.JsonOr(r, "evidence", Json::array());
      page.rows.push_back(std::move(ch));
    }
    if (static_cast<int64_t>(rows.size()) > limit && !page.rows.empty())
      page.next = ChangeCursor{page.rows.back().detected_at, page.rows.back().id};
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return page;
}

Result<LeadFindingHistory> SqlStore::GetFindingHistory(const OrgId& org_id,
                                                       const std::string& lead_id) {
  if (!common::IsUuid(lead_id) || !common::IsUuid(org_id.str()))
    return Status::NotFound("lead not found: " + lead_id);
  const std::string id = common::CanonicalUuid(lead_id);
  LeadFindingHistory out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    out = {};
    HQUERY_OR_RETURN(lead, c, "SELECT id FROM leads WHERE id = ? AND org_id = ?", T(id),
                     T(org_id.str()));
    if (lead.empty())
      return Status::NotFound("lead not found: " + lead_id);
    HQUERY_OR_RETURN(rows, c,
                     std::string("SELECT ") + kPresenceCols +
                         " FROM lead_finding_presence p WHERE p.lead_id = ?",
                     T(id));
    Cols cols(rows);
    for (size_t r = 0; r < rows.size(); ++r)
      out.findings.push_back(ToPresence(cols, r));
    HQUERY_OR_RETURN(since, c,
                     "SELECT MIN(first_observed_at) AS t FROM lead_field_observations WHERE "
                     "lead_id = ?",
                     T(id));
    Cols since_cols(since);
    if (!since.empty())
      out.tracked_since = since_cols.OptTime(0, "t");
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  std::sort(out.findings.begin(), out.findings.end(),
            [](const FindingPresence& a, const FindingPresence& b) {
              if (a.present() != b.present())
                return a.present();
              if (a.field != b.field)
                return FieldRank(a.field) < FieldRank(b.field);
              return a.name < b.name;
            });
  return out;
}

Result<std::vector<FindingPresence>> SqlStore::ListFindingPresence(
    const OrgId& org_id, const std::vector<std::string>& lead_ids) {
  std::vector<std::string> ids;
  for (const auto& id : lead_ids) {
    if (common::IsUuid(id))
      ids.push_back(common::CanonicalUuid(id));
  }
  std::vector<FindingPresence> out;
  if (!common::IsUuid(org_id.str()) || ids.empty())
    return out;
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    out.clear();
    for (size_t start = 0; start < ids.size(); start += kRowsPerStatement) {
      const size_t end = std::min(ids.size(), start + kRowsPerStatement);
      SqlParams p{T(org_id.str())};
      for (size_t i = start; i < end; ++i)
        p.push_back(T(ids[i]));
      HQUERY_OR_RETURN(rows, c,
                       std::string("SELECT ") + kPresenceCols +
                           " FROM lead_finding_presence p WHERE p.org_id = ? AND p.lead_id IN (" +
                           Placeholders(end - start) + ")",
                       p);
      Cols cols(rows);
      for (size_t r = 0; r < rows.size(); ++r)
        out.push_back(ToPresence(cols, r));
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

Result<MarketSummary> SqlStore::Market(const OrgId& org_id, const LeadFilter& filter, int weeks,
                                       int max_names) {
  MarketSummary out;
  for (const auto& f : MarketFields())
    out.shares[f];
  if (!common::IsUuid(org_id.str()))
    return out;
  weeks = std::max(1, weeks);
  // The window: from the Monday 00:00 UTC of the week weeks - 1 before the current one.
  const auto today = std::chrono::floor<std::chrono::days>(Now());
  const std::chrono::weekday wd{std::chrono::sys_days(today)};
  const TimePoint from = std::chrono::sys_days(today) -
                         std::chrono::days((wd.c_encoding() + 6) % 7) -
                         std::chrono::days(7 * static_cast<int64_t>(weeks - 1));

  {
    const std::chrono::year_month_day start{std::chrono::floor<std::chrono::days>(from)};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(start.year()),
                  static_cast<unsigned>(start.month()), static_cast<unsigned>(start.day()));
    out.window_start = buf;
  }
  std::string lead_where;
  SqlParams lead_params;
  AppendLeadWhere(*backend_, org_id, filter, &lead_where, &lead_params);
  const std::string leads_sql = "SELECT l.id FROM leads l" + lead_where;
  const std::string day = backend_->Dialect() == "sqlite"
                              ? "substr(c.detected_at, 1, 10)"
                              : "to_char(c.detected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
  auto with_leads = [&](SqlParams head) {
    head.insert(head.end(), lead_params.begin(), lead_params.end());
    return head;
  };
  Status s = backend_->Read([&](SqlConn& c) -> Status {
    out.timeline.clear();
    out.switches.clear();
    for (auto& [field, names] : out.shares)
      names.clear();
    {
      auto rows = c.Query(
          "SELECT COUNT(*) AS n, COUNT(l.last_analyzed_at) AS analysed FROM leads l" + lead_where,
          lead_params);
      if (!rows.ok())
        return rows.status();
      Cols cols(*rows);
      out.lead_count = cols.Int(0, "n");
      out.analysed_count = cols.Int(0, "analysed");
    }
    {
      auto rows = c.Query(
          "SELECT p.field, p.name, COUNT(*) AS n FROM lead_finding_presence p WHERE p.org_id = ? "
          "AND p.removed_at IS NULL AND p.field IN (" +
              FieldList() + ") AND p.lead_id IN (" + leads_sql +
              ") GROUP BY p.field, p.name ORDER BY p.field, n DESC, p.name",
          with_leads({T(org_id.str())}));
      if (!rows.ok())
        return rows.status();
      Cols cols(*rows);
      for (size_t r = 0; r < rows->size(); ++r) {
        auto& names = out.shares[cols.Str(r, "field")];
        if (static_cast<int>(names.size()) < max_names)
          names.push_back({cols.Str(r, "name"), cols.Int(r, "n")});
      }
    }
    {
      auto rows = c.Query("SELECT c.field, c.name, c.change, " + day +
                              " AS day, COUNT(*) AS n FROM lead_changes c WHERE c.org_id = ? AND "
                              "c.detected_at >= ? AND c.field IN (" +
                              FieldList() + ") AND c.lead_id IN (" + leads_sql +
                              ") GROUP BY c.field, c.name, c.change, " + day,
                          with_leads({T(org_id.str()), Tm(from)}));
      if (!rows.ok())
        return rows.status();
      Cols cols(*rows);
      std::map<std::tuple<std::string, size_t, std::string>, MarketWeek> weeks_by_key;
      for (size_t r = 0; r < rows->size(); ++r) {
        const std::string week = WeekStart(cols.Str(r, "day"));
        const std::string field = cols.Str(r, "field");
        const std::string name = cols.Str(r, "name");
        MarketWeek& w = weeks_by_key[{week, FieldRank(field), name}];
        w.week_start = week;
        w.field = field;
        w.name = name;
        (cols.Str(r, "change") == "added" ? w.added : w.removed) += cols.Int(r, "n");
      }
      for (auto& [key, w] : weeks_by_key)
        out.timeline.push_back(std::move(w));
    }
    {
      auto rows = c.Query(
          "SELECT r.field, r.name AS from_name, a.name AS to_name, COUNT(*) AS n FROM "
          "lead_changes r JOIN lead_changes a ON a.analysis_id = r.analysis_id AND a.field = "
          "r.field AND a.change = 'added' WHERE r.org_id = ? AND r.change = 'removed' AND "
          "r.detected_at >= ? AND r.field IN (" +
              FieldList() + ") AND r.lead_id IN (" + leads_sql +
              ") GROUP BY r.field, r.name, a.name ORDER BY n DESC, r.field, r.name, a.name",
          with_leads({T(org_id.str()), Tm(from)}));
      if (!rows.ok())
        return rows.status();
      Cols cols(*rows);
      for (size_t r = 0; r < rows->size(); ++r) {
        out.switches.push_back({cols.Str(r, "field"), cols.Str(r, "from_name"),
                                cols.Str(r, "to_name"), cols.Int(r, "n")});
      }
    }
    return Status::Ok();
  });
  if (!s.ok())
    return s;
  return out;
}

}  // namespace leadscan::store
