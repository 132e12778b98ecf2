// WebhookUrlPolicy: whether a URL may receive webhooks, checked when a webhook is created: an
// explicit http or https URL of at most kMaxWebhookUrlBytes, a host name or IPv4 address, no
// user name or password, and every address the host resolves to passes the address guard
// under the process's allow-net rules (SPEC §8). The delivery itself goes through the fetcher,
// whose guard checks the address actually connected to at every attempt, since DNS may change.
// Immutable after Create; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "fetch/address_guard.h"

namespace leadscan::webhooks {

inline constexpr size_t kMaxWebhookUrlBytes = 2048;

class WebhookUrlPolicy {
 public:
  // The addresses `host` resolves to; fails when it does not resolve. Blocks.
  using Resolver =
      std::function<common::Result<std::vector<fetch::IpAddress>>(const std::string& host)>;

  // The system resolver (getaddrinfo).
  static common::Result<std::vector<fetch::IpAddress>> SystemResolve(const std::string& host);

  // Fails with invalid_allow_net naming a rule that does not parse.
  static common::Result<WebhookUrlPolicy> Create(const std::vector<std::string>& allow_net,
                                                 Resolver resolver = SystemResolve);

  // The URL as it will be stored and called (host lower-cased, IDN as punycode, path
  // percent-encoded), or a 400-class Status with field "url": invalid_url (not http(s), no
  // host, user info, too long, ...), unresolvable_host, blocked_address (the guard refuses an
  // address the host resolves to). Blocks while the host is resolved.
  common::Result<std::string> Check(std::string_view url) const;

 private:
  WebhookUrlPolicy(fetch::AddressGuard guard, Resolver resolver)
      : guard_(std::move(guard)), resolver_(std::move(resolver)) {}

  fetch::AddressGuard guard_;
  Resolver resolver_;
};

}  // namespace leadscan::webhooks
