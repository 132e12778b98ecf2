// Fuzz target: the REST API's handlers as the server calls them, without the network: the
// request target is parsed and routed as HttpServer does, the caller is an organisation's
// admin, and the handler runs against a real in-memory SQLite store. Covers the JSON request
// bodies of every route (leads, lead import CSV, jobs, schedules, quick analysis, analyze), the
// path parameters and the query parameters. Input: "METHOD TARGET" on the first line, the body
// after it; "{lead}", "{job}" and "{hook}" in the target stand for an existing lead's, job's and
// webhook's id. Webhook URLs are checked without DNS (a host name never resolves here).
// Invariants: no exception leaves a handler, no 500, every body is valid UTF-8 and every JSON
// body parses.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "analysis/analyzer.h"
#include "api/routes.h"
#include "api/services.h"
#include "common/clock.h"
#include "common/json_parse.h"
#include "common/utf8.h"
#include "fuzz_check.h"
#include "http/request_target.h"
#include "http/router.h"
#include "store/store.h"
#include "webhooks/url_policy.h"

namespace {

namespace api = leadscan::api;
namespace common = leadscan::common;
namespace http = leadscan::http;

// Analyses nothing: every site is unreachable (the API's handling of the body is the subject).
class OfflineAnalyzer final : public leadscan::analysis::LeadAnalyzer {
 public:
  common::Result<leadscan::analysis::AnalysisResult> Analyze(
      std::string_view, leadscan::analysis::AnalysisType, const leadscan::analysis::AnalysisConfig&,
      std::shared_ptr<std::atomic<bool>>) override {
    return common::Status::Error(common::StatusCode::kUnavailable, "connect_failed",
                                 "the fuzz target has no network", true);
  }
};

// Runs are many; a fresh store every so often keeps memory flat.
constexpr int kRunsPerStore = 2000;

struct World {
  common::SystemClock clock;
  OfflineAnalyzer analyzer;
  std::unique_ptr<leadscan::store::Store> store;
  std::unique_ptr<api::Services> services;
  http::Router router;
  std::optional<http::Principal> admin;
  std::optional<leadscan::webhooks::WebhookUrlPolicy> webhook_urls;
  std::string lead_id, job_id, hook_id;
  int runs = 0;

  void Reset() {
    router = http::Router();
    services.reset();
    store.reset();
    leadscan::store::StoreOptions options;
    options.clock = &clock;
    auto opened = leadscan::store::OpenStore("sqlite://:memory:", options);
    FUZZ_CHECK(opened.ok());
    store = std::move(*opened);
    services = std::make_unique<api::Services>(*store, clock);
    services->analyzer = &analyzer;
    services->options.batch_limit = 100;
    if (!webhook_urls) {
      auto policy = leadscan::webhooks::WebhookUrlPolicy::Create(
          {},
          [](const std::string& host) -> common::Result<std::vector<leadscan::fetch::IpAddress>> {
            return common::Status::InvalidArgument("unresolvable_host", host + ": no DNS here",
                                                   "url");
          });
      FUZZ_CHECK(policy.ok());
      webhook_urls.emplace(std::move(*policy));
    }
    services->webhook_urls = &*webhook_urls;
    api::RegisterRoutes(router, *services);
    auto org = store->CreateOrganization("fuzz");
    FUZZ_CHECK(org.ok());
    admin = http::Principal{*common::OrgId::Parse(org->id), http::Role::kAdmin, "fuzz", "fuzz"};
    auto lead = Call("POST", "/api/leads", R"({"company_name":"Shop AB","domain":"shop.se"})");
    FUZZ_CHECK(lead.status == 201 || lead.status == 200);
    lead_id = (*common::ParseJson(lead.body))["lead"]["id"].get<std::string>();
    auto job = Call("POST", "/api/batch-analysis/jobs",
                    R"({"job_type":"tech_analysis","lead_ids":[")" + lead_id + R"("]})");
    FUZZ_CHECK(job.status == 201);
    job_id = (*common::ParseJson(job.body))["job_id"].get<std::string>();
    auto hook = Call("POST", "/api/webhooks",
                     R"({"url":"https://93.184.216.34/hook","events":["job.completed"],)"
                     R"("secret":"fuzz-secret-0123456"})");
    FUZZ_CHECK(hook.status == 201);
    hook_id = (*common::ParseJson(hook.body))["id"].get<std::string>();
    runs = 0;
  }

  // What HttpServer does between reading a request and its handler's answer.
  http::Response Call(std::string_view method, std::string_view target, std::string_view body) {
    auto parsed = http::ParseRequestTarget(method, target);
    if (!parsed.ok())
      return http::Response::FromStatus(parsed.status());
    http::Request request;
    request.method = std::string(method);
    request.target = std::string(target);
    request.path = parsed->path;
    request.query = http::ParseQuery(parsed->query);
    request.body = std::string(body);
    request.principal = admin;
    request.remote_address = "127.0.0.1:1";
    auto match = router.Find(request.method, request.path);
    if (match.route == nullptr)
      return http::Response::Error(404, "not_found", "no such route");
    request.route = match.route->pattern;
    request.params = match.params;
    return match.route->handler(request);
  }
};

std::string Substitute(std::string_view target, const World& w) {
  std::string out(target);
  for (auto [key, value] : {std::pair{"{lead}", &w.lead_id}, std::pair{"{job}", &w.job_id},
                            std::pair{"{hook}", &w.hook_id}}) {
    for (size_t at = out.find(key); at != std::string::npos; at = out.find(key, at))
      out.replace(at, std::string_view(key).size(), *value);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = [] {
    auto* w = new World;
    w->Reset();
    return w;
  }();
  if (++world->runs > kRunsPerStore)
    world->Reset();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto [line, body] = leadscan::fuzz::SplitFirstLine(in);
  size_t space = line.find(' ');
  if (space == std::string_view::npos)
    return 0;
  std::string method(line.substr(0, space));
  std::string target = Substitute(line.substr(space + 1), *world);
  // Event streams hand the connection to an SSE stream; there is no connection here.
  if (target.find("/events") != std::string::npos)
    return 0;

  http::Response response = world->Call(method, target, body);
  FUZZ_CHECK(response.status != 500);
  FUZZ_CHECK(common::IsValidUtf8(response.body));
  if (response.content_type == "application/json" && !response.body.empty())
    FUZZ_CHECK(common::ParseJson(response.body).ok());
  return 0;
}
