// `leadscan serve`: HTTP API + web UI + scheduler + embedded workers on one store, until
// SIGTERM/SIGINT (graceful: stop claiming, finish or release in-flight items, exit 0).
// `leadscan worker`: the workers only, for scale-out on a shared database.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/provider_flags.h"
#include "cli/search_flags.h"
#include "fetch/fetch_options.h"

namespace leadscan::cli {

class ServeCommand final : public Command {
 public:
  // `workers_only`: registers `worker` instead of `serve` (no HTTP, no scheduler).
  ServeCommand(CLI::App& parent, bool workers_only);

  CLI::App* app() override { return app_; }

  int Run() override;

 private:
  CLI::App* app_;
  bool workers_only_;
  std::string db_;
  std::string listen_ = "127.0.0.1:8080";
  std::string web_dir_;
  std::string public_url_;
  std::string first_token_file_;  // "": next to the SQLite file, else the working directory
  int concurrency_ = 32;
  int render_tabs_ = 4;      // 0: no renderer
  bool no_workers_ = false;  // serve only: leave every item to `leadscan worker` processes
  int64_t batch_limit_ = 10000;
  std::string default_timezone_ = "UTC";
  std::vector<std::string> cors_origins_;
  int64_t check_interval_seconds_ = 60;
  int64_t lease_seconds_ = 60;
  std::string jwt_secret_;
  std::string jwt_org_claim_ = "app_metadata.org_id";
  std::string jwt_role_claim_ = "app_metadata.role";
  std::string jwt_audience_;
  double rate_per_second_ = 50;
  double rate_burst_ = 200;
  int io_threads_ = 2;
  int handler_threads_ = 8;
  // Connection and stream limits (http::ServerOptions; defaults there).
  int64_t header_timeout_ms_ = 10000;
  int max_unfinished_per_address_ = 32;
  int max_idle_per_address_ = 256;
  int reserved_connections_ = 64;
  int max_streams_per_principal_ = 16;
  int64_t stream_idle_timeout_s_ = 600;
  int64_t stream_max_lifetime_s_ = 3600;
  std::vector<std::string> rules_;
  std::string rules_cache_;
  fetch::FetchOptions fetch_options_;
  ProviderFlags provider_flags_;
  SearchFlags search_flags_;
  // Webhook delivery (webhooks::DeliveryWorkerOptions; defaults there).
  bool no_webhooks_ = false;
  int64_t webhook_poll_ms_ = 1000;
  int64_t webhook_timeout_ms_ = 10000;
  int64_t webhook_retry_first_ms_ = 30000;
  int64_t webhook_retention_days_ = 30;
};

}  // namespace leadscan::cli
