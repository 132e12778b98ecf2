// SqlTransaction: one database transaction on one SqlConn, rolled back on every exit that is
// not a successful Commit() — an error, an early return or an exception. Internal to src/store;
// used by both adapters. Not thread-safe: it lives on the stack of the thread that owns the
// connection.
#pragma once

#include <optional>
#include <string_view>

#include "common/status.h"
#include "store/sql_backend.h"

namespace leadscan::store {

class SqlTransaction {
 public:
  // Issues `begin_sql` (e.g. "BEGIN IMMEDIATE") on `conn`. If the connection is still inside a
  // transaction that an earlier failure left open, that one is rolled back first, so a broken
  // exit elsewhere can never wedge the connection. Fails when BEGIN fails.
  static common::Status Begin(SqlConn& conn, std::string_view begin_sql,
                              std::optional<SqlTransaction>* out);

  SqlTransaction(SqlTransaction&& other) noexcept;
  SqlTransaction& operator=(SqlTransaction&&) = delete;
  SqlTransaction(const SqlTransaction&) = delete;
  SqlTransaction& operator=(const SqlTransaction&) = delete;

  // Rolls back unless Commit() succeeded.
  ~SqlTransaction();

  // COMMIT. On failure the destructor still rolls back.
  [[nodiscard]] common::Status Commit();

  // ROLLBACK now (idempotent); the destructor then does nothing.
  void Rollback();

 private:
  explicit SqlTransaction(SqlConn* conn) : conn_(conn) {}

  SqlConn* conn_;  // null once committed, rolled back or moved from
};

// Runs `fn(conn)` and turns an exception thrown by it into a kInternal Status (code
// `internal`), so no exception crosses the Store interface; the caller's SqlTransaction then
// rolls back. Logs the exception.
common::Status CallTransactionBody(const TxnFn& fn, SqlConn& conn);

// BEGIN, fn, COMMIT on `conn`; rolls back on every other path. The whole transaction lifecycle
// both adapters share; `first_sql` (may be empty) runs right after BEGIN (a lock, say).
common::Status RunInTransaction(SqlConn& conn, std::string_view begin_sql,
                                std::string_view first_sql, const TxnFn& fn);

}  // namespace leadscan::store
