#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <type_traits>

#include "common/ascii.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/org_id.h"
#include "common/result.h"
#include "common/status.h"
#include "common/uuid.h"

namespace leadscan::common {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0)
    return Status::InvalidArgument("not_positive", "must be > 0", "v");
  return v;
}

// The plain definition ContainsAsciiFolded must agree with: fold the text, then find.
bool ContainsFoldedByDefinition(std::string_view text, std::string_view needle) {
  for (char c : needle) {
    if (c >= 'A' && c <= 'Z')
      return false;
  }
  return AsciiLower(text).find(needle) != std::string::npos;
}

TEST(AsciiTest, ContainsAsciiFoldedFindsTheNeedleInAnyCaseAtEveryOffset) {
  EXPECT_TRUE(ContainsAsciiFolded("woocommerce-Checkout-PAYMENT", "checkout-payment"));
  EXPECT_TRUE(ContainsAsciiFolded("anything", ""));
  EXPECT_FALSE(ContainsAsciiFolded("", "a"));
  EXPECT_FALSE(ContainsAsciiFolded("Klarna", "Klarna"));  // the needle is lower-case
  EXPECT_TRUE(ContainsAsciiFolded("KLARNA", "klarna"));
  EXPECT_TRUE(ContainsAsciiFolded("x\xc3\x85Land", "\xc3\x85land"));  // other bytes as they are
  EXPECT_FALSE(ContainsAsciiFolded("x\xc3\xa5land", "\xc3\x85land"));
  // Every offset and length around the 16-byte blocks, both ends of the text included.
  for (size_t len = 0; len < 70; ++len) {
    for (size_t at = 0; at + 3 <= len; ++at) {
      std::string text(len, 'q');
      text.replace(at, 3, "Nets");
      text.resize(len);
      EXPECT_EQ(ContainsAsciiFolded(text, "net"), ContainsFoldedByDefinition(text, "net"))
          << len << " " << at;
      EXPECT_TRUE(ContainsAsciiFolded(text, "ne")) << len << " " << at;
    }
  }
  // Random texts over a small alphabet (many partial matches) against the definition.
  std::mt19937 rng(20261207);
  const std::string alphabet = "aAbB-_ \xc3\x85";
  auto random_text = [&](size_t max) {
    std::string t(rng() % max, ' ');
    for (char& c : t)
      c = alphabet[rng() % alphabet.size()];
    return t;
  };
  for (int round = 0; round < 200000; ++round) {
    const std::string text = random_text(round % 8 == 0 ? 300 : 80);
    // Now and then a needle that is not lower-case: it matches nothing.
    const std::string needle = round % 5 == 0 ? random_text(6) : AsciiLower(random_text(6));
    ASSERT_EQ(ContainsAsciiFolded(text, needle), ContainsFoldedByDefinition(text, needle))
        << "text '" << text << "' needle '" << needle << "'";
  }
}

TEST(StatusTest, OkHasNoCodeAndErrorsKeepTheirParts) {
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  Status s = Status::Error(StatusCode::kUnavailable, "http_5xx", "server said 503", true);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(s.error_code(), "http_5xx");
  EXPECT_EQ(s.ToString(), "http_5xx: server said 503");
  EXPECT_EQ(s.WithField("url").field(), "url");
}

TEST(ResultTest, CarriesValueOrStatus) {
  auto good = ParsePositive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = ParsePositive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), "not_positive");
  EXPECT_EQ(bad.status().field(), "v");
}

TEST(UuidTest, NewUuidsAreVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewUuid();
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(UuidTest, ValidationRejectsNearMisses) {
  EXPECT_TRUE(IsUuid("3F2B6C1E-9D2A-4F7E-8A1B-2C3D4E5F6A7B"));
  EXPECT_EQ(CanonicalUuid("3F2B6C1E-9D2A-4F7E-8A1B-2C3D4E5F6A7B"),
            "3f2b6c1e-9d2a-4f7e-8a1b-2c3d4e5f6a7b");
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("uuid1"));
  EXPECT_FALSE(IsUuid("3f2b6c1e9d2a-4f7e-8a1b-2c3d4e5f6a7b0"));
  EXPECT_FALSE(IsUuid("3f2b6c1e-9d2a-4f7e-8a1b-2c3d4e5f6a7g"));
  EXPECT_EQ(RandomHex(16).size(), 32u);
}

