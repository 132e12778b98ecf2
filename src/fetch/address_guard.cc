#include "fetch/address_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace leadscan::fetch {

using common::Status;

namespace {

struct Range {
  std::array<uint8_t, 16> net;
  int prefix;
  const char* name;
};

bool InPrefix(const uint8_t* addr, const uint8_t* net, int prefix) {
  int full = prefix / 8;
  if (std::memcmp(addr, net, full) != 0)
    return false;
  int rest = prefix % 8;
  if (rest == 0)
    return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (addr[full] & mask) == (net[full] & mask);
}

// IPv4 ranges nobody on the public internet may be reached at (RFC 6890 and friends).
const Range kV4[] = {
    {{0, 0, 0, 0}, 8, "this-network 0.0.0.0/8"},
    {{10, 0, 0, 0}, 8, "private 10.0.0.0/8"},
    {{100, 64, 0, 0}, 10, "CGNAT 100.64.0.0/10"},
    {{127, 0, 0, 0}, 8, "loopback 127.0.0.0/8"},
    {{169, 254, 0, 0}, 16, "link-local/metadata 169.254.0.0/16"},
    {{172, 16, 0, 0}, 12, "private 172.16.0.0/12"},
    {{192, 0, 0, 0}, 24, "IETF protocol assignments 192.0.0.0/24"},
    {{192, 0, 2, 0}, 24, "documentation 192.0.2.0/24"},
    {{192, 88, 99, 0}, 24, "6to4 relay anycast 192.88.99.0/24"},
    {{192, 168, 0, 0}, 16, "private 192.168.0.0/16"},
    {{198, 18, 0, 0}, 15, "benchmarking 198.18.0.0/15"},
    {{198, 51, 100, 0}, 24, "documentation 198.51.100.0/24"},
    {{203, 0, 113, 0}, 24, "documentation 203.0.113.0/24"},
    {{224, 0, 0, 0}, 4, "multicast 224.0.0.0/4"},
    {{240, 0, 0, 0}, 4, "reserved/broadcast 240.0.0.0/4"},
};

// IPv6 ranges refused outright. NAT64 and 6to4 are handled apart: their embedded IPv4 decides.
const Range kV6[] = {
    {{}, 128, "unspecified ::"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback ::1"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 96, "IPv4-mapped ::ffff:0:0/96"},
    {{}, 96, "IPv4-compatible ::/96"},
    {{0, 0x64, 0xFF, 0x9B, 0, 1}, 48, "local-use NAT64 64:ff9b:1::/48"},
    {{0x01, 0x00}, 64, "discard-only 100::/64"},
    {{0x20, 0x01, 0x00, 0x00}, 32, "Teredo 2001::/32"},
    {{0x20, 0x01, 0x00, 0x02, 0, 0}, 48, "benchmarking 2001:2::/48"},
    {{0x20, 0x01, 0x00, 0x10}, 28, "ORCHID 2001:10::/28"},
    {{0x20, 0x01, 0x0D, 0xB8}, 32, "documentation 2001:db8::/32"},
    {{0xFD, 0x00, 0x0E, 0xC2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54},
     128,
     "metadata fd00:ec2::254"},
    {{0xFC}, 7, "unique-local fc00::/7"},
    {{0xFE, 0x80}, 10, "link-local fe80::/10"},
    {{0xFE, 0xC0}, 10, "site-local fec0::/10"},
    {{0xFF}, 8, "multicast ff00::/8"},
};

const uint8_t kNat64[16] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
const uint8_t k6to4[16] = {0x20, 0x02};

std::string RefusedV4(const uint8_t* v4) {
  for (const Range& r : kV4) {
    if (InPrefix(v4, r.net.data(), r.prefix))
      return r.name;
  }
  return "";
}

std::string V4Text(const uint8_t* v4) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, v4, buf, sizeof buf);
  return buf;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (s.size() > 2 && s.front() == '[' && s.back() == ']')
    s = s.substr(1, s.size() - 2);
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    return a;
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::FromSockaddr(const sockaddr* sa) {
  if (sa == nullptr)
    return std::nullopt;
  IpAddress a;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    a.family = AF_INET;
    std::memcpy(a.bytes.data(), &in->sin_addr, 4);
    return a;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    a.family = AF_INET6;
    std::memcpy(a.bytes.data(), &in6->sin6_addr, 16);
    return a;
  }
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

common::Result<AllowRule> AllowRule::Parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid_allow_net",
                                   "allow-net \"" + std::string(text) + "\": " + why, "allow_net");
  };
  AllowRule rule;
  std::string_view addr = text;
  std::string_view prefix_text;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    prefix_text = text.substr(slash + 1);
    if (size_t colon = prefix_text.find(':'); colon != std::string_view::npos) {
      std::string_view port_text = prefix_text.substr(colon + 1);
      prefix_text = prefix_text.substr(0, colon);
      auto [p, ec] =
          std::from_chars(port_text.data(), port_text.data() + port_text.size(), rule.port);
      if (ec != std::errc() || p != port_text.data() + port_text.size() || rule.port < 1 ||
          rule.port > 65535) {
        return bad("port must be 1..65535");
      }
    }
  }
  auto ip = IpAddress::Parse(addr);
  if (!ip)
    return bad("not an IPv4 or IPv6 address");
  rule.net = *ip;
  int max = ip->family == AF_INET ? 32 : 128;
  rule.prefix = max;
  if (!prefix_text.empty() || text.find('/') != std::string_view::npos) {
    auto [p, ec] =
        std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), rule.prefix);
    if (prefix_text.empty() || ec != std::errc() || p != prefix_text.data() + prefix_text.size() ||
        rule.prefix < 0 || rule.prefix > max) {
      return bad("prefix length must be 0.." + std::to_string(max));
    }
  }
  return rule;
}

