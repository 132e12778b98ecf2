// RunGuarded: the last line of defence of every thread the service starts (workers, heartbeat,
// dispatcher, scheduler): an exception a body throws is logged and swallowed, so none leaves a
// thread and takes the process down (std::terminate). Exceptions are bugs (STYLE.md); this
// keeps a bug in one item from ending every other item. Header-only, stateless, thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <exception>
#include <string_view>

namespace leadscan::common {

// Runs body(); returns true when it returned, false when it threw (the exception is logged
// with `what`, the thread's role).
template <class Body>
bool RunGuarded(std::string_view what, Body&& body) noexcept {
  try {
    body();
    return true;
  } catch (const std::exception& e) {
    try {
      spdlog::error("{}: unexpected exception: {}", what, e.what());
    } catch (...) {  // logging itself failed: nothing more to do
    }
  } catch (...) {
    try {
      spdlog::error("{}: unexpected non-standard exception", what);
    } catch (...) {
    }
  }
  return false;
}

}  // namespace leadscan::common
