// The service end to end: the API, batch runner and scheduler wired as `leadscan serve` wires
// them (src/cli/serve_command.cc), on a real SQLite file, a real CurlFetcher and the fake
// internet, spoken to over real HTTP on loopback. One server for the whole suite; every test
// creates its own leads and jobs, so the tests do not depend on each other's order.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "analysis/analyzer.h"
#include "api/routes.h"
#include "api/services.h"
#include "api/store_authenticator.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "detect/detector.h"
#include "fake_internet.h"
#include "fetch/curl_fetcher.h"
#include "http/api_token.h"
#include "http/authenticator.h"
#include "http/http_server.h"
#include "jobs/batch_runner.h"
#include "jobs/job_events.h"
#include "jobs/scheduler.h"
#include "store/store.h"

namespace leadscan {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using Json = nlohmann::json;
using namespace std::chrono_literals;

// Upper bound for anything a test waits on; reaching it means the test failed.
constexpr auto kPatience = 30s;
constexpr int64_t kBatchLimit = 5;            // small, so the limit is testable
constexpr size_t kMaxBodyBytes = 256 * 1024;  // small, so 413 is testable
constexpr const char* kSeedConfig = R"({"use_firecrawl": true, "use_puppeteer": true,
                                        "timeout": 20000})";

struct Reply {
  int status = 0;
  std::string content_type;
  std::string body;

  Json json() const { return Json::parse(body); }
};

