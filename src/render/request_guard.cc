#include "render/request_guard.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/ascii.h"

namespace leadscan::render {

namespace {}  // namespace

bool SplitUrl(std::string_view url, std::string* scheme, std::string* host, int* port) {
  size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0)
    return false;
  *scheme = common::AsciiLower(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return false;
    *host = common::AsciiLower(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return false;
      port_text = after.substr(1);
    }
  } else {
    size_t c = authority.rfind(':');
    *host = common::AsciiLower(authority.substr(0, c));
    if (c != std::string_view::npos)
      port_text = authority.substr(c + 1);
  }
  if (host->empty())
    return false;
  *port = *scheme == "https" ? 443 : *scheme == "http" ? 80 : 0;
  if (!port_text.empty()) {
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), *port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || *port <= 0 ||
        *port > 65535)
      return false;
  }
  return true;
}

RequestGuard::RequestGuard(fetch::AddressGuard guard, HostMapping mapping, size_t max_records)
    : guard_(std::move(guard)), mapping_(std::move(mapping)), max_records_(max_records) {}

std::string RequestGuard::Decide(std::string_view url, std::string_view resource_type,
                                 bool user_chosen) const {
  // Nothing detection reads: pictures, type, video and sound, style sheets (the DOM keeps
  // their links), subtitles, manifests, beacons and reports, prefetches.
  static constexpr std::string_view kRefused[] = {
      "Image",     "Font",     "Media", "Stylesheet",
      "TextTrack", "Manifest", "Ping",  "CSPViolationReport",
      "Prefetch"};
  for (std::string_view type : kRefused)
    if (resource_type == type)
      return "resource type " + std::string(resource_type);
  std::string scheme;
  std::string host;
  int port = 0;
  if (!SplitUrl(url, &scheme, &host, &port))
    return "not an absolute URL";
  if (scheme != "http" && scheme != "https")
    return "scheme " + scheme;
  if (auto literal = fetch::IpAddress::Parse(host); literal && !user_chosen) {
    if (std::string range = fetch::AddressGuard::RefusedRange(*literal); !range.empty())
      return "address guard: " + literal->ToString() + " is in " + range + " (named by the site)";
  }
  for (const HostMapping::Target& t : mapping_.Map(host, port)) {
    if (auto literal = fetch::IpAddress::Parse(t.host)) {
      if (std::string why = guard_.Check(*literal, t.port); !why.empty())
        return "address guard: " + why;
      continue;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(t.host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr)
      return "name not resolved: " + t.host;
    std::string why;
    for (addrinfo* a = res; a != nullptr && why.empty(); a = a->ai_next) {
      auto ip = fetch::IpAddress::FromSockaddr(a->ai_addr);
      why = ip ? guard_.Check(*ip, t.port) : "unknown address family";
    }
    freeaddrinfo(res);
    if (!why.empty())
      return "address guard: " + why;
  }
  return "";
}

void RequestGuard::Record(const std::string& network_id, const std::string& reason) {
  std::lock_guard lock(mu_);
  if (reasons_.emplace(network_id, reason).second)
    order_.push_back(network_id);
  while (order_.size() > max_records_) {
    reasons_.erase(order_.front());
    order_.pop_front();
  }
}

std::string RequestGuard::ReasonFor(const std::string& network_id) const {
  std::lock_guard lock(mu_);
  auto it = reasons_.find(network_id);
  return it == reasons_.end() ? "" : it->second;
}

}  // namespace leadscan::render
