#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "store/sql_transaction.h"

namespace leadscan::store {
namespace {

constexpr std::chrono::milliseconds kBackupBusyTimeout{10000};
constexpr std::chrono::milliseconds kBackupRetryDelay{100};
constexpr int kBackupAttempts = 50;

Status SqliteError(sqlite3* db, const std::string& what) {
  std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
  int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
  bool busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
  return Status::Error(common::StatusCode::kIoError, busy ? "database_busy" : "io_error", msg,
                       busy);
}

// One connection with its prepared-statement cache. Used by one thread at a time.
class SqliteConn final : public SqlConn {
 public:
  explicit SqliteConn(sqlite3* db) : db_(db) {}

  ~SqliteConn() override {
    for (auto& [sql, stmt] : cache_)
      sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

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
    char* err = nullptr;
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return Status::IoError("sqlite: " + msg);
    }
    return Status::Ok();
  }

  bool InTransaction() const override { return sqlite3_get_autocommit(db_) == 0; }

  sqlite3* db() const { return db_; }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    std::string key(sql);
    auto it = cache_.find(key);
    if (it != cache_.end())
      return it->second;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return SqliteError(db_, "prepare `" + key.substr(0, 120) + "`");
    }
    // Dynamically built statements (IN lists, multi-row inserts) are many; keep the cache
    // bounded so long runs do not hoard statements.
    if (cache_.size() >= kMaxCachedStatements) {
      for (auto& [s, st] : cache_)
        sqlite3_finalize(st);
      cache_.clear();
    }
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

  Status Run(std::string_view sql, const SqlParams& params, SqlRows* rows, int64_t* changes) {
    auto prepared = Prepare(sql);
    if (!prepared.ok())
      return prepared.status();
    sqlite3_stmt* stmt = prepared.value();
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlParam& p = params[i];
      int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      switch (p.kind) {
        case SqlParam::Kind::kNull:
          rc = sqlite3_bind_null(stmt, idx);
          break;
        case SqlParam::Kind::kText:
          rc = sqlite3_bind_text(stmt, idx, p.text.data(), static_cast<int>(p.text.size()),
                                 SQLITE_TRANSIENT);
          break;
        case SqlParam::Kind::kInt:
          rc = sqlite3_bind_int64(stmt, idx, p.integer);
          break;
        case SqlParam::Kind::kReal:
          rc = sqlite3_bind_double(stmt, idx, p.real);
          break;
        case SqlParam::Kind::kBool:
          rc = sqlite3_bind_int(stmt, idx, p.boolean ? 1 : 0);
          break;
      }
      if (rc != SQLITE_OK)
        return SqliteError(db_, "bind");
    }
    if (rows) {
      int n = sqlite3_column_count(stmt);
      rows->columns.clear();
      for (int c = 0; c < n; ++c)
        rows->columns.emplace_back(sqlite3_column_name(stmt, c));
    }
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE)
        break;
      if (rc != SQLITE_ROW) {
        Status s = SqliteError(db_, "step `" + std::string(sql.substr(0, 120)) + "`");
        sqlite3_reset(stmt);
        return s;
      }
      if (!rows)
        continue;
      int n = sqlite3_column_count(stmt);
      std::vector<std::optional<std::string>> row(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL)
          continue;
        const unsigned char* text = sqlite3_column_text(stmt, c);
        int len = sqlite3_column_bytes(stmt, c);
        row[static_cast<size_t>(c)] =
            std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(len));
      }
      rows->rows.push_back(std::move(row));
    }
    if (changes)
      *changes = sqlite3_changes64(db_);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return Status::Ok();
  }

  static constexpr size_t kMaxCachedStatements = 256;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class SqliteBackend final : public SqlBackend {
 public:
  static Result<std::unique_ptr<SqliteBackend>> Open(const std::string& path,
                                                     const StoreOptions& options) {
    auto backend = std::unique_ptr<SqliteBackend>(new SqliteBackend(path, options));
    bool memory = path == ":memory:";
    if (!memory) {
      std::error_code ec;
      auto parent = std::filesystem::path(path).parent_path();
      if (!parent.empty())
        std::filesystem::create_directories(parent, ec);
      if (ec)
        return Status::IoError("cannot create " + parent.string() + ": " + ec.message());
    }
    auto writer = backend->Connect();
    if (!writer.ok())
      return writer.status();
    backend->writer_ = std::move(writer).value();
    if (!memory) {
      // WAL lets readers run beside the one writer.
      auto mode = backend->writer_->Query("PRAGMA journal_mode=WAL", {});
      if (!mode.ok())
        return mode.status();
      LEADSCAN_RETURN_IF_ERROR(backend->writer_->Script("PRAGMA synchronous=NORMAL"));
    }
    return backend;
  }

  std::string_view Dialect() const override { return "sqlite"; }

  Status Read(const TxnFn& fn) override {
    if (memory_)
      return Write(fn);
    std::unique_ptr<SqliteConn> conn;
    {
      std::unique_lock lock(pool_mu_);
      pool_cv_.wait(lock, [&] { return !idle_.empty() || open_readers_ < max_readers_; });
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_readers_;
      }
    }
    if (!conn) {
      auto c = Connect();
      if (!c.ok()) {
        std::lock_guard lock(pool_mu_);
        --open_readers_;
        pool_cv_.notify_one();
        return c.status();
      }
      conn = std::move(c).value();
    }
    Status s = RunInTransaction(*conn, "BEGIN", "", fn);
    {
      std::lock_guard lock(pool_mu_);
      idle_.push_back(std::move(conn));
    }
    pool_cv_.notify_one();
    return s;
  }

  Status Write(const TxnFn& fn) override {
    std::lock_guard lock(write_mu_);
    return RunInTransaction(*writer_, "BEGIN IMMEDIATE", "", fn);
  }

  Status Migrate(const TxnFn& fn) override { return Write(fn); }

  std::string_view ForUpdate() const override { return ""; }

  std::string_view ForKeyShare() const override { return ""; }

  std::string ForUpdateOf(std::string_view) const override { return ""; }

  std::string ForUpdateSkipLocked(std::string_view) const override { return ""; }

  std::string JsonObjectNameOrSlug(std::string_view column) const override {
    std::string c(column);
    return "(lower(json_extract(" + c + ", '$.name')) = ? OR lower(json_extract(" + c +
           ", '$.slug')) = ?)";
  }

  std::string JsonArrayHasNameOrSlug(std::string_view column) const override {
    return "EXISTS (SELECT 1 FROM json_each(" + std::string(column) +
           ") e WHERE lower(json_extract(e.value, '$.name')) = ? OR "
           "lower(json_extract(e.value, '$.slug')) = ?)";
  }

 private:
  SqliteBackend(std::string path, const StoreOptions& options)
      : path_(std::move(path)),
        memory_(path_ == ":memory:"),
        busy_timeout_ms_(static_cast<int>(options.busy_timeout.count())),
        max_readers_(std::max(1, options.pool_size)) {}

  Result<std::unique_ptr<SqliteConn>> Connect() {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path_.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      Status s = SqliteError(db, "open " + path_);
      sqlite3_close_v2(db);
      return s;
    }
    auto conn = std::make_unique<SqliteConn>(db);
    sqlite3_busy_timeout(db, busy_timeout_ms_);
    LEADSCAN_RETURN_IF_ERROR(conn->Script("PRAGMA foreign_keys=ON"));
    return conn;
  }

  std::string path_;
  bool memory_;
  int busy_timeout_ms_;
  int max_readers_;
  std::mutex write_mu_;
  std::unique_ptr<SqliteConn> writer_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<SqliteConn>> idle_;
  int open_readers_ = 0;
};

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<SqlBackend> backend, common::Clock* clock)
    : SqlStore(std::move(backend), SqliteMigrations(), clock) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       const StoreOptions& options) {
  auto backend = SqliteBackend::Open(path, options);
  if (!backend.ok())
    return backend.status();
  auto store =
      std::unique_ptr<SqliteStore>(new SqliteStore(std::move(backend).value(), options.clock));
  if (options.migrate) {
    auto applied = store->Migrate();
    if (!applied.ok())
      return applied.status();
  }
  return store;
}

