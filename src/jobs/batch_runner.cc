#include "jobs/batch_runner.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <exception>
#include <utility>

#include "common/ascii.h"
#include "common/thread_guard.h"
#include "common/uuid.h"
#include "fetch/errors.h"
#include "fetch/target.h"
#include "providers/provider_errors.h"

namespace leadscan::jobs {
namespace {

using common::Status;
using common::TimePoint;

// Job ids remembered as cancelled by this runner (to catch claims that raced the cancel).
constexpr size_t kRememberedCancelledJobs = 1024;

// Runs whose last published progress is remembered (to keep counters events monotonic).
constexpr size_t kRememberedRunProgress = 1024;

std::string DefaultWorkerId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof(host), "%s", "localhost");
  }
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + common::RandomHex(4);
}

bool IsLeaseLost(const Status& s) {
  return s.error_code() == "lease_lost";
}

nlohmann::json ArrayField(const nlohmann::json& result, const char* name) {
  if (result.is_object()) {
    auto it = result.find(name);
    if (it != result.end() && it->is_array())
      return *it;
  }
  return nlohmann::json::array();
}

store::LeadFindings FindingsOf(const nlohmann::json& result) {
  store::LeadFindings findings;
  if (result.is_object()) {
    auto it = result.find("ecommerce_platform");
    if (it != result.end() && it->is_object())
      findings.ecommerce_platform = *it;
  }
  findings.checkout_solutions = ArrayField(result, "checkout_solutions");
  findings.payment_methods = ArrayField(result, "payment_methods");
  findings.carriers = ArrayField(result, "carriers");
  findings.shipping_software = ArrayField(result, "shipping_software");
  findings.technologies = ArrayField(result, "technologies");
  return findings;
}

}  // namespace

BatchRunner::BatchRunner(store::Store& store, analysis::LeadAnalyzer& analyzer,
                         common::Clock& clock, JobEvents* events, BatchRunnerOptions options)
    : store_(store),
      analyzer_(analyzer),
      clock_(clock),
      events_(events),
      options_(std::move(options)),
      worker_id_(options_.worker_id.empty() ? DefaultWorkerId() : options_.worker_id),
      retry_(options_.retry, options_.seed),
      completions_(store, options_.completion_batch, options_.completion_gather) {
  if (options_.metrics != nullptr) {
    options_.metrics->DefineCounter(
        kStaleWritesRefusedMetric,
        "Writes of an item's outcome refused because they carried an earlier claim's lease "
        "(expired and released, taken over, or the job cancelled), by operation.");
  }
}

BatchRunner::~BatchRunner() {
  Stop();
}

std::string BatchRunner::DomainKey(std::string_view domain) {
  std::string trimmed;
  for (char c : domain) {
    if (!std::isspace(static_cast<unsigned char>(c)))
      trimmed.push_back(c);
  }
  if (trimmed.empty())
    return "";
  auto target = fetch::NormalizeTarget(trimmed);
  if (!target.ok()) {
    // Not analysable: the analysis fails with invalid_url, and leads with the same text may
    // share that outcome.
    std::string key = "invalid:";
    for (char c : trimmed)
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return key;
  }
  // What the analyzer fetches: the host, a port other than the scheme's default, and the path
  // with its query. A bare domain tries https first, so it shares with "https://"; an explicit
  // "http://" is another fetch.
  std::string host = target->host;
  if (host.rfind("www.", 0) == 0 && host.size() > 4)
    host.erase(0, 4);
  const bool http = target->scheme == "http";
  std::string key = http ? "http://" + host : host;
  const bool default_port = http ? target->port == 80 : target->port == 443;
  if (target->port != 0 && !default_port)
    key += ":" + std::to_string(target->port);
  std::string path = target->path;
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  if (path != "/")
    key += path;
  return key;
}

common::Status BatchRunner::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_)
      return Status::Conflict("runner_started", "the batch runner was started before");
    started_ = true;
  }
  auto released = store_.ReleaseExpiredLeases();
  if (!released.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    started_ = false;
    return released.status();
  }
  if (*released > 0) {
    spdlog::info("batch runner: {} item(s) with expired leases back to pending", *released);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.released += *released;
    next_release_ = clock_.Now() + options_.lease;
  }
  const int workers = std::max(1, options_.concurrency);
  workers_.reserve(static_cast<size_t>(workers));
  for (int i = 0; i < workers; ++i)
    workers_.emplace_back([this] { WorkerLoop(); });
  heartbeat_ = std::thread([this] {
    Supervise("batch runner heartbeat", &BatchRunner::HeartbeatLoop, heartbeat_stopping_);
  });
  dispatcher_ = std::thread(
      [this] { Supervise("batch runner dispatcher", &BatchRunner::DispatchLoop, stopping_); });
  spdlog::info("Batch runner started: worker {} with {} concurrent items", worker_id_, workers);
  return Status::Ok();
}

void BatchRunner::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wake_seq_;
  }
  dispatch_cv_.notify_all();
}

bool BatchRunner::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return started_ && !stopping_;
}

bool BatchRunner::draining() const {
  std::lock_guard<std::mutex> lock(mu_);
  return draining_;
}

