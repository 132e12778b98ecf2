#include "store/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "store/sql_transaction.h"

namespace leadscan::store {
namespace {

// Write transactions that hit a serialisation failure or a deadlock are run again this often.
constexpr int kMaxWriteAttempts = 5;
// Prepared statements kept per connection before the cache is dropped and rebuilt.
constexpr size_t kMaxPreparedStatements = 256;
// After a failed connect, new connections are not tried for this pause, doubling up to the
// maximum while the server stays unreachable (every thread of the process shares it); calls in
// between fail at once with the last error. A successful connect resets it.
constexpr std::chrono::milliseconds kReconnectFirstPause{100};
constexpr std::chrono::milliseconds kReconnectMaxPause{2000};
// Key of the advisory lock that serialises migrations across processes.
constexpr const char* kMigrationLockKey = "727001";

bool IsRetryableState(const std::string& state) {
  return state == "40001" || state == "40P01";
}

// `?` placeholders to `$1..$n`, leaving quoted strings alone.
std::string Renumber(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  bool quoted = false;
  for (char c : sql) {
    if (c == '\'')
      quoted = !quoted;
    if (c == '?' && !quoted) {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

void IgnoreNotice(void*, const char*) {}

class PgConn final : public SqlConn {
 public:
  explicit PgConn(PGconn* conn) : conn_(conn) {}

  ~PgConn() override { PQfinish(conn_); }

  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  Result<int64_t> Exec(std::string_view sql, const SqlParams& params) override {
    int64_t changes = 0;
    Status s = Run(sql, params, nullptr, &changes);
    if (!s.ok())
      return s;
    return changes;
  }

  Result<SqlRows> Query(std::string_view sql, const SqlParams& params) override {
    SqlRows rows;
    Status s = Run(sql, params, &rows, nullptr);
    if (!s.ok())
      return s;
    return rows;
  }

  Status Script(std::string_view sql) override {
    std::string text(sql);
    PGresult* res = PQexec(conn_, text.c_str());
    Status s = Check(res, "script");
    PQclear(res);
    return s;
  }

  bool Healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

  bool InTransaction() const override {
    PGTransactionStatusType t = PQtransactionStatus(conn_);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
  }

  // The SQLSTATE of the last failed statement ("" when none).
  const std::string& last_state() const { return last_state_; }

  void ClearState() { last_state_.clear(); }

  void ForgetPrepared() { prepared_.clear(); }

 private:
  Status Check(PGresult* res, const std::string& what) {
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
      return Status::Ok();
    }
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    last_state_ = state ? state : "";
    std::string msg = what + ": " + PQerrorMessage(conn_);
    bool retry = IsRetryableState(last_state_);
    return Status::Error(common::StatusCode::kIoError, retry ? "serialization_failure" : "io_error",
                         msg, retry);
  }

  Result<std::string> Prepared(std::string_view sql, int nparams) {
    std::string key(sql);
    auto it = prepared_.find(key);
    if (it != prepared_.end())
      return it->second;
    if (prepared_.size() >= kMaxPreparedStatements) {
      PGresult* res = PQexec(conn_, "DEALLOCATE ALL");
      Status s = Check(res, "deallocate");
      PQclear(res);
      if (!s.ok())
        return s;
      prepared_.clear();
    }
    std::string name = "ls" + std::to_string(++counter_);
    std::string text = Renumber(sql);
    PGresult* res = PQprepare(conn_, name.c_str(), text.c_str(), nparams, nullptr);
    Status s = Check(res, "prepare `" + key.substr(0, 120) + "`");
    PQclear(res);
    if (!s.ok())
      return s;
    prepared_.emplace(std::move(key), name);
    return name;
  }

  Status Run(std::string_view sql, const SqlParams& params, SqlRows* rows, int64_t* changes) {
    // Planned at every execution: sent unnamed, never prepared (kPlanEachTime).
    const bool plan_each_time = sql.substr(0, kPlanEachTime.size()) == kPlanEachTime;
    Result<std::string> name = std::string();
    if (!plan_each_time)
      name = Prepared(sql, static_cast<int>(params.size()));
    if (!name.ok())
      return name.status();
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlParam& p = params[i];
      switch (p.kind) {
        case SqlParam::Kind::kNull:
          continue;
        case SqlParam::Kind::kText:
          values[i] = p.text.c_str();
          continue;
        case SqlParam::Kind::kInt:
          texts[i] = std::to_string(p.integer);
          break;
        case SqlParam::Kind::kReal: {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%.17g", p.real);
          texts[i] = buf;
          break;
        }
        case SqlParam::Kind::kBool:
          texts[i] = p.boolean ? "true" : "false";
          break;
      }
      values[i] = texts[i].c_str();
    }
    PGresult* res =
        plan_each_time
            ? PQexecParams(conn_, Renumber(sql).c_str(), static_cast<int>(params.size()), nullptr,
                           values.data(), nullptr, nullptr, 0)
            : PQexecPrepared(conn_, name.value().c_str(), static_cast<int>(params.size()),
                             values.data(), nullptr, nullptr, 0);
    Status s = Check(res, "exec `" + std::string(sql.substr(0, 120)) + "`");
    if (s.ok()) {
      if (rows) {
        int ncols = PQnfields(res);
        int nrows = PQntuples(res);
        for (int c = 0; c < ncols; ++c)
          rows->columns.emplace_back(PQfname(res, c));
        rows->rows.reserve(static_cast<size_t>(nrows));
        for (int r = 0; r < nrows; ++r) {
          std::vector<std::optional<std::string>> row(static_cast<size_t>(ncols));
          for (int c = 0; c < ncols; ++c) {
            if (PQgetisnull(res, r, c))
              continue;
            row[static_cast<size_t>(c)] =
                std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c)));
          }
          rows->rows.push_back(std::move(row));
        }
      }
      if (changes) {
        const char* n = PQcmdTuples(res);
        *changes = (n && *n) ? std::stoll(n) : 0;
      }
    }
    PQclear(res);
    return s;
  }

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;
  uint64_t counter_ = 0;
  std::string last_state_;
};

