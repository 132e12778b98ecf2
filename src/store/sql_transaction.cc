#include "store/sql_transaction.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <optional>
#include <string>

namespace leadscan::store {

using common::Status;

Status SqlTransaction::Begin(SqlConn& conn, std::string_view begin_sql,
                             std::optional<SqlTransaction>* out) {
  out->reset();
  if (conn.InTransaction()) {
    spdlog::error("store: a connection was still inside a transaction; rolling it back");
    Status rollback = conn.Script("ROLLBACK");
    if (!rollback.ok())
      return rollback;
  }
  Status s = conn.Script(begin_sql);
  if (!s.ok())
    return s;
  out->emplace(SqlTransaction(&conn));
  return Status::Ok();
}

SqlTransaction::SqlTransaction(SqlTransaction&& other) noexcept : conn_(other.conn_) {
  other.conn_ = nullptr;
}

SqlTransaction::~SqlTransaction() {
  Rollback();
}

Status SqlTransaction::Commit() {
  if (conn_ == nullptr)
    return Status::Internal("commit of a transaction that is no longer open");
  Status s = conn_->Script("COMMIT");
  if (s.ok())
    conn_ = nullptr;
  return s;
}

void SqlTransaction::Rollback() {
  if (conn_ == nullptr)
    return;
  SqlConn* conn = conn_;
  conn_ = nullptr;
  // The transaction's own error is the one worth reporting; a failed ROLLBACK leaves the
  // connection inside a transaction, which the next Begin() notices and clears.
  Status s = conn->Script("ROLLBACK");
  if (!s.ok())
    spdlog::warn("store: rollback failed: {}", s.message());
}

Status CallTransactionBody(const TxnFn& fn, SqlConn& conn) {
  try {
    return fn(conn);
  } catch (const std::exception& e) {
    spdlog::error("store: a transaction body threw: {}", e.what());
    return Status::Internal(std::string("store transaction failed: ") + e.what());
  } catch (...) {
    spdlog::error("store: a transaction body threw a non-standard exception");
    return Status::Internal("store transaction failed");
  }
}

Status RunInTransaction(SqlConn& conn, std::string_view begin_sql, std::string_view first_sql,
                        const TxnFn& fn) {
  std::optional<SqlTransaction> txn;
  Status s = SqlTransaction::Begin(conn, begin_sql, &txn);
  if (!s.ok())
    return s;
  if (!first_sql.empty()) {
    s = conn.Script(first_sql);
    if (!s.ok())
      return s;
  }
  s = CallTransactionBody(fn, conn);
  if (!s.ok())
    return s;
  return txn->Commit();
}

}  // namespace leadscan::store
