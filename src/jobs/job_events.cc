#include "jobs/job_events.h"

#include <utility>

namespace leadscan::jobs {

const char* JobEventKindName(JobEventKind kind) {
  switch (kind) {
    case JobEventKind::kItemCompleted:
      return "item_completed";
    case JobEventKind::kItemFailed:
      return "item_failed";
    case JobEventKind::kItemRetrying:
      return "item_retrying";
    case JobEventKind::kCounters:
      return "counters";
    case JobEventKind::kJobStatus:
      return "job_status";
    case JobEventKind::kRunStarted:
      return "run_started";
    case JobEventKind::kRunSkipped:
      return "run_skipped";
  }
  return "unknown";
}

nlohmann::json JobEvent::ToJson() const {
  nlohmann::json out = {{"type", JobEventKindName(kind)},
                        {"sequence", sequence},
                        {"job_id", job_id},
                        {"at", store::FormatTime(at)}};
  if (!run_id.empty())
    out["run_id"] = run_id;
  switch (kind) {
    case JobEventKind::kItemCompleted:
    case JobEventKind::kItemFailed:
    case JobEventKind::kItemRetrying:
      out["item_id"] = item_id;
      out["lead_id"] = lead_id;
      out["domain"] = domain;
      break;
    default:
      break;
  }
  switch (kind) {
    case JobEventKind::kItemCompleted:
      out["status"] = "completed";
      out["duration_seconds"] = duration_seconds;
      if (coalesced)
        out["coalesced"] = true;
      break;
    case JobEventKind::kItemFailed:
      out["status"] = "failed";
      out["error_code"] = error_code;
      out["error_message"] = error_message;
      out["duration_seconds"] = duration_seconds;
      break;
    case JobEventKind::kItemRetrying:
      out["status"] = "pending";
      out["error_code"] = error_code;
      out["error_message"] = error_message;
      out["retry_count"] = retry_count;
      if (not_before)
        out["not_before"] = store::FormatTime(*not_before);
      break;
    case JobEventKind::kCounters:
    case JobEventKind::kJobStatus:
    case JobEventKind::kRunStarted:
      out["status"] = store::JobStatusName(job_status);
      out["successful_count"] = successful_count;
      out["failed_count"] = failed_count;
      out["total_leads"] = total_leads;
      out["progress"] = successful_count + failed_count;
      if (!error_message.empty())
        out["error_message"] = error_message;
      break;
    case JobEventKind::kRunSkipped:
      out["status"] = "skipped";
      out["error_message"] = error_message;
      break;
  }
  return out;
}

JobEventSubscription::JobEventSubscription(std::string job_id, size_t capacity,
                                           std::function<void()> waker)
    : job_id_(std::move(job_id)),
      capacity_(capacity == 0 ? 1 : capacity),
      waker_(std::move(waker)) {}

std::vector<JobEvent> JobEventSubscription::Drain() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<JobEvent> out(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

std::optional<JobEvent> JobEventSubscription::WaitNext(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return closed_ || !queue_.empty(); });
  if (queue_.empty())
    return std::nullopt;
  JobEvent event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

size_t JobEventSubscription::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void JobEventSubscription::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool JobEventSubscription::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

bool JobEventSubscription::Offer(const JobEvent& event) {
  if (!job_id_.empty() && event.job_id != job_id_)
    return true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_)
      return false;
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back(event);
  }
  cv_.notify_all();
  if (waker_)
    waker_();
  return true;
}

JobEventHub::JobEventHub(size_t default_capacity)
    : default_capacity_(default_capacity == 0 ? kDefaultQueueCapacity : default_capacity) {}

void JobEventHub::Publish(JobEvent event) {
  // Serialises publishers so every subscriber sees events in sequence order; the list lock is
  // not held while offering, so Subscribe never waits on a slow waker.
  std::lock_guard<std::mutex> publish_lock(publish_mu_);
  std::vector<std::shared_ptr<JobEventSubscription>> targets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    event.sequence = ++sequence_;
    targets.reserve(subscribers_.size());
    for (auto it = subscribers_.begin(); it != subscribers_.end();) {
      if (auto sub = it->lock(); sub && !sub->closed()) {
        targets.push_back(std::move(sub));
        ++it;
      } else {
        it = subscribers_.erase(it);
      }
    }
  }
  for (const auto& sub : targets)
    sub->Offer(event);
}

std::shared_ptr<JobEventSubscription> JobEventHub::Subscribe(std::string job_id, size_t capacity,
                                                             std::function<void()> waker) {
  auto sub = std::make_shared<JobEventSubscription>(
      std::move(job_id), capacity == 0 ? default_capacity_ : capacity, std::move(waker));
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.push_back(sub);
  return sub;
}

size_t JobEventHub::subscriber_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& weak : subscribers_) {
    if (auto sub = weak.lock(); sub && !sub->closed())
      ++n;
  }
  return n;
}

uint64_t JobEventHub::published() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sequence_;
}

}  // namespace leadscan::jobs