Status SqliteStore::Backup(const std::string& path, const std::string& out_path) {
  std::error_code ec;
  if (path == ":memory:" || !std::filesystem::is_regular_file(path, ec)) {
    return Status::Error(common::StatusCode::kNotFound, "not_found",
                         "no SQLite database file at " + path);
  }
  if (std::filesystem::exists(out_path, ec)) {
    return Status::Error(common::StatusCode::kConflict, "already_exists",
                         out_path + " already exists; give a new file");
  }
  const std::string partial = out_path + ".partial";
  std::filesystem::remove(partial, ec);

  // Plain handles closed on every exit; the store's connections are not involved.
  struct Db {
    sqlite3* db = nullptr;

    ~Db() { sqlite3_close_v2(db); }
  } src, dst;

  if (sqlite3_open_v2(path.c_str(), &src.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return SqliteError(src.db, "open " + path);
  sqlite3_busy_timeout(src.db, static_cast<int>(kBackupBusyTimeout.count()));
  if (sqlite3_open_v2(partial.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    return SqliteError(dst.db, "create " + partial);
  }
  sqlite3_backup* backup = sqlite3_backup_init(dst.db, "main", src.db, "main");
  if (backup == nullptr)
    return SqliteError(dst.db, "backup of " + path);
  // All pages in one step: one read transaction, so a writer in another process cannot make
  // the copy restart (as it would between smaller steps); in WAL mode it does not wait for us.
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < kBackupAttempts; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
      break;
    sqlite3_sleep(static_cast<int>(kBackupRetryDelay.count()));
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    Status s = rc == SQLITE_BUSY || rc == SQLITE_LOCKED
                   ? Status::Error(common::StatusCode::kIoError, "database_busy",
                                   "the database stayed locked; try again", true)
                   : SqliteError(dst.db, "backup of " + path);
    std::filesystem::remove(partial, ec);
    return s;
  }
  {
    SqliteConn check(dst.db);  // closed before the rename
    dst.db = nullptr;
    auto ok = check.Query("PRAGMA quick_check", {});
    const bool good = ok.ok() && !ok->rows.empty() && !ok->rows[0].empty() &&
                      ok->rows[0][0] == std::optional<std::string>("ok");
    if (!good) {
      std::filesystem::remove(partial, ec);
      return ok.ok() ? Status::IoError("the copy of " + path + " fails quick_check") : ok.status();
    }
  }
  std::filesystem::rename(partial, out_path, ec);
  if (ec)
    return Status::IoError("cannot rename " + partial + " to " + out_path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace leadscan::store
