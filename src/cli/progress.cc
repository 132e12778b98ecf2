#include "cli/progress.h"

namespace leadscan::cli {

Progress::Progress(std::FILE* out, bool terminal, size_t total)
    : out_(out),
      terminal_(terminal),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      last_write_(start_) {}

void Progress::Add(bool failed) {
  std::lock_guard<std::mutex> lock(mu_);
  ++done_;
  if (failed)
    ++failed_;
  auto now = std::chrono::steady_clock::now();
  auto interval = terminal_
                      ? std::chrono::duration_cast<std::chrono::milliseconds>(kTerminalInterval)
                      : std::chrono::duration_cast<std::chrono::milliseconds>(kPlainInterval);
  if (now - last_write_ >= interval && done_ < total_)
    Write(now);
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  Write(std::chrono::steady_clock::now());
  if (terminal_)
    std::fputs("\n", out_);
  std::fflush(out_);
}

std::string Progress::Line(std::chrono::steady_clock::time_point now) const {
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0;
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, "done %zu/%zu, failed %zu, %.1f rows/s", done_, total_,
                        failed_, rate);
  std::string line(buf, static_cast<size_t>(n > 0 ? n : 0));
  if (done_ < total_ && rate > 0) {
    const long eta = static_cast<long>(static_cast<double>(total_ - done_) / rate + 0.5);
    std::snprintf(buf, sizeof buf, ", ETA %ld:%02ld", eta / 60, eta % 60);
    line += buf;
  }
  return line;
}

void Progress::Write(std::chrono::steady_clock::time_point now) {
  last_write_ = now;
  if (terminal_) {
    // Carriage return and erase-line: the one line updates in place.
    std::fprintf(out_, "\r\033[K%s", Line(now).c_str());
  } else {
    std::fprintf(out_, "leadscan batch: %s\n", Line(now).c_str());
  }
  std::fflush(out_);
}

}  // namespace leadscan::cli