// One request on a fresh connection, with a receive timeout so a broken server fails the test
// instead of hanging it.
Reply Call(uint16_t port, bhttp::verb method, const std::string& target,
           const std::string& token = {}, const std::string& body = {},
           const std::string& content_type = "application/json") {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{static_cast<time_t>(kPatience.count()), 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bhttp::request<bhttp::string_body> req{method, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  if (!token.empty())
    req.set(bhttp::field::authorization, "Bearer " + token);
  if (!body.empty() || method == bhttp::verb::post || method == bhttp::verb::patch) {
    req.set(bhttp::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
  }
  beast::error_code ec;
  bhttp::write(socket, req, ec);  // a server answering 413 early may reset the rest
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  bhttp::read(socket, buffer, parser, ec);
  Reply r;
  if (!parser.is_header_done())
    return r;  // status 0: no answer
  const auto& res = parser.get();
  r.status = res.result_int();
  r.content_type = std::string(res[bhttp::field::content_type]);
  r.body = res.body();
  return r;
}

struct SseEvent {
  std::string name;
  Json data;
};

std::vector<SseEvent> ParseSse(const std::string& text) {
  std::vector<SseEvent> out;
  std::istringstream in(text);
  std::string line;
  SseEvent current;
  std::string data;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty()) {
      if (!data.empty()) {
        current.data = Json::parse(data, nullptr, false);
        out.push_back(current);
      }
      current = {};
      data.clear();
    } else if (line.rfind("event:", 0) == 0) {
      current.name = line.substr(line.find_first_not_of(' ', 6));
    } else if (line.rfind("data:", 0) == 0) {
      data += line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
    }
  }
  return out;
}

// Everything the server needs, in construction order (destroyed in reverse).
struct World {
  std::string dir;
  std::unique_ptr<fakenet::FakeInternet> net;
  common::SystemClock clock;
  common::Metrics metrics;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<fetch::CurlFetcher> fetcher;
  std::unique_ptr<detect::Detector> detector;
  std::unique_ptr<analysis::Analyzer> analyzer;
  jobs::JobEventHub events;
  std::unique_ptr<jobs::BatchRunner> runner;
  std::unique_ptr<jobs::Scheduler> scheduler;
  std::unique_ptr<api::Services> services;
  http::Router router;
  std::unique_ptr<api::StoreAuthenticator> token_auth;
  std::unique_ptr<http::BearerAuthenticator> auth;
  std::unique_ptr<http::HttpServer> server;
  std::string org_a, org_b;
  std::string a_admin, a_member, b_admin, b_member;
  Json expected;

  ~World() {
    if (scheduler)
      scheduler->Stop();
    if (runner)
      runner->Stop();
    if (server)
      server->Stop();
  }
};

World* w = nullptr;

std::string MakeToken(const std::string& org, store::Role role) {
  std::string token = http::NewApiToken();
  store::NewToken nt;
  nt.role = role;
  nt.name = "test";
  nt.token_hash = http::HashApiToken(token);
  auto created = w->store->CreateToken(*common::OrgId::Parse(org), nt);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  return token;
}

class ApiServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    w = new World;
    w->dir = (std::filesystem::temp_directory_path() /
              ("leadscan-api-test-" + std::to_string(::getpid())))
                 .string();
    std::filesystem::remove_all(w->dir);
    std::filesystem::create_directories(w->dir);

    fakenet::Options net_options;
    net_options.sites_dir = fakenet::DefaultSitesDir();
    auto net = fakenet::FakeInternet::Start(net_options);
    ASSERT_TRUE(net.ok()) << net.status().ToString();
    w->net = std::move(net).value();
    std::ifstream expected(net_options.sites_dir + "/expected.json");
    w->expected = Json::parse(expected);

    store::StoreOptions store_options;
    store_options.clock = &w->clock;
    auto st = store::OpenStore("sqlite://" + w->dir + "/leadscan.db", store_options);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    w->store = std::move(st).value();

    auto rules = detect::RuleSet::Load({LEADSCAN_SOURCE_RULES_DIR});
    ASSERT_TRUE(rules.ok()) << rules.status().ToString();
    fetch::FetchOptions fo;
    fo.allow_net = {"127.0.0.1/32:" + std::to_string(w->net->http_port()),
                    "127.0.0.1/32:" + std::to_string(w->net->https_port())};
    fo.connect_to = w->net->ConnectToRules();
    fo.ca_file = w->net->ca_file();
    fo.politeness_delay = std::chrono::milliseconds(0);
    auto fetcher = fetch::CurlFetcher::Create(fo, w->clock);
    ASSERT_TRUE(fetcher.ok()) << fetcher.status().ToString();
    w->fetcher = std::move(fetcher).value();
    w->detector = std::make_unique<detect::Detector>(*rules);
    w->analyzer = std::make_unique<analysis::Analyzer>(*w->fetcher, *w->detector, w->clock);

    jobs::BatchRunnerOptions runner_options;
    runner_options.concurrency = 4;
    runner_options.poll_interval = 200ms;
    w->runner = std::make_unique<jobs::BatchRunner>(*w->store, *w->analyzer, w->clock, &w->events,
                                                    runner_options);
    ASSERT_TRUE(w->runner->Start().ok());
    jobs::SchedulerOptions scheduler_options;
    w->scheduler = std::make_unique<jobs::Scheduler>(*w->store, w->clock, w->runner.get(),
                                                     &w->events, scheduler_options);

    w->services = std::make_unique<api::Services>(*w->store, w->clock);
    w->services->analyzer = w->analyzer.get();
    w->services->runner = w->runner.get();
    w->services->scheduler = w->scheduler.get();
    w->services->events = &w->events;
    w->services->options.batch_limit = kBatchLimit;
    w->services->options.default_timezone = "UTC";
    api::RegisterRoutes(w->router, *w->services);

    w->token_auth = std::make_unique<api::StoreAuthenticator>(*w->store);
    w->auth = std::make_unique<http::BearerAuthenticator>(w->token_auth.get(), nullptr);
    http::ServerOptions server_options;
    server_options.io_threads = 2;
    server_options.handler_threads = 8;
    server_options.max_body_bytes = kMaxBodyBytes;
    w->server = std::make_unique<http::HttpServer>(server_options, w->router, w->auth.get(),
                                                   w->clock, w->metrics);
    store::Store* store_ptr = w->store.get();
    w->server->SetReadinessCheck([store_ptr] {
      auto migrations = store_ptr->AppliedMigrations();
      return migrations.ok() ? common::Status::Ok() : migrations.status();
    });
    ASSERT_TRUE(w->server->Listen("127.0.0.1:0").ok());
    ASSERT_TRUE(w->scheduler->Start().ok());

    auto a = w->store->CreateOrganization("org-a");
    auto b = w->store->CreateOrganization("org-b");
    ASSERT_TRUE(a.ok() && b.ok());
    w->org_a = a->id;
    w->org_b = b->id;
    w->a_admin = MakeToken(w->org_a, store::Role::kAdmin);
    w->a_member = MakeToken(w->org_a, store::Role::kMember);
    w->b_admin = MakeToken(w->org_b, store::Role::kAdmin);
    w->b_member = MakeToken(w->org_b, store::Role::kMember);
  }

  static void TearDownTestSuite() {
    std::string dir = w->dir;
    delete w;
    w = nullptr;
    std::filesystem::remove_all(dir);
  }

  static uint16_t port() { return w->server->port(); }

  static Reply Get(const std::string& target, const std::string& token) {
    return Call(port(), bhttp::verb::get, target, token);
  }

  static Reply Post(const std::string& target, const std::string& token, const std::string& body,
                    const std::string& type = "application/json") {
    return Call(port(), bhttp::verb::post, target, token, body, type);
  }

  static Reply Post(const std::string& target, const std::string& token, const Json& body) {
    return Post(target, token, body.dump());
  }

  static Reply Patch(const std::string& target, const std::string& token, const Json& body) {
    return Call(port(), bhttp::verb::patch, target, token, body.dump());
  }

  static Reply Delete(const std::string& target, const std::string& token) {
    return Call(port(), bhttp::verb::delete_, target, token);
  }

  // Creates leads through the API; returns their ids in order.
  static std::vector<std::string> CreateLeads(const std::string& token, const Json& leads) {
    Reply r = Post("/api/leads", token, leads);
    EXPECT_EQ(r.status, 201) << r.body;
    std::vector<std::string> ids;
    if (r.status != 201)
      return ids;
    Json created = r.json();
    for (const auto& l : created["leads"])
      ids.push_back(l["id"].get<std::string>());
    EXPECT_EQ(ids.size(), leads.size()) << r.body;
    return ids;
  }

  static std::string CreateManualJob(const std::string& token, const std::vector<std::string>& ids,
                                     const std::string& type = "tech_analysis") {
    Json body = {{"job_name", "Manual " + type},
                 {"job_type", type},
                 {"lead_ids", ids},
                 {"analysis_config", Json::parse(kSeedConfig)},
                 {"is_scheduled", false}};
    Reply r = Post("/api/batch-analysis/jobs", token, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.json()["job_id"].get<std::string>() : std::string();
  }

  static std::string CreateScheduledJob(const std::string& token,
                                        const std::vector<std::string>& ids,
                                        const std::string& cron = "0 2 * * *") {
    Json body = {{"job_name", "Daily Checkout Scraping"},
                 {"job_type", "checkout_scraping"},
                 {"lead_ids", ids},
                 {"is_scheduled", true},
                 {"schedule_cron", cron}};
    Reply r = Post("/api/batch-analysis/jobs", token, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.json()["job_id"].get<std::string>() : std::string();
  }

  // Polls GET jobs/:id until `done(job)` or kPatience; returns the last job object.
  template <typename Pred>
  static Json PollJob(const std::string& token, const std::string& id, Pred done) {
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    Json job;
    while (std::chrono::steady_clock::now() < deadline) {
      Reply r = Get("/api/batch-analysis/jobs/" + id, token);
      if (r.status != 200)
        return Json{{"http_status", r.status}, {"body", r.body}};
      job = r.json()["job"];
      if (done(job))
        return job;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "job " << id << " did not reach the state in time: " << job.dump();
    return job;
  }

  static Json PollFinal(const std::string& token, const std::string& id) {
    return PollJob(token, id, [](const Json& j) {
      std::string s = j.value("status", "");
      return s == "completed" || s == "failed" || s == "cancelled";
    });
  }

  static void ExpectError(const Reply& r, int status, const std::string& code,
                          const std::string& field = {}) {
    EXPECT_EQ(r.status, status) << r.body;
    Json j = Json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r.body;
    EXPECT_EQ(j["error"].value("code", ""), code) << r.body;
    EXPECT_FALSE(j["error"].value("message", "").empty()) << r.body;
    if (!field.empty()) {
      EXPECT_EQ(j["error"].value("field", ""), field) << r.body;
    }
  }
};

TEST_F(ApiServiceTest, ManualJobRunsToCompletionWithTheSeedsShapesAndCounters) {
  auto ids = CreateLeads(
      w->a_member, Json::array({
                       {{"company_name", "Kaffebönan AB"}, {"domain", "kaffebonan.test"}},
                       {{"company_name", "Trädgårdsboden AB"}, {"domain", "tradgardsboden.test"}},
                       {{"company_name", "Gone AB"}, {"domain", "not-found.hostile.test"}},
                       {{"company_name", "Nowhere AB"}},
                   }));
  ASSERT_EQ(ids.size(), 4u);
  Json body = {{"job_name", "Nightly Tech Analysis"},
               {"job_type", "tech_analysis"},
               {"lead_ids", ids},
               {"analysis_config", Json::parse(kSeedConfig)},
               {"is_scheduled", false}};
  Reply r = Post("/api/batch-analysis/jobs", w->a_member, body);
  ASSERT_EQ(r.status, 201) << r.body;
  Json created = r.json();
  EXPECT_EQ(created.size(), 3u) << created.dump();
  EXPECT_EQ(created["message"], "Batch job started");
  EXPECT_EQ(created["status"], "running");
  std::string id = created["job_id"];

  Json job = PollFinal(w->a_member, id);
  EXPECT_EQ(job["status"], "completed") << job.dump();
  EXPECT_EQ(job["id"], id);
  EXPECT_EQ(job["job_name"], "Nightly Tech Analysis");
  EXPECT_EQ(job["job_type"], "tech_analysis");
  EXPECT_EQ(job["total_leads"], 4);
  ASSERT_TRUE(job["items"].is_array());
  ASSERT_EQ(job["items"].size(), 4u);
  int completed = 0;
  int failed = 0;
  std::map<std::string, Json> by_company;
  for (const auto& item : job["items"]) {
    for (const char* key : {"id", "lead_id", "company_name", "status", "duration_seconds"})
      EXPECT_TRUE(item.contains(key)) << key << " missing in " << item.dump();
    EXPECT_TRUE(item["duration_seconds"].is_number()) << item.dump();
    by_company[item["company_name"]] = item;
    if (item["status"] == "completed")
      ++completed;
    if (item["status"] == "failed")
      ++failed;
  }
  EXPECT_EQ(job["successful_count"], completed);
  EXPECT_EQ(job["failed_count"], failed);
  EXPECT_EQ(job["progress"], completed + failed);
  EXPECT_EQ(completed, 2);
  EXPECT_EQ(failed, 2);
  EXPECT_EQ(by_company["Kaffebönan AB"]["status"], "completed");
  EXPECT_EQ(by_company["Kaffebönan AB"]["lead_id"], ids[0]);
  EXPECT_EQ(by_company["Gone AB"]["status"], "failed");
  EXPECT_EQ(by_company["Gone AB"]["error_code"], "http_404");
  EXPECT_EQ(by_company["Nowhere AB"]["status"], "failed");
  EXPECT_EQ(by_company["Nowhere AB"]["error_code"], "no_domain");

  // The lead now carries its findings.
  Reply lead = Get("/api/leads/" + ids[0], w->a_member);
  ASSERT_EQ(lead.status, 200) << lead.body;
  std::string platform = w->expected["sites"]["kaffebonan.test"]["ecommerce_platform"];
  EXPECT_EQ(lead.json()["lead"]["ecommerce_platform"]["name"], platform) << lead.body;

  // Cancelling a finished job is a conflict.
  ExpectError(Post("/api/batch-analysis/jobs/" + id + "/cancel", w->a_member, Json::object()), 409,
              "job_final");

  // Run history: one manual run with the job's counters.
  Reply runs = Get("/api/batch-analysis/jobs/" + id + "/runs", w->a_member);
  ASSERT_EQ(runs.status, 200) << runs.body;
  ASSERT_EQ(runs.json()["runs"].size(), 1u) << runs.body;
  EXPECT_EQ(runs.json()["total"], 1);
  EXPECT_EQ(runs.json()["runs"][0]["successful_count"], 2);
  EXPECT_EQ(runs.json()["runs"][0]["failed_count"], 2);

  // Results: CSV with a header and one line per item; JSONL with one object per item.
  Reply csv = Get("/api/batch-analysis/jobs/" + id + "/results?format=csv", w->a_member);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_NE(csv.content_type.find("text/csv"), std::string::npos);
  EXPECT_EQ(csv.body.rfind("item_id,lead_id,company_name,domain,status", 0), 0u) << csv.body;
  EXPECT_NE(csv.body.find(platform), std::string::npos) << csv.body;
  size_t csv_lines = 0;
  for (char c : csv.body)
    csv_lines += c == '\n';
  EXPECT_EQ(csv_lines, 5u) << csv.body;
  Reply jsonl = Get("/api/batch-analysis/jobs/" + id + "/results?format=jsonl", w->a_member);
  ASSERT_EQ(jsonl.status, 200) << jsonl.body;
  std::istringstream in(jsonl.body);
  std::string line;
  std::set<std::string> leads_seen;
  while (std::getline(in, line)) {
    Json j = Json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    if (j["status"] == "completed") {
      EXPECT_TRUE(j["result"].is_object()) << line;
      EXPECT_EQ(j["result"].value("domain", ""), j["domain"]) << line;
    }
    leads_seen.insert(j["lead_id"].get<std::string>());
  }
  EXPECT_EQ(leads_seen, std::set<std::string>(ids.begin(), ids.end()));
  ExpectError(Get("/api/batch-analysis/jobs/" + id + "/results?format=xml", w->a_member), 400,
              "invalid_query", "format");
}

TEST_F(ApiServiceTest, ListJobsFiltersByStatusAndPages) {
  auto ids = CreateLeads(
      w->b_member, Json::array({{{"company_name", "Lister AB"}, {"domain", "kaffebonan.test"}}}));
  ASSERT_EQ(ids.size(), 1u);
  std::string scheduled = CreateScheduledJob(w->b_member, ids);
  std::string manual = CreateManualJob(w->b_member, ids);
  PollFinal(w->b_member, manual);
  Reply all = Get("/api/batch-analysis/jobs?limit=50&offset=0", w->b_member);
  ASSERT_EQ(all.status, 200) << all.body;
  Json list = all.json();
  for (const char* key : {"jobs", "total", "limit", "offset"})
    EXPECT_TRUE(list.contains(key)) << key;
  EXPECT_EQ(list["limit"], 50);
  EXPECT_EQ(list["offset"], 0);
  int64_t total = list["total"];
  EXPECT_GE(total, 2);
  EXPECT_EQ(static_cast<int64_t>(list["jobs"].size()), total);
  for (const auto& j : list["jobs"]) {
    for (const char* key : {"id", "job_name", "job_type", "status", "progress", "total_leads",
                            "successful_count", "failed_count", "created_at"})
      EXPECT_TRUE(j.contains(key)) << key;
    // "2025-12-18T22:00:00Z"
    EXPECT_EQ(j["created_at"].get<std::string>().size(), 20u) << j["created_at"];
  }
  Reply only = Get("/api/batch-analysis/jobs?status=scheduled", w->b_member);
  ASSERT_EQ(only.status, 200);
  ASSERT_GE(only.json()["jobs"].size(), 1u);
  bool found = false;
  Json only_jobs = only.json()["jobs"];
  for (const auto& j : only_jobs) {
    EXPECT_EQ(j["status"], "scheduled");
    found = found || j["id"] == scheduled;
  }
  EXPECT_TRUE(found);
  Reply page = Get("/api/batch-analysis/jobs?limit=1&offset=1", w->b_member);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.json()["jobs"].size(), 1u);
  EXPECT_EQ(page.json()["total"], total);
  EXPECT_EQ(page.json()["limit"], 1);
  EXPECT_EQ(page.json()["offset"], 1);
  EXPECT_NE(page.json()["jobs"][0]["id"], all.json()["jobs"][0]["id"]);
  ExpectError(Get("/api/batch-analysis/jobs?status=bogus", w->b_member), 400, "invalid_query",
              "status");
  ExpectError(Get("/api/batch-analysis/jobs?limit=0", w->b_member), 400, "invalid_query", "limit");
}

TEST_F(ApiServiceTest, ScheduledJobTriggerRunsNowWithoutMovingTheSchedule) {
  auto ids = CreateLeads(
      w->a_member,
      Json::array({{{"company_name", "Schemalagd AB"}, {"domain", "tradgardsboden.test"}}}));
  ASSERT_EQ(ids.size(), 1u);
  Json body = {{"job_name", "Daily Checkout Scraping"},
               {"job_type", "checkout_scraping"},
               {"lead_ids", ids},
               {"is_scheduled", true},
               {"schedule_cron", "0 2 * * *"}};
  Reply r = Post("/api/batch-analysis/jobs", w->a_member, body);
  ASSERT_EQ(r.status, 201) << r.body;
  Json created = r.json();
  EXPECT_EQ(created["status"], "scheduled");
  ASSERT_TRUE(created["next_run_at"].is_string()) << r.body;
  std::string next = created["next_run_at"];
  EXPECT_EQ(next.substr(10), "T02:00:00Z");
  std::string id = created["job_id"];

  Reply before = Get("/api/batch-analysis/jobs/" + id, w->a_member);
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.json()["job"]["schedule_cron"], "0 2 * * *");
  EXPECT_EQ(before.json()["job"]["next_run_at"], next);

  Reply t = Post("/api/batch-analysis/jobs/" + id + "/trigger", w->a_member, Json::object());
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json()["job_id"], id);
  Json job = PollJob(w->a_member, id, [](const Json& j) {
    return j.value("successful_count", 0) + j.value("failed_count", 0) == 1 &&
           j.value("status", "") != "running";
  });
  EXPECT_EQ(job["next_run_at"], next) << job.dump();
  EXPECT_EQ(job["successful_count"], 1) << job.dump();
  EXPECT_TRUE(job["last_run_at"].is_string()) << job.dump();
  Reply runs = Get("/api/batch-analysis/jobs/" + id + "/runs", w->a_member);
  ASSERT_EQ(runs.status, 200);
  ASSERT_EQ(runs.json()["runs"].size(), 1u) << runs.body;
  EXPECT_EQ(runs.json()["runs"][0]["trigger"], "manual");

  // The scheduler lists it for an admin of its organisation, with the seed's keys.
  Reply status = Get("/api/batch-analysis/scheduler/status", w->a_admin);
  ASSERT_EQ(status.status, 200) << status.body;
  Json s = status.json();
  EXPECT_EQ(s["scheduler"]["running"], true);
  EXPECT_TRUE(s["scheduler"]["processing"].is_boolean());
  EXPECT_TRUE(s["scheduler"]["check_interval_seconds"].is_number_integer());
  bool listed = false;
  for (const auto& u : s["upcoming_jobs"]) {
    for (const char* key : {"id", "job_name", "next_run_at", "schedule_cron"})
      EXPECT_TRUE(u.contains(key)) << key;
    if (u["id"] == id) {
      listed = true;
      EXPECT_EQ(u["next_run_at"], next);
      EXPECT_EQ(u["schedule_cron"], "0 2 * * *");
    }
  }
  EXPECT_TRUE(listed) << status.body;
  ExpectError(Get("/api/batch-analysis/scheduler/status", w->a_member), 403, "forbidden");

  // Another organisation's admin does not see this job in its upcoming list.
  Reply other = Get("/api/batch-analysis/scheduler/status", w->b_admin);
  ASSERT_EQ(other.status, 200);
  Json other_upcoming = other.json()["upcoming_jobs"];
  for (const auto& u : other_upcoming)
    EXPECT_NE(u["id"], id) << "org B's admin sees org A's scheduled job";

  // PATCH the schedule: next_run_at follows; disable; then DELETE.
  Reply p = Patch("/api/batch-analysis/jobs/" + id, w->a_member,
                  {{"schedule_cron", "30 4 * * *"}, {"timezone", "Europe/Stockholm"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json()["job"]["schedule_cron"], "30 4 * * *");
  EXPECT_EQ(p.json()["job"]["timezone"], "Europe/Stockholm");
  std::string moved = p.json()["job"]["next_run_at"];
  EXPECT_TRUE(moved.substr(10) == "T03:30:00Z" || moved.substr(10) == "T02:30:00Z") << moved;
  ExpectError(
      Patch("/api/batch-analysis/jobs/" + id, w->a_member, {{"schedule_cron", "61 * * * *"}}), 400,
      "invalid_cron", "schedule_cron");
  Reply off = Patch("/api/batch-analysis/jobs/" + id, w->a_member, {{"enabled", false}});
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(off.json()["job"]["enabled"], false);
  Reply del = Delete("/api/batch-analysis/jobs/" + id, w->a_member);
  EXPECT_EQ(del.status, 204) << del.body;
  ExpectError(Get("/api/batch-analysis/jobs/" + id, w->a_member), 404, "not_found");
}

TEST_F(ApiServiceTest, QuickAnalyzeStartsABatchAndCancelStopsOne) {
  auto ids = CreateLeads(
      w->a_member,
      Json::array({{{"company_name", "Snabb AB"}, {"domain", "kaffebonan.test"}},
                   {{"company_name", "Droppande AB"}, {"domain", "slow-drip.hostile.test"}}}));
  ASSERT_EQ(ids.size(), 2u);
  Reply q = Post("/api/batch-analysis/quick-analyze", w->a_member,
                 Json{{"lead_ids", Json::array({ids[0]})}, {"analysis_type", "tech_analysis"}});
  ASSERT_EQ(q.status, 201) << q.body;
  EXPECT_EQ(q.json()["status"], "running");
  Json job = PollFinal(w->a_member, q.json()["job_id"]);
  EXPECT_EQ(job["status"], "completed");
  EXPECT_EQ(job["job_type"], "tech_analysis");
  EXPECT_EQ(job["successful_count"], 1);
  ExpectError(Post("/api/batch-analysis/quick-analyze", w->a_member,
                   Json{{"lead_ids", Json::array({ids[0]})}, {"analysis_type", "everything"}}),
              400, "invalid_analysis_type", "analysis_type");

  // A job on a drip-feeding site is still running when cancelled: 200, then final.
  std::string slow = CreateManualJob(w->a_member, {ids[1]});
  Reply c = Post("/api/batch-analysis/jobs/" + slow + "/cancel", w->a_member, Json::object());
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json()["status"], "cancelled");
  Json cancelled = PollFinal(w->a_member, slow);
  EXPECT_EQ(cancelled["status"], "cancelled");
  ExpectError(Post("/api/batch-analysis/jobs/" + slow + "/cancel", w->a_member, Json::object()),
              409, "job_final");
}

