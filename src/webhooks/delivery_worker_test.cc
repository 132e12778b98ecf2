// DeliveryWorker over a real store (SQLite in memory) and a FakeClock: deliveries of a real
// job.completed event, retries on the schedule, giving up after a day; and over a real
// CurlFetcher against a receiver on loopback: the POST, its headers and signature, a receiver
// that is down, and the address guard.
#include "webhooks/delivery_worker.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "fetch/curl_fetcher.h"
#include "fetch/errors.h"
#include "webhooks/signature.h"

namespace leadscan::webhooks {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

constexpr const char* kSecret = "a-long-enough-secret";

common::TimePoint T0() {
  return *store::ParseTime("2026-01-05T10:00:00Z");
}

// A Fetcher that answers from a queue (the last answer repeats) and keeps every request.
class RecordingFetcher final : public fetch::Fetcher {
 public:
  void Answer(int status, std::string body = "") {
    fetch::FetchResponse r;
    r.status = status;
    r.body = std::move(body);
    std::lock_guard lock(mu_);
    answers_.push_back(std::move(r));
  }

  void Fail(common::Status status) {
    std::lock_guard lock(mu_);
    answers_.push_back(std::move(status));
  }

  void FetchAsync(fetch::FetchRequest request, fetch::FetchCallback done) override {
    fetch::FetchResult result = common::Status::Internal("no answer scripted");
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      if (!answers_.empty()) {
        result = answers_.front();
        if (answers_.size() > 1)
          answers_.pop_front();
      }
    }
    if (result.ok())
      result->url = result->final_url = request.url;
    done(std::move(result));
  }

  std::vector<fetch::FetchRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<fetch::FetchResult> answers_;
  std::vector<fetch::FetchRequest> requests_;
};

std::string Header(const fetch::Headers& headers, const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (n == name)
      return v;
  }
  return {};
}

class DeliveryWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.clock = &clock_;
    auto s = store::OpenStore("sqlite::memory:", options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto org = store_->CreateOrganization("acme");
    ASSERT_TRUE(org.ok());
    org_id_ = org->id;
  }

  common::OrgId Org() const { return *common::OrgId::Parse(org_id_); }

  std::string AddWebhook(const std::string& url,
                         std::vector<std::string> events = {"job.completed"}) {
    store::NewWebhook w;
    w.url = url;
    w.events = std::move(events);
    w.secret = kSecret;
    auto created = store_->CreateWebhook(Org(), w, 10);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->id : "";
  }

  // A manual job of one lead run to completion: the store enqueues job.completed.
  std::string FinishAJob() {
    auto lead = store_->CreateLead(Org(), {"Kaffe AB", "kaffe.se"});
    EXPECT_TRUE(lead.ok());
    store::NewJob job;
    job.job_name = "Nightly";
    job.job_type = "tech_analysis";
    job.lead_ids = {lead->id};
    auto created = store_->CreateJob(Org(), job);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    store::ClaimRequest claim;
    claim.worker_id = "w";
    auto items = store_->ClaimItems(claim);
    EXPECT_TRUE(items.ok() && items->size() == 1u);
    store::ItemCompletion done;
    done.item_id = (*items)[0].item.id;
    done.worker_id = "w";
    done.lease_token = (*items)[0].item.lease_token;
    done.result = {{"domain", "kaffe.se"}};
    auto update = store_->CompleteItem(done);
    EXPECT_TRUE(update.ok() && update->run_finished);
    return created->job.id;
  }

  std::vector<store::WebhookDelivery> Deliveries(const std::string& webhook_id) {
    auto page = store_->ListWebhookDeliveries(Org(), webhook_id, {});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->rows : std::vector<store::WebhookDelivery>{};
  }

  DeliveryWorkerOptions Options() {
    DeliveryWorkerOptions o;
    o.worker_id = "test-worker";
    o.seed = 42;
    o.metrics = &metrics_;
    return o;
  }

  common::FakeClock clock_{T0()};
  common::Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::string org_id_;
};

