#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace leadscan::http {
namespace {

Handler Named(std::string name) {
  return [name](const Request&) { return Response::Text(200, name); };
}

std::string Call(const Router::Match& m) {
  Request r;
  return m.route ? m.route->handler(r).body : "";
}

TEST(RouterTest, MatchesLiteralsAndParameters) {
  Router router;
  router.Get("/api/batch-analysis/jobs", Named("list"));
  router.Get("/api/batch-analysis/jobs/:id", Named("get"));
  router.Post("/api/batch-analysis/jobs/:id/cancel", Named("cancel"));
  router.Get("/api/batch-analysis/scheduler/status", Named("scheduler"));

  auto m = router.Find("POST", "/api/batch-analysis/jobs/42/cancel");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "cancel");
  EXPECT_EQ(m.params.at("id"), "42");

  m = router.Find("GET", "/api/batch-analysis/jobs/");
  EXPECT_EQ(Call(m), "list");
  m = router.Find("GET", "/api/batch-analysis/scheduler/status");
  EXPECT_EQ(Call(m), "scheduler");
}

TEST(RouterTest, LiteralSegmentsWinOverParameters) {
  Router router;
  router.Get("/api/leads/:id", Named("lead"));
  router.Get("/api/leads/export", Named("export"));
  EXPECT_EQ(Call(router.Find("GET", "/api/leads/export")), "export");
  EXPECT_EQ(Call(router.Find("GET", "/api/leads/abc")), "lead");
}

TEST(RouterTest, ParametersAreTakenFromTheNormalisedPathWithoutDecodingTwice) {
  Router router;
  router.Get("/api/x/:name/y", Named("x"));
  auto m = router.Find("GET", "/api/x/a%20c/y");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("name"), "a%20c");
}

TEST(RouterTest, WrongMethodReportsAllowedMethods) {
  Router router;
  router.Get("/api/leads/:id", Named("get"));
  router.Delete("/api/leads/:id", Named("delete"));
  auto m = router.Find("PUT", "/api/leads/1");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"DELETE", "GET", "HEAD"}));
  auto none = router.Find("GET", "/api/nothing");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allowed_methods.empty());
}

TEST(RouterTest, HeadMatchesGetAndRestCapturesTail) {
  Router router;
  router.Get("/files/*rest", Named("files"));
  auto m = router.Find("HEAD", "/files/a/b/c.txt");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("rest"), "a/b/c.txt");
}

TEST(RouterTest, BadPatternsAndDuplicatesThrow) {
  Router router;
  router.Get("/api/a/:id", Named("a"));
  EXPECT_THROW(router.Get("/api/a/:id", Named("again")), std::invalid_argument);
  EXPECT_THROW(router.Get("/api/a/:other/x", Named("conflict")), std::invalid_argument);
  EXPECT_THROW(router.Get("no-slash", Named("bad")), std::invalid_argument);
  EXPECT_THROW(router.Get("/api/*rest/more", Named("bad")), std::invalid_argument);
}

TEST(QueryTest, ParsesAndDecodes) {
  auto q = ParseQuery("status=running&limit=50&name=K%C3%B6k+och%20bad&flag&tag=a&tag=b");
  EXPECT_EQ(q.find("status")->second, "running");
  EXPECT_EQ(q.find("name")->second, "Kök och bad");
  EXPECT_EQ(q.find("flag")->second, "");
  EXPECT_EQ(q.count("tag"), 2u);
  Request r;
  r.query = q;
  EXPECT_EQ(r.QueryAll("tag"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.Query("limit").value(), "50");
  EXPECT_FALSE(r.Query("offset").has_value());
}

TEST(QueryTest, PercentDecodeKeepsInvalidEscapes) {
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%41"), "%zzA");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
}

TEST(ResponseTest, ErrorShapeAndStatusMapping) {
  Response r = Response::Error(400, "invalid_cron", "bad minute", "schedule_cron");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"]["code"], "invalid_cron");
  EXPECT_EQ(j["error"]["message"], "bad minute");
  EXPECT_EQ(j["error"]["field"], "schedule_cron");
  auto no_field = nlohmann::json::parse(Response::Error(404, "not_found", "x").body);
  EXPECT_FALSE(no_field["error"].contains("field"));

  using common::StatusCode;
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);

  Response from = Response::FromStatus(
      common::Status::InvalidArgument("unknown_config_key", "unknown key foo", "analysis_config"));
  EXPECT_EQ(from.status, 400);
  EXPECT_EQ(nlohmann::json::parse(from.body)["error"]["field"], "analysis_config");
  Response limited = Response::FromStatus(
      common::Status::Error(common::StatusCode::kResourceExhausted, "rate_limited", "slow"), 7);
  EXPECT_EQ(limited.status, 429);
  ASSERT_EQ(limited.headers.size(), 1u);
  EXPECT_EQ(limited.headers[0].second, "7");
}

TEST(ResponseTest, ParseJsonBodyNamesTheBytePosition) {
  Request r;
  r.body = R"({"job_name": "x", })";
  auto parsed = ParseJsonBody(r);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().error_code(), "invalid_json");
  EXPECT_NE(parsed.status().message().find("at byte 19"), std::string::npos)
      << parsed.status().message();
  r.body = R"({"a": 1})";
  auto ok = ParseJsonBody(r);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["a"], 1);
  r.body.clear();
  EXPECT_FALSE(ParseJsonBody(r).ok());
}

}  // namespace
}  // namespace leadscan::http
