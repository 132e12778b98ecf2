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

  // Copies the SQLite database at `path` to a new file `out_path` with SQLite's online backup
  // API; other connections and processes may read and write the database meanwhile, and the
  // copy is one consistent snapshot (taken in one read transaction, which in WAL mode does not
  // block writers). Writes `out_path`.partial and renames it when the copy is complete and
  // passes quick_check. Fails with not_found when `path` does not exist, already_exists when
  // `out_path` does, database_busy when the database stays locked, io_error otherwise. Blocks.
  static Status Backup(const std::string& path, const std::string& out_path);

 private:
  SqliteStore(std::unique_ptr<SqlBackend> backend, common::Clock* clock);
};

}  // namespace leadscan::store