TEST_F(DeliveryWorkerTest, DeliversASignedJobCompletedEventOnce) {
  std::string hook = AddWebhook("https://hooks.example.com/in");
  std::string job_id = FinishAJob();
  RecordingFetcher fetcher;
  fetcher.Answer(204);
  DeliveryWorker worker(*store_, fetcher, clock_, Options());
  auto n = worker.RunOnce();
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  ASSERT_EQ(fetcher.requests().size(), 1u);
  const fetch::FetchRequest req = fetcher.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_FALSE(req.follow_redirects);
  EXPECT_FALSE(req.check_robots);
  EXPECT_EQ(req.url, "https://hooks.example.com/in");
  EXPECT_EQ(Header(req.headers, "X-Leadscan-Event"), "job.completed");
  EXPECT_TRUE(VerifySignature(kSecret, req.body, Header(req.headers, "X-Leadscan-Signature")));
  Json body = Json::parse(req.body);
  EXPECT_EQ(body["event"], "job.completed");
  EXPECT_EQ(body["data"]["job_id"], job_id);
  EXPECT_EQ(body["data"]["status"], "completed");
  EXPECT_EQ(body["data"]["successful_count"], 1);
  EXPECT_EQ(body["data"]["total_items"], 1);

  auto log = Deliveries(hook);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].id, Header(req.headers, "X-Leadscan-Delivery"));
  EXPECT_EQ(log[0].event_id, body["id"]);
  EXPECT_EQ(log[0].status, store::DeliveryStatus::kDelivered);
  EXPECT_EQ(log[0].attempts, 1);
  EXPECT_EQ(log[0].last_status_code, 204);
  ASSERT_EQ(log[0].attempt_log.size(), 1u);
  EXPECT_EQ(log[0].attempt_log[0].status_code, 204);
  EXPECT_EQ(metrics_.Value(kDeliveriesMetric, {{"outcome", "delivered"}}), 1);

  // Nothing is sent twice.
  n = worker.RunOnce();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(fetcher.requests().size(), 1u);
}

TEST_F(DeliveryWorkerTest, AFailedAttemptIsRetriedOnTheScheduleWithTheSameIdAndBody) {
  std::string hook = AddWebhook("https://hooks.example.com/in");
  FinishAJob();
  RecordingFetcher fetcher;
  fetcher.Answer(500, "database is down");
  fetcher.Answer(200);
  DeliveryWorker worker(*store_, fetcher, clock_, Options());
  ASSERT_EQ(*worker.RunOnce(), 1);
  auto log = Deliveries(hook);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, store::DeliveryStatus::kPending);
  EXPECT_EQ(log[0].last_status_code, 500);
  EXPECT_EQ(log[0].last_error, "HTTP 500: database is down");
  ASSERT_TRUE(log[0].next_attempt_at.has_value());
  // Between half and all of the first backoff (30 s).
  EXPECT_GE(*log[0].next_attempt_at, T0() + 15s);
  EXPECT_LE(*log[0].next_attempt_at, T0() + 30s);

  // Not before it is due.
  clock_.Set(*log[0].next_attempt_at - 1s);
  ASSERT_EQ(*worker.RunOnce(), 0);
  clock_.Set(*log[0].next_attempt_at);
  ASSERT_EQ(*worker.RunOnce(), 1);
  auto requests = fetcher.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(Header(requests[0].headers, "X-Leadscan-Delivery"),
            Header(requests[1].headers, "X-Leadscan-Delivery"));
  EXPECT_EQ(requests[0].body, requests[1].body);
  log = Deliveries(hook);
  EXPECT_EQ(log[0].status, store::DeliveryStatus::kDelivered);
  EXPECT_EQ(log[0].attempts, 2);
  ASSERT_EQ(log[0].attempt_log.size(), 2u);
  EXPECT_EQ(log[0].attempt_log[0].status_code, 500);
  EXPECT_EQ(log[0].attempt_log[1].status_code, 200);
  EXPECT_TRUE(log[0].last_error.empty());
  EXPECT_EQ(metrics_.Value(kDeliveriesMetric, {{"outcome", "retry"}}), 1);
}

