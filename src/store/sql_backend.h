// SqlBackend: what SqlStore needs from a database driver — connections that run
// parameterised SQL, read and write transactions, and the few spots where the SQL dialects
// differ. Implemented by the SQLite and PostgreSQL adapters; internal to src/store. A backend
// is thread-safe; an SqlConn is used by one thread inside one transaction callback.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace leadscan::store {

// A bound value. SQL text uses `?` placeholders in order (the PostgreSQL adapter renumbers
// them); no `?` may appear elsewhere in statement text.
struct SqlParam {
  enum class Kind { kNull, kText, kInt, kReal, kBool };
  Kind kind = Kind::kNull;
  std::string text;
  int64_t integer = 0;
  double real = 0;
  bool boolean = false;

  static SqlParam Null() { return {}; }

  static SqlParam Text(std::string v) {
    SqlParam p;
    p.kind = Kind::kText;
    p.text = std::move(v);
    return p;
  }

  static SqlParam Int(int64_t v) {
    SqlParam p;
    p.kind = Kind::kInt;
    p.integer = v;
    return p;
  }

  static SqlParam Real(double v) {
    SqlParam p;
    p.kind = Kind::kReal;
    p.real = v;
    return p;
  }

  static SqlParam Bool(bool v) {
    SqlParam p;
    p.kind = Kind::kBool;
    p.boolean = v;
    return p;
  }
};

using SqlParams = std::vector<SqlParam>;

// Query results as text (NULL = nullopt), the driver's text rendering of each value.
struct SqlRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;

  size_t size() const { return rows.size(); }

  bool empty() const { return rows.empty(); }
};

// A statement whose text starts with this is planned at every execution. PostgreSQL otherwise
// keeps a generic plan per prepared statement, made from the statistics of when it was chosen:
// for a table that grows from empty to many rows while a process runs (lead_finding_presence in
// a fresh database's first batch) that plan is a sequential scan, kept until autovacuum
// analyses the table (seen: 12 ms a read instead of 0.05). For reads whose best plan changes
// with table size. SQLite ignores the comment.
inline constexpr std::string_view kPlanEachTime = "/* plan each time */ ";

class SqlConn {
 public:
  virtual ~SqlConn() = default;

  // Runs one statement; returns the number of rows changed.
  virtual common::Result<int64_t> Exec(std::string_view sql, const SqlParams& params = {}) = 0;

  virtual common::Result<SqlRows> Query(std::string_view sql, const SqlParams& params = {}) = 0;

  // Runs a multi-statement script without parameters (migrations).
  virtual common::Status Script(std::string_view sql) = 0;

  // True while the connection is inside a transaction (BEGIN without COMMIT or ROLLBACK yet).
  virtual bool InTransaction() const = 0;
};

using TxnFn = std::function<common::Status(SqlConn&)>;

class SqlBackend {
 public:
  virtual ~SqlBackend() = default;

  virtual std::string_view Dialect() const = 0;

  // Runs fn in a read transaction (a consistent snapshot); commits when fn returns ok.
  virtual common::Status Read(const TxnFn& fn) = 0;

  // Runs fn in a write transaction. May run fn again after a serialisation failure, so fn must
  // reset its outputs at its start. Commits when fn returns ok, rolls back otherwise.
  virtual common::Status Write(const TxnFn& fn) = 0;

  // Runs fn, which issues exactly ONE statement, as a transaction of its own where a single
  // statement is atomic by itself (PostgreSQL: autocommit, so no BEGIN and COMMIT round trips);
  // elsewhere as Write(fn). Retried as Write is. Two writes in fn would commit separately: use
  // Write for those (a read after the one write sees what is committed by then).
  virtual common::Status WriteStatement(const TxnFn& fn) { return Write(fn); }

  // Runs fn in a write transaction that also holds the migration lock (one migrator at a time
  // across processes).
  virtual common::Status Migrate(const TxnFn& fn) = 0;

  // " FOR UPDATE" where row locks exist, else "".
  virtual std::string_view ForUpdate() const = 0;

  // " FOR KEY SHARE" where row locks exist, else "": holders do not exclude one another (nor
  // plain UPDATEs of the row) but do exclude FOR UPDATE, so an item's outcome can pin its job
  // against cancel / finish while other items' outcomes of the same job are written at once.
  virtual std::string_view ForKeyShare() const = 0;

  // " FOR UPDATE OF <alias>" (lock only that table's rows of a join) where supported, else "".
  virtual std::string ForUpdateOf(std::string_view alias) const = 0;

  // " FOR UPDATE OF <alias> SKIP LOCKED" where supported, else "".
  virtual std::string ForUpdateSkipLocked(std::string_view alias) const = 0;

  // A boolean SQL expression: the JSON object column `column` has a name or slug equal to the
  // next parameter (twice: name, slug; already lower-cased by the caller).
  virtual std::string JsonObjectNameOrSlug(std::string_view column) const = 0;

  // Same for some element of the JSON array column `column`.
  virtual std::string JsonArrayHasNameOrSlug(std::string_view column) const = 0;

  // True where the queue's hot paths run as one statement per step: a claim as one
  // UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING, a batch of completions
  // written from arrays (unnest) in one data-modifying WITH (PostgreSQL). Where false (SQLite:
  // one writer, each statement a function call), SqlStore runs the same steps as several
  // statements in the one transaction.
  virtual bool BatchStatements() const { return false; }
};

}  // namespace leadscan::store
