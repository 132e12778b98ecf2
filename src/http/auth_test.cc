#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "http/api_token.h"
#include "http/authenticator.h"
#include "http/jwt_authenticator.h"
#include "http/rate_limiter.h"

namespace leadscan::http {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "super-secret-jwt-token-with-at-least-32-characters-long";

common::TimePoint At(int64_t unix_seconds) {
  return common::TimePoint(std::chrono::seconds(unix_seconds));
}

TEST(ApiTokenTest, TokensAreRandomPrefixedAndHashed) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string t = NewApiToken();
    EXPECT_TRUE(LooksLikeApiToken(t)) << t;
    EXPECT_EQ(t.size(), 4u + 43u);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_FALSE(LooksLikeApiToken("lsk_short"));
  EXPECT_FALSE(LooksLikeApiToken("xyz_" + std::string(43, 'a')));
  // SHA-256("abc"), FIPS 180-2 test vector.
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashApiToken("abc").size(), 64u);
}

TEST(ApiTokenTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(Base64UrlTest, RoundTripsAllLengths) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    std::string decoded;
    ASSERT_TRUE(Base64UrlDecode(Base64UrlEncode(data), &decoded));
    EXPECT_EQ(decoded, data);
    data.push_back(static_cast<char>(i * 37 + 200));
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("ab+c", &out));
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest() : clock_(At(1700000000)), auth_(Options(), clock_) {}

  static JwtOptions Options() {
    JwtOptions o;
    o.secret = kSecret;
    o.audience = "authenticated";
    return o;
  }

  std::string Token(nlohmann::json claims) { return SignJwtHs256(claims.dump(), kSecret); }

  nlohmann::json Claims() {
    return {{"sub", "user-1"},
            {"aud", "authenticated"},
            {"role", "authenticated"},
            {"exp", 1700000600},
            {"app_metadata", {{"org_id", "org-7"}, {"role", "admin"}}}};
  }

  common::FakeClock clock_;
  JwtAuthenticator auth_;
};

TEST_F(JwtTest, ValidTokenGivesPrincipal) {
  auto p = auth_.Authenticate(Token(Claims()));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->org_id, "org-7");
  EXPECT_EQ(p->role, Role::kAdmin);
  EXPECT_EQ(p->subject, "user-1");
  EXPECT_FALSE(p->token_key.empty());
}

TEST_F(JwtTest, DeeplyNestedPayloadIsMalformed) {
  std::string payload = Claims().dump();
  payload.pop_back();
  payload += ",\"x\":" + std::string(65, '[') + std::string(65, ']') + "}";
  auto p = auth_.Authenticate(SignJwtHs256(payload, kSecret));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().error_code(), "malformed_token");
}

TEST_F(JwtTest, MissingRoleClaimMeansMember) {
  auto claims = Claims();
  claims["app_metadata"].erase("role");
  auto p = auth_.Authenticate(Token(claims));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, Role::kMember);
}

TEST_F(JwtTest, ExpiredTokenIsRefusedOnceTheClockPassesExp) {
  std::string token = Token(Claims());
  EXPECT_TRUE(auth_.Authenticate(token).ok());
  clock_.Advance(600s);
  auto p = auth_.Authenticate(token);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), common::StatusCode::kUnauthenticated);
  EXPECT_EQ(p.status().error_code(), "token_expired");
}

TEST_F(JwtTest, NotBeforeIsHonoured) {
  auto claims = Claims();
  claims["nbf"] = 1700000100;
  std::string token = Token(claims);
  EXPECT_EQ(auth_.Authenticate(token).status().error_code(), "token_not_yet_valid");
  clock_.Advance(100s);
  EXPECT_TRUE(auth_.Authenticate(token).ok());
}

TEST_F(JwtTest, BadSignatureIsRefused) {
  std::string token = SignJwtHs256(Claims().dump(), "another-secret");
  EXPECT_EQ(auth_.Authenticate(token).status().error_code(), "bad_signature");
  // A payload edited after signing.
  std::string good = Token(Claims());
  auto claims = Claims();
  claims["app_metadata"]["org_id"] = "org-8";
  std::string forged = SignJwtHs256(claims.dump(), kSecret);
  std::string spliced = good.substr(0, good.find('.')) +
                        forged.substr(forged.find('.'), forged.rfind('.') - forged.find('.')) +
                        good.substr(good.rfind('.'));
  EXPECT_EQ(auth_.Authenticate(spliced).status().error_code(), "bad_signature");
}