TEST_F(DeliveryWorkerTest, AReceiverDownForADayMakesTheDeliveryFail) {
  std::string hook = AddWebhook("https://hooks.example.com/in");
  FinishAJob();
  RecordingFetcher fetcher;
  fetcher.Fail(fetch::FetchError(fetch::kConnectRefused, "https://hooks.example.com/in: refused"));
  DeliveryWorker worker(*store_, fetcher, clock_, Options());
  int rounds = 0;
  while (true) {
    auto log = Deliveries(hook);
    ASSERT_EQ(log.size(), 1u);
    if (log[0].status != store::DeliveryStatus::kPending)
      break;
    ASSERT_LT(++rounds, 200) << "never gave up";
    clock_.Set(*log[0].next_attempt_at);
    ASSERT_EQ(*worker.RunOnce(), 1);
  }
  auto log = Deliveries(hook);
  EXPECT_EQ(log[0].status, store::DeliveryStatus::kFailed);
  EXPECT_FALSE(log[0].next_attempt_at.has_value());
  EXPECT_FALSE(log[0].last_status_code.has_value());
  EXPECT_EQ(log[0].last_error.rfind("connect_refused: ", 0), 0u) << log[0].last_error;
  EXPECT_EQ(log[0].attempts, rounds);
  EXPECT_EQ(static_cast<int>(log[0].attempt_log.size()), rounds);
  // The last attempt was a day after the event, not later.
  EXPECT_EQ(log[0].attempt_log.back().started_at, T0() + 24h);
  EXPECT_EQ(metrics_.Value(kDeliveriesMetric, {{"outcome", "failed"}}), 1);
  EXPECT_EQ(worker.stats().failed, 1);
  // A failed delivery is not claimed again.
  clock_.Advance(48h);
  EXPECT_EQ(*worker.RunOnce(), 0);
}

TEST_F(DeliveryWorkerTest, OnlySubscribedWebhooksGetTheEvent) {
  std::string jobs_hook = AddWebhook("https://a.example.com/", {"job.completed"});
  std::string leads_hook = AddWebhook("https://b.example.com/", {"lead.changed"});
  FinishAJob();
  EXPECT_EQ(Deliveries(jobs_hook).size(), 1u);
  EXPECT_EQ(Deliveries(leads_hook).size(), 0u);
}

TEST_F(DeliveryWorkerTest, TheThreadDeliversAndStops) {
  std::string hook = AddWebhook("https://hooks.example.com/in");
  FinishAJob();
  RecordingFetcher fetcher;
  fetcher.Answer(200);
  common::SystemClock system_clock;
  DeliveryWorkerOptions o = Options();
  o.poll_interval = 20ms;
  DeliveryWorker worker(*store_, fetcher, system_clock, o);
  ASSERT_TRUE(worker.Start().ok());
  EXPECT_FALSE(worker.Start().ok());
  for (int i = 0; i < 500 && worker.stats().delivered == 0; ++i)
    std::this_thread::sleep_for(10ms);
  worker.Stop();
  worker.Stop();
  EXPECT_EQ(worker.stats().delivered, 1);
  EXPECT_EQ(Deliveries(hook)[0].status, store::DeliveryStatus::kDelivered);
}

