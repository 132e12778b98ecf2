#include "render/chromium_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace leadscan::render {

namespace {

using common::Status;
using common::StatusCode;

Status Unavailable(std::string message) {
  return Status::Error(StatusCode::kUnavailable, "renderer_unavailable", std::move(message), true);
}

// argv/envp arrays built before fork: the child may only make async-signal-safe calls.
struct CStrings {
  explicit CStrings(const std::vector<std::string>& v) : strings(v) {
    for (std::string& s : strings)
      ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }

  std::vector<std::string> strings;
  std::vector<char*> ptrs;
};

// Runs a program to completion with stdout/stderr discarded; its exit status (or -1).
int RunQuiet(const std::vector<std::string>& argv) {
  CStrings args(argv);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execv(args.ptrs[0], args.ptrs.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Makes an NSS database at `db_dir` trusting every certificate of the PEM file as a CA.
Status MakeNssDb(const std::string& db_dir, const std::string& ca_file) {
  std::ifstream in(ca_file);
  if (!in)
    return Status::InvalidArgument("invalid_ca_file", "cannot read CA file " + ca_file, "ca_file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string pem = ss.str();
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  if (access(kCertutilBinary, X_OK) != 0)
    return Unavailable(std::string("a CA file for the browser needs ") + kCertutilBinary +
                       " (Debian package libnss3-tools)");
  std::error_code ec;
  std::filesystem::create_directories(db_dir, ec);
  if (ec)
    return Unavailable("cannot create " + db_dir + ": " + ec.message());
  const std::string db = "sql:" + db_dir;
  if (RunQuiet({kCertutilBinary, "-N", "-d", db, "--empty-password"}) != 0)
    return Unavailable("certutil could not create the NSS database in " + db_dir);
  int n = 0;
  for (size_t at = pem.find(kBegin); at != std::string::npos; at = pem.find(kBegin, at)) {
    size_t end = pem.find(kEnd, at);
    if (end == std::string::npos)
      break;
    end += kEnd.size();
    const std::string file = db_dir + "/ca-" + std::to_string(n) + ".pem";
    std::ofstream(file) << pem.substr(at, end - at) << "\n";
    if (RunQuiet({kCertutilBinary, "-A", "-d", db, "-n", "leadscan-ca-" + std::to_string(n), "-t",
                  "C,,", "-i", file}) != 0)
      return Status::InvalidArgument(
          "invalid_ca_file",
          "certutil refused certificate " + std::to_string(n + 1) + " of " + ca_file, "ca_file");
    ++n;
    at = end;
  }
  if (n == 0)
    return Status::InvalidArgument("invalid_ca_file", "no certificate in " + ca_file, "ca_file");
  return Status::Ok();
}

}  // namespace

std::vector<std::string> ChromiumArgs(const std::string& profile_dir,
                                      const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {
      "--headless=new",
      "--remote-debugging-pipe",
      "--user-data-dir=" + profile_dir,
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
      "--disable-extensions",
      "--disable-breakpad",
      "--disable-crash-reporter",
      "--disable-domain-reliability",
      "--disable-client-side-phishing-detection",
      "--metrics-recording-only",
      "--password-store=basic",
      "--mute-audio",
      "--hide-scrollbars",
      // Every tab renders at full speed, whichever window has the focus.
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
      "--blink-settings=imagesEnabled=false",
      "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
      "--disable-site-isolation-trials",
      // Memory: no page kept for "back" (each tab would hold its previous page's process),
      // no renderer started ahead by Chromium (our tabs are opened ahead), no window at start
      // (its blank page is a renderer nobody uses), the GPU thread in the browser process.
      "--disable-features=site-per-process,IsolateOrigins,Translate,OptimizationHints,"
      "MediaRouter,DialMediaRouteProvider,DnsOverHttps,InterestFeedContentSuggestions,"
      "AutofillServerCommunication,CertificateTransparencyComponentUpdater,BackForwardCache,"
      "SpareRendererForSitePerProcess",
      "--no-startup-window",
      "--in-process-gpu",
  };
  if (geteuid() == 0)
    args.push_back("--no-sandbox");  // Chromium refuses to start as root with its sandbox
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return args;
}

common::Result<std::unique_ptr<ChromiumProcess>> ChromiumProcess::Start(
    const ChromiumLaunch& launch) {
  if (access(launch.binary.c_str(), X_OK) != 0)
    return Unavailable("no Chromium at " + launch.binary + " (Debian package chromium)");
  std::error_code ec;
  std::string tmpl =
      (std::filesystem::temp_directory_path(ec) / "leadscan-chromium-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    return Unavailable("cannot create a temporary folder: " + std::string(strerror(errno)));
  std::unique_ptr<ChromiumProcess> p(new ChromiumProcess());
  p->dir_ = tmpl;
  const std::string home = p->dir_ + "/home";
  std::filesystem::create_directories(home, ec);
  if (ec)
    return Unavailable("cannot create " + home + ": " + ec.message());
  if (!launch.ca_file.empty())
    LEADSCAN_RETURN_IF_ERROR(MakeNssDb(home + "/.pki/nssdb", launch.ca_file));

  std::vector<std::string> argv = {launch.binary};
  std::vector<std::string> extra = launch.extra_args;
  if (!launch.user_agent.empty())
    extra.push_back("--user-agent=" + launch.user_agent);
  for (std::string& a : ChromiumArgs(p->dir_ + "/profile", extra))
    argv.push_back(std::move(a));
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (kv.starts_with("HOME=") || kv.starts_with("XDG_CONFIG_HOME=") ||
        kv.starts_with("XDG_CACHE_HOME="))
      continue;
    env.emplace_back(kv);
  }
  env.push_back("HOME=" + home);  // Chromium reads $HOME/.pki/nssdb
  env.push_back("XDG_CONFIG_HOME=" + home + "/.config");
  env.push_back("XDG_CACHE_HOME=" + home + "/.cache");
  CStrings cargv(argv);
  CStrings cenv(env);

  int to_browser[2];
  int from_browser[2];
  if (pipe2(to_browser, O_CLOEXEC) != 0)
    return Unavailable("pipe: " + std::string(strerror(errno)));
  if (pipe2(from_browser, O_CLOEXEC) != 0) {
    close(to_browser[0]);
    close(to_browser[1]);
    return Unavailable("pipe: " + std::string(strerror(errno)));
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {to_browser[0], to_browser[1], from_browser[0], from_browser[1]})
      close(fd);
    return Unavailable("fork: " + std::string(strerror(errno)));
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    setpgid(0, 0);
    // The mask is inherited through exec: serve blocks SIGTERM and SIGINT in every thread (for
    // sigwait), and Chromium's own processes must still be able to stop each other.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(1);  // the parent died before prctl took effect
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    // Chromium reads commands from fd 3 and writes answers to fd 4. Move both ends above 4
    // first so neither dup2 clobbers the other; dup2 clears CLOEXEC on 3 and 4.
    int in = fcntl(to_browser[0], F_DUPFD, 10);
    int out = fcntl(from_browser[1], F_DUPFD, 10);
    if (in < 0 || out < 0 || dup2(in, 3) < 0 || dup2(out, 4) < 0)
      _exit(1);
    close_range(5, ~0U, 0);  // nothing else of ours leaks into the browser
    execve(cargv.ptrs[0], cargv.ptrs.data(), cenv.ptrs.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent, so Kill() finds the group whoever runs first
  close(to_browser[0]);
  close(from_browser[1]);
  p->pid_ = pid;
  p->to_browser_ = to_browser[1];
  p->from_browser_ = from_browser[0];
  return p;
}

ChromiumProcess::~ChromiumProcess() {
  Kill();
}

void ChromiumProcess::Kill() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  for (int* fd : {&to_browser_, &from_browser_}) {
    if (*fd >= 0)
      close(*fd);
    *fd = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

}  // namespace leadscan::render
