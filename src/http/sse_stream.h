// SseStream: one open Server-Sent Events response. A handler gets it through
// Response::EventStream, may keep the shared_ptr, and pushes frames from any thread; the
// server writes them out on the connection's IO thread, adds heartbeat comments at its
// configured interval, and closes the stream when the client goes or the server stops.
// The queue is bounded: on overflow the stream either closes (default: the client reconnects
// with Last-Event-ID and gets a fresh snapshot) or drops the oldest frames. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace leadscan::http {

class SseStream {
 public:
  enum class Overflow { kClose, kDropOldest };

  struct Options {
    size_t max_queued_frames = 1024;
    Overflow overflow = Overflow::kClose;
  };

  explicit SseStream(Options options) : options_(options) {}

  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  // Queues one event. `data` may hold newlines (sent as several `data:` lines); `event` and
  // `id` are omitted when empty and must not contain newlines (they are stripped). Returns
  // false when the stream is closed (the frame is dropped). Never blocks.
  bool Send(std::string_view event, std::string_view data, std::string_view id = {});

  // Queues a comment line (": text"), which clients ignore; false when closed.
  bool Comment(std::string_view text);

  // Ends the stream: queued frames are still written, then the connection closes.
  void Close();

  bool closed() const;

  // Runs `callback` once when the stream closes for any reason (client gone, server stop,
  // Close, overflow), on the closing thread; at once if already closed. Use it to unregister.
  void OnClose(std::function<void()> callback);

  // Frames dropped by Overflow::kDropOldest so far.
  size_t dropped() const;

  // --- For the server. ---

  // Moves the queued frames' bytes into `out` (appending). Returns false when nothing was
  // queued.
  bool TakeFrames(std::string* out);

  // `wake` is called (from any thread, without locks held) whenever frames arrive or the
  // stream closes.
  void SetWaker(std::function<void()> wake);

  // Marks the stream closed from the server side (client gone, server stopping).
  void Abort();

 private:
  bool PushLocked(std::string frame, std::unique_lock<std::mutex>& lock);

  void CloseAndNotify(std::unique_lock<std::mutex> lock);

  Options options_;
  mutable std::mutex mu_;
  std::deque<std::string> frames_;
  bool closed_ = false;
  size_t dropped_ = 0;
  std::function<void()> wake_;
  std::vector<std::function<void()>> on_close_;
};

}  // namespace leadscan::http