class PgBackend final : public SqlBackend {
 public:
  PgBackend(std::string url, int pool_size)
      : url_(std::move(url)), max_conns_(std::max(1, pool_size)) {}

  // Makes one connection now so a bad URL fails at open.
  Status Probe() {
    auto c = Connect();
    if (!c.ok())
      return c.status();
    Release(std::move(c).value());
    return Status::Ok();
  }

  std::string_view Dialect() const override { return "postgresql"; }

  Status Read(const TxnFn& fn) override {
    return WithConn([&](PgConn& c) {
      return InTransaction(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "", fn);
    });
  }

  Status Write(const TxnFn& fn) override {
    Status s;
    for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
      s = WithConn([&](PgConn& c) { return InTransaction(c, "BEGIN", "", fn); });
      if (s.ok() || !s.retryable())
        return s;
    }
    return s;
  }

  Status WriteStatement(const TxnFn& fn) override {
    Status s;
    for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
      s = WithConn([&](PgConn& c) {
        c.ClearState();
        if (c.InTransaction()) {
          // What an earlier failure left open must not swallow this statement.
          LEADSCAN_RETURN_IF_ERROR(c.Script("ROLLBACK"));
        }
        return Classify(c, CallTransactionBody(fn, c));
      });
      if (s.ok() || !s.retryable())
        return s;
    }
    return s;
  }

  Status Migrate(const TxnFn& fn) override {
    std::string lock = std::string("SELECT pg_advisory_xact_lock(") + kMigrationLockKey + ")";
    return WithConn([&](PgConn& c) { return InTransaction(c, "BEGIN", lock, fn); });
  }

  std::string_view ForUpdate() const override { return " FOR UPDATE"; }

  std::string_view ForKeyShare() const override { return " FOR KEY SHARE"; }

  std::string ForUpdateOf(std::string_view alias) const override {
    return " FOR UPDATE OF " + std::string(alias);
  }

  std::string ForUpdateSkipLocked(std::string_view alias) const override {
    return " FOR UPDATE OF " + std::string(alias) + " SKIP LOCKED";
  }

  bool BatchStatements() const override { return true; }

  std::string JsonObjectNameOrSlug(std::string_view column) const override {
    std::string c(column);
    return "(lower(" + c + "->>'name') = ? OR lower(" + c + "->>'slug') = ?)";
  }

  std::string JsonArrayHasNameOrSlug(std::string_view column) const override {
    return "EXISTS (SELECT 1 FROM jsonb_array_elements(" + std::string(column) +
           ") e WHERE lower(e->>'name') = ? OR lower(e->>'slug') = ?)";
  }

 private:
  Result<std::unique_ptr<PgConn>> Connect() {
    PGconn* raw = PQconnectdb(url_.c_str());
    auto conn = std::make_unique<PgConn>(raw);
    if (PQstatus(raw) != CONNECTION_OK) {
      return Status::Error(common::StatusCode::kIoError, "io_error",
                           std::string("postgresql connect: ") + PQerrorMessage(raw), true);
    }
    PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
    LEADSCAN_RETURN_IF_ERROR(
        conn->Script("SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; "
                     "SET client_min_messages TO warning"));
    return conn;
  }

  // Connect, unless the last attempt failed less than a pause ago (reconnect with backoff).
  Result<std::unique_ptr<PgConn>> ConnectWithBackoff() {
    {
      std::lock_guard lock(mu_);
      const auto now = std::chrono::steady_clock::now();
      if (now < reconnect_at_) {
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(reconnect_at_ - now).count();
        return Status::Error(
            common::StatusCode::kIoError, "io_error",
            last_connect_error_ + " (next connection attempt in " + std::to_string(wait) + " ms)",
            true);
      }
    }
    auto c = Connect();
    std::lock_guard lock(mu_);
    if (c.ok()) {
      reconnect_pause_ = std::chrono::milliseconds(0);
      reconnect_at_ = {};
    } else {
      reconnect_pause_ = reconnect_pause_.count() == 0
                             ? kReconnectFirstPause
                             : std::min(reconnect_pause_ * 2, kReconnectMaxPause);
      reconnect_at_ = std::chrono::steady_clock::now() + reconnect_pause_;
      last_connect_error_ = c.status().message();
    }
    return c;
  }

  void Release(std::unique_ptr<PgConn> conn) {
    {
      std::lock_guard lock(mu_);
      if (conn && conn->Healthy()) {
        idle_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
  }

  Status WithConn(const std::function<Status(PgConn&)>& body) {
    std::unique_ptr<PgConn> conn;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_conns_; });
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;
      }
    }
    if (!conn) {
      auto c = ConnectWithBackoff();
      if (!c.ok()) {
        Release(nullptr);
        return c.status();
      }
      conn = std::move(c).value();
    }

    // The slot goes back to the pool on every exit, an exception included.
    struct Lease {
      PgBackend* backend;
      std::unique_ptr<PgConn>* conn;

      ~Lease() { backend->Release(std::move(*conn)); }
    } lease{this, &conn};

    return body(*conn);
  }

  static Status InTransaction(PgConn& c, const char* begin, const std::string& first,
                              const TxnFn& fn) {
    c.ClearState();
    return Classify(c, RunInTransaction(c, begin, first, fn));
  }

  static Status Classify(const PgConn& c, Status s) {
    // A failed statement inside fn may have been reported as a plain error by the store logic;
    // the connection remembers whether it was a serialisation failure.
    if (!s.ok() && !s.retryable() && IsRetryableState(c.last_state())) {
      return Status::Error(common::StatusCode::kIoError, "serialization_failure", s.message(),
                           true);
    }
    return s;
  }

  std::string url_;
  int max_conns_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  int open_ = 0;
  std::chrono::milliseconds reconnect_pause_{0};  // 0: the last connect succeeded
  std::chrono::steady_clock::time_point reconnect_at_;
  std::string last_connect_error_;
};

}  // namespace

PostgresStore::PostgresStore(std::unique_ptr<SqlBackend> backend, common::Clock* clock)
    : SqlStore(std::move(backend), PostgresMigrations(), clock) {}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url,
                                                           const StoreOptions& options) {
  auto backend = std::make_unique<PgBackend>(url, options.pool_size);
  LEADSCAN_RETURN_IF_ERROR(backend->Probe());
  auto store = std::unique_ptr<PostgresStore>(new PostgresStore(std::move(backend), options.clock));
  if (options.migrate) {
    auto applied = store->Migrate();
    if (!applied.ok())
      return applied.status();
  }
  return store;
}

}  // namespace leadscan::store
