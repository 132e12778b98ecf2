#include "render/request_guard.h"

#include <gtest/gtest.h>

namespace leadscan::render {
namespace {

RequestGuard MakeGuard(std::vector<std::string> allow, std::vector<std::string> connect_to = {}) {
  return RequestGuard(fetch::AddressGuard::Create(allow).value(),
                      HostMapping::Parse({}, connect_to).value(), 3);
}

TEST(SplitUrlTest, FindsSchemeHostAndPort) {
  std::string scheme, host;
  int port = 0;
  ASSERT_TRUE(SplitUrl("HTTPS://user@Shop.Test/a?b#c", &scheme, &host, &port));
  EXPECT_EQ(scheme, "https");
  EXPECT_EQ(host, "shop.test");
  EXPECT_EQ(port, 443);
  ASSERT_TRUE(SplitUrl("http://[::ffff:127.0.0.1]:8080/", &scheme, &host, &port));
  EXPECT_EQ(host, "::ffff:127.0.0.1");
  EXPECT_EQ(port, 8080);
  EXPECT_FALSE(SplitUrl("http://a.test:99999/", &scheme, &host, &port));
  EXPECT_FALSE(SplitUrl("no-scheme", &scheme, &host, &port));
  EXPECT_FALSE(SplitUrl("http:///path", &scheme, &host, &port));
}

TEST(RequestGuardTest, RefusesLoopbackPrivateAndMetadataAddresses) {
  RequestGuard g = MakeGuard({});
  EXPECT_NE(g.Decide("http://127.0.0.1:8080/x", "XHR").find("address guard"), std::string::npos);
  EXPECT_NE(g.Decide("http://[::1]/", "Script").find("address guard"), std::string::npos);
  EXPECT_NE(g.Decide("http://169.254.169.254/latest/", "Fetch").find("address guard"),
            std::string::npos);
  EXPECT_NE(g.Decide("http://10.1.2.3/", "Document").find("address guard"), std::string::npos);
  // localhost resolves to loopback.
  EXPECT_NE(g.Decide("http://localhost:1/", "Fetch").find("address guard"), std::string::npos);
}

TEST(RequestGuardTest, AllowRuleOpensOnlyItsPortAndOnlyForWhatTheUserNamed) {
  RequestGuard g = MakeGuard({"127.0.0.1/32:8443"});
  EXPECT_EQ(g.Decide("https://127.0.0.1:8443/", "Document", true), "");
  EXPECT_NE(g.Decide("https://127.0.0.1:8444/", "Document", true), "");
  // A literal loopback address a site names stays refused (as for curl's redirects).
  EXPECT_NE(g.Decide("https://127.0.0.1:8443/", "XHR").find("named by the site"),
            std::string::npos);
}

TEST(RequestGuardTest, ChecksTheMappedAddressNotTheNamedHost) {
  RequestGuard g = MakeGuard({"127.0.0.1/32:8443"}, {":443:127.0.0.1:8443"});
  EXPECT_EQ(g.Decide("https://shop.test/", "Document"), "");
  // Port 80 is not mapped: shop.test itself must resolve, and .test never does.
  EXPECT_NE(g.Decide("http://shop.test/", "Document").find("name not resolved"), std::string::npos);
}

TEST(RequestGuardTest, RefusesWhatDetectionDoesNotReadAndOtherSchemes) {
  RequestGuard g = MakeGuard({"127.0.0.1/32:8443"});
  EXPECT_EQ(g.Decide("https://127.0.0.1:8443/a.png", "Image"), "resource type Image");
  EXPECT_EQ(g.Decide("https://127.0.0.1:8443/a.woff", "Font"), "resource type Font");
  EXPECT_EQ(g.Decide("https://127.0.0.1:8443/a.mp4", "Media"), "resource type Media");
  EXPECT_EQ(g.Decide("https://127.0.0.1:8443/a.css", "Stylesheet"), "resource type Stylesheet");
  EXPECT_EQ(g.Decide("https://127.0.0.1:8443/beacon", "Ping"), "resource type Ping");
  EXPECT_EQ(g.Decide("https://127.0.0.1:8443/next", "Prefetch"), "resource type Prefetch");
  EXPECT_EQ(g.Decide("ftp://127.0.0.1:8443/a", "Other"), "scheme ftp");
  // What detection reads goes out (the literal address is the caller's own choice here).
  for (const char* type : {"Document", "Script", "XHR", "Fetch", "EventSource", "Other"})
    EXPECT_EQ(g.Decide("https://127.0.0.1:8443/x", type, /*user_chosen=*/true), "") << type;
}

TEST(RequestGuardTest, RemembersOnlyTheNewestRefusals) {
  RequestGuard g = MakeGuard({});
  for (int i = 0; i < 5; ++i)
    g.Record("r" + std::to_string(i), "why " + std::to_string(i));
  EXPECT_EQ(g.ReasonFor("r0"), "");
  EXPECT_EQ(g.ReasonFor("r4"), "why 4");
  EXPECT_EQ(g.ReasonFor("r2"), "why 2");
}

}  // namespace
}  // namespace leadscan::render
