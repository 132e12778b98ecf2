#include "render/cdp_connection.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/json_parse.h"
#include "common/thread_guard.h"

namespace leadscan::render {

namespace {

using common::Status;
using common::StatusCode;

constexpr size_t kReadChunk = 64 * 1024;
constexpr std::chrono::milliseconds kSendTimeout{5000};

Status Crashed(std::string message) {
  return Status::Error(StatusCode::kUnavailable, "renderer_crashed", std::move(message), true);
}

// write(2) to the browser's pipe without SIGPIPE: a browser that died leaves its end closed,
// and the signal's default action would end this whole process. The signal is blocked in this
// thread for the call and, when the write raised it, taken back (a SIGPIPE already pending
// before the call is left for its owner), so the caller sees EPIPE whatever the process's
// disposition of SIGPIPE.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigset_t before;
  pthread_sigmask(SIG_BLOCK, &pipe_only, &before);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  const ssize_t n = write(fd, data, size);
  const int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    const timespec now{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &now) == -1 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  errno = saved;
  return n;
}

}  // namespace

CdpConnection::CdpConnection(int to_browser_fd, int from_browser_fd, size_t max_message_bytes,
                             EventHandler browser_events)
    : to_browser_(to_browser_fd),
      from_browser_(from_browser_fd),
      max_message_bytes_(max_message_bytes),
      browser_events_(std::move(browser_events)) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
    wake_[0] = wake_[1] = -1;
  // Writes never block forever on a browser that stopped reading.
  fcntl(to_browser_, F_SETFL, fcntl(to_browser_, F_GETFL) | O_NONBLOCK);
  reader_ = std::thread([this] {
    if (!common::RunGuarded("cdp reader", [this] { ReadLoop(); }))
      MarkDead();
  });
}

CdpConnection::~CdpConnection() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  if (wake_[1] >= 0) {
    char c = 1;
    [[maybe_unused]] ssize_t n = write(wake_[1], &c, 1);
  }
  if (reader_.joinable())
    reader_.join();
  MarkDead();
  for (int fd : wake_)
    if (fd >= 0)
      close(fd);
}

bool CdpConnection::alive() const {
  std::lock_guard lock(mu_);
  return alive_;
}

int64_t CdpConnection::dropped_messages() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void CdpConnection::MarkDead() {
  std::lock_guard lock(mu_);
  alive_ = false;
  cv_.notify_all();
}

