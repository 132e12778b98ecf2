// CdpConnection: the Chrome DevTools Protocol over Chromium's --remote-debugging-pipe (one
// JSON message per NUL-terminated frame, fd 3 in, fd 4 out). A reader thread parses every
// message (size- and depth-bounded), hands each answer to the caller waiting for its id, queues
// each session's events for that session's reader and passes browser-level events (no
// sessionId) to one handler. Thread-safe; the fds belong to the caller and must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.h"

namespace leadscan::render {

inline constexpr size_t kDefaultMaxMessageBytes = 32 * 1024 * 1024;  // one CDP message
inline constexpr size_t kMaxQueuedEventsPerSession = 20000;          // then events are dropped
// How often a wait that can be cancelled looks at its flag.
inline constexpr std::chrono::milliseconds kCancelPoll{100};

class CdpConnection {
 public:
  using Json = nlohmann::json;
  using EventHandler = std::function<void(const Json& event)>;

  // Starts the reader thread. `browser_events` runs on the reader thread for every event
  // without a sessionId; it must not block on Call() (Send() is fine).
  CdpConnection(int to_browser_fd, int from_browser_fd, size_t max_message_bytes,
                EventHandler browser_events);
  ~CdpConnection();  // stops and joins the reader; pending calls fail
  CdpConnection(const CdpConnection&) = delete;
  CdpConnection& operator=(const CdpConnection&) = delete;

  // Sends a command and blocks for its answer: the "result" object, or renderer_crashed when
  // the pipe broke or no answer came within `timeout` (timed_out() tells which), or
  // cdp_error with the browser's error message, or `cancelled` within kCancelPoll of `*cancel`
  // becoming true (when given; the answer is then dropped when it comes).
  common::Result<Json> Call(std::string_view method, Json params, std::string_view session,
                            std::chrono::milliseconds timeout,
                            const std::atomic<bool>* cancel = nullptr);

  // Sends a command whose answer nobody waits for. Fails when the pipe is broken.
  common::Status Send(std::string_view method, Json params, std::string_view session = {});

  // Events for `session` are queued from OpenSession until CloseSession.
  void OpenSession(const std::string& session);
  void CloseSession(const std::string& session);

  // The next queued event of `session`; nullopt at `deadline` or when the connection died.
  std::optional<Json> NextEvent(const std::string& session,
                                std::chrono::steady_clock::time_point deadline);

  // False once the pipe broke (browser gone) or a write timed out.
  bool alive() const;

  // Messages dropped because they exceeded the size limit or did not parse.
  int64_t dropped_messages() const;

 private:
  struct Pending {
    bool done = false;
    Json message;
  };

  void ReadLoop();
  void Dispatch(std::string_view frame);
  common::Status Write(const std::string& frame, std::chrono::milliseconds timeout);
  void MarkDead();

  const int to_browser_;
  const int from_browser_;
  const size_t max_message_bytes_;
  EventHandler browser_events_;
  int wake_[2] = {-1, -1};  // self-pipe that ends the reader's poll

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool alive_ = true;
  bool stopping_ = false;
  int64_t next_id_ = 1;
  int64_t dropped_ = 0;
  std::map<int64_t, Pending> pending_;
  std::map<std::string, std::deque<Json>, std::less<>> sessions_;

  std::mutex write_mu_;
  std::thread reader_;
};

}  // namespace leadscan::render