int BatchRunner::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(in_flight_.size());
}

BatchRunnerStats BatchRunner::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  BatchRunnerStats out = stats_;
  out.in_flight = static_cast<int>(in_flight_.size());
  return out;
}

void BatchRunner::DispatchLoop() {
  const int capacity = std::max(1, options_.concurrency);
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t seen_wake = wake_seq_;
  uint64_t seen_slot = slot_seq_;
  bool try_now = true;       // claim at once on start
  bool more_likely = false;  // the last claim filled every free slot
  TimePoint next_poll = clock_.Now();
  while (!stopping_) {
    const int free = capacity - static_cast<int>(in_flight_.size());
    // Expired leases are released on time even while every slot is busy: another process's
    // items (a crashed or paused worker) must not wait for this one to have room.
    const bool release_due = clock_.Now() >= next_release_;
    if ((try_now && free > 0) || release_due) {
      const bool claiming = try_now && free > 0;
      if (claiming)
        try_now = false;
      lock.unlock();
      TimePoint now = clock_.Now();
      int64_t released = 0;
      if (now >= next_release_) {
        // Other processes' crashed workers: their items come back while we run. Their expiries
        // count toward the poison-item rule only when this runner has reached the store for a
        // while (CountLeaseExpiries): after an outage the holders may be alive and cut off too.
        const bool count = CountLeaseExpiries(now);
        auto r = store_.ReleaseExpiredLeases(count);
        NoteStore(r.status());
        if (r.ok()) {
          released = *r;
          if (released > 0 && !count) {
            spdlog::info(
                "batch runner: {} item(s) with expired leases back to pending; the expiries are "
                "not counted toward the poison-item rule (the store was unreachable less than a "
                "lease ago)",
                released);
          }
        } else {
          spdlog::warn("batch runner: releasing expired leases failed: {}", r.status().ToString());
        }
        next_release_ = now + options_.lease;
      }
      if (!claiming) {
        lock.lock();
        stats_.released += released;
        continue;
      }
      store::ClaimRequest request;
      request.worker_id = worker_id_;
      request.max_items = free;
      request.lease = options_.lease;
      auto claims = store_.ClaimItems(request);
      NoteStore(claims.status());
      now = clock_.Now();
      lock.lock();
      stats_.released += released;
      next_poll = now + options_.poll_interval;
      if (!claims.ok()) {
        spdlog::warn("batch runner: claiming items failed: {}", claims.status().ToString());
        more_likely = false;
        claim_on_free_slot_ = false;
      } else {
        for (auto& claim : *claims) {
          auto entry = std::make_shared<InFlight>();
          entry->claim = std::move(claim);
          entry->next_renew = now + options_.lease / 3;
          entry->announced = true;
          if (cancelled_jobs_.count(entry->claim.item.job_id) > 0) {
            entry->abort = static_cast<int>(Abort::kJobCancelled);
            entry->cancel->store(true);
          }
          in_flight_[entry->claim.item.id] = entry;
          queue_.push_back(entry);
          ++stats_.claimed;
        }
        // Their completions are on their way: a batch being written waits briefly for them.
        completions_.Announce(claims->size());
        // One worker per claimed item. The heartbeat needs no wake-up: a new lease is renewed a
        // third of a lease from now, no earlier than the heartbeat already wakes.
        for (size_t n = claims->size(); n > 0; --n)
          work_cv_.notify_one();
        more_likely = static_cast<int>(claims->size()) == free;
        claim_on_free_slot_ = more_likely;
        if (more_likely) {
          try_now = true;
          continue;
        }
      }
    }
    // With every slot busy only a freed slot, a wake or the next release can matter: a poll or
    // retry time that has passed would otherwise wake this loop again at once (a busy loop).
    const bool saturated = capacity - static_cast<int>(in_flight_.size()) <= 0;
    TimePoint deadline = saturated ? next_release_ : std::min(next_poll, next_release_);
    if (!saturated && next_retry_at_ && *next_retry_at_ < deadline)
      deadline = *next_retry_at_;
    const uint64_t wake_before = seen_wake;
    const uint64_t slot_before = seen_slot;
    const uint64_t retry_before = retry_seq_;
    clock_.WaitUntil(dispatch_cv_, lock, deadline, [&] {
      return stopping_ || wake_seq_ != wake_before || slot_seq_ != slot_before ||
             retry_seq_ != retry_before;
    });
    if (stopping_)
      break;
    const TimePoint now = clock_.Now();
    if (wake_seq_ != seen_wake) {
      seen_wake = wake_seq_;
      try_now = true;
    }
    if (slot_seq_ != seen_slot) {
      seen_slot = slot_seq_;
      if (more_likely)
        try_now = true;
    }
    if (now >= deadline)
      try_now = true;
    if (next_retry_at_ && *next_retry_at_ <= now) {
      // An item sent back for a retry is claimable now.
      next_retry_at_.reset();
      try_now = true;
    }
  }
}

