#include "render/host_mapping.h"

#include <gtest/gtest.h>

namespace leadscan::render {
namespace {

TEST(HostMappingTest, ConnectToAnyHostBecomesChromiumRulesAndMapsTheGuardCheck) {
  auto m = HostMapping::Parse({}, {":80:127.0.0.1:8080", ":443:127.0.0.1:8443"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto rules = m.value().ChromiumRules();
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(rules.value(), "MAP *:80 127.0.0.1:8080, MAP *:443 127.0.0.1:8443");
  auto t = m.value().Map("shop.test", 443);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].host, "127.0.0.1");
  EXPECT_EQ(t[0].port, 8443);
  // A port no rule names goes where the URL says.
  t = m.value().Map("shop.test", 8000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].host, "shop.test");
  EXPECT_EQ(t[0].port, 8000);
}

TEST(HostMappingTest, ResolveMapsOneHostAndPortToEveryAddress) {
  auto m = HostMapping::Parse({"Shop.test:443:127.0.0.1,[::1]"}, {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m.value().ChromiumRules().value(), "MAP shop.test:443 127.0.0.1:443");
  auto t = m.value().Map("shop.test", 443);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].host, "::1");
  EXPECT_EQ(t[1].port, 443);
  EXPECT_EQ(m.value().Map("other.test", 443)[0].host, "other.test");
  EXPECT_EQ(m.value().Map("shop.test", 80)[0].host, "shop.test");
}

TEST(HostMappingTest, BracketedIpv6TargetKeepsItsBracketsForChromium) {
  auto m = HostMapping::Parse({}, {"a.test:443:[::1]:9443"});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value().ChromiumRules().value(), "MAP a.test:443 [::1]:9443");
  EXPECT_EQ(m.value().Map("a.test", 443)[0].host, "::1");
}

TEST(HostMappingTest, BadRulesFailNamingTheRule) {
  for (auto [resolve, connect] :
       std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>{
           {{"shop.test:443"}, {}},
           {{"shop.test:notaport:127.0.0.1"}, {}},
           {{"shop.test:443:"}, {}},
           {{}, {"a:b:c"}},
           {{}, {"a.test:70000:b.test:1"}},
           {{}, {"a.test:1:b test:1"}}}) {
    auto m = HostMapping::Parse(resolve, connect);
    EXPECT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("rule"), std::string::npos);
  }
}

TEST(HostMappingTest, PortOnlyRuleForAnyHostCannotBeGivenToChromium) {
  // Any host, any port, new port only: Chromium's MAP cannot keep the host.
  auto bad = HostMapping::Parse({}, {":::8443"});
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad.value().ChromiumRules().ok());
  // With a host named it can.
  auto good = HostMapping::Parse({}, {"a.test:443::8443"});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value().ChromiumRules().value(), "MAP a.test:443 a.test:8443");
  EXPECT_EQ(good.value().Map("a.test", 443)[0].port, 8443);
}

}  // namespace
}  // namespace leadscan::render
