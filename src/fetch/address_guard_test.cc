#include "fetch/address_guard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <vector>

namespace leadscan::fetch {
namespace {

IpAddress Ip(const std::string& text) {
  auto ip = IpAddress::Parse(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

TEST(AddressGuardTest, RefusesEveryNonPublicForm) {
  auto guard = AddressGuard::Create({});
  ASSERT_TRUE(guard.ok());
  const std::vector<std::string> refused = {
      "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254",
      "127.0.0.1", "127.0.0.2", "127.255.255.255", "169.254.0.1", "169.254.169.254", "172.16.0.1",
      "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1",
      "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1",
      "255.255.255.255",
      // IPv6
      "::", "::1", "fc00::1", "fd12:3456::1", "fd00:ec2::254", "fe80::1", "febf::1", "fec0::1",
      "ff02::1", "ff05::1:3", "::ffff:127.0.0.1", "::ffff:8.8.8.8", "::ffff:169.254.169.254",
      "::127.0.0.1", "::8.8.8.8", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::a00:1",
      "64:ff9b:1::1", "2002:7f00:1::1", "2002:a9fe:a9fe::1", "2002:c0a8:101::1", "2001::1",
      "2001:0:4136:e378::1", "2001:db8::1", "2001:db8:ffff::1", "100::1", "2001:2::1",
      "2001:10::1"};
  for (const std::string& text : refused) {
    std::string why = guard->Check(Ip(text), 80);
    EXPECT_FALSE(why.empty()) << text << " should be refused";
    EXPECT_FALSE(AddressGuard::RefusedRange(Ip(text)).empty()) << text;
  }
}

TEST(AddressGuardTest, AllowsPublicAddresses) {
  auto guard = AddressGuard::Create({});
  ASSERT_TRUE(guard.ok());
  const std::vector<std::string> allowed = {"8.8.8.8",
                                            "1.1.1.1",
                                            "93.184.216.34",
                                            "100.63.255.255",
                                            "100.128.0.0",
                                            "172.15.255.255",
                                            "172.32.0.0",
                                            "192.167.255.255",
                                            "198.17.255.255",
                                            "198.20.0.0",
                                            "223.255.255.255",
                                            "11.0.0.1",
                                            "2a00:1450:4001:80b::200e",
                                            "2606:4700::1111",
                                            "64:ff9b::808:808",
                                            "2002:808:808::1",
                                            "2001:4860:4860::8888"};
  for (const std::string& text : allowed) {
    EXPECT_EQ(guard->Check(Ip(text), 443), "") << text << " should be allowed";
  }
}

TEST(AddressGuardTest, AllowNetOpensRangesAndOptionallyOnlyOnePort) {
  auto guard =
      AddressGuard::Create({"10.1.0.0/16", "127.0.0.1/32:8443", "::1/128:9000", "192.168.5.5"});
  ASSERT_TRUE(guard.ok()) << guard.status().ToString();
  EXPECT_EQ(guard->Check(Ip("10.1.2.3"), 80), "");
  EXPECT_NE(guard->Check(Ip("10.2.0.1"), 80), "");
  EXPECT_EQ(guard->Check(Ip("127.0.0.1"), 8443), "");
  EXPECT_NE(guard->Check(Ip("127.0.0.1"), 80), "");
  EXPECT_NE(guard->Check(Ip("127.0.0.2"), 8443), "");
  EXPECT_EQ(guard->Check(Ip("::1"), 9000), "");
  EXPECT_NE(guard->Check(Ip("::1"), 9001), "");
  EXPECT_EQ(guard->Check(Ip("192.168.5.5"), 1), "");
  EXPECT_NE(guard->Check(Ip("192.168.5.6"), 1), "");
  // An IPv4 rule does not open the IPv4-mapped or NAT64 spelling of the same address.
  EXPECT_NE(guard->Check(Ip("::ffff:127.0.0.1"), 8443), "");
  EXPECT_NE(guard->Check(Ip("64:ff9b::7f00:1"), 8443), "");
}

TEST(AddressGuardTest, RejectsMalformedAllowRules) {
  for (const char* bad : {"", "10.0.0.0/33", "::1/129", "foo", "10.0.0.0/8:0", "10.0.0.0/8:x",
                          "10.0.0.0/", "1.2.3.4/8:70000"}) {
    auto guard = AddressGuard::Create({bad});
    ASSERT_FALSE(guard.ok()) << bad;
    EXPECT_EQ(guard.status().error_code(), "invalid_allow_net") << bad;
  }
}

TEST(AddressGuardTest, ChecksSocketAddressesWithTheirPort) {
  auto guard = AddressGuard::Create({"127.0.0.1/32:8080"});
  ASSERT_TRUE(guard.ok());
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(8080);
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  EXPECT_EQ(guard->CheckSockaddr(reinterpret_cast<sockaddr*>(&in)), "");
  in.sin_port = htons(80);
  EXPECT_NE(guard->CheckSockaddr(reinterpret_cast<sockaddr*>(&in)), "");
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(8080);
  inet_pton(AF_INET6, "::ffff:169.254.169.254", &in6.sin6_addr);
  std::string why = guard->CheckSockaddr(reinterpret_cast<sockaddr*>(&in6));
  EXPECT_NE(why.find("IPv4-mapped"), std::string::npos) << why;
}

}  // namespace
}  // namespace leadscan::fetch