void BatchRunner::WorkerLoop() {
  if (options_.worker_nice != 0) {
    // Linux: a thread's niceness is set by its thread id; only this worker thread changes.
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    errno = 0;
    const int now = getpriority(PRIO_PROCESS, tid);
    const int want = std::clamp(now + options_.worker_nice, -20, 19);
    if (errno != 0 || setpriority(PRIO_PROCESS, tid, want) != 0)
      spdlog::debug("batch runner: setting niceness {} failed: errno {}", want, errno);
  }
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return workers_stopping_ || (!stopping_ && !queue_.empty()); });
    if (workers_stopping_)
      return;
    std::shared_ptr<InFlight> entry = std::move(queue_.front());
    queue_.pop_front();
    ++active_;
    lock.unlock();
    if (!common::RunGuarded("batch runner worker", [&] { Process(entry); })) {
      common::RunGuarded("batch runner worker", [&] { FinishUnexpected(entry); });
    }
    if (std::exchange(entry->announced, false))
      completions_.Withdraw(1);  // it ended without a completion
    lock.lock();
    --active_;
    // A retried item may already be claimed again under the same id: erase only this claim.
    if (auto it = in_flight_.find(entry->claim.item.id);
        it != in_flight_.end() && it->second == entry) {
      in_flight_.erase(it);
    }
    ++slot_seq_;
    // Only who can act on a freed slot is woken: the dispatcher when its last claim found more
    // items than it had room for, Stop() while it waits for in-flight analyses. (The heartbeat
    // never has to wake earlier because an item is gone.)
    if (claim_on_free_slot_)
      dispatch_cv_.notify_one();
    if (draining_)
      idle_cv_.notify_all();
  }
}

void BatchRunner::HeartbeatLoop() {
  const auto interval = std::max(options_.lease / 3, std::chrono::milliseconds(1));
  std::unique_lock<std::mutex> lock(mu_);
  while (!heartbeat_stopping_) {
    const TimePoint now = clock_.Now();
    TimePoint next = now + interval;
    std::vector<std::shared_ptr<InFlight>> renew;
    std::vector<std::shared_ptr<InFlight>> overdue;
    for (const auto& [id, entry] : in_flight_) {
      const auto abort = static_cast<Abort>(entry->abort.load());
      // A cancelled item or one another worker now holds has no lease of ours to keep.
      if (abort == Abort::kJobCancelled || abort == Abort::kLeaseLost)
        continue;
      if (entry->next_renew <= now) {
        renew.push_back(entry);
      } else {
        next = std::min(next, entry->next_renew);
      }
      if (abort == Abort::kNone && entry->deadline) {
        if (*entry->deadline <= now) {
          overdue.push_back(entry);
        } else {
          next = std::min(next, *entry->deadline);
        }
      }
    }
    if (!renew.empty() || !overdue.empty()) {
      lock.unlock();
      for (const auto& entry : overdue) {
        spdlog::warn("batch runner: item {} ({}) ran past its time budget; aborting",
                     entry->claim.item.id, entry->claim.item.domain);
        SetAbort(entry, Abort::kTimeout);
      }
      std::vector<std::pair<std::shared_ptr<InFlight>, Status>> results;
      for (const auto& entry : renew) {
        results.emplace_back(entry,
                             store_.RenewLease(entry->claim.item.id, worker_id_,
                                               entry->claim.item.lease_token, options_.lease));
      }
      for (const auto& [entry, status] : results)
        NoteStore(status);
      lock.lock();
      for (auto& [entry, status] : results) {
        // Renew again a third of a lease after the time read before the store call (the new
        // expiry counts from a time no earlier than that, however long the call took); a
        // failed store call is retried then too.
        entry->next_renew = now + interval;
        if (status.ok()) {
          ++stats_.lease_renewals;
        } else if (IsLeaseLost(status) || status.code() == common::StatusCode::kNotFound) {
          if (IsLeaseLost(status)) {
            lock.unlock();
            CountStaleWrite(status, "renew");
            lock.lock();
          }
          ++stats_.leases_lost;
          SetAbort(entry, Abort::kLeaseLost);
        } else {
          spdlog::warn("batch runner: renewing the lease of item {} failed: {}",
                       entry->claim.item.id, status.ToString());
        }
      }
      continue;
    }
    const uint64_t seen = heartbeat_seq_;
    heartbeat_wake_at_ = next;
    clock_.WaitUntil(heartbeat_cv_, lock, next,
                     [&] { return heartbeat_stopping_ || heartbeat_seq_ != seen; });
  }
}

void BatchRunner::SetAbort(const std::shared_ptr<InFlight>& entry, Abort reason) {
  int expected = static_cast<int>(Abort::kNone);
  if (entry->abort.compare_exchange_strong(expected, static_cast<int>(reason))) {
    entry->cancel->store(true);
    spdlog::debug("batch runner: item {} aborted (reason {})", entry->claim.item.id,
                  static_cast<int>(reason));
  }
  // Under the coalescing lock, so a follower that just checked its flag cannot miss this.
  { std::lock_guard<std::mutex> lock(coalesce_mu_); }
  coalesce_cv_.notify_all();
}

double BatchRunner::Seconds(TimePoint since) const {
  const std::chrono::duration<double> d = clock_.Now() - since;
  return std::max(0.0, d.count());
}

