// SqliteStore: the Store on SQLite (the default; one machine, many threads). WAL journal,
// foreign keys on, a busy timeout; all writes go through one writer connection under a mutex
// (BEGIN IMMEDIATE), reads use a small pool of reader connections in parallel. A ":memory:"
// database uses its one connection for everything. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "store/sql_store.h"

namespace leadscan::store {

class SqliteStore final : public SqlStore {
 public:
  // Opens (creating when missing) the database at `path` (":memory:" for a private in-memory
  // one) and, with options.migrate, applies the migrations.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   const StoreOptions& options);

 private:
  SqliteStore(std::unique_ptr<SqlBackend> backend, common::Clock* clock);
};

}  // namespace leadscan::store