TEST(FakeClockTest, WaitUntilReturnsWhenFakeTimePassesTheDeadline) {
  FakeClock clock(TimePoint{} + std::chrono::hours(1));
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  const TimePoint deadline = clock.Now() + std::chrono::minutes(5);
  std::thread advancer([&] { clock.Advance(std::chrono::minutes(5)); });
  bool result = clock.WaitUntil(cv, lock, deadline, [] { return false; });
  advancer.join();
  EXPECT_FALSE(result);
  EXPECT_GE(clock.Now(), deadline);
}

TEST(FakeClockTest, WaitUntilReturnsTrueWhenPredicateHolds) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool flag = false;
  std::thread setter([&] {
    std::lock_guard<std::mutex> g(mu);
    flag = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(clock.WaitUntil(cv, lock, clock.Now() + std::chrono::hours(1), [&] { return flag; }));
  lock.unlock();
  setter.join();
}

TEST(ConfigTest, EnvironmentWinsOverFileAndSectionsApply) {
  std::string path = ::testing::TempDir() + "/leadscan_config_test.toml";
  {
    std::ofstream out(path);
    out << "max_body_bytes = 100\nlisten = \"127.0.0.1:1\"\nallow-net = [\"10.0.0.0/8\", "
           "\"127.0.0.0/8\"]\n[serve]\nlisten = \"127.0.0.1:2\"\n";
  }
  std::map<std::string, std::string> env{{"LEADSCAN_MAX_BODY_BYTES", "200"}};
  auto lookup = [&](const std::string& n) -> std::optional<std::string> {
    auto it = env.find(n);
    if (it == env.end())
      return std::nullopt;
    return it->second;
  };
  auto config = Config::Load(path, "serve", lookup);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->Get("max-body-bytes")->at(0), "200");
  EXPECT_EQ(config->SourceOf("max-body-bytes"), "env LEADSCAN_MAX_BODY_BYTES");
  EXPECT_EQ(config->Get("listen")->at(0), "127.0.0.1:2");
  EXPECT_EQ(config->Get("allow-net")->size(), 2u);
  EXPECT_FALSE(config->Get("nothing").has_value());
  std::remove(path.c_str());
}

TEST(ConfigTest, BrokenFileNamesTheLine) {
  std::string path = ::testing::TempDir() + "/leadscan_config_bad.toml";
  {
    std::ofstream out(path);
    out << "a = 1\nb = = 2\n";
  }
  auto config = Config::Load(path, "serve");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().error_code(), "invalid_config");
  EXPECT_NE(config.status().message().find(":2:"), std::string::npos) << config.status().message();
  auto missing = Config::Load("/nonexistent/x.toml", "serve");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().error_code(), "config_not_found");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace leadscan::common

namespace leadscan::common {
namespace {

// An org-scoped store call cannot be written without an organisation: OrgId has no default,
// no conversion from text and no empty value.
static_assert(!std::is_default_constructible_v<OrgId>);
static_assert(!std::is_constructible_v<OrgId, std::string>);
static_assert(!std::is_convertible_v<const char*, OrgId>);

TEST(OrgIdTest, EmptyTextIsNoOrganisation) {
  EXPECT_FALSE(OrgId::Parse("").has_value());
  auto org = OrgId::Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");
  ASSERT_TRUE(org.has_value());
  EXPECT_EQ(org->str(), "7c9e6679-7425-40de-944b-e07fc1f90ae7");
  OrgId moved = std::move(*org);
  EXPECT_FALSE(org->str().empty());  // moving copies: no empty OrgId is left behind
  EXPECT_EQ(moved, *org);
}

}  // namespace
}  // namespace leadscan::common