void BatchRunner::Publish(JobEvent event) {
  if (events_ == nullptr)
    return;
  event.at = clock_.Now();
  events_->Publish(std::move(event));
}

void BatchRunner::Process(const std::shared_ptr<InFlight>& entry) {
  const store::Item& item = entry->claim.item;
  if (entry->abort.load() != static_cast<int>(Abort::kNone)) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.aborted;
    return;
  }
  const TimePoint start = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    entry->started = start;
  }
  // A lead without a domain may get one from a web search (issue 12).
  std::string domain = item.domain;
  nlohmann::json found_by_search;
  if (DomainKey(item.domain).empty() && !FindDomain(entry, &domain, &found_by_search))
    return;
  auto type = analysis::ParseAnalysisType(entry->claim.job_type);
  if (!type.ok()) {
    FailNow(entry, kInvalidJobTypeCode, type.status().message());
    return;
  }
  auto config = analysis::ParseAnalysisConfig(entry->claim.analysis_config);
  if (!config.ok()) {
    FailNow(entry, kInvalidAnalysisConfigCode, config.status().message());
    return;
  }
  if (config->use_firecrawl) {
    // Firecrawl said 402 (or our daily quota ran out) earlier in this run: the rest of the
    // run's Firecrawl items fail the same way without another call.
    if (auto spent = QuotaSpent(item.run_id)) {
      FailNow(entry, providers::kProviderQuota, *spent);
      return;
    }
  }
  bool wake_heartbeat = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    entry->deadline = start + config->timeout + options_.timeout_slack;
    // The heartbeat enforces the deadline; it is woken only when it would sleep past it.
    wake_heartbeat = *entry->deadline < heartbeat_wake_at_;
    if (wake_heartbeat)
      ++heartbeat_seq_;
  }
  if (wake_heartbeat)
    heartbeat_cv_.notify_all();

  bool coalesced = false;
  std::shared_ptr<const nlohmann::json> result;
  std::shared_ptr<Outcome> outcome =
      AnalyseCoalesced(entry, domain, *type, *config, &coalesced, &result);
  if (outcome && outcome->ok && result == nullptr) {
    result = StoredResult(item.run_id, domain, outcome);
    if (result == nullptr) {  // not to be had: analyse the domain again
      coalesced = false;
      outcome = AnalyseCoalesced(entry, domain, *type, *config, &coalesced, &result);
    }
  }
  const auto abort = static_cast<Abort>(entry->abort.load());
  const bool dropped =
      abort == Abort::kJobCancelled || abort == Abort::kLeaseLost || abort == Abort::kShutdown;
  if (outcome && outcome->ok && result != nullptr) {
    // A result in hand is stored even when a stop began meanwhile; the store refuses it if the
    // item was cancelled or lost.
    if (found_by_search.is_object()) {
      // The domain came from a search: the item's result says so, with the evidence.
      nlohmann::json with_source = *result;
      with_source["domain_source"] = "search";
      with_source["domain_confidence"] = found_by_search.value("confidence", 0);
      with_source["domain_search"] = std::move(found_by_search);
      FinishSuccess(entry, with_source, coalesced);
    } else {
      FinishSuccess(entry, *result, coalesced);
    }
    if (!coalesced) {
      // Stored with the leader's item: later followers read it from there.
      std::lock_guard<std::mutex> lock(coalesce_mu_);
      outcome->result.reset();
    }
    return;
  }
  if (outcome && outcome->ok) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.aborted;
    return;
  }
  if (!outcome || dropped) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.aborted;
    return;
  }
  if (config->use_firecrawl && outcome->status.error_code() == providers::kProviderQuota)
    NoteQuotaSpent(item.run_id, outcome->status.message());
  FinishFailure(entry, outcome->status, config->max_retries, coalesced);
}

bool BatchRunner::FindDomain(const std::shared_ptr<InFlight>& entry, std::string* domain,
                             nlohmann::json* search) {
  const store::ClaimedItem& claim = entry->claim;
  const store::Item& item = claim.item;
  auto config = analysis::ParseAnalysisConfig(claim.analysis_config);
  search::DomainLookup* lookup = options_.domain_lookup;
  if (!config.ok() || !config->find_domain.value_or(lookup != nullptr)) {
    FailNow(entry, kNoDomainCode, "the lead has no domain");
    return false;
  }
  if (lookup == nullptr) {
    FailNow(entry, kNoDomainCode,
            "the lead has no domain, and analysis_config.find_domain asks for a search but no "
            "search provider is configured (--search-provider)");
    return false;
  }
  std::optional<common::OrgId> org = common::OrgId::Parse(claim.org_id);
  std::string country = config->search_country;
  if (country.empty() && org) {
    // The lead's own country (an imported "country" column), when it is a two-letter code.
    auto lead = store_.GetLead(*org, item.lead_id);
    if (lead.ok() && lead->extra.is_object()) {
      auto it = lead->extra.find("country");
      if (it != lead->extra.end() && it->is_string() && it->get<std::string>().size() == 2)
        country = common::AsciiLower(it->get<std::string>());
    }
  }
  if (country.empty())
    country = options_.search_country;
  auto found = lookup->Find(item.company_name, country, entry->cancel);
  if (entry->abort.load() != static_cast<int>(Abort::kNone)) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.aborted;
    return false;
  }
  if (!found.ok()) {
    const Status& s = found.status();
    if (s.code() == common::StatusCode::kInvalidArgument) {
      FailNow(entry, search::kDomainNotFound, "no domain search possible: " + s.message());
    } else {
      FinishFailure(entry, s, config->max_retries, false);
    }
    return false;
  }
  if (org) {
    store::NewDomainSuggestion suggestion;
    suggestion.domain = found->domain;
    suggestion.confidence = found->confidence;
    suggestion.provider = found->provider;
    suggestion.evidence = found->ToJson();
    auto saved = store_.SaveDomainSuggestion(*org, item.lead_id, suggestion);
    if (!saved.ok()) {
      spdlog::warn("batch runner: the domain suggestion of lead {} was not saved: {}", item.lead_id,
                   saved.status().ToString());
    }
  }
  if (!found->found()) {
    const std::string message =
        found->candidates.empty()
            ? "the search found no site for \"" + item.company_name + "\""
            : "no site found for \"" + item.company_name + "\" names the company with a score " +
                  "of at least " + std::to_string(found->min_confidence) + " (best " +
                  std::to_string(found->confidence) + "); see the candidates";
    FailNow(entry, search::kDomainNotFound, message, found->ToJson());
    return false;
  }
  *domain = found->domain;
  *search = found->ToJson();
  return true;
}