// A one-connection-at-a-time HTTP/1.1 server on 127.0.0.1 that answers every request with
// `status` and keeps what it received.
class Receiver {
 public:
  explicit Receiver(int status) : status_(status) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 8);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~Receiver() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }

  int port() const { return port_; }

  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0)
        return;
      timeval tv{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string in;
      char buf[4096];
      size_t need = std::string::npos;
      while (true) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0)
          break;
        in.append(buf, static_cast<size_t>(n));
        size_t end = in.find("\r\n\r\n");
        if (end != std::string::npos && need == std::string::npos) {
          size_t cl = in.find("Content-Length: ");
          size_t length = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
          need = end + 4 + length;
        }
        if (need != std::string::npos && in.size() >= need)
          break;
      }
      {
        std::lock_guard lock(mu_);
        requests_.push_back(in);
      }
      std::string out = "HTTP/1.1 " + std::to_string(status_) +
                        " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      send(c, out.data(), out.size(), MSG_NOSIGNAL);
      close(c);
    }
  }

  int status_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

TEST_F(DeliveryWorkerTest, PostsThroughCurlToALoopbackReceiverTheGuardAllows) {
  Receiver receiver(200);
  const std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  std::string hook = AddWebhook(url);
  FinishAJob();
  fetch::FetchOptions fo;
  fo.allow_net = {"127.0.0.1/32:" + std::to_string(receiver.port())};
  common::SystemClock system_clock;
  auto curl = fetch::CurlFetcher::Create(fo, system_clock);
  ASSERT_TRUE(curl.ok());
  DeliveryWorker worker(*store_, **curl, clock_, Options());
  ASSERT_EQ(*worker.RunOnce(), 1);
  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 1u);
  const std::string& raw = got[0];
  EXPECT_EQ(raw.rfind("POST /hook HTTP/1.1\r\n", 0), 0u) << raw.substr(0, 200);
  std::string body = raw.substr(raw.find("\r\n\r\n") + 4);
  size_t sig = raw.find("X-Leadscan-Signature: ");
  ASSERT_NE(sig, std::string::npos);
  std::string signature = raw.substr(sig + 22, raw.find("\r\n", sig) - sig - 22);
  EXPECT_TRUE(VerifySignature(kSecret, body, signature)) << raw;
  EXPECT_NE(raw.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(raw.find("X-Leadscan-Event: job.completed\r\n"), std::string::npos);
  EXPECT_EQ(raw.find("Expect:"), std::string::npos);
  EXPECT_EQ(Json::parse(body)["event"], "job.completed");
  EXPECT_EQ(Deliveries(hook)[0].status, store::DeliveryStatus::kDelivered);
}

TEST_F(DeliveryWorkerTest, CurlRecordsRefusedConnectionsAndBlockedAddresses) {
  // A port nothing listens on (bound, then closed).
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len);
  const int closed_port = ntohs(addr.sin_port);
  close(probe);
  Receiver receiver(200);
  std::string down =
      AddWebhook("http://127.0.0.1:" + std::to_string(closed_port) + "/hook");  // allowed
  std::string blocked =
      AddWebhook("http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook");  // not allowed
  FinishAJob();
  fetch::FetchOptions fo;
  fo.allow_net = {"127.0.0.1/32:" + std::to_string(closed_port)};
  common::SystemClock system_clock;
  auto curl = fetch::CurlFetcher::Create(fo, system_clock);
  ASSERT_TRUE(curl.ok());
  DeliveryWorker worker(*store_, **curl, clock_, Options());
  ASSERT_EQ(*worker.RunOnce(), 2);
  auto d = Deliveries(down);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].status, store::DeliveryStatus::kPending);
  EXPECT_EQ(d[0].last_error.rfind("connect_refused: ", 0), 0u) << d[0].last_error;
  auto b = Deliveries(blocked);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].status, store::DeliveryStatus::kPending);
  EXPECT_EQ(b[0].last_error.rfind("blocked_address: ", 0), 0u) << b[0].last_error;
  EXPECT_TRUE(receiver.requests().empty()) << "the guard let a refused address through";
}

}  // namespace
}  // namespace leadscan::webhooks
