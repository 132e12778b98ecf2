#include "http/request_target.h"

#include <gtest/gtest.h>

namespace leadscan::http {
namespace {

std::string PathOf(std::string_view method, std::string_view target) {
  auto parsed = ParseRequestTarget(method, target);
  return parsed.ok() ? parsed->path : "refused:" + parsed.status().error_code();
}

TEST(RequestTargetTest, OriginFormIsDecodedOnce) {
  auto parsed = ParseRequestTarget("GET", "/api/leads/a%20b%2525?x=1&y=%2F");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->path, "/api/leads/a b%25");
  EXPECT_EQ(parsed->query, "x=1&y=%2F");
}

TEST(RequestTargetTest, TrailingSlashNamesTheSameResource) {
  EXPECT_EQ(PathOf("GET", "/api/leads/"), "/api/leads");
  EXPECT_EQ(PathOf("GET", "/"), "/");
  EXPECT_EQ(PathOf("GET", "/?a=b"), "/");
}

TEST(RequestTargetTest, AbsoluteFormIsReadAsItsOriginPart) {
  auto parsed = ParseRequestTarget("GET", "HTTP://127.0.0.1:8080/api/leads/a%20b?x=1");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->path, "/api/leads/a b");
  EXPECT_EQ(parsed->query, "x=1");
  EXPECT_EQ(PathOf("GET", "https://h"), "/");
  EXPECT_EQ(PathOf("GET", "http://h?a=b"), "/");
  // The origin part gets every check origin-form gets.
  for (std::string_view target :
       {"http://h//api/me", "http://h/api/%2e%2e/me", "http://h/a/../b", "http:///api/me",
        "http://user@h/api/me", "ftp://h/api/me", "http://h/api/%2Fme"}) {
    EXPECT_EQ(PathOf("GET", target), "refused:invalid_request_target") << target;
  }
}

TEST(RequestTargetTest, AnythingElseIsRefused) {
  for (std::string_view target :
       {"api/batch-analysis/scheduler/status", "api/me", "", "127.0.0.1:80", "*", "h/api:/x"}) {
    EXPECT_EQ(PathOf("GET", target), "refused:invalid_request_target") << target;
  }
  EXPECT_EQ(PathOf("OPTIONS", "*"), "*");
}

TEST(RequestTargetTest, AmbiguousSegmentsAreRefused) {
  for (std::string_view target :
       {"//api/leads", "/api//leads", "/api/%2e%2e/leads", "/api/./leads", "/api/../api/me",
        "/api/%2E/me", "/api/leads/a%2Fb", "/api/leads/a%5cb", "/api/leads/%00", "/api/leads/%zz",
        "/api/leads/%4", "/api/le\x01"}) {
    EXPECT_EQ(PathOf("GET", target), "refused:invalid_request_target") << target;
  }
}

TEST(RequestTargetTest, CaseIsKeptSoUpperCaseApiIsNotAnApiRoute) {
  EXPECT_EQ(PathOf("GET", "/API/leads"), "/API/leads");
}

}  // namespace
}  // namespace leadscan::http
