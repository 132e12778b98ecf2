#include "webhooks/delivery_worker.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <memory>
#include <vector>

#include "common/thread_guard.h"
#include "common/uuid.h"
#include "fetch/charset.h"
#include "fetch/errors.h"
#include "webhooks/payload.h"

namespace leadscan::webhooks {
namespace {

using common::Status;
using common::TimePoint;

// Bytes of a receiver's answer kept in the delivery log of a failed attempt.
constexpr size_t kAnswerSnippetBytes = 200;
// How often finished deliveries older than the retention are deleted.
constexpr std::chrono::hours kPruneInterval{1};
// Pause after a round that failed to claim (the database is away) or threw.
constexpr std::chrono::seconds kErrorPause{2};

std::string DefaultWorkerId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof(host), "%s", "localhost");
  return std::string(host) + ":" + std::to_string(getpid()) + ":webhooks:" + common::RandomHex(4);
}

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string Clip(std::string text, size_t max) {
  if (text.size() <= max)
    return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  text.resize(end);
  return text;
}

std::string HeaderValue(const fetch::Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name)
      return v;
  }
  return {};
}

// One claimed delivery on its way.
struct InFlight {
  store::ClaimedDelivery claim;
  TimePoint started_at;
  std::chrono::steady_clock::time_point started;
  std::promise<fetch::FetchResult> promise;
};

}  // namespace

DeliveryWorker::DeliveryWorker(store::Store& store, fetch::Fetcher& fetcher, common::Clock& clock,
                               DeliveryWorkerOptions options)
    : store_(store),
      fetcher_(fetcher),
      clock_(clock),
      options_(std::move(options)),
      worker_id_(options_.worker_id.empty() ? DefaultWorkerId() : options_.worker_id),
      schedule_(options_.retry),
      rng_(options_.seed != 0 ? options_.seed : std::random_device{}()) {
  if (options_.metrics != nullptr) {
    options_.metrics->DefineCounter(kDeliveriesMetric,
                                    "Webhook delivery attempts by this process, by outcome "
                                    "(delivered, retry, failed = given up)");
    options_.metrics->DefineGauge(kPendingMetric,
                                  "Webhook deliveries waiting to be sent (every process)");
  }
}

DeliveryWorker::~DeliveryWorker() {
  Stop();
}

Status DeliveryWorker::Start() {
  std::lock_guard lock(mu_);
  if (started_)
    return Status::Conflict("already_started", "the webhook delivery worker is running");
  started_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
  spdlog::info("webhook delivery worker {} started", worker_id_);
  return Status::Ok();
}

void DeliveryWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_)
      return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  std::lock_guard lock(mu_);
  started_ = false;
}

void DeliveryWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wake_seq_;
  }
  cv_.notify_all();
}

DeliveryWorkerStats DeliveryWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

double DeliveryWorker::UnitRandom() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void DeliveryWorker::Count(std::string_view outcome) {
  {
    std::lock_guard lock(mu_);
    if (outcome == "delivered")
      ++stats_.delivered;
    else if (outcome == "retry")
      ++stats_.retried;
    else if (outcome == "failed")
      ++stats_.failed;
  }
  if (options_.metrics != nullptr)
    options_.metrics->Increment(kDeliveriesMetric, {{"outcome", std::string(outcome)}});
}