TEST_F(JwtTest, AlgNoneAndOtherAlgorithmsAreRefused) {
  std::string payload = Base64UrlEncode(Claims().dump());
  std::string none = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  EXPECT_EQ(auth_.Authenticate(none).status().error_code(), "unsupported_alg");
  std::string rs = Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})") + "." + payload + ".abc";
  EXPECT_EQ(auth_.Authenticate(rs).status().error_code(), "unsupported_alg");
}

TEST_F(JwtTest, WrongAudienceMissingOrgAndGarbageAreRefused) {
  auto claims = Claims();
  claims["aud"] = "anon";
  EXPECT_EQ(auth_.Authenticate(Token(claims)).status().error_code(), "wrong_audience");
  claims = Claims();
  claims.erase("app_metadata");
  EXPECT_EQ(auth_.Authenticate(Token(claims)).status().error_code(), "missing_org_claim");
  EXPECT_EQ(auth_.Authenticate("a.b").status().error_code(), "malformed_token");
  EXPECT_EQ(auth_.Authenticate("%%%.%%%.%%%").status().error_code(), "malformed_token");
  claims = Claims();
  claims.erase("exp");
  EXPECT_EQ(auth_.Authenticate(Token(claims)).status().error_code(), "malformed_token");
}

TEST_F(JwtTest, OrgClaimIsConfigurable) {
  JwtOptions o = Options();
  o.org_claim = "org";
  JwtAuthenticator top_level(o, clock_);
  auto claims = Claims();
  claims["org"] = "org-top";
  auto p = top_level.Authenticate(Token(claims));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->org_id, "org-top");
}

class FixedAuthenticator : public Authenticator {
 public:
  explicit FixedAuthenticator(std::string org) : org_(std::move(org)) {}

  common::Result<Principal> Authenticate(std::string_view) override {
    return Principal{*common::OrgId::Parse(org_), Role::kMember, "fixed", ""};
  }

 private:
  std::string org_;
};

TEST(BearerAuthenticatorTest, RoutesJwtShapedTokensToJwt) {
  FixedAuthenticator tokens("from-tokens");
  FixedAuthenticator jwt("from-jwt");
  BearerAuthenticator both(&tokens, &jwt);
  EXPECT_EQ(both.Authenticate("lsk_abc")->org_id, "from-tokens");
  EXPECT_EQ(both.Authenticate("a.b.c")->org_id, "from-jwt");
  BearerAuthenticator no_jwt(&tokens, nullptr);
  EXPECT_EQ(no_jwt.Authenticate("a.b.c").status().code(), common::StatusCode::kUnauthenticated);
}

TEST(RateLimiterTest, BurstThenRefillWithRetryAfter) {
  common::FakeClock clock(At(1000));
  RateLimiter limiter({true, 2, 3}, clock);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(limiter.Take("k").allowed);
  auto refused = limiter.Take("k");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  EXPECT_TRUE(limiter.Take("other").allowed);  // buckets are per key
  clock.Advance(500ms);
  EXPECT_TRUE(limiter.Take("k").allowed);
  EXPECT_FALSE(limiter.Take("k").allowed);
  clock.Advance(10s);  // refills only up to the burst
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(limiter.Take("k").allowed);
  EXPECT_FALSE(limiter.Take("k").allowed);
}

TEST(RateLimiterTest, SlowRatesGiveLongerRetryAfterAndDisabledAllowsAll) {
  common::FakeClock clock(At(1000));
  RateLimiter slow({true, 0.1, 1}, clock);
  EXPECT_TRUE(slow.Take("k").allowed);
  EXPECT_EQ(slow.Take("k").retry_after_seconds, 10);
  RateLimiter off({false, 0.1, 1}, clock);
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(off.Take("k").allowed);
}

}  // namespace
}  // namespace leadscan::http
