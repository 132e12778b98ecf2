#include "fetch/target.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace leadscan::fetch {
namespace {

struct Good {
  std::string input, host, path, registrable;
  std::vector<std::string> urls;
};

TEST(NormalizeTargetTest, AcceptsDomainsAndUrlsInTheirCommonForms) {
  const std::vector<Good> cases = {
      {"Example.se",
       "example.se",
       "/",
       "example.se",
       {"https://example.se/", "http://example.se/"}},
      {"  www.example.se/  ",
       "www.example.se",
       "/",
       "example.se",
       {"https://www.example.se/", "http://www.example.se/"}},
      {"https://example.se/path?q=1#frag",
       "example.se",
       "/path?q=1",
       "example.se",
       {"https://example.se/path?q=1"}},
      {"HTTP://Shop.Example.CO.UK",
       "shop.example.co.uk",
       "/",
       "example.co.uk",
       {"http://shop.example.co.uk/"}},
      {"example.se:8080/x",
       "example.se",
       "/x",
       "example.se",
       {"https://example.se:8080/x", "http://example.se:8080/x"}},
      {"example.se.",
       "example.se",
       "/",
       "example.se",
       {"https://example.se/", "http://example.se/"}},
      {"\xC3\xA5hl\xC3\xA9ns.se",
       "xn--hlns-poa0a.se",
       "/",
       "xn--hlns-poa0a.se",
       {"https://xn--hlns-poa0a.se/", "http://xn--hlns-poa0a.se/"}},
      {"\xC3\x85HL\xC3\x89NS.se", "xn--hlns-poa0a.se", "/", "xn--hlns-poa0a.se", {}},
      {"example.se/fr\xC3\xA5ga", "example.se", "/fr%C3%A5ga", "example.se", {}},
      {"93.184.216.34", "93.184.216.34", "/", "93.184.216.34", {}},
  };
  for (const Good& c : cases) {
    auto t = NormalizeTarget(c.input);
    ASSERT_TRUE(t.ok()) << c.input << ": " << t.status().ToString();
    EXPECT_EQ(t->host, c.host) << c.input;
    EXPECT_EQ(t->path, c.path) << c.input;
    EXPECT_EQ(t->registrable_domain, c.registrable) << c.input;
    if (!c.urls.empty()) {
      EXPECT_EQ(t->urls, c.urls) << c.input;
    }
  }
}

TEST(NormalizeTargetTest, RejectsGarbageWithInvalidUrlAndAReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"   ", "empty"},
      {"exa mple.se", "whitespace"},
      {"localhost", "no dot"},
      {"ftp://example.se", "not http or https"},
      {"javascript:alert(1)", "not http or https"},
      {"mailto:sales@example.se", "not http or https"},
      {"example.se:0", "port"},
      {"example.se:70000", "port"},
      {"example.se:abc", "port"},
      {"exa$mple.se", "not allowed"},
      {"-example.se", "'-'"},
      {"example..se", "empty label"},
      {"user:pw@example.se", "user name"},
      {"https://", "no host"},
      {"co.uk", "public suffix"},
      {"example.123", "numeric"},
      {std::string(64, 'a') + ".se", "longer than 63"},
  };
  for (const auto& [input, why] : cases) {
    auto t = NormalizeTarget(input);
    ASSERT_FALSE(t.ok()) << input;
    EXPECT_EQ(t.status().error_code(), "invalid_url") << input;
    EXPECT_NE(t.status().message().find(why), std::string::npos)
        << input << " -> " << t.status().message();
    EXPECT_EQ(t.status().field(), "domain");
  }
}

TEST(RegistrableDomainTest, UsesThePublicSuffixList) {
  EXPECT_EQ(RegistrableDomain("a.b.example.com"), "example.com");
  EXPECT_EQ(RegistrableDomain("shop.example.co.uk"), "example.co.uk");
  EXPECT_EQ(RegistrableDomain("com"), "");
}

}  // namespace
}  // namespace leadscan::fetch
