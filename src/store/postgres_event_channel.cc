// The PostgreSQL EventChannel: NOTIFY through pg_notify() on a sender connection, LISTEN on a
// dedicated listener connection watched with poll(2) beside an eventfd that Stop() signals.
#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "common/thread_guard.h"
#include "store/event_channel.h"

namespace leadscan::store {
namespace {

// Connection parameters added to the store URL: a bounded connect and TCP keepalives, so a
// peer that vanished without closing the socket is noticed in about half a minute.
constexpr const char* kConnectTimeoutSeconds = "5";
constexpr const char* kKeepalivesIdleSeconds = "10";
constexpr const char* kKeepalivesIntervalSeconds = "5";
constexpr const char* kKeepalivesCount = "3";

bool ValidChannel(std::string_view name) {
  if (name.empty() || name.size() > 63)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

void IgnoreNotice(void*, const char*) {}

// A connection with the store URL's settings plus ours; nullptr (and `error`) on failure.
PGconn* Connect(const std::string& url, std::string* error) {
  const char* keys[] = {"dbname",
                        "connect_timeout",
                        "keepalives",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        nullptr};
  const char* values[] = {url.c_str(),
                          kConnectTimeoutSeconds,
                          "1",
                          kKeepalivesIdleSeconds,
                          kKeepalivesIntervalSeconds,
                          kKeepalivesCount,
                          nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    *error = "out of memory";
    return nullptr;
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    *error = PQerrorMessage(conn);
    PQfinish(conn);
    return nullptr;
  }
  // Server messages (a terminated session's FATAL, ...) surface as errors here, not on stderr.
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return conn;
}

// Runs a command without results; empty on success, else the error text.
std::string Command(PGconn* conn, const char* sql) {
  PGresult* res = PQexec(conn, sql);
  std::string error;
  if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
    error = PQerrorMessage(conn);
  PQclear(res);
  return error;
}

class PostgresEventChannel final : public EventChannel {
 public:
  PostgresEventChannel(std::string url, EventChannelOptions options)
      : url_(std::move(url)), options_(std::move(options)) {}

  ~PostgresEventChannel() override {
    Stop();
    std::lock_guard lock(send_mu_);
    if (sender_ != nullptr)
      PQfinish(sender_);
  }

  common::Status Send(const std::vector<std::string>& messages) override {
    for (const auto& m : messages) {
      if (m.empty() || m.size() > kMaxPayloadBytes) {
        return common::Status::InvalidArgument(
            "payload_too_large", "a notification must hold 1 to " +
                                     std::to_string(kMaxPayloadBytes) + " bytes, not " +
                                     std::to_string(m.size()));
      }
    }
    if (messages.empty())
      return common::Status::Ok();
    std::lock_guard lock(send_mu_);
    common::Status s = SendLocked(messages);
    if (!s.ok()) {
      ++stats_send_errors_;
      // The next call starts from a fresh connection.
      if (sender_ != nullptr) {
        PQfinish(sender_);
        sender_ = nullptr;
      }
    } else {
      stats_sent_ += messages.size();
    }
    return s;
  }

  common::Status Listen(std::function<void(std::string_view)> on_message,
                        std::function<void()> on_connected) override {
    std::lock_guard lock(listen_mu_);
    if (listening_)
      return common::Status::Conflict("channel_listening", "the channel listens already");
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
      return common::Status::Error(common::StatusCode::kIoError, "io_error",
                                   "eventfd failed for the event channel");
    }
    stopping_ = false;
    listening_ = true;
    listener_ = std::thread([this, on_message = std::move(on_message),
                             on_connected = std::move(on_connected)] {
      common::RunGuarded("event channel listener", [&] { ListenLoop(on_message, on_connected); });
    });
    return common::Status::Ok();
  }

  void Stop() override {
    std::lock_guard lock(listen_mu_);
    if (!listening_)
      return;
    {
      // Under the backoff lock, so a listener between its check and its wait cannot miss it.
      std::lock_guard backoff_lock(backoff_mu_);
      stopping_ = true;
    }
    const uint64_t one = 1;
    if (::write(wake_fd_, &one, sizeof one) < 0) {
      // The listener still sees stopping_ at its next poll timeout.
    }
    backoff_cv_.notify_all();
    if (listener_.joinable())
      listener_.join();
    ::close(wake_fd_);
    wake_fd_ = -1;
    listening_ = false;
  }

  EventChannelStats stats() const override {
    EventChannelStats s;
    s.sent = stats_sent_.load();
    s.received = stats_received_.load();
    s.connects = stats_connects_.load();
    s.send_errors = stats_send_errors_.load();
    return s;
  }

 private:
  common::Status SendLocked(const std::vector<std::string>& messages) {
    if (sender_ == nullptr || PQstatus(sender_) != CONNECTION_OK) {
      if (sender_ != nullptr)
        PQfinish(sender_);
      std::string error;
      sender_ = Connect(url_, &error);
      if (sender_ == nullptr) {
        return common::Status::Error(common::StatusCode::kIoError, "io_error",
                                     "event channel connect: " + error, true);
      }
    }
    auto fail = [&](const std::string& what) {
      return common::Status::Error(common::StatusCode::kIoError, "io_error",
                                   "event channel " + what, true);
    };
    if (messages.size() > 1) {
      if (std::string e = Command(sender_, "BEGIN"); !e.empty())
        return fail("begin: " + e);
    }
    for (const auto& m : messages) {
      const char* params[] = {options_.channel.c_str(), m.c_str()};
      PGresult* res = PQexecParams(sender_, "SELECT pg_notify($1, $2)", 2, nullptr, params, nullptr,
                                   nullptr, 0);
      const bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
      PQclear(res);
      if (!ok)
        return fail(std::string("notify: ") + PQerrorMessage(sender_));
    }
    if (messages.size() > 1) {
      if (std::string e = Command(sender_, "COMMIT"); !e.empty())
        return fail("commit: " + e);
    }
    return common::Status::Ok();
  }

  // Sleeps `wait` unless Stop() comes first; false when stopping.
  bool Backoff(std::chrono::milliseconds wait) {
    std::unique_lock lock(backoff_mu_);
    backoff_cv_.wait_for(lock, wait, [&] { return stopping_.load(); });
    return !stopping_;
  }

  void ListenLoop(const std::function<void(std::string_view)>& on_message,
                  const std::function<void()>& on_connected) {
    std::chrono::milliseconds backoff = options_.reconnect_min;
    bool warned = false;
    while (!stopping_) {
      std::string error;
      PGconn* conn = Connect(url_, &error);
      if (conn != nullptr) {
        char* quoted = PQescapeIdentifier(conn, options_.channel.c_str(), options_.channel.size());
        std::string listen = std::string("LISTEN ") + (quoted ? quoted : "\"\"");
        if (quoted != nullptr)
          PQfreemem(quoted);
        error = Command(conn, listen.c_str());
        if (!error.empty()) {
          PQfinish(conn);
          conn = nullptr;
        }
      }
      if (conn == nullptr) {
        if (!warned) {
          spdlog::warn("event channel: cannot listen on {} ({}); retrying", options_.channel,
                       error);
          warned = true;
        }
        if (!Backoff(backoff))
          return;
        backoff = std::min(backoff * 2, options_.reconnect_max);
        continue;
      }
      ++stats_connects_;
      if (warned || stats_connects_ > 1)
        spdlog::info("event channel: listening on {} again", options_.channel);
      warned = false;
      backoff = options_.reconnect_min;
      if (on_connected)
        on_connected();
      Drain(conn, on_message);
      PQfinish(conn);
      if (!stopping_) {
        spdlog::warn("event channel: lost the connection listening on {}; reconnecting",
                     options_.channel);
        if (!Backoff(backoff))
          return;
      }
    }
  }

  // Hands notifications to on_message until the connection fails or Stop() is called.
  void Drain(PGconn* conn, const std::function<void(std::string_view)>& on_message) {
    while (!stopping_) {
      pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int n = ::poll(fds, 2, static_cast<int>(options_.poll_interval.count()));
      if (n < 0 && errno != EINTR)
        return;
      if (stopping_)
        return;
      if (n > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
        if (PQconsumeInput(conn) == 0)
          return;
      }
      while (PGnotify* note = PQnotifies(conn)) {
        std::string payload(note->extra != nullptr ? note->extra : "");
        PQfreemem(note);
        ++stats_received_;
        // A callback that throws loses its message, never the listener.
        common::RunGuarded("event channel callback", [&] { on_message(payload); });
      }
      if (PQstatus(conn) != CONNECTION_OK)
        return;
    }
  }

  const std::string url_;
  const EventChannelOptions options_;

  std::mutex send_mu_;
  PGconn* sender_ = nullptr;

  std::mutex listen_mu_;  // Listen and Stop
  bool listening_ = false;
  int wake_fd_ = -1;
  std::thread listener_;
  std::atomic<bool> stopping_{false};
  std::mutex backoff_mu_;
  std::condition_variable backoff_cv_;

  std::atomic<uint64_t> stats_sent_{0};
  std::atomic<uint64_t> stats_received_{0};
  std::atomic<uint64_t> stats_connects_{0};
  std::atomic<uint64_t> stats_send_errors_{0};
};

}  // namespace

common::Result<std::unique_ptr<EventChannel>> OpenEventChannel(const std::string& url,
                                                               const EventChannelOptions& options) {
  if (!ValidChannel(options.channel)) {
    return common::Status::InvalidArgument("invalid_channel",
                                           "an event channel name is 1 to 63 of [a-z0-9_]");
  }
  if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0)
    return std::unique_ptr<EventChannel>();
  return std::unique_ptr<EventChannel>(new PostgresEventChannel(url, options));
}

}  // namespace leadscan::store