TEST_F(ApiServiceTest, EventsStreamLiveProgressUntilTheJobEnds) {
  auto ids = CreateLeads(
      w->b_member, Json::array({{{"company_name", "Ström A"}, {"domain", "kaffebonan.test"}},
                                {{"company_name", "Ström B"}, {"domain", "tradgardsboden.test"}},
                                {{"company_name", "Ström C"}}}));
  ASSERT_EQ(ids.size(), 3u);
  std::string id = CreateManualJob(w->b_member, ids, "full_analysis");
  ASSERT_FALSE(id.empty());
  Reply events = Get("/api/batch-analysis/jobs/" + id + "/events", w->b_member);
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_NE(events.content_type.find("text/event-stream"), std::string::npos);
  auto parsed = ParseSse(events.body);
  ASSERT_FALSE(parsed.empty()) << events.body;
  EXPECT_EQ(parsed.front().name, "snapshot") << events.body;
  // The stream ended because the job did: its last word is the final status.
  const SseEvent& last = parsed.back();
  if (last.name == "snapshot") {
    EXPECT_EQ(last.data["status"], "completed") << events.body;
  } else {
    EXPECT_EQ(last.name, "job_status") << events.body;
  }
  Reply now = Get("/api/batch-analysis/jobs/" + id, w->b_member);
  EXPECT_EQ(now.json()["job"]["status"], "completed");
  EXPECT_EQ(now.json()["job"]["progress"], 3);
}

