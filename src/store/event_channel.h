// EventChannel: a best-effort broadcast of short text messages between the processes that share
// one database (PostgreSQL LISTEN/NOTIFY; docs/decisions/cross-process-events.md). A message
// reaches every process listening when it is sent, the sender's own listener included; messages
// sent while a listener is disconnected are lost to it. Thread-safe; the owner must Stop() it
// (or destroy it) before the callback's captures go away.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace leadscan::store {

struct EventChannelOptions {
  // The NOTIFY channel: 1 to 63 of [a-z0-9_].
  std::string channel = "leadscan_job_events";
  // Waits between reconnection attempts of the listener: doubling from min to max.
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{std::chrono::seconds(5)};
  // How long the listener waits on its socket before it checks for Stop (and the connection).
  std::chrono::milliseconds poll_interval{250};
};

struct EventChannelStats {
  uint64_t sent = 0;         // messages sent
  uint64_t received = 0;     // messages handed to the listener's callback
  uint64_t connects = 0;     // listener connections made (1 + reconnects)
  uint64_t send_errors = 0;  // Send calls that failed
};

class EventChannel {
 public:
  // PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
  static constexpr size_t kMaxPayloadBytes = 7999;

  virtual ~EventChannel() = default;

  // Sends the messages in one transaction: delivered together and in order. InvalidArgument
  // payload_too_large (nothing sent) when one is longer than kMaxPayloadBytes or empty;
  // io_error when the database cannot be reached (the next call connects again). Blocks.
  virtual common::Status Send(const std::vector<std::string>& messages) = 0;

  // Starts the listener thread, which calls `on_message` for every message on that thread in
  // the order the database delivers them, and `on_connected` (when set) after each (re)connect.
  // After a lost connection it reconnects with backoff. Conflict when it listens already.
  virtual common::Status Listen(std::function<void(std::string_view)> on_message,
                                std::function<void()> on_connected = nullptr) = 0;

  // Ends the listener and joins its thread. Idempotent; blocks at most about poll_interval
  // plus a connection attempt.
  virtual void Stop() = 0;

  virtual EventChannelStats stats() const = 0;
};

// A channel on the database of a "postgresql://" / "postgres://" store URL; nullptr for other
// stores (SQLite has one process per database and needs none). invalid_channel for a bad name.
// Connects only when used.
common::Result<std::unique_ptr<EventChannel>> OpenEventChannel(
    const std::string& url, const EventChannelOptions& options = {});

}  // namespace leadscan::store
