// Progress of a CLI batch on stderr: on a terminal one updating line (done/failed/total, rate,
// ETA); otherwise a plain line at most every kPlainInterval, and a last line at the end.
// Thread-safe: Add may be called from any thread.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace leadscan::cli {

class Progress {
 public:
  static constexpr std::chrono::seconds kPlainInterval{5};
  static constexpr std::chrono::milliseconds kTerminalInterval{200};

  // `out` is written to (stderr in the command); `terminal` chooses the updating line.
  Progress(std::FILE* out, bool terminal, size_t total);

  // Counts one finished row.
  void Add(bool failed);

  // Writes the final counts (ends the updating line).
  void Finish();

 private:
  std::string Line(std::chrono::steady_clock::time_point now) const;
  void Write(std::chrono::steady_clock::time_point now);

  std::mutex mu_;
  std::FILE* out_;
  bool terminal_;
  size_t total_;
  size_t done_ = 0;
  size_t failed_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_write_;
};

}  // namespace leadscan::cli