// An event whose text is not UTF-8 (an error message from a hostile site) must not throw
// into the thread that publishes it; the stream gets the text with replacement characters.
TEST_F(ApiServiceTest, EventWithInvalidUtf8ReachesTheStreamWithoutThrowingIntoThePublisher) {
  auto ids = CreateLeads(w->b_member,
                         Json::array({{{"company_name", "Bytes AB"}, {"domain", "bytes.test"}}}));
  ASSERT_EQ(ids.size(), 1u);
  const std::string id = CreateScheduledJob(w->b_member, ids);
  ASSERT_FALSE(id.empty());
  auto events = std::async(std::launch::async, [&] {
    return Get("/api/batch-analysis/jobs/" + id + "/events", w->b_member);
  });
  jobs::JobEvent bad;
  bad.kind = jobs::JobEventKind::kItemFailed;
  bad.org_id = w->org_b;
  bad.job_id = id;
  bad.error_code = "fetch_error";
  bad.error_message = "site said \xff\xfe";
  jobs::JobEvent end = bad;
  end.kind = jobs::JobEventKind::kJobStatus;
  end.job_status = store::JobStatus::kCancelled;
  // The stream subscribes asynchronously: publish until it has seen the events and ended.
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (events.wait_for(20ms) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    EXPECT_NO_THROW(w->events.Publish(bad));
    EXPECT_NO_THROW(w->events.Publish(end));
  }
  ASSERT_EQ(events.wait_for(0s), std::future_status::ready);
  Reply r = events.get();
  EXPECT_NE(r.body.find("event: item_failed"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("site said \xEF\xBF\xBD"), std::string::npos) << r.body;
}

TEST_F(ApiServiceTest, LeadsCrudImportAndExport) {
  auto ids = CreateLeads(w->a_member,
                         Json::array({{{"company_name", "Crud AB"}, {"domain", "crud.test"}}}));
  ASSERT_EQ(ids.size(), 1u);
  Reply one = Post("/api/leads", w->a_member,
                   Json{{"company_name", "Ensam AB"}, {"domain", "https://www.ensam.test/"}});
  ASSERT_EQ(one.status, 201) << one.body;
  std::string single = one.json()["lead"]["id"];
  Reply got = Get("/api/leads/" + ids[0], w->a_member);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json()["lead"]["company_name"], "Crud AB");
  EXPECT_EQ(got.json()["lead"]["domain"], "crud.test");
  Reply p = Patch("/api/leads/" + ids[0], w->a_member, {{"company_name", "Crud Nya AB"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json()["lead"]["company_name"], "Crud Nya AB");
  ExpectError(Patch("/api/leads/" + ids[0], w->a_member, {{"colour", "red"}}), 400, "unknown_field",
              "colour");
  Reply list = Get("/api/leads?search=Crud", w->a_member);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["leads"].size(), 1u) << list.body;
  EXPECT_EQ(list.json()["total"], 1);
  Reply del = Delete("/api/leads/" + single, w->a_member);
  EXPECT_EQ(del.status, 204) << del.body;
  ExpectError(Get("/api/leads/" + single, w->a_member), 404, "not_found");

  // Swedish spreadsheet CSV: BOM, semicolons, Swedish header names, one bad line.
  std::string csv =
      "\xEF\xBB\xBF"
      "Företag;Domän\r\n"
      "Importen AB;importen.test\r\n"
      ";tom.test\r\n"
      "Andra AB;andra.test\r\n";
  Reply imp = Post("/api/leads/import", w->a_member, csv, "text/csv");
  ASSERT_EQ(imp.status, 200) << imp.body;
  Json result = imp.json();
  EXPECT_EQ(result["created"], 2) << imp.body;
  EXPECT_EQ(result["rejected_count"], 1) << imp.body;
  ASSERT_EQ(result["rejected"].size(), 1u);
  EXPECT_EQ(result["rejected"][0]["line"], 3) << imp.body;
  EXPECT_EQ(result["delimiter"], ";");

  Reply exp = Get("/api/leads/export", w->a_member);
  ASSERT_EQ(exp.status, 200);
  EXPECT_NE(exp.content_type.find("text/csv"), std::string::npos);
  EXPECT_NE(exp.body.find("id,company_name,domain"), std::string::npos) << exp.body;
  EXPECT_NE(exp.body.find("Importen AB"), std::string::npos);
  EXPECT_NE(exp.body.find("Crud Nya AB"), std::string::npos);
  // Only this organisation's leads.
  EXPECT_EQ(exp.body.find("Lister AB"), std::string::npos);
  EXPECT_EQ(exp.body.find("Ström A"), std::string::npos);
}

TEST_F(ApiServiceTest, BadInputGetsItsError) {
  auto ids = CreateLeads(
      w->a_member, Json::array({{{"company_name", "Valid AB"}, {"domain", "kaffebonan.test"}}}));
  ASSERT_EQ(ids.size(), 1u);
  const std::string jobs = "/api/batch-analysis/jobs";
  auto job = [&](Json patch) {
    Json body = {{"job_type", "tech_analysis"}, {"lead_ids", ids}};
    body.merge_patch(patch);
    return Post(jobs, w->a_member, body);
  };
  ExpectError(Post(jobs, w->a_member, std::string("{\"job_type\": ")), 400, "invalid_json");
  ExpectError(job({{"job_type", 5}}), 400, "invalid_type", "job_type");
  ExpectError(job({{"is_scheduled", "yes"}}), 400, "invalid_type", "is_scheduled");
  ExpectError(job({{"colour", "red"}}), 400, "unknown_field", "colour");
  ExpectError(job({{"job_type", "deep_analysis"}}), 400, "invalid_job_type", "job_type");
  ExpectError(job({{"lead_ids", Json::array()}}), 400, "empty_lead_ids", "lead_ids");
  ExpectError(job({{"lead_ids", Json::array({ids[0], ids[0]})}}), 400, "duplicate_lead_id",
              "lead_ids[1]");
  ExpectError(job({{"lead_ids", Json::array({"not-a-uuid"})}}), 400, "invalid_lead_id",
              "lead_ids[0]");
  Json many = Json::array();
  for (int i = 0; i <= kBatchLimit; ++i)
    many.push_back(ids[0]);
  ExpectError(job({{"lead_ids", many}}), 400, "too_many_leads", "lead_ids");
  Reply cron = job({{"is_scheduled", true}, {"schedule_cron", "0 25 * * *"}});
  ExpectError(cron, 400, "invalid_cron", "schedule_cron");
  EXPECT_NE(cron.body.find("hour"), std::string::npos)
      << "message names the cron field: " << cron.body;
  ExpectError(job({{"is_scheduled", true},
                   {"schedule_cron", "0 2 * * *"},
                   {"timezone", "Europe/Atlantis"}}),
              400, "invalid_timezone", "timezone");
  Reply config = job({{"analysis_config", {{"timeout", 1000}, {"use_magic", true}}}});
  ExpectError(config, 400, "invalid_analysis_config", "analysis_config.use_magic");
  EXPECT_NE(config.body.find("'use_magic'"), std::string::npos) << config.body;
  // A lead id that exists nowhere.
  ExpectError(job({{"lead_ids", Json::array({"00000000-0000-4000-8000-000000000000"})}}), 404,
              "not_found");

  // Authentication.
  ExpectError(Call(port(), bhttp::verb::get, jobs), 401, "missing_token");
  ExpectError(Get(jobs, "lsk_" + std::string(43, 'A')), 401, "invalid_token");
  ExpectError(Get(jobs, "garbage"), 401, "invalid_token");

  // Body over the server's limit.
  std::string huge = "{\"job_name\": \"" + std::string(kMaxBodyBytes + 1024, 'x') + "\"}";
  Reply big = Post(jobs, w->a_member, huge);
  EXPECT_EQ(big.status, 413) << big.body.substr(0, 200);

  // Cron preview: good and bad.
  Reply preview =
      Get("/api/cron/preview?expr=0%202%20*%20*%20*&tz=Europe/Stockholm&n=3", w->a_member);
  ASSERT_EQ(preview.status, 200) << preview.body;
  ASSERT_EQ(preview.json()["next_runs"].size(), 3u);
  EXPECT_FALSE(preview.json()["description"].get<std::string>().empty());
  EXPECT_EQ(preview.json()["timezone"], "Europe/Stockholm");
  ExpectError(Get("/api/cron/preview?expr=0%202%20*%20*", w->a_member), 400, "invalid_cron");
}

// The issue's reproduction: `curl --request-target 'api/...'` answered 200 with no token.
TEST_F(ApiServiceTest, TargetsWithoutTheirLeadingSlashNeverReachAHandler) {
  auto ids = CreateLeads(w->a_admin,
                         Json::array({{{"company_name", "Slash AB"}, {"domain", "slash.test"}}}));
  ASSERT_EQ(ids.size(), 1u);
  const std::string job = CreateScheduledJob(w->a_admin, ids);
  ASSERT_FALSE(job.empty());
  const std::vector<std::string> targets = {
      "api/batch-analysis/scheduler/status",
      "api/me",
      "api/leads",
      "api/batch-analysis/jobs/" + job + "/results?format=csv",
      "/api/%2e%2e/api/me",
      "//api/leads",
      "http://127.0.0.1//api/me"};
  for (const std::string& target : targets) {
    ExpectError(Call(port(), bhttp::verb::get, target), 400, "invalid_request_target");
  }
  ExpectError(Call(port(), bhttp::verb::post, "api/batch-analysis/jobs/" + job + "/trigger"), 400,
              "invalid_request_target");
  ExpectError(Call(port(), bhttp::verb::patch, "api/batch-analysis/jobs/" + job, {},
                   R"({"job_name":"renamed"})"),
              400, "invalid_request_target");
  // Spelled with a trailing slash or in absolute-form it is the same route, and still needs the
  // token.
  ExpectError(Call(port(), bhttp::verb::get, "/api/me/"), 401, "missing_token");
  ExpectError(Call(port(), bhttp::verb::get, "http://127.0.0.1/api/me"), 401, "missing_token");
  Reply absolute = Get("http://127.0.0.1/api/me", w->a_member);
  ASSERT_EQ(absolute.status, 200) << absolute.body;
  Reply me = Get("/api/me/", w->a_member);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["org_id"], w->org_a);
  EXPECT_EQ(me.json()["role"], "member");
}

