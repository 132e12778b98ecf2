#include "http/sse_stream.h"

namespace leadscan::http {
namespace {

std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '\n' && c != '\r')
      out += c;
  }
  return out;
}

}  // namespace

bool SseStream::Send(std::string_view event, std::string_view data, std::string_view id) {
  std::string frame;
  if (!id.empty())
    frame += "id: " + OneLine(id) + "\n";
  if (!event.empty())
    frame += "event: " + OneLine(event) + "\n";
  // Every line of data is its own "data:" field; the client joins them with '\n'.
  size_t start = 0;
  while (true) {
    size_t nl = data.find('\n', start);
    std::string_view line = data.substr(start, nl == std::string_view::npos ? nl : nl - start);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    frame += "data: ";
    frame += line;
    frame += '\n';
    if (nl == std::string_view::npos)
      break;
    start = nl + 1;
  }
  frame += '\n';
  std::unique_lock lock(mu_);
  return PushLocked(std::move(frame), lock);
}

bool SseStream::Comment(std::string_view text) {
  std::unique_lock lock(mu_);
  return PushLocked(": " + OneLine(text) + "\n\n", lock);
}

bool SseStream::PushLocked(std::string frame, std::unique_lock<std::mutex>& lock) {
  if (closed_)
    return false;
  if (frames_.size() >= options_.max_queued_frames) {
    if (options_.overflow == Overflow::kClose) {
      CloseAndNotify(std::move(lock));
      return false;
    }
    frames_.pop_front();
    ++dropped_;
  }
  frames_.push_back(std::move(frame));
  std::function<void()> wake = wake_;
  lock.unlock();
  if (wake)
    wake();
  return true;
}

void SseStream::Close() {
  CloseAndNotify(std::unique_lock(mu_));
}

void SseStream::Abort() {
  CloseAndNotify(std::unique_lock(mu_));
}

void SseStream::CloseAndNotify(std::unique_lock<std::mutex> lock) {
  if (closed_)
    return;
  closed_ = true;
  std::vector<std::function<void()>> callbacks;
  callbacks.swap(on_close_);
  std::function<void()> wake = wake_;
  lock.unlock();
  for (auto& callback : callbacks)
    callback();
  if (wake)
    wake();
}

bool SseStream::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void SseStream::OnClose(std::function<void()> callback) {
  std::unique_lock lock(mu_);
  if (closed_) {
    lock.unlock();
    callback();
    return;
  }
  on_close_.push_back(std::move(callback));
}

size_t SseStream::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

bool SseStream::TakeFrames(std::string* out) {
  std::lock_guard lock(mu_);
  if (frames_.empty())
    return false;
  for (auto& frame : frames_)
    *out += frame;
  frames_.clear();
  return true;
}

void SseStream::SetWaker(std::function<void()> wake) {
  std::unique_lock lock(mu_);
  wake_ = std::move(wake);
}

}  // namespace leadscan::http
