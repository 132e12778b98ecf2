// Fuzz target: DevTools messages as they land from the browser (render::CdpConnection's reader:
// NUL-framed JSON over the pipe, size- and depth-bounded parsing, dispatch to waiting calls,
// session queues and the browser-level handler). Input: the bytes the browser writes; the
// target is the browser end of a real pipe pair.
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "render/cdp_connection.h"

namespace {

// Small, so that oversize frames (dropped, then the rest of the frame skipped) are reachable.
constexpr size_t kMaxMessageBytes = 4096;

void WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n <= 0)
      return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using leadscan::render::CdpConnection;
  int from_browser[2];
  int to_browser[2];
  if (pipe(from_browser) != 0)
    return 0;
  if (pipe(to_browser) != 0) {
    close(from_browser[0]);
    close(from_browser[1]);
    return 0;
  }
  int64_t browser_events = 0;
  {
    CdpConnection cdp(to_browser[1], from_browser[0], kMaxMessageBytes,
                      [&](const CdpConnection::Json& event) {
                        FUZZ_CHECK(event.is_object() && event.contains("method"));
                        ++browser_events;
                      });
    cdp.OpenSession("S");
    WriteAll(from_browser[1], data, size);
    close(from_browser[1]);  // EOF: the reader reads everything, then marks the pipe dead
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (cdp.alive() && std::chrono::steady_clock::now() < deadline)
      usleep(100);
    FUZZ_CHECK(!cdp.alive());
    while (auto event = cdp.NextEvent("S", std::chrono::steady_clock::now())) {
      FUZZ_CHECK(event->is_object());
      FUZZ_CHECK(event->value("sessionId", std::string()) == "S");
    }
    FUZZ_CHECK(cdp.dropped_messages() >= 0);
  }
  close(from_browser[0]);
  close(to_browser[0]);
  close(to_browser[1]);
  return 0;
}
