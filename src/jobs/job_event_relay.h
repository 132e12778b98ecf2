// JobEventRelay: job events across the processes of one database. Publish() hands an event to
// this process' JobEventHub at once and queues it for the EventChannel; a sender thread packs
// queued events into messages under the channel's payload limit; the channel's listener hands
// the events of other processes to the hub. Every message carries its process' origin id and a
// process ignores its own, so a local subscriber sees each event exactly once. Events are best
// effort across processes (a listener that reconnects misses what was sent meanwhile; counters
// and job_status events carry absolute values, so the next one repairs a view). The hub and the
// channel must outlive the relay. Thread-safe; Publish never blocks on the database.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "jobs/job_events.h"
#include "store/event_channel.h"

namespace leadscan::jobs {

// Text fields are cut (at a UTF-8 boundary) to this many bytes on the wire, so one event always
// fits a message.
inline constexpr size_t kMaxWireTextBytes = 1024;

// One message: {"o": origin, "e": [event, ...]} with each event in its wire form (every field,
// org_id included, unlike the SSE form).
struct RelayMessage {
  std::string origin;
  std::vector<JobEvent> events;
};

// The wire form of one event (JSON text), text fields cut to kMaxWireTextBytes.
std::string EncodeWireEvent(const JobEvent& event);

// Packs `events` in order into as few messages as fit `max_bytes` each. An event that cannot
// fit alone is left out and counted in *left_out (when given).
std::vector<std::string> PackRelayMessages(std::string_view origin,
                                           const std::vector<JobEvent>& events, size_t max_bytes,
                                           size_t* left_out = nullptr);

// Parses a message (bounded JSON; unknown event kinds are an error). invalid_relay_message.
common::Result<RelayMessage> DecodeRelayMessage(std::string_view text);

struct JobEventRelayOptions {
  std::string origin;         // this process; empty: a random id
  size_t max_queued = 10000;  // events waiting to be sent; beyond it the oldest are dropped
  size_t max_batch = 500;     // events taken per send
  std::chrono::milliseconds retry_backoff{std::chrono::milliseconds(500)};
  std::chrono::milliseconds stop_flush_timeout{std::chrono::seconds(2)};
};

struct JobEventRelayStats {
  uint64_t sent = 0;         // events sent to the channel
  uint64_t dropped = 0;      // events never sent (queue full, too large, stopped while failing)
  uint64_t received = 0;     // events of other processes handed to the hub
  uint64_t own_ignored = 0;  // messages of this process seen again on the channel
  uint64_t malformed = 0;    // messages that did not parse
};

class JobEventRelay final : public JobEvents {
 public:
  JobEventRelay(JobEventHub& hub, store::EventChannel& channel, JobEventRelayOptions options = {});

  JobEventRelay(const JobEventRelay&) = delete;
  JobEventRelay& operator=(const JobEventRelay&) = delete;

  ~JobEventRelay() override;

  // Starts listening and the sender thread. Conflict when started already.
  common::Status Start();

  // Sends what is queued (waiting at most stop_flush_timeout), stops the sender and the
  // listener. Idempotent.
  void Stop();

  // Local delivery now; cross-process delivery queued. Never blocks on the database.
  void Publish(JobEvent event) override;

  const std::string& origin() const { return origin_; }

  JobEventRelayStats stats() const;

 private:
  void SendLoop();
  void OnMessage(std::string_view text);

  JobEventHub& hub_;
  store::EventChannel& channel_;
  const JobEventRelayOptions options_;
  const std::string origin_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<JobEvent> queue_;
  bool started_ = false;
  bool stopping_ = false;
  bool sending_ = false;  // a batch taken from the queue is on its way
  std::thread sender_;

  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> own_ignored_{0};
  std::atomic<uint64_t> malformed_{0};
};

}  // namespace leadscan::jobs