common::Result<AddressGuard> AddressGuard::Create(const std::vector<std::string>& allow_net) {
  AddressGuard guard;
  for (const std::string& text : allow_net) {
    auto rule = AllowRule::Parse(text);
    if (!rule.ok())
      return rule.status();
    guard.allow_.push_back(*rule);
  }
  return guard;
}

std::string AddressGuard::RefusedRange(const IpAddress& addr) {
  if (addr.family == AF_INET)
    return RefusedV4(addr.bytes.data());
  const uint8_t* b = addr.bytes.data();
  if (InPrefix(b, kNat64, 96)) {
    std::string inner = RefusedV4(b + 12);
    return inner.empty() ? "" : "NAT64 64:ff9b::/96 of " + V4Text(b + 12) + " (" + inner + ")";
  }
  if (InPrefix(b, k6to4, 16)) {
    std::string inner = RefusedV4(b + 2);
    return inner.empty() ? "" : "6to4 2002::/16 of " + V4Text(b + 2) + " (" + inner + ")";
  }
  for (const Range& r : kV6) {
    if (InPrefix(b, r.net.data(), r.prefix))
      return r.name;
  }
  return "";
}

std::string AddressGuard::Check(const IpAddress& addr, int port) const {
  for (const AllowRule& rule : allow_) {
    if (rule.net.family == addr.family && (rule.port == 0 || rule.port == port) &&
        InPrefix(addr.bytes.data(), rule.net.bytes.data(), rule.prefix)) {
      return "";
    }
  }
  std::string range = RefusedRange(addr);
  if (range.empty())
    return "";
  return addr.ToString() + ":" + std::to_string(port) + " is in " + range;
}

std::string AddressGuard::CheckSockaddr(const sockaddr* sa) const {
  auto addr = IpAddress::FromSockaddr(sa);
  if (!addr)
    return "address family is not IPv4 or IPv6";
  int port = 0;
  if (sa->sa_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
  } else {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
  }
  return Check(*addr, port);
}

}  // namespace leadscan::fetch
