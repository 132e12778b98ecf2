// HostMapping: curl's --resolve and --connect-to rules, parsed once, for the browser: the
// Chromium --host-resolver-rules they become, and where a request to host:port really goes so
// the address guard can check it. Immutable after Parse; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::render {

struct HostRule {
  std::string host;             // lower-case; "" matches any host
  int port = 0;                 // 0 matches any port
  std::vector<std::string> to;  // target hosts or addresses (no brackets)
  int to_port = 0;              // 0 keeps the request's port
};

class HostMapping {
 public:
  // `resolve`: "HOST:PORT:ADDRESS[,ADDRESS]"; `connect_to`: "HOST:PORT:TO-HOST:TO-PORT" (empty
  // HOST or PORT matches any, empty TO-HOST keeps the host, empty TO-PORT keeps the port).
  // IPv6 addresses in brackets. Fails with invalid_argument naming the bad rule.
  static common::Result<HostMapping> Parse(const std::vector<std::string>& resolve,
                                           const std::vector<std::string>& connect_to);

  HostMapping() = default;

  // Where a connection for host:port goes: the first matching rule's targets (each with its
  // port), else {host, port} itself. `host` is lower-case without brackets.
  struct Target {
    std::string host;
    int port = 0;
  };

  std::vector<Target> Map(std::string_view host, int port) const;

  // The rules as Chromium's --host-resolver-rules value ("" when there are none); fails with
  // invalid_connect_to for a rule Chromium cannot express (any host, new port only).
  common::Result<std::string> ChromiumRules() const;

  bool empty() const { return rules_.empty(); }

 private:
  std::vector<HostRule> rules_;
};

}  // namespace leadscan::render
