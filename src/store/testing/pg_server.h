// PgServer: a throw-away PostgreSQL 15 for tests. Shared() starts one per process on first use
// (initdb + pg_ctl in a temp dir, as the `postgres` OS user when running as root, listening on
// 127.0.0.1 and a free port) and stops it at exit; with LEADSCAN_TEST_PG_URL set it uses that
// server instead. Each test takes a fresh schema from NewSchemaUrl(). Thread-safe.
#pragma once

#include <mutex>
#include <string>

#include "common/result.h"

namespace leadscan::store::testing {

class PgServer {
 public:
  static PgServer* Shared();

  ~PgServer();

  // PostgreSQL binaries are installed (or an external URL was given).
  bool available() const { return available_; }

  bool running() const { return !base_url_.empty(); }

  // Why it is not running.
  const std::string& error() const { return error_; }

  // "postgresql://postgres@127.0.0.1:PORT/postgres"
  const std::string& base_url() const { return base_url_; }

  // Creates a new empty schema and returns a URL whose connections use it (search_path).
  common::Result<std::string> NewSchemaUrl();

  // Runs `sql` with psql against `url` (TimeZone UTC); returns its unaligned, tuples-only
  // output without the trailing newline, or an error carrying psql's message.
  static common::Result<std::string> Psql(const std::string& url, const std::string& sql);

 private:
  PgServer();

  void Start();

  std::mutex mu_;
  bool available_ = false;
  bool owned_ = false;
  std::string bin_dir_;
  std::string dir_;
  std::string base_url_;
  std::string error_;
};

}  // namespace leadscan::store::testing
