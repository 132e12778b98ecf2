// PostgresStore: the Store on PostgreSQL (scale-out: many serve/worker processes share one
// database). A small pool of libpq connections; claims use FOR UPDATE SKIP LOCKED, item
// transitions lock their job row first so counters are exact; serialisation failures and
// deadlocks are retried. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "store/sql_store.h"

namespace leadscan::store {

class PostgresStore final : public SqlStore {
 public:
  // `url` is a libpq URI ("postgresql://user@host:port/db?options=..."). Fails with io_error
  // when no connection can be made or a migration fails.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url,
                                                     const StoreOptions& options);

 private:
  PostgresStore(std::unique_ptr<SqlBackend> backend, common::Clock* clock);
};

}  // namespace leadscan::store