std::optional<std::string> BatchRunner::QuotaSpent(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = quota_spent_runs_.find(run_id);
  if (it == quota_spent_runs_.end())
    return std::nullopt;
  return it->second;
}

void BatchRunner::NoteQuotaSpent(const std::string& run_id, const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!quota_spent_runs_
           .emplace(run_id, "not sent to Firecrawl: an earlier item of this run got " + message)
           .second) {
    return;
  }
  quota_spent_order_.push_back(run_id);
  while (quota_spent_order_.size() > kRememberedCancelledJobs) {
    quota_spent_runs_.erase(quota_spent_order_.front());
    quota_spent_order_.pop_front();
  }
}

std::shared_ptr<const nlohmann::json> BatchRunner::StoredResult(
    const std::string& run_id, const std::string& domain, const std::shared_ptr<Outcome>& outcome) {
  auto leader = store_.GetItem(outcome->leader_item_id);
  if (leader.ok() && leader->status == store::ItemStatus::kCompleted && !leader->result.is_null())
    return std::make_shared<const nlohmann::json>(std::move(leader->result));
  std::lock_guard<std::mutex> lock(coalesce_mu_);
  auto run_it = outcomes_.find(run_id);
  if (run_it != outcomes_.end()) {
    auto it = run_it->second.find(DomainKey(domain));
    if (it != run_it->second.end() && it->second == outcome)
      run_it->second.erase(it);
  }
  return nullptr;
}

std::shared_ptr<BatchRunner::Outcome> BatchRunner::AnalyseCoalesced(
    const std::shared_ptr<InFlight>& entry, const std::string& domain, analysis::AnalysisType type,
    const analysis::AnalysisConfig& config, bool* coalesced,
    std::shared_ptr<const nlohmann::json>* result_out) {
  const std::string key = DomainKey(domain);
  const std::string& run_id = entry->claim.item.run_id;
  std::shared_ptr<Outcome> mine;
  {
    std::unique_lock<std::mutex> lock(coalesce_mu_);
    while (true) {
      if (entry->abort.load() != static_cast<int>(Abort::kNone))
        return nullptr;
      auto run_it = outcomes_.find(run_id);
      if (run_it == outcomes_.end()) {
        run_it = outcomes_.emplace(run_id, std::map<std::string, std::shared_ptr<Outcome>>{}).first;
        outcome_runs_.push_back(run_id);
        while (outcome_runs_.size() > std::max<size_t>(1, options_.coalesce_runs)) {
          if (outcome_runs_.front() != run_id) {
            outcomes_.erase(outcome_runs_.front());
            outcome_order_.erase(outcome_runs_.front());
          }
          outcome_runs_.pop_front();
        }
      }
      auto it = run_it->second.find(key);
      if (it == run_it->second.end()) {
        mine = std::make_shared<Outcome>();
        mine->leader_item_id = entry->claim.item.id;
        run_it->second.emplace(key, mine);
        // Forget the oldest finished outcomes beyond the cap; one still being analysed has
        // waiters and goes to the back.
        std::deque<std::string>& order = outcome_order_[run_id];
        order.push_back(key);
        const size_t cap = std::max<size_t>(1, options_.coalesce_domains);
        for (size_t tries = order.size(); order.size() > cap && tries > 0; --tries) {
          std::string oldest = std::move(order.front());
          order.pop_front();
          auto old = run_it->second.find(oldest);
          if (old != run_it->second.end() && !old->second->done) {
            order.push_back(std::move(oldest));
          } else if (old != run_it->second.end()) {
            run_it->second.erase(old);
          }
        }
        break;
      }
      std::shared_ptr<Outcome> other = it->second;
      coalesce_cv_.wait(lock, [&] {
        return other->done || other->abandoned ||
               entry->abort.load() != static_cast<int>(Abort::kNone);
      });
      if (other->done) {
        *coalesced = true;
        *result_out = other->result;
        return other;
      }
      // The leader gave up without an outcome for the domain (or we were aborted): look again.
    }
  }

  // Followers wait on `mine`: nothing between here and `done`/`abandoned` may throw.
  common::Result<analysis::AnalysisResult> result = Status::Internal("not analysed");
  nlohmann::json json;
  try {
    result = analyzer_.Analyze(domain, type, config, entry->cancel);
    if (result.ok())
      json = result->ToJson();
  } catch (const std::exception& e) {
    result = Status::Error(common::StatusCode::kInternal, std::string(kInternalErrorCode),
                           std::string("analysis threw: ") + e.what(), /*retryable=*/true);
  }

  std::lock_guard<std::mutex> lock(coalesce_mu_);
  const auto abort = static_cast<Abort>(entry->abort.load());
  auto forget = [&] {
    auto run_it = outcomes_.find(run_id);
    if (run_it == outcomes_.end())
      return;
    auto it = run_it->second.find(key);
    if (it != run_it->second.end() && it->second == mine)
      run_it->second.erase(it);
  };
  if (result.ok()) {
    mine->ok = true;
    mine->result = std::make_shared<const nlohmann::json>(std::move(json));
    *result_out = mine->result;
    mine->done = true;
  } else if (abort == Abort::kJobCancelled || abort == Abort::kLeaseLost ||
             abort == Abort::kShutdown) {
    // Not an outcome of the domain: the others analyse it themselves (or are aborted too).
    mine->abandoned = true;
    mine->status = Status::Cancelled("analysis aborted");
    forget();
  } else {
    mine->status =
        abort == Abort::kTimeout
            ? Status::Error(common::StatusCode::kDeadlineExceeded, std::string(kLeadTimeoutCode),
                            "the analysis ran past its time budget of " +
                                std::to_string(config.timeout.count()) + " ms",
                            /*retryable=*/true)
            : result.status();
    mine->done = true;
    // A transient failure is not the domain's final word: later claims try again.
    if (mine->status.retryable())
      forget();
  }
  coalesce_cv_.notify_all();
  return mine;
}

