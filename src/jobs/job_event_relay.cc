#include "jobs/job_event_relay.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "common/json_parse.h"
#include "common/thread_guard.h"
#include "common/uuid.h"

namespace leadscan::jobs {
namespace {

using Json = nlohmann::json;

constexpr std::array<JobEventKind, 7> kKinds = {
    JobEventKind::kItemCompleted, JobEventKind::kItemFailed, JobEventKind::kItemRetrying,
    JobEventKind::kCounters,      JobEventKind::kJobStatus,  JobEventKind::kRunStarted,
    JobEventKind::kRunSkipped};

std::optional<JobEventKind> ParseKind(std::string_view name) {
  for (JobEventKind kind : kKinds) {
    if (name == JobEventKindName(kind))
      return kind;
  }
  return std::nullopt;
}

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string Cut(const std::string& text, size_t max) {
  if (text.size() <= max)
    return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
    --end;
  return text.substr(0, end);
}

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

common::Status Malformed(const std::string& why) {
  return common::Status::InvalidArgument("invalid_relay_message", "relay message: " + why);
}

// Reads an optional field of the expected type into `out`; false when present with another type.
bool ReadString(const Json& e, const char* key, std::string* out) {
  auto it = e.find(key);
  if (it == e.end())
    return true;
  if (!it->is_string())
    return false;
  *out = it->get<std::string>();
  return true;
}

template <typename T>
bool ReadNumber(const Json& e, const char* key, T* out) {
  auto it = e.find(key);
  if (it == e.end())
    return true;
  if (!it->is_number())
    return false;
  *out = it->get<T>();
  return true;
}

common::Result<JobEvent> DecodeEvent(const Json& e) {
  if (!e.is_object())
    return Malformed("an event is not an object");
  JobEvent event;
  std::string kind, job_status, at, not_before;
  bool ok = ReadString(e, "k", &kind) && ReadString(e, "org", &event.org_id) &&
            ReadString(e, "job", &event.job_id) && ReadString(e, "run", &event.run_id) &&
            ReadString(e, "item", &event.item_id) && ReadString(e, "lead", &event.lead_id) &&
            ReadString(e, "domain", &event.domain) && ReadString(e, "js", &job_status) &&
            ReadString(e, "ec", &event.error_code) && ReadString(e, "em", &event.error_message) &&
            ReadString(e, "at", &at) && ReadString(e, "nb", &not_before) &&
            ReadNumber(e, "rc", &event.retry_count) &&
            ReadNumber(e, "d", &event.duration_seconds) &&
            ReadNumber(e, "s", &event.successful_count) &&
            ReadNumber(e, "f", &event.failed_count) && ReadNumber(e, "t", &event.total_leads);
  if (!ok)
    return Malformed("a field has the wrong type");
  auto parsed_kind = ParseKind(kind);
  if (!parsed_kind)
    return Malformed("unknown event kind '" + Cut(kind, 64) + "'");
  event.kind = *parsed_kind;
  if (event.job_id.empty())
    return Malformed("an event without a job");
  if (!job_status.empty()) {
    auto status = store::ParseJobStatus(job_status);
    if (!status)
      return Malformed("unknown job status '" + Cut(job_status, 64) + "'");
    event.job_status = *status;
  }
  auto at_time = store::ParseTime(at);
  if (!at_time)
    return Malformed("an event without a valid time");
  event.at = *at_time;
  if (!not_before.empty()) {
    event.not_before = store::ParseTime(not_before);
    if (!event.not_before)
      return Malformed("an invalid not_before");
  }
  if (auto it = e.find("co"); it != e.end()) {
    if (!it->is_boolean())
      return Malformed("a field has the wrong type");
    event.coalesced = it->get<bool>();
  }
  return event;
}

}  // namespace

std::string EncodeWireEvent(const JobEvent& event) {
  Json e = {{"k", JobEventKindName(event.kind)},
            {"org", Cut(event.org_id, kMaxWireTextBytes)},
            {"job", Cut(event.job_id, kMaxWireTextBytes)},
            {"js", store::JobStatusName(event.job_status)},
            {"at", store::FormatTime(event.at)},
            {"s", event.successful_count},
            {"f", event.failed_count},
            {"t", event.total_leads}};
  auto text = [&](const char* key, const std::string& value) {
    if (!value.empty())
      e[key] = Cut(value, kMaxWireTextBytes);
  };
  text("run", event.run_id);
  text("item", event.item_id);
  text("lead", event.lead_id);
  text("domain", event.domain);
  text("ec", event.error_code);
  text("em", event.error_message);
  if (event.retry_count != 0)
    e["rc"] = event.retry_count;
  if (event.not_before)
    e["nb"] = store::FormatTime(*event.not_before);
  if (event.duration_seconds != 0)
    e["d"] = event.duration_seconds;
  if (event.coalesced)
    e["co"] = true;
  return Dump(e);
}

std::vector<std::string> PackRelayMessages(std::string_view origin,
                                           const std::vector<JobEvent>& events, size_t max_bytes,
                                           size_t* left_out) {
  const std::string head = "{\"o\":" + Dump(Json(std::string(origin))) + ",\"e\":[";
  const std::string tail = "]}";
  std::vector<std::string> out;
  std::string current;
  size_t skipped = 0;
  for (const JobEvent& event : events) {
    std::string wire = EncodeWireEvent(event);
    if (head.size() + wire.size() + tail.size() > max_bytes) {
      ++skipped;
      continue;
    }
    if (!current.empty() && current.size() + 1 + wire.size() + tail.size() > max_bytes) {
      out.push_back(current + tail);
      current.clear();
    }
    current += current.empty() ? head : ",";
    current += wire;
  }
  if (!current.empty())
    out.push_back(current + tail);
  if (left_out != nullptr)
    *left_out = skipped;
  return out;
}

common::Result<RelayMessage> DecodeRelayMessage(std::string_view text) {
  if (text.size() > store::EventChannel::kMaxPayloadBytes)
    return Malformed("longer than a notification may be");
  auto json = common::ParseJson(text, "relay message");
  if (!json.ok())
    return Malformed(json.status().message());
  if (!json->is_object())
    return Malformed("not an object");
  RelayMessage message;
  auto origin = json->find("o");
  auto events = json->find("e");
  if (origin == json->end() || !origin->is_string() || events == json->end() ||
      !events->is_array()) {
    return Malformed("needs an origin and a list of events");
  }
  message.origin = origin->get<std::string>();
  for (const Json& e : *events) {
    auto event = DecodeEvent(e);
    if (!event.ok())
      return event.status();
    message.events.push_back(std::move(*event));
  }
  return message;
}

JobEventRelay::JobEventRelay(JobEventHub& hub, store::EventChannel& channel,
                             JobEventRelayOptions options)
    : hub_(hub),
      channel_(channel),
      options_(std::move(options)),
      origin_(options_.origin.empty() ? common::RandomHex(16) : options_.origin) {}

JobEventRelay::~JobEventRelay() {
  Stop();
}

common::Status JobEventRelay::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_)
      return common::Status::Conflict("relay_started", "the event relay runs already");
    started_ = true;
    stopping_ = false;
  }
  auto s = channel_.Listen([this](std::string_view text) { OnMessage(text); });
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    started_ = false;
    return s;
  }
  sender_ = std::thread([this] { common::RunGuarded("event relay sender", [&] { SendLoop(); }); });
  return common::Status::Ok();
}