void CdpConnection::ReadLoop() {
  std::string buffer;
  bool discarding = false;  // inside a message over the size limit: skip to its NUL
  std::vector<char> chunk(kReadChunk);
  while (true) {
    pollfd fds[2] = {{from_browser_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int n = poll(fds, wake_[0] >= 0 ? 2 : 1, -1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    {
      std::lock_guard lock(mu_);
      if (stopping_)
        return;
    }
    if (fds[0].revents == 0)
      continue;
    ssize_t got = read(from_browser_, chunk.data(), chunk.size());
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (got <= 0)
      break;  // EOF: the browser is gone
    std::string_view data(chunk.data(), static_cast<size_t>(got));
    while (!data.empty()) {
      size_t nul = data.find('\0');
      std::string_view part = data.substr(0, nul);
      if (!discarding) {
        if (buffer.size() + part.size() > max_message_bytes_) {
          discarding = true;
          buffer.clear();
          std::lock_guard lock(mu_);
          ++dropped_;
        } else {
          buffer.append(part);
        }
      }
      if (nul == std::string_view::npos)
        break;
      if (!discarding)
        Dispatch(buffer);
      buffer.clear();
      discarding = false;
      data.remove_prefix(nul + 1);
    }
  }
  MarkDead();
}

void CdpConnection::Dispatch(std::string_view frame) {
  auto parsed = common::ParseJson(frame, "CDP message");
  if (!parsed.ok() || !parsed.value().is_object()) {
    std::lock_guard lock(mu_);
    ++dropped_;
    return;
  }
  Json& msg = parsed.value();
  if (auto id = msg.find("id"); id != msg.end() && id->is_number_integer()) {
    std::lock_guard lock(mu_);
    auto it = pending_.find(id->get<int64_t>());
    if (it != pending_.end()) {
      it->second.done = true;
      it->second.message = std::move(msg);
      cv_.notify_all();
    }
    return;
  }
  if (!msg.contains("method"))
    return;
  auto sid = msg.find("sessionId");
  if (sid == msg.end() || !sid->is_string()) {
    if (browser_events_)
      browser_events_(msg);
    return;
  }
  std::lock_guard lock(mu_);
  auto it = sessions_.find(sid->get<std::string>());
  if (it == sessions_.end())
    return;
  if (it->second.size() >= kMaxQueuedEventsPerSession) {
    ++dropped_;
    return;
  }
  it->second.push_back(std::move(msg));
  cv_.notify_all();
}

Status CdpConnection::Write(const std::string& frame, std::chrono::milliseconds timeout) {
  std::lock_guard lock(write_mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t off = 0;
  while (off < frame.size()) {
    ssize_t n = WriteNoSigpipe(to_browser_, frame.data() + off, frame.size() - off);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      MarkDead();
      return Crashed("browser pipe closed: " + std::string(strerror(errno)));
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      MarkDead();  // a half-written frame cannot be taken back
      return Crashed("browser stopped reading its pipe");
    }
    pollfd p = {to_browser_, POLLOUT, 0};
    poll(&p, 1, static_cast<int>(left.count()));
  }
  return Status::Ok();
}

common::Result<CdpConnection::Json> CdpConnection::Call(std::string_view method, Json params,
                                                        std::string_view session,
                                                        std::chrono::milliseconds timeout,
                                                        const std::atomic<bool>* cancel) {
  int64_t id;
  {
    std::lock_guard lock(mu_);
    if (!alive_)
      return Crashed("the browser is gone");
    id = next_id_++;
    pending_[id];
  }
  Json msg = {{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!session.empty())
    msg["sessionId"] = session;
  Status s = Write(msg.dump(-1, ' ', false, Json::error_handler_t::replace) + '\0',
                   std::min(timeout, kSendTimeout));
  std::unique_lock lock(mu_);
  if (!s.ok()) {
    pending_.erase(id);
    return s;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto answered = [&] { return pending_[id].done || !alive_; };
  if (cancel == nullptr) {
    cv_.wait_until(lock, deadline, answered);
  } else {
    while (!answered() && !cancel->load() && std::chrono::steady_clock::now() < deadline)
      cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + kCancelPoll),
                     answered);
  }
  Pending p = std::move(pending_[id]);
  pending_.erase(id);  // an answer that comes later finds no caller and is dropped
  if (!p.done && alive_ && cancel != nullptr && cancel->load())
    return Status::Cancelled(std::string(method) + " abandoned: cancelled");
  if (!p.done)
    return alive_ ? Crashed("no answer to " + std::string(method) + " within " +
                            std::to_string(timeout.count()) + " ms")
                  : Crashed("the browser is gone");
  if (auto e = p.message.find("error"); e != p.message.end()) {
    std::string text = e->is_object() ? e->value("message", std::string("error")) : "error";
    return Status::Error(StatusCode::kUnavailable, "cdp_error", std::string(method) + ": " + text);
  }
  auto r = p.message.find("result");
  return r != p.message.end() ? std::move(*r) : Json::object();
}

Status CdpConnection::Send(std::string_view method, Json params, std::string_view session) {
  int64_t id;
  {
    std::lock_guard lock(mu_);
    if (!alive_)
      return Crashed("the browser is gone");
    id = next_id_++;  // the answer finds no pending entry and is dropped
  }
  Json msg = {{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!session.empty())
    msg["sessionId"] = session;
  return Write(msg.dump(-1, ' ', false, Json::error_handler_t::replace) + '\0', kSendTimeout);
}

void CdpConnection::OpenSession(const std::string& session) {
  std::lock_guard lock(mu_);
  sessions_[session];
}

void CdpConnection::CloseSession(const std::string& session) {
  std::lock_guard lock(mu_);
  sessions_.erase(session);
}

std::optional<CdpConnection::Json> CdpConnection::NextEvent(
    const std::string& session, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [&] {
    auto it = sessions_.find(session);
    return !alive_ || (it != sessions_.end() && !it->second.empty());
  });
  auto it = sessions_.find(session);
  if (it == sessions_.end() || it->second.empty())
    return std::nullopt;
  Json e = std::move(it->second.front());
  it->second.pop_front();
  return e;
}

}  // namespace leadscan::render