TEST_F(ApiServiceTest, DeeplyNestedJsonBodyIs400AndTheServiceLives) {
  std::string deep;
  for (int i = 0; i < 20000; ++i)
    deep += "{\"extra\":";
  deep += "1" + std::string(20000, '}');
  ASSERT_LT(deep.size(), kMaxBodyBytes);
  ExpectError(Post("/api/leads", w->a_member, deep), 400, "json_too_deep");
  EXPECT_EQ(Get("/healthz", {}).status, 200);
}

TEST_F(ApiServiceTest, InvalidUtf8InACsvImportNamesRowAndColumn) {
  Reply r = Post("/api/leads/import", w->a_member,
                 std::string("company_name,domain,notes\nfoo,foo.se,\xff\n"), "text/csv");
  ExpectError(r, 400, "invalid_utf8");
  EXPECT_NE(r.body.find("row 1 (line 2)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("column 3 (notes)"), std::string::npos) << r.body;
  // Nothing was imported.
  Reply list = Get("/api/leads?search=foo.se", w->a_member);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["total"], 0) << list.body;
}

TEST_F(ApiServiceTest, AnotherOrganisationGets404ForEverything) {
  auto ids = CreateLeads(
      w->a_member, Json::array({{{"company_name", "Hemlig AB"}, {"domain", "kaffebonan.test"}}}));
  ASSERT_EQ(ids.size(), 1u);
  std::string job = CreateScheduledJob(w->a_member, ids);
  ASSERT_FALSE(job.empty());
  const std::string lead_path = "/api/leads/" + ids[0];
  const std::string job_path = "/api/batch-analysis/jobs/" + job;
  for (const std::string& token : {w->b_admin, w->b_member}) {
    ExpectError(Get(lead_path, token), 404, "not_found");
    ExpectError(Patch(lead_path, token, {{"company_name", "Stulen AB"}}), 404, "not_found");
    ExpectError(Delete(lead_path, token), 404, "not_found");
    ExpectError(Get(job_path, token), 404, "not_found");
    ExpectError(Patch(job_path, token, {{"enabled", false}}), 404, "not_found");
    ExpectError(Post(job_path + "/cancel", token, Json::object()), 404, "not_found");
    ExpectError(Post(job_path + "/trigger", token, Json::object()), 404, "not_found");
    ExpectError(Get(job_path + "/events", token), 404, "not_found");
    ExpectError(Get(job_path + "/runs", token), 404, "not_found");
    ExpectError(Get(job_path + "/results?format=csv", token), 404, "not_found");
    ExpectError(Delete(job_path, token), 404, "not_found");
    ExpectError(Post("/api/batch-analysis/jobs", token,
                     Json{{"job_type", "tech_analysis"}, {"lead_ids", ids}}),
                404, "not_found");
    ExpectError(Post("/api/batch-analysis/quick-analyze", token,
                     Json{{"analysis_type", "tech_analysis"}, {"lead_ids", ids}}),
                404, "not_found");
    ExpectError(Post("/api/analyze", token, Json{{"lead_id", ids[0]}}), 404, "not_found");
  }
  // Nothing was changed for the owner.
  Reply lead = Get(lead_path, w->a_member);
  ASSERT_EQ(lead.status, 200);
  EXPECT_EQ(lead.json()["lead"]["company_name"], "Hemlig AB");
  Reply still = Get(job_path, w->a_member);
  ASSERT_EQ(still.status, 200);
  EXPECT_EQ(still.json()["job"]["enabled"], true);
  EXPECT_EQ(still.json()["job"]["status"], "scheduled");
}

TEST_F(ApiServiceTest, AnalyzeOneDomainNow) {
  Reply r = Post("/api/analyze", w->a_member,
                 Json{{"domain", "kaffebonan.test"}, {"analysis_type", "ecommerce_detection"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::string platform = w->expected["sites"]["kaffebonan.test"]["ecommerce_platform"];
  EXPECT_EQ(r.json()["result"]["ecommerce_platform"]["name"], platform) << r.body;
  Reply gone = Post("/api/analyze", w->a_member, Json{{"domain", "not-found.hostile.test"}});
  ASSERT_EQ(gone.status, 200) << gone.body;
  EXPECT_EQ(gone.json()["error"]["code"], "http_404") << gone.body;
  ExpectError(Post("/api/analyze", w->a_member, Json::object()), 400, "missing_field", "domain");
  ExpectError(Post("/api/analyze", w->a_member, Json{{"domain", "x.test"}, {"extra", 1}}), 400,
              "unknown_field", "extra");
}

// Issue 14 end to end: a demo shop changes checkout between two analyses (its fakenet variant);
// the change shows once in the feed, in the lead's history, in the lead filters, the CRM export
// and the market view, and only to its organisation.
TEST_F(ApiServiceTest, ACheckoutSwitchBetweenTwoAnalysesShowsInTheFeedFiltersAndExport) {
  ASSERT_TRUE(w->net->SetSiteVariant("vaxelboden.test", ""));
  auto ids = CreateLeads(
      w->a_member,
      Json::array({{{"company_name", "Växelboden AB"}, {"domain", "vaxelboden.test"}},
                   {{"company_name", "Kaffebönan Kontroll AB"}, {"domain", "kaffebonan.test"}}}));
  ASSERT_EQ(ids.size(), 2u);
  const std::string shop = ids[0];
  const std::string feed = "/api/changes?lead_id=" + shop;
  std::string first = CreateManualJob(w->a_member, ids, "full_analysis");
  ASSERT_EQ(PollFinal(w->a_member, first)["status"], "completed");
  // The first analysis is the lead's baseline: nothing announced.
  Reply none = Get(feed, w->a_member);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(none.json()["changes"].empty()) << none.body;
  EXPECT_TRUE(none.json()["next_cursor"].is_null());

  // The shop moves from Kustom Checkout to Walley Checkout.
  ASSERT_TRUE(w->net->SetSiteVariant("vaxelboden.test", "walley"));
  std::string second = CreateManualJob(w->a_member, {shop}, "full_analysis");
  ASSERT_EQ(PollFinal(w->a_member, second)["status"], "completed");
  ASSERT_TRUE(w->net->SetSiteVariant("vaxelboden.test", ""));
  Reply changes = Get(feed, w->a_member);
  ASSERT_EQ(changes.status, 200) << changes.body;
  std::set<std::string> seen;
  const Json rows = changes.json()["changes"];
  for (const auto& c : rows) {
    seen.insert(c["change"].get<std::string>() + " " + c["field"].get<std::string>() + " " +
                c["name"].get<std::string>());
    EXPECT_EQ(c["lead_id"], shop);
    EXPECT_EQ(c["company_name"], "Växelboden AB");
    EXPECT_EQ(c["domain"], "vaxelboden.test");
    EXPECT_EQ(c["job_id"], second);
    EXPECT_TRUE(c["previous"].is_null());
    ASSERT_FALSE(c["evidence"].empty()) << c.dump();
    if (c["field"] == "checkout_solutions") {
      EXPECT_NE(c["evidence"][0]["page"].get<std::string>().find("vaxelboden.test/kassan"),
                std::string::npos)
          << c.dump();
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"removed checkout_solutions Kustom Checkout",
                                         "added checkout_solutions Walley Checkout",
                                         "removed payment_methods Klarna",
                                         "added payment_methods Walley"}))
      << changes.body;
  // Filters and the keyset cursor.
  Reply added =
      Get("/api/changes?field=checkout_solutions&change=added&name=walley%20checkout", w->a_member);
  ASSERT_EQ(added.status, 200) << added.body;
  ASSERT_EQ(added.json()["changes"].size(), 1u) << added.body;
  EXPECT_EQ(added.json()["changes"][0]["lead_id"], shop);
  Reply page1 = Get(feed + "&limit=3", w->a_member);
  ASSERT_EQ(page1.json()["changes"].size(), 3u);
  ASSERT_TRUE(page1.json()["next_cursor"].is_string()) << page1.body;
  Reply page2 =
      Get(feed + "&limit=3&cursor=" + page1.json()["next_cursor"].get<std::string>(), w->a_member);
  ASSERT_EQ(page2.status, 200) << page2.body;
  ASSERT_EQ(page2.json()["changes"].size(), 1u) << page2.body;
  EXPECT_TRUE(page2.json()["next_cursor"].is_null());
  const Json first_page = page1.json()["changes"];
  for (const auto& c : first_page)
    EXPECT_NE(c["id"], page2.json()["changes"][0]["id"]);

  // The lead's history: the second analysis's changes, the first its baseline.
  Reply lead = Get("/api/leads/" + shop, w->a_member);
  ASSERT_EQ(lead.status, 200) << lead.body;
  Json history = lead.json()["lead"]["history"];
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["changes"]["checkout_solutions"],
            (Json{{"added", {"Walley Checkout"}}, {"removed", {"Kustom Checkout"}}}))
      << history[0]["changes"].dump();
  EXPECT_FALSE(history[0]["changes"].contains("carriers"));
  EXPECT_TRUE(history[1]["changes"].is_null());
  Reply fh = Get("/api/leads/" + shop + "/findings-history", w->a_member);
  ASSERT_EQ(fh.status, 200) << fh.body;
  bool kustom_gone = false;
  const Json findings = fh.json()["findings"];
  for (const auto& f : findings) {
    if (f["name"] == "Kustom Checkout") {
      kustom_gone = f["present"] == false && f["removed_by"] == history[0]["id"];
      EXPECT_LE(f["first_seen"].get<std::string>(), f["removed_at"].get<std::string>());
    }
    if (f["name"] == "WooCommerce") {
      EXPECT_EQ(f["added_by"], history[1]["id"]);
    }
  }
  EXPECT_TRUE(kustom_gone) << fh.body;
  EXPECT_EQ(lead.json()["lead"]["finding_history"], fh.json()["findings"]);

  // Lead filters, combinable and repeatable, in the list and the exports.
  auto listed = [&](const std::string& query) {
    Reply r = Get("/api/leads?limit=1000&" + query, w->a_member);
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> out;
    const Json leads = r.json()["leads"];
    for (const auto& l : leads)
      out.insert(l["id"].get<std::string>());
    return out;
  };
  EXPECT_EQ(listed("uses=walley%20checkout&removed=Kustom%20Checkout&uses=WooCommerce"),
            std::set<std::string>{shop});
  EXPECT_EQ(listed("added=Walley&search=V%C3%A4xelboden"), std::set<std::string>{shop});
  EXPECT_TRUE(listed("added=Walley&since=2199-01-01").empty());
  std::set<std::string> without = listed("not_uses=Walley%20Checkout&search=AB");
  EXPECT_EQ(without.count(shop), 0u);
  EXPECT_EQ(without.count(ids[1]), 1u);
  Reply crm = Get("/api/leads/export?layout=crm&delimiter=%3B&uses=Walley%20Checkout", w->a_member);
  ASSERT_EQ(crm.status, 200) << crm.body;
  EXPECT_EQ(crm.body.rfind("\xEF\xBB\xBF"
                           "Name;Domain;Website;",
                           0),
            0u)
      << crm.body;
  EXPECT_NE(crm.body.find("Växelboden AB;vaxelboden.test;https://vaxelboden.test;WooCommerce;"
                          "Walley Checkout;"),
            std::string::npos)
      << crm.body;
  EXPECT_EQ(crm.body.find("Kaffebönan"), std::string::npos);
  Reply plain = Get("/api/leads/export?removed=kustom%20checkout", w->a_member);
  ASSERT_EQ(plain.status, 200);
  EXPECT_NE(plain.body.find("Växelboden AB"), std::string::npos);
  EXPECT_EQ(plain.body.find("Kaffebönan"), std::string::npos);

  // The market over the filtered list: the switch, the week's adds and removals.
  Reply market = Get("/api/market?search=V%C3%A4xelboden&weeks=4", w->a_member);
  ASSERT_EQ(market.status, 200) << market.body;
  Json m = market.json();
  EXPECT_EQ(m["lead_count"], 1);
  EXPECT_EQ(m["analysed_count"], 1);
  EXPECT_EQ(m["shares"]["checkout_solutions"],
            (Json::array({{{"name", "Walley Checkout"}, {"count", 1}}})));
  bool switched = false;
  for (const auto& sw : m["switches"]) {
    switched =
        switched || (sw["field"] == "checkout_solutions" && sw["from"] == "Kustom Checkout" &&
                     sw["to"] == "Walley Checkout" && sw["count"] == 1);
  }
  EXPECT_TRUE(switched) << market.body;
  ASSERT_FALSE(m["timeline"].empty());

  // Only this organisation sees any of it.
  ExpectError(Get(feed, w->b_admin), 404, "not_found", "lead_id");
  ExpectError(Get("/api/leads/" + shop + "/findings-history", w->b_member), 404, "not_found");
  Reply theirs = Get("/api/changes?name=Walley%20Checkout", w->b_admin);
  ASSERT_EQ(theirs.status, 200);
  EXPECT_TRUE(theirs.json()["changes"].empty()) << theirs.body;
  EXPECT_TRUE(listed("uses=Walley%20Checkout").count(shop));
  Reply b_leads = Get("/api/leads?uses=Walley%20Checkout", w->b_admin);
  EXPECT_EQ(b_leads.json()["total"], 0) << b_leads.body;

  // Refusals name what is wrong.
  ExpectError(Get("/api/changes?change=moved", w->a_member), 400, "invalid_query", "change");
  ExpectError(Get("/api/changes?since=yesterday", w->a_member), 400, "invalid_query", "since");
  ExpectError(Get("/api/changes?until=2999-01-01", w->a_member), 400, "invalid_query", "until");
  ExpectError(Get("/api/changes?since=2026-02-01&until=2026-01-01", w->a_member), 400,
              "invalid_query", "until");
  ExpectError(Get("/api/changes?field=checkout", w->a_member), 400, "invalid_query", "field");
  ExpectError(Get("/api/changes?limit=0", w->a_member), 400, "invalid_query", "limit");
  ExpectError(Get("/api/changes?cursor=page-2", w->a_member), 400, "invalid_cursor", "cursor");
  ExpectError(Get("/api/changes?colour=red", w->a_member), 400, "unknown_query", "colour");
  ExpectError(Get("/api/changes?lead_id=nope", w->a_member), 404, "not_found", "lead_id");
  ExpectError(Get("/api/leads?uses=", w->a_member), 400, "invalid_query", "uses");
  ExpectError(Get("/api/leads?removed=x&since=last%20week", w->a_member), 400, "invalid_query",
              "since");
  ExpectError(Get("/api/leads/export?layout=xml", w->a_member), 400, "invalid_query", "layout");
  ExpectError(Get("/api/leads/export?delimiter=%7C", w->a_member), 400, "invalid_query",
              "delimiter");
  ExpectError(Get("/api/market?weeks=0", w->a_member), 400, "invalid_query", "weeks");
  ExpectError(Get("/api/market?week=3", w->a_member), 400, "unknown_query", "week");
}

TEST_F(ApiServiceTest, OpenApiDocumentsEveryRouteAndProbesAnswer) {
  Reply doc = Get("/api/openapi.json", "");
  ASSERT_EQ(doc.status, 200) << doc.body;
  EXPECT_EQ(doc.content_type, "application/json");
  const Json document = doc.json();
  EXPECT_EQ(document, api::OpenApiDocument());
  EXPECT_EQ(document["openapi"], "3.1.0");
  // The document's operations are exactly the router's routes plus the server's built-in
  // probes: a route added without a description, or described but gone, fails here.
  std::set<std::string> documented;
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters")
        continue;
      std::string upper = method;
      for (char& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(upper + " " + path);
      EXPECT_FALSE(op.value("summary", "").empty()) << method << " " << path;
      EXPECT_TRUE(op.contains("responses")) << method << " " << path;
    }
  }
  std::set<std::string> served;
  for (const auto& route : w->router.routes()) {
    std::string path;  // "/api/leads/:id" -> "/api/leads/{id}"
    for (size_t i = 0; i < route->pattern.size();) {
      if (route->pattern[i] == ':') {
        size_t end = route->pattern.find('/', i);
        if (end == std::string::npos)
          end = route->pattern.size();
        path += "{" + route->pattern.substr(i + 1, end - i - 1) + "}";
        i = end;
      } else {
        path += route->pattern[i++];
      }
    }
    served.insert(route->method + " " + path);
  }
  for (std::string_view builtin : http::BuiltinGetPaths())
    served.insert("GET " + std::string(builtin));
  EXPECT_EQ(documented, served);
  EXPECT_TRUE(served.count("POST /api/batch-analysis/jobs/{id}/cancel"));

  Reply health = Get("/healthz", "");
  EXPECT_EQ(health.status, 200) << health.body;
  Reply ready = Get("/readyz", "");
  EXPECT_EQ(ready.status, 200) << ready.body;
  Reply metrics = Get("/metrics", "");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.content_type.find("text/plain"), std::string::npos) << metrics.content_type;
  EXPECT_NE(metrics.body.find("# TYPE "), std::string::npos) << metrics.body.substr(0, 500);
}

}  // namespace
}  // namespace leadscan
