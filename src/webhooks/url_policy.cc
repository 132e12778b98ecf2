#include "webhooks/url_policy.h"

#include <netdb.h>
#include <sys/socket.h>

#include <memory>

#include "fetch/target.h"

namespace leadscan::webhooks {
namespace {

using common::Status;

Status Invalid(std::string code, std::string message) {
  return Status::InvalidArgument(std::move(code), std::move(message), "url");
}

}  // namespace

common::Result<std::vector<fetch::IpAddress>> WebhookUrlPolicy::SystemResolve(
    const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    return Invalid("unresolvable_host", "the webhook URL's host \"" + host +
                                            "\" does not resolve (" + gai_strerror(rc) + ")");
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
  std::vector<fetch::IpAddress> out;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (auto ip = fetch::IpAddress::FromSockaddr(a->ai_addr))
      out.push_back(*ip);
  }
  if (out.empty()) {
    return Invalid("unresolvable_host",
                   "the webhook URL's host \"" + host + "\" has no IPv4 or IPv6 address");
  }
  return out;
}

common::Result<WebhookUrlPolicy> WebhookUrlPolicy::Create(const std::vector<std::string>& allow_net,
                                                          Resolver resolver) {
  auto guard = fetch::AddressGuard::Create(allow_net);
  if (!guard.ok())
    return guard.status();
  return WebhookUrlPolicy(std::move(guard).value(), std::move(resolver));
}

common::Result<std::string> WebhookUrlPolicy::Check(std::string_view url) const {
  if (url.size() > kMaxWebhookUrlBytes) {
    return Invalid("invalid_url",
                   "url is longer than " + std::to_string(kMaxWebhookUrlBytes) + " bytes");
  }
  if (url.find("://") == std::string_view::npos) {
    return Invalid("invalid_url", "url must be an http:// or https:// URL");
  }
  auto target = fetch::NormalizeTarget(url);
  if (!target.ok())
    return Invalid("invalid_url", "url: " + target.status().message());
  if (target->scheme.empty() || target->urls.empty())
    return Invalid("invalid_url", "url must be an http:// or https:// URL");
  const int port = target->port != 0 ? target->port : (target->scheme == "https" ? 443 : 80);
  std::vector<fetch::IpAddress> addresses;
  if (auto literal = fetch::IpAddress::Parse(target->host)) {
    addresses.push_back(*literal);
  } else {
    auto resolved = resolver_(target->host);
    if (!resolved.ok())
      return resolved.status().WithField("url");
    addresses = std::move(resolved).value();
  }
  for (const fetch::IpAddress& ip : addresses) {
    std::string why = guard_.Check(ip, port);
    if (!why.empty()) {
      return Invalid("blocked_address", "webhooks may not go to " + target->host + ":" +
                                            std::to_string(port) + " (" + why +
                                            "); only public addresses, or ranges opened with "
                                            "--allow-net");
    }
  }
  return target->urls.front();
}

}  // namespace leadscan::webhooks