void BatchRunner::CountRefused(const common::Status& status, std::string_view what,
                               const std::string& item_id) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.aborted;
  if (!IsLeaseLost(status)) {
    spdlog::warn("batch runner: storing the {} of item {} failed: {}", what, item_id,
                 status.ToString());
  }
}

void BatchRunner::CountStaleWrite(const common::Status& status, std::string_view operation) {
  if (!IsLeaseLost(status))
    return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.stale_writes_refused;
  }
  if (options_.metrics != nullptr) {
    options_.metrics->Increment(kStaleWritesRefusedMetric, {{"operation", std::string(operation)}});
  }
}

common::Status BatchRunner::WriteWithRetry(const std::shared_ptr<InFlight>& entry,
                                           const std::function<common::Status()>& write) {
  const TimePoint give_up = clock_.Now() + options_.lease;
  auto pause = kStoreRetryFirstPause;
  auto aborted = [&] {
    const auto abort = static_cast<Abort>(entry->abort.load());
    return abort == Abort::kShutdown || abort == Abort::kJobCancelled || abort == Abort::kLeaseLost;
  };
  while (true) {
    Status s = write();
    NoteStore(s);
    // Only a database that cannot be reached is worth waiting for; a refusal is final.
    if (s.ok() || s.code() != common::StatusCode::kIoError || aborted())
      return s;
    const TimePoint now = clock_.Now();
    if (now + pause > give_up)
      return s;
    spdlog::warn("batch runner: storing the outcome of item {} failed ({}); trying again in {} ms",
                 entry->claim.item.id, s.ToString(), pause.count());
    {
      std::unique_lock<std::mutex> lock(coalesce_mu_);
      clock_.WaitUntil(coalesce_cv_, lock, now + pause, aborted);
    }
    pause = std::min(pause * 2, kStoreRetryMaxPause);
  }
}

void BatchRunner::NoteStore(const common::Status& status) {
  if (status.code() != common::StatusCode::kIoError)
    return;
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(store_mu_);
  store_unreachable_at_ = now;
}

bool BatchRunner::CountLeaseExpiries(common::TimePoint now) const {
  // A holder that is alive renews within a third of a lease of reaching the store (plus the
  // store's reconnect pause); a lease and a third after this runner last failed to reach the
  // store, a lease still expired is not the outage's doing.
  std::lock_guard<std::mutex> lock(store_mu_);
  return !store_unreachable_at_ || now - *store_unreachable_at_ >= options_.lease * 4 / 3;
}

JobEvent BatchRunner::ItemEvent(JobEventKind kind, const InFlight& entry) {
  const store::Item& item = entry.claim.item;
  JobEvent event;
  event.kind = kind;
  event.org_id = entry.claim.org_id;
  event.job_id = item.job_id;
  event.run_id = item.run_id;
  event.item_id = item.id;
  event.lead_id = item.lead_id;
  event.domain = item.domain;
  return event;
}