common::Result<int> DeliveryWorker::RunOnce() {
  store::DeliveryClaimRequest request;
  request.worker_id = worker_id_;
  request.max_deliveries = options_.batch;
  request.lease = options_.lease;
  auto claimed = store_.ClaimWebhookDeliveries(request);
  if (!claimed.ok())
    return claimed.status();
  if (claimed->empty())
    return 0;
  {
    std::lock_guard lock(mu_);
    stats_.claimed += static_cast<int64_t>(claimed->size());
  }
  // Every POST of the round is in flight at once on the fetcher's loop; this thread waits.
  std::vector<std::shared_ptr<InFlight>> round;
  round.reserve(claimed->size());
  for (store::ClaimedDelivery& claim : *claimed) {
    auto entry = std::make_shared<InFlight>();
    entry->claim = std::move(claim);
    DeliveryRequest delivery = BuildDeliveryRequest(entry->claim);
    fetch::FetchRequest fr;
    fr.url = std::move(delivery.url);
    fr.headers = std::move(delivery.headers);
    fr.method = "POST";
    fr.body = std::move(delivery.body);
    fr.kind = fetch::FetchKind::kRaw;
    fr.check_robots = false;
    fr.follow_redirects = false;
    fr.any_status = true;
    fr.timeout = options_.timeout;
    fr.max_body_bytes = options_.max_response_bytes;
    fr.reason = "webhook";
    entry->started_at = clock_.Now();
    entry->started = std::chrono::steady_clock::now();
    fetcher_.FetchAsync(std::move(fr), [entry](fetch::FetchResult result) {
      entry->promise.set_value(std::move(result));
    });
    round.push_back(std::move(entry));
  }
  for (const auto& entry : round) {
    fetch::FetchResult result = entry->promise.get_future().get();
    const store::WebhookDelivery& d = entry->claim.delivery;
    store::DeliveryOutcome outcome;
    outcome.delivery_id = d.id;
    outcome.worker_id = worker_id_;
    outcome.lease_token = d.lease_token;
    outcome.started_at = entry->started_at;
    outcome.duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - entry->started)
            .count();
    std::optional<std::chrono::seconds> retry_after;
    std::string code;  // for the log line: never the URL, which may carry a token
    if (result.ok()) {
      outcome.status_code = result->status;
      outcome.duration_ms = result->ms;
      outcome.delivered = result->status >= 200 && result->status < 300;
      if (!outcome.delivered) {
        code = "http_" + std::to_string(result->status);
        std::string answer = Clip(fetch::ToValidUtf8(result->body), kAnswerSnippetBytes);
        outcome.error = "HTTP " + std::to_string(result->status) +
                        (answer.empty() ? std::string() : ": " + answer);
        if (result->status == 429 || result->status == 503) {
          retry_after =
              fetch::ParseRetryAfter(HeaderValue(result->headers, "retry-after"), clock_.Now());
        }
      }
    } else {
      code = result.status().error_code();
      outcome.error = code + ": " + result.status().message();
    }
    if (!outcome.delivered) {
      outcome.next_attempt_at =
          schedule_.Next(d.attempts + 1, d.created_at, clock_.Now(), UnitRandom(), retry_after);
    }
    Status written = store_.RecordDeliveryAttempt(outcome);
    if (!written.ok()) {
      std::lock_guard lock(mu_);
      if (written.error_code() == "lease_lost" || written.code() == common::StatusCode::kNotFound) {
        ++stats_.refused;  // its lease ran out meanwhile, or its webhook was deleted
      } else {
        ++stats_.store_errors;
        spdlog::warn(
            "webhook delivery {}: the outcome could not be stored ({}); it will be sent "
            "again when its lease runs out",
            d.id, written.ToString());
      }
      continue;
    }
    if (outcome.delivered) {
      Count("delivered");
    } else if (outcome.next_attempt_at) {
      Count("retry");
      spdlog::debug("webhook delivery {} ({}) attempt {} failed: {}", d.id, d.event, d.attempts + 1,
                    code);
    } else {
      Count("failed");
      spdlog::warn("webhook delivery {} ({}, webhook {}) given up after {} attempts: {}", d.id,
                   d.event, d.webhook_id, d.attempts + 1, code);
    }
  }
  return static_cast<int>(round.size());
}

void DeliveryWorker::Maintain() {
  const TimePoint now = clock_.Now();
  if (now < next_maintenance_)
    return;
  next_maintenance_ = now + options_.maintenance_interval;
  if (options_.metrics != nullptr) {
    auto pending = store_.CountPendingWebhookDeliveries();
    if (pending.ok())
      options_.metrics->Set(kPendingMetric, {}, static_cast<double>(*pending));
  }
  static_assert(kPruneInterval.count() > 0);
  if (now >= next_prune_) {
    next_prune_ = now + kPruneInterval;
    auto pruned = store_.PruneWebhookDeliveries(now - options_.retention);
    if (pruned.ok() && *pruned > 0)
      spdlog::info("webhooks: {} finished deliveries older than the retention deleted", *pruned);
  }
}

void DeliveryWorker::Loop() {
  while (true) {
    uint64_t seen_wake = 0;
    {
      std::lock_guard lock(mu_);
      if (stopping_)
        return;
      seen_wake = wake_seq_;
    }
    int handled = 0;
    bool failed = false;
    bool returned = common::RunGuarded("webhook delivery", [&] {
      Maintain();
      auto n = RunOnce();
      if (!n.ok()) {
        failed = true;
        spdlog::warn("webhooks: claiming deliveries failed: {}", n.status().ToString());
        return;
      }
      handled = *n;
    });
    if (returned && !failed && handled >= options_.batch)
      continue;  // a full round: more may be due now
    const auto pause =
        (returned && !failed) ? options_.poll_interval : std::chrono::milliseconds(kErrorPause);
    std::unique_lock lock(mu_);
    clock_.WaitUntil(cv_, lock, clock_.Now() + pause,
                     [&] { return stopping_ || wake_seq_ != seen_wake; });
  }
}

}  // namespace leadscan::webhooks
