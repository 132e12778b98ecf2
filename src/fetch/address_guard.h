// AddressGuard: decides whether an outbound connection may go to a resolved address (SPEC §8).
// Refuses loopback, private, link-local (incl. metadata), CGNAT, multicast, reserved,
// benchmarking and documentation ranges and their IPv6, IPv4-mapped/-compatible, NAT64, 6to4
// and Teredo forms, unless an allow rule opens the address (optionally for one port only).
// Immutable after Create; thread-safe.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::fetch {

// An IPv4 or IPv6 address; IPv4 is kept in its 4-byte form (family AF_INET).
struct IpAddress {
  int family = AF_INET;
  std::array<uint8_t, 16> bytes{};  // first 4 used for AF_INET

  static std::optional<IpAddress> Parse(std::string_view text);
  static std::optional<IpAddress> FromSockaddr(const sockaddr* sa);
  std::string ToString() const;
};

// A network with an optional port: "10.0.0.0/8", "127.0.0.1/32:8443", "::1/128:8443",
// "192.168.1.5" (one host).
struct AllowRule {
  IpAddress net;
  int prefix = 0;
  int port = 0;  // 0: any port

  static common::Result<AllowRule> Parse(std::string_view text);
};

class AddressGuard {
 public:
  // Fails with invalid_allow_net naming the rule that does not parse.
  static common::Result<AddressGuard> Create(const std::vector<std::string>& allow_net);

  AddressGuard() = default;

  // Empty when `addr`:`port` may be connected to; else why not ("loopback 127.0.0.2").
  std::string Check(const IpAddress& addr, int port) const;

  // Check for a socket address (port taken from it).
  std::string CheckSockaddr(const sockaddr* sa) const;

  // The reason a literal address is in a refused range, ignoring allow rules; "" when public.
  static std::string RefusedRange(const IpAddress& addr);

 private:
  std::vector<AllowRule> allow_;
};

}  // namespace leadscan::fetch