void JobEventRelay::Stop() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!started_ || stopping_)
      return;
    // Gives queued events a moment to go out, then stops whatever is left.
    cv_.wait_for(lock, options_.stop_flush_timeout, [&] { return queue_.empty() && !sending_; });
    stopping_ = true;
  }
  cv_.notify_all();
  if (sender_.joinable())
    sender_.join();
  channel_.Stop();
  std::lock_guard<std::mutex> lock(mu_);
  dropped_ += queue_.size();
  queue_.clear();
  started_ = false;
}

void JobEventRelay::Publish(JobEvent event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_ && !stopping_) {
      if (queue_.size() >= options_.max_queued) {
        queue_.pop_front();
        ++dropped_;
      }
      queue_.push_back(event);
    }
  }
  cv_.notify_all();
  hub_.Publish(std::move(event));
}

JobEventRelayStats JobEventRelay::stats() const {
  JobEventRelayStats s;
  s.sent = sent_.load();
  s.dropped = dropped_.load();
  s.received = received_.load();
  s.own_ignored = own_ignored_.load();
  s.malformed = malformed_.load();
  return s;
}

void JobEventRelay::SendLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  bool warned = false;
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_)
      return;
    const size_t n = std::min(queue_.size(), options_.max_batch);
    std::vector<JobEvent> batch(std::make_move_iterator(queue_.begin()),
                                std::make_move_iterator(queue_.begin() + static_cast<long>(n)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
    sending_ = true;
    lock.unlock();
    size_t left_out = 0;
    auto messages =
        PackRelayMessages(origin_, batch, store::EventChannel::kMaxPayloadBytes, &left_out);
    dropped_ += left_out;
    common::Status s = channel_.Send(messages);
    lock.lock();
    if (s.ok()) {
      sent_ += batch.size() - left_out;
      if (warned)
        spdlog::info("event relay: sending to other processes again");
      warned = false;
      sending_ = false;
      cv_.notify_all();
      continue;
    }
    if (!warned) {
      spdlog::warn("event relay: cannot send events to other processes ({}); retrying",
                   s.ToString());
      warned = true;
    }
    // The batch goes back to the front (in order) while the queue's bound still holds.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      if (queue_.size() >= options_.max_queued) {
        ++dropped_;
        continue;
      }
      queue_.push_front(std::move(*it));
    }
    sending_ = false;
    cv_.notify_all();
    cv_.wait_for(lock, options_.retry_backoff, [&] { return stopping_; });
    if (stopping_)
      return;
  }
}

void JobEventRelay::OnMessage(std::string_view text) {
  auto message = DecodeRelayMessage(text);
  if (!message.ok()) {
    if (malformed_++ == 0)
      spdlog::warn("event relay: ignoring a message: {}", message.status().ToString());
    return;
  }
  if (message->origin == origin_) {
    ++own_ignored_;
    return;
  }
  for (JobEvent& event : message->events) {
    ++received_;
    hub_.Publish(std::move(event));
  }
}

}  // namespace leadscan::jobs
