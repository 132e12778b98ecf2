// ChromiumProcess: one headless Chromium started with --remote-debugging-pipe, in its own
// process group and temporary folder (profile, HOME with an NSS database holding the extra CA),
// killed with SIGKILL when the thread that started it dies (PR_SET_PDEATHSIG) and, with its
// whole group, when this object is destroyed. Not thread-safe; the owner serialises.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace leadscan::render {

inline constexpr char kDefaultChromiumBinary[] = "/usr/bin/chromium";
inline constexpr char kCertutilBinary[] = "/usr/bin/certutil";

struct ChromiumLaunch {
  std::string binary = kDefaultChromiumBinary;
  std::vector<std::string> extra_args;  // e.g. --host-resolver-rules=...
  std::string ca_file;                  // PEM of extra trusted CAs ("" = none)
  std::string user_agent;               // "" = Chromium's own
};

class ChromiumProcess {
 public:
  // Creates the temporary folder, the NSS database when `ca_file` is set (needs certutil from
  // libnss3-tools) and starts Chromium. Fails with renderer_unavailable when the binary is
  // missing or the folder or database cannot be made, invalid_ca_file for an unreadable or
  // empty CA file. Does not wait for Chromium to be ready (the first CDP call does). The
  // parent-death signal is tied to the calling thread: call it from a thread that lives as
  // long as the browser should.
  static common::Result<std::unique_ptr<ChromiumProcess>> Start(const ChromiumLaunch& launch);

  ~ChromiumProcess();
  ChromiumProcess(const ChromiumProcess&) = delete;
  ChromiumProcess& operator=(const ChromiumProcess&) = delete;

  // SIGKILLs the process group, reaps the browser and removes the temporary folder.
  // Idempotent; blocks until the browser process is reaped.
  void Kill();

  pid_t pid() const { return pid_; }

  // Our ends of the pipe: write requests to to_browser_fd(), read from from_browser_fd().
  // Owned by this object; closed by Kill().
  int to_browser_fd() const { return to_browser_; }

  int from_browser_fd() const { return from_browser_; }

  const std::string& dir() const { return dir_; }

 private:
  ChromiumProcess() = default;

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  std::string dir_;
};

// The Chromium command line (after the binary) used for every browser we start: headless,
// pipe, no start window, no background networking, no site isolation (so one page session sees
// every frame's requests), no back-forward cache, the GPU in the browser process,
// --no-sandbox only when running as root.
std::vector<std::string> ChromiumArgs(const std::string& profile_dir,
                                      const std::vector<std::string>& extra_args);

}  // namespace leadscan::render