void BatchRunner::FinishSuccess(const std::shared_ptr<InFlight>& entry,
                                const nlohmann::json& result, bool coalesced) {
  const store::Item& item = entry->claim.item;
  store::ItemCompletion completion;
  completion.item_id = item.id;
  completion.worker_id = worker_id_;
  completion.lease_token = item.lease_token;
  completion.duration_seconds = Seconds(entry->started.value_or(clock_.Now()));
  completion.result = result;
  completion.findings = FindingsOf(result);
  // Published by whichever thread committed the completion, in commit order within a batch
  // (CompletionBatcher::OnCommitted): the item events of a batch precede the run's final
  // status, which a subscriber takes as the end of its stream.
  const CompletionBatcher::OnCommitted published = [&](const store::ItemUpdate& update) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.completed;
      if (coalesced)
        ++stats_.coalesced;
    }
    JobEvent event = ItemEvent(JobEventKind::kItemCompleted, *entry);
    event.duration_seconds = completion.duration_seconds;
    event.coalesced = coalesced;
    Publish(std::move(event));
    PublishUpdate(entry, update);
    // The item is done: its slot is free from now, together with the other slots of its batch
    // (these callbacks run before any caller of the batch returns), so the dispatcher, woken
    // when the first of them returns, claims for all of them at once.
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = in_flight_.find(item.id); it != in_flight_.end() && it->second == entry) {
      in_flight_.erase(it);
      ++slot_seq_;
    }
  };
  bool announced = std::exchange(entry->announced, false);
  Status written = WriteWithRetry(entry, [&] {
    auto u = completions_.Complete(completion, published, std::exchange(announced, false));
    return u.ok() ? Status::Ok() : u.status();
  });
  if (!written.ok()) {
    CountStaleWrite(written, "complete");
    CountRefused(written, "result", item.id);
  }
}

void BatchRunner::FinishFailure(const std::shared_ptr<InFlight>& entry,
                                const common::Status& status, int max_retries, bool coalesced) {
  const store::Item& item = entry->claim.item;
  const std::string code =
      status.error_code().empty() ? std::string(kAnalysisFailedCode) : status.error_code();
  if (code == kInternalErrorCode && item.error_code == kInternalErrorCode) {
    // Poison-item rule: the second internal error in a row ends the item.
    FailNow(entry, kPoisonItemCode,
            "the item's analysis failed twice with an internal error: " + status.message());
    return;
  }
  if (status.retryable() && item.retry_count < max_retries) {
    const auto delay = retry_.Delay(item.retry_count, fetch::RetryAfter(status));
    store::ItemRetry retry;
    retry.item_id = item.id;
    retry.worker_id = worker_id_;
    retry.lease_token = item.lease_token;
    retry.not_before = store::TruncateTime(clock_.Now() + delay);
    retry.error_code = code;
    retry.error_message = status.message();
    Status s = WriteWithRetry(entry, [&] { return store_.RetryItem(retry); });
    if (!s.ok()) {
      CountStaleWrite(s, "retry");
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.aborted;
      if (!IsLeaseLost(s)) {
        spdlog::warn("batch runner: sending item {} back for a retry failed: {}", item.id,
                     s.ToString());
      }
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.retried;
      if (!next_retry_at_ || retry.not_before < *next_retry_at_)
        next_retry_at_ = retry.not_before;
      ++retry_seq_;
    }
    dispatch_cv_.notify_all();
    JobEvent event = ItemEvent(JobEventKind::kItemRetrying, *entry);
    event.error_code = code;
    event.error_message = status.message();
    event.retry_count = item.retry_count + 1;
    event.not_before = retry.not_before;
    Publish(std::move(event));
    return;
  }
  if (coalesced) {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.coalesced;
  }
  FailNow(entry, code, status.message());
}

void BatchRunner::FinishUnexpected(const std::shared_ptr<InFlight>& entry) {
  const store::Item& item = entry->claim.item;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.unexpected;
  }
  // FinishFailure applies the poison-item rule when the previous attempt ended the same way.
  const Status status =
      Status::Error(common::StatusCode::kInternal, std::string(kInternalErrorCode),
                    "internal error while processing the item (see the service log)", true);
  FinishFailure(entry, status, item.retry_count + 1, /*coalesced=*/false);
}

void BatchRunner::Supervise(std::string_view what, void (BatchRunner::*loop)(),
                            const bool& stop_flag) {
  while (!common::RunGuarded(what, [&] { (this->*loop)(); })) {
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_flag)
      return;
    // A loop that threw (a bug) starts again after a pause, so one bad pass neither ends the
    // runner nor spins.
    lock.unlock();
    std::this_thread::sleep_for(kSupervisorPause);
  }
}

