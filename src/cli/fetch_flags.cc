#include "cli/fetch_flags.h"

#include <string>

namespace leadscan::cli {
void AddFetchFlags(CLI::App& app, fetch::FetchOptions* options) {
  const std::string group = "Fetching";
  app.add_option("--allow-net", options->allow_net,
                 "Open an address range the guard refuses (CIDR, optionally CIDR:PORT); "
                 "repeatable. For tests and intranets.")
      ->group(group);
  app.add_option("--resolve", options->resolve,
                 "HOST:PORT:ADDRESS — resolve HOST:PORT to ADDRESS (curl's meaning); repeatable")
      ->group(group);
  app.add_option("--connect-to", options->connect_to,
                 "HOST:PORT:ADDRESS:PORT2 — connect there instead (curl's meaning; empty HOST or "
                 "PORT matches any); repeatable")
      ->group(group);
  app.add_option("--ca-file", options->ca_file, "PEM file of extra trusted CAs (added)")
      ->check(CLI::ExistingFile)
      ->group(group);
  app.add_flag("--ignore-robots", options->ignore_robots, "Do not obey robots.txt")->group(group);
  app.add_option("--user-agent", options->user_agent, "User-Agent header")
      ->capture_default_str()
      ->group(group);
  app.add_option("--max-concurrent", options->max_concurrent, "Transfers in flight, all hosts")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000))
      ->group(group);
  app.add_option("--max-per-host", options->max_per_host, "Transfers in flight to one host")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000))
      ->group(group);
  app.add_option("--max-body-bytes", options->max_body_bytes,
                 "Largest response body after decompression")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 34))
      ->group(group);
  app.add_option("--max-redirects", options->max_redirects, "Redirects followed per fetch")
      ->capture_default_str()
      ->check(CLI::Range(0, 50))
      ->group(group);
  app.add_option_function<int64_t>(
         "--politeness-ms",
         [options](int64_t ms) { options->politeness_delay = std::chrono::milliseconds(ms); },
         "Minimum gap between request starts to one host (ms)")
      ->default_str(std::to_string(options->politeness_delay.count()))
      ->check(CLI::Range(int64_t{0}, int64_t{600000}))
      ->group(group);
  app.add_option_function<int64_t>(
         "--connect-timeout-ms",
         [options](int64_t ms) { options->connect_timeout = std::chrono::milliseconds(ms); },
         "TCP + TLS connect timeout (ms)")
      ->default_str(std::to_string(options->connect_timeout.count()))
      ->check(CLI::Range(int64_t{100}, int64_t{600000}))
      ->group(group);
}

}  // namespace leadscan::cli