void BatchRunner::FailNow(const std::shared_ptr<InFlight>& entry, std::string_view code,
                          const std::string& message, nlohmann::json details) {
  const store::Item& item = entry->claim.item;
  store::ItemFailure failure;
  failure.item_id = item.id;
  failure.worker_id = worker_id_;
  failure.lease_token = item.lease_token;
  failure.error_code = std::string(code);
  failure.error_message = message;
  failure.error_details = std::move(details);
  failure.duration_seconds = Seconds(entry->started.value_or(clock_.Now()));
  std::optional<store::ItemUpdate> update;
  Status written = WriteWithRetry(entry, [&] {
    auto u = store_.FailItem(failure);
    if (!u.ok())
      return u.status();
    update = std::move(u).value();
    return Status::Ok();
  });
  if (!written.ok()) {
    CountStaleWrite(written, "fail");
    CountRefused(written, "failure", item.id);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.failed;
  }
  JobEvent event = ItemEvent(JobEventKind::kItemFailed, *entry);
  event.error_code = failure.error_code;
  event.error_message = message;
  event.duration_seconds = failure.duration_seconds;
  Publish(std::move(event));
  PublishUpdate(entry, *update);
}

void BatchRunner::PublishUpdate(const std::shared_ptr<InFlight>& entry,
                                const store::ItemUpdate& update) {
  JobEvent counters;
  counters.kind = JobEventKind::kCounters;
  counters.org_id = entry->claim.org_id;
  counters.job_id = update.job_id;
  counters.run_id = update.run_id;
  counters.job_status = update.job_status;
  counters.successful_count = update.successful_count;
  counters.failed_count = update.failed_count;
  counters.total_leads = update.total_leads;
  JobEvent status = counters;
  status.kind = JobEventKind::kJobStatus;
  {
    // Workers commit in one order and may publish in another; a subscriber's progress bar must
    // never go back, so counters older than the last published for the run are left out.
    std::lock_guard<std::mutex> lock(progress_mu_);
    const int64_t progress = update.successful_count + update.failed_count;
    auto [it, inserted] = last_progress_.try_emplace(update.run_id, -1);
    if (inserted) {
      progress_runs_.push_back(update.run_id);
      while (progress_runs_.size() > kRememberedRunProgress) {
        last_progress_.erase(progress_runs_.front());
        progress_runs_.pop_front();
      }
    }
    if (progress > it->second) {
      it->second = progress;
      Publish(std::move(counters));
    }
    if (update.run_finished)
      Publish(std::move(status));
  }
  if (update.run_finished)
    ForgetRun(update.run_id);
}

void BatchRunner::ForgetRun(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(coalesce_mu_);
  outcomes_.erase(run_id);
  outcome_order_.erase(run_id);
  outcome_runs_.erase(std::remove(outcome_runs_.begin(), outcome_runs_.end(), run_id),
                      outcome_runs_.end());
}

common::Result<store::Job> BatchRunner::CancelJob(const common::OrgId& org_id,
                                                  const std::string& job_id) {
  auto job = store_.CancelJob(org_id, job_id);
  if (!job.ok())
    return job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_jobs_.insert(job_id).second) {
      cancelled_order_.push_back(job_id);
      while (cancelled_order_.size() > kRememberedCancelledJobs) {
        cancelled_jobs_.erase(cancelled_order_.front());
        cancelled_order_.pop_front();
      }
    }
    for (const auto& [id, entry] : in_flight_) {
      if (entry->claim.item.job_id == job_id)
        SetAbort(entry, Abort::kJobCancelled);
    }
  }
  if (!job->current_run_id.empty())
    ForgetRun(job->current_run_id);
  spdlog::info("batch runner: job {} cancelled", job_id);
  JobEvent event;
  event.kind = JobEventKind::kJobStatus;
  event.org_id = job->org_id;
  event.job_id = job->id;
  event.run_id = job->current_run_id;
  event.job_status = job->status;
  event.successful_count = job->successful_count;
  event.failed_count = job->failed_count;
  event.total_leads = job->total_leads;
  Publish(std::move(event));
  return job;
}

void BatchRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_)
      return;
    stopping_ = true;
  }
  dispatch_cv_.notify_all();
  work_cv_.notify_all();
  if (dispatcher_.joinable())
    dispatcher_.join();
  {
    std::unique_lock<std::mutex> lock(mu_);
    const TimePoint deadline = clock_.Now() + options_.grace_period;
    draining_ = true;
    clock_.WaitUntil(idle_cv_, lock, deadline, [&] { return active_ == 0; });
    draining_ = false;
    if (active_ > 0) {
      spdlog::info("batch runner: grace period over; aborting {} analysis(es)", active_);
      for (const auto& [id, entry] : in_flight_) {
        if (entry->started)
          SetAbort(entry, Abort::kShutdown);
      }
    }
    workers_stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable())
      worker.join();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    heartbeat_stopping_ = true;
  }
  heartbeat_cv_.notify_all();
  if (heartbeat_.joinable())
    heartbeat_.join();
  auto released = store_.ReleaseWorkerLeases(worker_id_);
  std::lock_guard<std::mutex> lock(mu_);
  if (released.ok()) {
    stats_.released += *released;
    spdlog::info("Batch runner stopped: {} item(s) released to pending", *released);
  } else {
    spdlog::warn("Batch runner stopped; releasing its leases failed: {}",
                 released.status().ToString());
  }
  size_t never_started = 0;
  for (const auto& entry : queue_)
    never_started += std::exchange(entry->announced, false) ? 1 : 0;
  completions_.Withdraw(never_started);
  queue_.clear();
  in_flight_.clear();
}

}  // namespace leadscan::jobs
