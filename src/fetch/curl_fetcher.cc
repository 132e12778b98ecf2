#include "fetch/curl_fetcher.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fetch/address_guard.h"
#include "fetch/bot_challenge.h"
#include "fetch/charset.h"
#include "fetch/content_decoder.h"
#include "fetch/errors.h"
#include "fetch/robots.h"

namespace leadscan::fetch {

using common::Result;
using common::Status;
using SteadyClock = std::chrono::steady_clock;

namespace {

// How often the loop looks at cancel flags while any request carries one.
constexpr std::chrono::milliseconds kCancelPoll{20};
// How often the loop looks for waiting requests (queued, or parked for robots.txt) whose
// deadline has passed, while any request waits.
constexpr std::chrono::milliseconds kDeadlinePoll{50};
// Longest sleep while a politeness gap is pending; FakeClock time only moves when a test says.
constexpr std::chrono::milliseconds kPolitenessPoll{50};
constexpr std::chrono::milliseconds kIdlePoll{1000};
constexpr std::chrono::seconds kHostSweepInterval{1};
constexpr size_t kRobotsCacheMaxBytes = 32 * 1024 * 1024;
constexpr int kRobotsMaxRedirects = 5;  // RFC 9309 §2.3.1.2
constexpr size_t kSniffBytes = 1024;
// Idle connections kept for reuse. Small on purpose: libcurl scans its connection cache, so
// a big one costs CPU on every new connection; pages of one lead reuse theirs within moments.
constexpr long kMaxIdleConnections = 32;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct UrlParts {
  std::string scheme;
  std::string host;  // lower-case; IPv6 in brackets as curl gives it
  int port = 0;
  std::string path_query;
};

struct CurluDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

using CurluPtr = std::unique_ptr<CURLU, CurluDeleter>;

std::string UrlPart(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(u, part, &out, flags) != CURLUE_OK || out == nullptr)
    return "";
  std::string s(out);
  curl_free(out);
  return s;
}

std::optional<UrlParts> ParseUrl(const std::string& url, const std::string& base = "") {
  CurluPtr u(curl_url());
  if (!base.empty() && curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return std::nullopt;
  }
  UrlParts p;
  p.scheme = Lower(UrlPart(u.get(), CURLUPART_SCHEME));
  p.host = Lower(UrlPart(u.get(), CURLUPART_HOST));
  std::string port = UrlPart(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  std::from_chars(port.data(), port.data() + port.size(), p.port);
  p.path_query = UrlPart(u.get(), CURLUPART_PATH);
  if (p.path_query.empty())
    p.path_query = "/";
  std::string query = UrlPart(u.get(), CURLUPART_QUERY);
  if (!query.empty())
    p.path_query += "?" + query;
  if (p.host.empty())
    return std::nullopt;
  return p;
}

std::string MediaType(std::string_view content_type) {
  size_t semi = content_type.find(';');
  return Lower(TrimView(content_type.substr(0, semi)));
}

bool IsHtmlType(const std::string& mt) {
  return mt == "text/html" || mt == "application/xhtml+xml";
}

// NUL bytes near the start mean binary, whatever the Content-Type claims.
bool LooksBinary(std::string_view body) {
  if (body.size() >= 2 &&
      ((body[0] == '\xFE' && body[1] == '\xFF') || (body[0] == '\xFF' && body[1] == '\xFE'))) {
    return false;  // UTF-16 text
  }
  return body.substr(0, kSniffBytes).find('\0') != std::string_view::npos;
}

bool LooksLikeHtml(std::string_view body) {
  std::string head = Lower(body.substr(0, kSniffBytes));
  return head.find("<html") != std::string::npos ||
         head.find("<!doctype html") != std::string::npos ||
         head.find("<head") != std::string::npos || head.find("<body") != std::string::npos;
}

std::string HeaderValue(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name)
      return v;
  }
  return "";
}

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

std::string IssuerOrganisation(X509* cert) {
  X509_NAME* issuer = X509_get_issuer_name(cert);
  if (issuer == nullptr)
    return "";
  for (int nid : {NID_organizationName, NID_commonName}) {
    char buf[256];
    int n = X509_NAME_get_text_by_NID(issuer, nid, buf, sizeof buf);
    if (n > 0)
      return std::string(buf, static_cast<size_t>(n));
  }
  return "";
}

}  // namespace

struct Job {
  FetchRequest req;
  FetchCallback done;
  UrlParts url;
  std::string host_key;  // per-host limits and politeness
  std::string origin;    // robots.txt cache key: scheme://host:port
  bool robots_job = false;
  CurlFetcher::Impl* impl = nullptr;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  int64_t body_limit = 0;
  std::string body;
  Headers headers;
  int status = 0;
  std::string response_url;
  std::vector<std::string> redirects;
  int64_t header_bytes = 0;
  bool too_large = false;
  bool truncated = false;
  bool headers_too_large = false;
  std::string blocked;           // why the guard refused an address
  std::string blocked_protocol;  // a redirect to a scheme other than http(s)
  std::string cert_issuer;
  bool cert_done = false;
  std::unique_ptr<ContentDecoder> decoder;  // for the current response's Content-Encoding
  bool decoder_ready = false;
  std::optional<Status> decode_error;
  SteadyClock::time_point started;
  // When the request's timeout ends, set at admission: it covers the wait in queues and for
  // robots.txt as well as the transfer.
  SteadyClock::time_point deadline = SteadyClock::time_point::max();
  char errbuf[CURL_ERROR_SIZE] = {};

  ~Job() {
    if (header_list != nullptr)
      curl_slist_free_all(header_list);
  }

  bool Cancelled() const { return req.cancel && req.cancel->load(); }
};

using JobPtr = std::unique_ptr<Job>;

struct HostState {
  std::deque<JobPtr> queue;
  int active = 0;
  common::TimePoint next_start{};
  bool in_ready = false;
};

struct RobotsEntry {
  bool ready = false;
  RobotsTxt rules;
  std::string body;  // when the fetch answered 2xx
  int status = 0;
  common::TimePoint fetched_at{};
  size_t bytes = 0;
  std::vector<JobPtr> waiting;
};

struct CurlFetcher::Impl {
  FetchOptions options;
  common::Clock* clock = nullptr;
  AddressGuard guard;
  curl_slist* resolve_list = nullptr;
  curl_slist* connect_to_list = nullptr;
  X509_STORE* trust_store = nullptr;  // system CAs + options.ca_file; shared by connections
  CURLM* multi = nullptr;
  // curl's sockets are watched with epoll (curl_multi_socket_action), so a wake-up costs the
  // same with 10 or 1,000 transfers in flight; wake_fd (an eventfd) interrupts the wait.
  int epoll_fd = -1;
  int wake_fd = -1;
  std::optional<SteadyClock::time_point> curl_deadline;  // from CURLMOPT_TIMERFUNCTION
  std::thread thread;

  std::mutex mu;
  std::vector<JobPtr> incoming;  // guarded by mu
  bool stopping = false;         // guarded by mu

  // Loop-thread state.
  std::unordered_map<CURL*, JobPtr> active;
  std::unordered_map<std::string, HostState> hosts;
  std::deque<std::string> ready_hosts;
  std::unordered_map<std::string, RobotsEntry> robots;
  std::deque<std::string> robots_order;  // ready entries, oldest first
  size_t robots_bytes = 0;
  int cancellable = 0;  // requests with a cancel flag, not yet completed
  std::optional<common::TimePoint> earliest_politeness;
  SteadyClock::time_point last_sweep = SteadyClock::now();
  SteadyClock::time_point last_cancel_scan = SteadyClock::now();
  SteadyClock::time_point last_deadline_scan = SteadyClock::now();

  std::atomic<int64_t> submitted{0}, started{0}, completed{0}, robots_fetches{0};
  std::atomic<int> active_count{0}, queued{0}, peak_active{0}, peak_per_host{0};
  std::atomic<size_t> hosts_tracked{0}, robots_cached{0};

  ~Impl() {
    if (multi != nullptr)
      curl_multi_cleanup(multi);
    if (epoll_fd >= 0)
      close(epoll_fd);
    if (wake_fd >= 0)
      close(wake_fd);
    if (resolve_list != nullptr)
      curl_slist_free_all(resolve_list);
    if (connect_to_list != nullptr)
      curl_slist_free_all(connect_to_list);
    if (trust_store != nullptr)
      X509_STORE_free(trust_store);
  }

  void Run();
  void Wake();
  void WaitAndDispatch();
  void Admit(JobPtr job);
  void Enqueue(JobPtr job);
  void Schedule();
  void Start(JobPtr job);
  void DrainDone();
  void Finish(JobPtr job, CURLcode rc);
  void FinishRobots(JobPtr job, FetchResult result);
  void ResumeWaiter(JobPtr job, const RobotsEntry& entry);
  void Complete(JobPtr job, FetchResult result);
  void ReleaseHost(const std::string& host);
  void ScanCancels();
  void ScanDeadlines();
  void SweepHosts();
  void CacheRobots(const std::string& origin);
  void FailEverything();
  int PollTimeoutMs() const;
};

namespace {

size_t OnBody(char* data, size_t size, size_t n, void* userdata) {
  auto* job = static_cast<Job*>(userdata);
  size_t len = size * n;
  if (!job->decoder_ready) {
    job->decoder_ready = true;
    auto decoder = ContentDecoder::Create(HeaderValue(job->headers, "content-encoding"));
    if (!decoder.ok()) {
      job->decode_error = decoder.status();
      return 0;
    }
    job->decoder = std::move(decoder).value();
  }
  if (job->decoder) {
    Status s = job->decoder->Decode(std::string_view(data, len), job->body, job->body_limit);
    if (s.ok())
      return len;
    if (s.error_code() == kBodyTooLarge) {
      (job->robots_job ? job->truncated : job->too_large) = true;
    } else {
      job->decode_error = s;
    }
    return 0;
  }
  if (static_cast<int64_t>(job->body.size() + len) > job->body_limit) {
    if (job->robots_job) {
      job->body.append(data, static_cast<size_t>(job->body_limit) - job->body.size());
      job->truncated = true;
    } else {
      job->too_large = true;
    }
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  job->body.append(data, len);
  return len;
}

void ReadCertIssuer(Job* job) {
  job->cert_done = true;
  const curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(job->easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == nullptr ||
      info->backend != CURLSSLBACKEND_OPENSSL || info->internals == nullptr) {
    return;
  }
  std::unique_ptr<X509, X509Deleter> cert(
      SSL_get1_peer_certificate(static_cast<SSL*>(info->internals)));
  if (cert)
    job->cert_issuer = IssuerOrganisation(cert.get());
}

size_t OnHeader(char* data, size_t size, size_t n, void* userdata) {
  auto* job = static_cast<Job*>(userdata);
  size_t len = size * n;
  std::string_view line(data, len);
  job->header_bytes += static_cast<int64_t>(len);
  if (job->header_bytes > kMaxHeaderBytes) {
    job->headers_too_large = true;
    return 0;
  }
  if (line.size() > 5 && line.substr(0, 5) == "HTTP/") {
    size_t sp = line.find(' ');
    int code = 0;
    if (sp != std::string_view::npos && sp + 4 <= line.size()) {
      std::from_chars(line.data() + sp + 1, line.data() + sp + 4, code);
    }
    if (job->status >= 300 && job->status < 400)
      job->redirects.push_back(job->response_url);
    const char* eff = nullptr;
    curl_easy_getinfo(job->easy, CURLINFO_EFFECTIVE_URL, &eff);
    job->response_url = eff != nullptr ? eff : job->req.url;
    job->status = code;
    job->headers.clear();
    job->decoder.reset();
    job->decoder_ready = false;
    job->header_bytes = static_cast<int64_t>(len);
    if (!job->cert_done && job->response_url.rfind("https:", 0) == 0)
      ReadCertIssuer(job);
    return len;
  }
  std::string_view trimmed = TrimView(line);
  size_t colon = trimmed.find(':');
  if (trimmed.empty() || colon == std::string_view::npos)
    return len;
  std::string name = Lower(TrimView(trimmed.substr(0, colon)));
  std::string value(TrimView(trimmed.substr(colon + 1)));
  if (name == "location" && job->req.follow_redirects && job->status >= 300 && job->status < 400) {
    // Check where a redirect leads before curl follows it: only http(s), and never to a
    // literal address in a refused range — allow-net opens addresses for names the user
    // configured, not for targets a remote site picks.
    auto target = ParseUrl(value, job->response_url);
    if (target) {
      if (target->scheme != "http" && target->scheme != "https") {
        job->blocked_protocol = "redirect to " + target->scheme + ": " + value;
        return 0;
      }
      std::string host = target->host;
      if (host.size() > 2 && host.front() == '[')
        host = host.substr(1, host.size() - 2);
      if (auto ip = IpAddress::Parse(host)) {
        std::string range = AddressGuard::RefusedRange(*ip);
        if (!range.empty()) {
          job->blocked = "redirect to " + value + ": " + ip->ToString() + " is in " + range;
          return 0;
        }
      }
    }
  }
  job->headers.emplace_back(std::move(name), std::move(value));
  return len;
}

curl_socket_t OnOpenSocket(void* userdata, curlsocktype purpose, curl_sockaddr* address);

CURLcode OnSslCtx(CURL*, void* ssl_ctx, void* userdata) {
  // Every connection shares one trust store (system CAs + the extra CA file), built once:
  // parsing the system bundle per TLS connection costs milliseconds and a megabyte each.
  auto* impl = static_cast<CurlFetcher::Impl*>(userdata);
  SSL_CTX_set1_cert_store(static_cast<SSL_CTX*>(ssl_ctx), impl->trust_store);
  return CURLE_OK;
}

}  // namespace

namespace {

int OnCurlSocket(CURL*, curl_socket_t fd, int what, void* userdata, void*) {
  auto* impl = static_cast<CurlFetcher::Impl*>(userdata);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(impl->epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
  ev.data.fd = fd;
  if (epoll_ctl(impl->epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT) {
    epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }
  return 0;
}

int OnCurlTimer(CURLM*, long timeout_ms, void* userdata) {
  auto* impl = static_cast<CurlFetcher::Impl*>(userdata);
  if (timeout_ms < 0) {
    impl->curl_deadline.reset();
  } else {
    impl->curl_deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

curl_socket_t OnOpenSocket(void* userdata, curlsocktype purpose, curl_sockaddr* address) {
  auto* job = static_cast<Job*>(userdata);
  if (purpose != CURLSOCKTYPE_IPCXN)
    return CURL_SOCKET_BAD;
  std::string why = job->impl->guard.CheckSockaddr(&address->addr);
  if (!why.empty()) {
    job->blocked = why;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

}  // namespace

void CurlFetcher::Impl::Run() {
  while (true) {
    std::vector<JobPtr> batch;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping)
        break;
      batch.swap(incoming);
    }
    for (JobPtr& job : batch)
      Admit(std::move(job));
    if (cancellable > 0 && SteadyClock::now() - last_cancel_scan >= kCancelPoll)
      ScanCancels();
    if (queued > 0 && SteadyClock::now() - last_deadline_scan >= kDeadlinePoll)
      ScanDeadlines();
    Schedule();
    WaitAndDispatch();
    DrainDone();
    Schedule();
    if (SteadyClock::now() - last_sweep >= kHostSweepInterval)
      SweepHosts();
  }
  FailEverything();
}

void CurlFetcher::Impl::Wake() {
  uint64_t one = 1;
  ssize_t n = write(wake_fd, &one, sizeof one);
  (void)n;  // a full counter (EAGAIN) still wakes the loop
}

void CurlFetcher::Impl::WaitAndDispatch() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int timeout = PollTimeoutMs();
  if (curl_deadline) {
    auto until = std::chrono::ceil<std::chrono::milliseconds>(*curl_deadline - SteadyClock::now());
    timeout = std::min<int>(timeout, static_cast<int>(std::max<int64_t>(0, until.count())));
  }
  int n = epoll_wait(epoll_fd, events, kMaxEvents, timeout);
  int running = 0;
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (fd == wake_fd) {
      uint64_t count = 0;
      ssize_t r = read(wake_fd, &count, sizeof count);
      (void)r;
      continue;
    }
    int flags = 0;
    if (events[i].events & EPOLLIN)
      flags |= CURL_CSELECT_IN;
    if (events[i].events & EPOLLOUT)
      flags |= CURL_CSELECT_OUT;
    if (events[i].events & (EPOLLERR | EPOLLHUP))
      flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(multi, fd, flags, &running);
  }
  if (curl_deadline && SteadyClock::now() >= *curl_deadline) {
    curl_deadline.reset();
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
}

int CurlFetcher::Impl::PollTimeoutMs() const {
  auto timeout = kIdlePoll;
  if (cancellable > 0)
    timeout = std::min(timeout, kCancelPoll);
  if (queued > 0)
    timeout = std::min(timeout, kDeadlinePoll);
  if (earliest_politeness) {
    auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(*earliest_politeness - clock->Now());
    wait = std::clamp(wait, std::chrono::milliseconds(1), kPolitenessPoll);
    timeout = std::min(timeout, wait);
  }
  return static_cast<int>(timeout.count());
}

void CurlFetcher::Impl::Complete(JobPtr job, FetchResult result) {
  if (job->req.cancel)
    --cancellable;
  completed.fetch_add(1);
  FetchCallback done = std::move(job->done);
  const FetchKind kind = job->req.kind;
  job.reset();
  if (done)
    done(WithValidUtf8(std::move(result), kind));
}

void CurlFetcher::Impl::Admit(JobPtr job) {
  if (job->req.cancel)
    ++cancellable;
  auto parts = ParseUrl(job->req.url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
    std::string url = job->req.url;
    Complete(std::move(job), FetchError(kInvalidUrl, "\"" + url + "\" is not an http(s) URL"));
    return;
  }
  if (job->Cancelled()) {
    Complete(std::move(job), FetchError(kCancelled, "cancelled before it started"));
    return;
  }
  if (!job->req.method.empty() && job->req.method != "GET" && job->req.method != "POST") {
    std::string method = job->req.method;
    Complete(std::move(job), FetchError(kFetchError, "method " + method + " is not supported"));
    return;
  }
  job->url = *parts;
  job->host_key = parts->host;
  job->origin = parts->scheme + "://" + parts->host + ":" + std::to_string(parts->port);
  if (job->req.timeout.count() <= 0)
    job->req.timeout = options.default_timeout;
  if (job->deadline == SteadyClock::time_point::max())
    job->deadline = SteadyClock::now() + job->req.timeout;
  // The configured limit (--max-body-bytes) is a ceiling: a request may only lower it.
  job->body_limit = job->req.max_body_bytes > 0
                        ? std::min(job->req.max_body_bytes, options.max_body_bytes)
                        : options.max_body_bytes;

  bool is_robots_path = parts->path_query == "/robots.txt";
  if (!job->req.check_robots || options.ignore_robots || is_robots_path) {
    if (is_robots_path && job->req.kind != FetchKind::kRaw) {
      // The robots cache already holds this body: answer from it.
      auto it = robots.find(job->origin);
      if (it != robots.end() && it->second.ready && it->second.status / 100 == 2) {
        FetchResponse r;
        r.url = r.final_url = job->req.url;
        r.status = it->second.status;
        r.content_type = "text/plain";
        r.charset = "UTF-8";
        r.body = it->second.body;
        r.reason = job->req.reason;
        Complete(std::move(job), std::move(r));
        return;
      }
    }
    Enqueue(std::move(job));
    return;
  }
  auto it = robots.find(job->origin);
  if (it != robots.end() && it->second.ready &&
      clock->Now() - it->second.fetched_at > options.robots_ttl) {
    robots_bytes -= it->second.bytes;
    robots.erase(it);
    it = robots.end();
  }
  if (it != robots.end()) {
    if (it->second.ready) {
      ResumeWaiter(std::move(job), it->second);
    } else {
      ++queued;
      it->second.waiting.push_back(std::move(job));
    }
    return;
  }
  auto robots_job = std::make_unique<Job>();
  robots_job->impl = this;
  robots_job->robots_job = true;
  robots_job->req.url = job->url.scheme + "://" + job->url.host +
                        (job->url.port == (job->url.scheme == "https" ? 443 : 80)
                             ? std::string()
                             : ":" + std::to_string(job->url.port)) +
                        "/robots.txt";
  robots_job->req.timeout = job->req.timeout;
  robots_job->deadline = job->deadline;  // the page's own budget pays for its robots.txt
  robots_job->req.kind = FetchKind::kText;
  robots_job->req.check_robots = false;
  robots_job->req.reason = "robots.txt";
  robots_job->url = *ParseUrl(robots_job->req.url);
  robots_job->host_key = job->host_key;
  robots_job->origin = job->origin;
  robots_job->body_limit = kMaxRobotsBytes;
  RobotsEntry& entry = robots[job->origin];
  ++queued;
  entry.waiting.push_back(std::move(job));
  robots_fetches.fetch_add(1);
  Enqueue(std::move(robots_job));
}

void CurlFetcher::Impl::ResumeWaiter(JobPtr job, const RobotsEntry& entry) {
  if (job->Cancelled()) {
    Complete(std::move(job), FetchError(kCancelled, "cancelled"));
  } else if (!entry.rules.IsAllowed(job->url.path_query)) {
    std::string url = job->req.url;
    Complete(std::move(job), FetchError(kRobotsDisallowed, "robots.txt disallows " + url));
  } else {
    Enqueue(std::move(job));
  }
}

void CurlFetcher::Impl::Enqueue(JobPtr job) {
  ++queued;
  HostState& h = hosts[job->host_key];
  if (!h.in_ready) {
    h.in_ready = true;
    ready_hosts.push_back(job->host_key);
  }
  h.queue.push_back(std::move(job));
  hosts_tracked = hosts.size();
}

void CurlFetcher::Impl::Schedule() {
  earliest_politeness.reset();
  common::TimePoint now = clock->Now();
  size_t n = ready_hosts.size();
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<int>(active.size()) >= options.max_concurrent)
      break;
    std::string host = std::move(ready_hosts.front());
    ready_hosts.pop_front();
    HostState& h = hosts[host];
    while (!h.queue.empty() && h.queue.front()->Cancelled()) {
      JobPtr job = std::move(h.queue.front());
      h.queue.pop_front();
      --queued;
      Complete(std::move(job), FetchError(kCancelled, "cancelled while queued"));
    }
    if (!h.queue.empty() && h.active < options.max_per_host) {
      if (now >= h.next_start) {
        JobPtr job = std::move(h.queue.front());
        h.queue.pop_front();
        --queued;
        ++h.active;
        peak_per_host = std::max(peak_per_host.load(), h.active);
        h.next_start = now + options.politeness_delay;
        Start(std::move(job));
      } else if (!earliest_politeness || h.next_start < *earliest_politeness) {
        earliest_politeness = h.next_start;
      }
    }
    if (h.queue.empty()) {
      h.in_ready = false;
    } else {
      ready_hosts.push_back(std::move(host));
    }
  }
  // Hosts still waiting on politeness that the loop above did not reach.
  if (!earliest_politeness && !ready_hosts.empty() &&
      static_cast<int>(active.size()) < options.max_concurrent) {
    for (const std::string& host : ready_hosts) {
      const HostState& h = hosts[host];
      if (h.active < options.max_per_host &&
          (!earliest_politeness || h.next_start < *earliest_politeness)) {
        earliest_politeness = h.next_start;
      }
    }
  }
}

void CurlFetcher::Impl::Start(JobPtr job) {
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(job->deadline - SteadyClock::now());
  if (left.count() <= 0) {
    ReleaseHost(job->host_key);
    std::string message = job->req.url + ": the request's " +
                          std::to_string(job->req.timeout.count()) +
                          " ms were spent waiting (queue, robots.txt) before it started";
    if (job->robots_job) {
      FinishRobots(std::move(job), FetchError(kTimeout, std::move(message)));
    } else {
      Complete(std::move(job), FetchError(kTimeout, std::move(message)));
    }
    return;
  }
  CURL* e = curl_easy_init();
  if (e == nullptr) {
    ReleaseHost(job->host_key);
    Complete(std::move(job), FetchError(kFetchError, "curl_easy_init failed"));
    return;
  }
  Job* j = job.get();
  j->impl = this;
  j->easy = e;
  j->started = SteadyClock::now();
  j->response_url = j->req.url;
  curl_easy_setopt(e, CURLOPT_URL, j->req.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, j);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, j->req.follow_redirects ? 1L : 0L);
  if (j->req.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(j->req.body.size()));
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, j->req.body.c_str());
  }
  curl_easy_setopt(e, CURLOPT_MAXREDIRS,
                   static_cast<long>(j->robots_job ? kRobotsMaxRedirects : options.max_redirects));
  // We decode ourselves (content_decoder.h): curl's decoder lets a truncated gzip pass.
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, kAcceptEncoding);
  curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                   options.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  if (options.low_speed_bytes_per_sec > 0) {
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT,
                     static_cast<long>(options.low_speed_bytes_per_sec));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
  }
  curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_NOPROXY, "*");  // a proxy would hide the address we must check
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
  if (!j->robots_job)
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, curl_off_t{j->body_limit});
  if (resolve_list != nullptr)
    curl_easy_setopt(e, CURLOPT_RESOLVE, resolve_list);
  if (connect_to_list != nullptr)
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, connect_to_list);
  curl_easy_setopt(e, CURLOPT_CAINFO, nullptr);  // the shared store below replaces it
  curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, OnSslCtx);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, this);
  for (const auto& [name, value] : j->req.headers) {
    j->header_list = curl_slist_append(j->header_list, (name + ": " + value).c_str());
  }
  if (j->req.method == "POST") {
    // No "Expect: 100-continue" round trip (curl waits up to a second for it on larger bodies).
    j->header_list = curl_slist_append(j->header_list, "Expect:");
  }
  if (j->header_list != nullptr)
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->header_list);
  started.fetch_add(1);
  active.emplace(e, std::move(job));
  active_count = static_cast<int>(active.size());
  peak_active = std::max(peak_active.load(), active_count.load());
  curl_multi_add_handle(multi, e);
}

void CurlFetcher::Impl::ReleaseHost(const std::string& host) {
  auto it = hosts.find(host);
  if (it != hosts.end() && it->second.active > 0)
    --it->second.active;
}

void CurlFetcher::Impl::DrainDone() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    CURL* e = msg->easy_handle;
    CURLcode rc = msg->data.result;
    auto it = active.find(e);
    if (it == active.end())
      continue;
    JobPtr job = std::move(it->second);
    active.erase(it);
    active_count = static_cast<int>(active.size());
    curl_multi_remove_handle(multi, e);
    ReleaseHost(job->host_key);
    Finish(std::move(job), rc);
  }
}

void CurlFetcher::Impl::Finish(JobPtr job, CURLcode rc) {
  CURL* e = job->easy;
  FetchResponse r;
  r.url = job->req.url;
  r.reason = job->req.reason;
  const char* eff = nullptr;
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
  r.final_url = eff != nullptr ? eff : job->req.url;
  long code = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
  r.status = static_cast<int>(code);
  const char* ip = nullptr;
  curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
  r.remote_ip = ip != nullptr ? ip : "";
  long version = 0;
  curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
  r.http_version = version == CURL_HTTP_VERSION_2_0   ? "2"
                   : version == CURL_HTTP_VERSION_3   ? "3"
                   : version == CURL_HTTP_VERSION_1_0 ? "1.0"
                   : version == CURL_HTTP_VERSION_1_1 ? "1.1"
                                                      : "";
  curl_off_t down = 0, header_size = 0;
  curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &down);
  long hs = 0;
  curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &hs);
  header_size = hs;
  r.wire_bytes = static_cast<int64_t>(down + header_size);
  curl_off_t connect_us = 0;
  curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect_us);
  r.ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - job->started).count();
  r.redirects = job->redirects;
  r.headers = std::move(job->headers);
  r.cert_issuer = job->cert_issuer;
  std::string content_type = HeaderValue(r.headers, "content-type");
  r.content_type = MediaType(content_type);
  curl_easy_cleanup(e);
  job->easy = nullptr;

  std::optional<Status> err;
  if (job->Cancelled()) {
    err = FetchError(kCancelled, "cancelled");
  } else if (rc != CURLE_OK) {
    if (!job->blocked.empty()) {
      err = FetchError(kBlockedAddress, job->req.url + ": " + job->blocked);
    } else if (!job->blocked_protocol.empty()) {
      err = FetchError(kBlockedProtocol, job->req.url + ": " + job->blocked_protocol);
    } else if (job->too_large) {
      err = FetchError(kBodyTooLarge, job->req.url + ": body larger than " +
                                          std::to_string(job->body_limit) + " bytes");
    } else if (job->decode_error) {
      err = FetchError(kBadContentEncoding, job->req.url + ": " + job->decode_error->message());
    } else if (job->headers_too_large) {
      err = FetchError(kHeadersTooLarge, job->req.url + ": response headers larger than " +
                                             std::to_string(kMaxHeaderBytes) + " bytes");
    } else if (!(job->truncated && rc == CURLE_WRITE_ERROR)) {
      err = StatusFromCurl(rc, job->errbuf, connect_us > 0, job->req.url);
    }
  }
  if (!err && job->decoder && !job->truncated) {
    Status s = job->decoder->Finish();
    if (!s.ok())
      err = FetchError(kBadContentEncoding, job->req.url + ": " + s.message());
  }
  if (job->robots_job) {
    if (err) {
      FinishRobots(std::move(job), *err);
    } else {
      r.body = DecodeToUtf8(job->body, content_type, false).text;
      FinishRobots(std::move(job), std::move(r));
    }
    return;
  }
  if (err) {
    Complete(std::move(job), *err);
    return;
  }
  // A bot-protection page (often a 403, 429 or 503, sometimes a 200) is not the site: it gets
  // its own code whatever its status, and its body is never handed out as the page.
  if (job->req.kind == FetchKind::kPage) {
    if (auto challenge = DetectBotChallenge(r.status, r.headers, job->body)) {
      Complete(std::move(job),
               FetchError(kBotChallenge, r.final_url + ": " + challenge->vendor +
                                             " bot challenge (HTTP " + std::to_string(r.status) +
                                             ", " + challenge->marker + ")"));
      return;
    }
  }
  if (auto http = job->req.any_status
                      ? std::nullopt
                      : HttpStatusError(r.status, r.final_url,
                                        HeaderValue(r.headers, "retry-after"), clock->Now())) {
    Complete(std::move(job), *http);
    return;
  }
  if (job->req.kind == FetchKind::kRaw) {
    r.body = std::move(job->body);
    Complete(std::move(job), std::move(r));
    return;
  }
  bool html = IsHtmlType(r.content_type) || (r.content_type.empty() && LooksLikeHtml(job->body));
  if (job->req.kind == FetchKind::kPage && !html) {
    Complete(std::move(job),
             FetchError(kNotHtml, r.final_url + ": content type \"" +
                                      (r.content_type.empty() ? "none" : r.content_type) +
                                      "\" is not HTML"));
    return;
  }
  if (LooksBinary(job->body)) {
    Complete(std::move(job),
             FetchError(kNotHtml, r.final_url + ": binary body (NUL bytes) under \"" +
                                      r.content_type + "\""));
    return;
  }
  DecodedText text = DecodeToUtf8(job->body, content_type, html);
  r.body = std::move(text.text);
  r.charset = std::move(text.encoding);
  Complete(std::move(job), std::move(r));
}

void CurlFetcher::Impl::FinishRobots(JobPtr job, FetchResult result) {
  auto it = robots.find(job->origin);
  if (it == robots.end())
    return;
  RobotsEntry& entry = it->second;
  std::vector<JobPtr> waiting = std::move(entry.waiting);
  queued -= static_cast<int>(waiting.size());
  std::optional<Status> fail;  // what every waiter gets instead of its own fetch
  if (!result.ok()) {
    if (result.status().error_code() == kTooManyRedirects) {
      entry.rules = RobotsTxt::AllowAll();  // RFC 9309: unreachable after 5 redirects = 4xx
    } else {
      fail = FetchError(result.status().error_code(),
                        "fetching robots.txt: " + result.status().message());
    }
  } else {
    const FetchResponse& r = *result;
    if (r.status / 100 == 2) {
      entry.rules = RobotsTxt::Parse(r.body, options.robots_token);
      entry.body = r.body;
    } else if (r.status == 429 || r.status >= 500) {
      // RFC 9309: an unreachable robots.txt means "disallow everything" for now. Waiters get
      // the server's own error so callers see a retryable http_429/http_5xx with Retry-After.
      auto http = HttpStatusError(r.status, job->req.url, HeaderValue(r.headers, "retry-after"),
                                  clock->Now());
      fail = FetchError(http->error_code(),
                        "robots.txt unavailable, treated as disallow all: " + http->message());
    } else {
      entry.rules = RobotsTxt::AllowAll();  // 4xx (and a final 3xx): no rules
    }
    entry.status = r.status;
  }
  std::string origin = job->origin;
  job.reset();
  if (fail) {
    robots.erase(it);  // not cached: the next request asks again
    for (JobPtr& w : waiting)
      Complete(std::move(w), *fail);
    return;
  }
  entry.ready = true;
  entry.fetched_at = clock->Now();
  entry.bytes = entry.body.size() * 2 + origin.size() + 64;
  robots_bytes += entry.bytes;
  robots_order.push_back(origin);
  for (JobPtr& w : waiting)
    ResumeWaiter(std::move(w), entry);
  CacheRobots(origin);
}

void CurlFetcher::Impl::CacheRobots(const std::string& keep) {
  while (
      (robots_order.size() > options.robots_cache_entries || robots_bytes > kRobotsCacheMaxBytes) &&
      !robots_order.empty()) {
    std::string oldest = std::move(robots_order.front());
    robots_order.pop_front();
    if (oldest == keep && robots_order.empty())
      break;
    auto it = robots.find(oldest);
    if (it != robots.end() && it->second.ready) {
      robots_bytes -= it->second.bytes;
      robots.erase(it);
    }
  }
  robots_cached = robots.size();
}

void CurlFetcher::Impl::ScanCancels() {
  last_cancel_scan = SteadyClock::now();
  std::vector<CURL*> doomed;
  for (const auto& [e, job] : active) {
    if (job->Cancelled())
      doomed.push_back(e);
  }
  for (CURL* e : doomed) {
    JobPtr job = std::move(active[e]);
    active.erase(e);
    active_count = static_cast<int>(active.size());
    curl_multi_remove_handle(multi, e);
    curl_easy_cleanup(e);
    job->easy = nullptr;
    ReleaseHost(job->host_key);
    if (job->robots_job) {
      // Nobody else may be waiting on this robots fetch; let waiters decide for themselves.
      FinishRobots(std::move(job), FetchError(kCancelled, "robots.txt fetch cancelled"));
    } else {
      Complete(std::move(job), FetchError(kCancelled, "cancelled in flight"));
    }
  }
  for (auto& [origin, entry] : robots) {
    for (JobPtr& w : entry.waiting) {
      if (w && w->Cancelled()) {
        --queued;
        Complete(std::move(w), FetchError(kCancelled, "cancelled while waiting for robots.txt"));
      }
    }
    std::erase_if(entry.waiting, [](const JobPtr& w) { return !w; });
  }
  for (auto& [host, h] : hosts) {
    for (JobPtr& q : h.queue) {
      if (q->Cancelled()) {
        --queued;
        Complete(std::move(q), FetchError(kCancelled, "cancelled while queued"));
      }
    }
    std::erase_if(h.queue, [](const JobPtr& q) { return !q; });
  }
}

void CurlFetcher::Impl::ScanDeadlines() {
  const SteadyClock::time_point now = SteadyClock::now();
  last_deadline_scan = now;
  auto expired = [&](const JobPtr& j) { return j && !j->robots_job && j->deadline <= now; };
  auto fail = [&](JobPtr& j, const char* where) {
    --queued;
    std::string message = j->req.url + ": the request's " + std::to_string(j->req.timeout.count()) +
                          " ms ran out " + where;
    Complete(std::move(j), FetchError(kTimeout, std::move(message)));
  };
  for (auto& [origin, entry] : robots) {
    for (JobPtr& w : entry.waiting) {
      if (expired(w))
        fail(w, "while waiting for robots.txt");
    }
    std::erase_if(entry.waiting, [](const JobPtr& w) { return !w; });
  }
  for (auto& [host, h] : hosts) {
    for (JobPtr& q : h.queue) {
      if (expired(q))
        fail(q, "while queued");
    }
    std::erase_if(h.queue, [](const JobPtr& q) { return !q; });
  }
}

void CurlFetcher::Impl::SweepHosts() {
  last_sweep = SteadyClock::now();
  common::TimePoint now = clock->Now();
  std::erase_if(hosts, [&](const auto& kv) {
    const HostState& h = kv.second;
    return h.active == 0 && h.queue.empty() && !h.in_ready && h.next_start <= now;
  });
  hosts_tracked = hosts.size();
}

void CurlFetcher::Impl::FailEverything() {
  std::vector<JobPtr> all;
  for (auto& [e, job] : active) {
    curl_multi_remove_handle(multi, e);
    curl_easy_cleanup(e);
    job->easy = nullptr;
    all.push_back(std::move(job));
  }
  active.clear();
  for (auto& [host, h] : hosts) {
    for (JobPtr& q : h.queue)
      all.push_back(std::move(q));
  }
  hosts.clear();
  for (auto& [origin, entry] : robots) {
    for (JobPtr& w : entry.waiting)
      all.push_back(std::move(w));
  }
  robots.clear();
  {
    std::lock_guard<std::mutex> lock(mu);
    for (JobPtr& j : incoming)
      all.push_back(std::move(j));
    incoming.clear();
  }
  for (JobPtr& job : all) {
    if (!job->robots_job)
      Complete(std::move(job), FetchError(kCancelled, "fetcher shut down"));
  }
}

CurlFetcher::CurlFetcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<CurlFetcher>> CurlFetcher::Create(FetchOptions options,
                                                         common::Clock& clock) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_ALL); });
  auto bad = [](const std::string& what) {
    return Status::InvalidArgument("invalid_fetch_option", what);
  };
  if (options.max_concurrent < 1)
    return bad("max_concurrent must be >= 1");
  if (options.max_per_host < 1)
    return bad("max_per_host must be >= 1");
  if (options.max_redirects < 0)
    return bad("max_redirects must be >= 0");
  if (options.max_body_bytes < 1)
    return bad("max_body_bytes must be >= 1");
  if (options.politeness_delay.count() < 0)
    return bad("politeness_delay must be >= 0");

  auto impl = std::make_unique<Impl>();
  auto guard = AddressGuard::Create(options.allow_net);
  if (!guard.ok())
    return guard.status();
  impl->guard = *guard;
  for (const std::string& r : options.resolve) {
    if (std::count(r.begin(), r.end(), ':') < 2) {
      return Status::InvalidArgument("invalid_fetch_option",
                                     "resolve \"" + r + "\" is not HOST:PORT:ADDRESS", "resolve");
    }
    impl->resolve_list = curl_slist_append(impl->resolve_list, r.c_str());
  }
  for (const std::string& c : options.connect_to) {
    if (std::count(c.begin(), c.end(), ':') < 3) {
      return Status::InvalidArgument(
          "invalid_fetch_option",
          "connect-to \"" + c + "\" is not HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT",
          "connect_to");
    }
    impl->connect_to_list = curl_slist_append(impl->connect_to_list, c.c_str());
  }
  impl->trust_store = X509_STORE_new();
  if (impl->trust_store == nullptr || X509_STORE_set_default_paths(impl->trust_store) != 1) {
    return Status::Internal("cannot load the system CA certificates");
  }
  if (!options.ca_file.empty()) {
    FILE* f = std::fopen(options.ca_file.c_str(), "r");
    if (f == nullptr) {
      return Status::InvalidArgument("ca_file_error", "cannot open CA file " + options.ca_file,
                                     "ca_file");
    }
    int added = 0;
    while (X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr)) {
      if (X509_STORE_add_cert(impl->trust_store, cert) == 1)
        ++added;
      X509_free(cert);
    }
    std::fclose(f);
    ERR_clear_error();
    if (added == 0) {
      return Status::InvalidArgument("ca_file_error",
                                     "no PEM certificate in CA file " + options.ca_file, "ca_file");
    }
  }
  impl->multi = curl_multi_init();
  if (impl->multi == nullptr)
    return Status::Internal("curl_multi_init failed");
  curl_multi_setopt(impl->multi, CURLMOPT_MAXCONNECTS, kMaxIdleConnections);
  impl->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  impl->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->epoll_fd < 0 || impl->wake_fd < 0)
    return Status::Internal("epoll/eventfd setup failed");
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = impl->wake_fd;
  epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, impl->wake_fd, &wake);
  curl_multi_setopt(impl->multi, CURLMOPT_SOCKETFUNCTION, OnCurlSocket);
  curl_multi_setopt(impl->multi, CURLMOPT_SOCKETDATA, impl.get());
  curl_multi_setopt(impl->multi, CURLMOPT_TIMERFUNCTION, OnCurlTimer);
  curl_multi_setopt(impl->multi, CURLMOPT_TIMERDATA, impl.get());
  impl->options = std::move(options);
  impl->clock = &clock;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<CurlFetcher>(new CurlFetcher(std::move(impl)));
}

CurlFetcher::~CurlFetcher() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->Wake();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

void CurlFetcher::FetchAsync(FetchRequest request, FetchCallback done) {
  auto job = std::make_unique<Job>();
  job->req = std::move(request);
  job->done = std::move(done);
  job->impl = impl_.get();
  impl_->submitted.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->incoming.push_back(std::move(job));
      job = nullptr;
    }
  }
  if (job) {
    if (job->done)
      job->done(FetchError(kCancelled, "fetcher shut down"));
    return;
  }
  impl_->Wake();
}

FetcherStats CurlFetcher::stats() const {
  FetcherStats s;
  s.submitted = impl_->submitted.load();
  s.transfers_started = impl_->started.load();
  s.completed = impl_->completed.load();
  s.robots_fetches = impl_->robots_fetches.load();
  s.active = impl_->active_count.load();
  s.queued = impl_->queued.load();
  s.peak_active = impl_->peak_active.load();
  s.peak_active_per_host = impl_->peak_per_host.load();
  s.hosts_tracked = impl_->hosts_tracked.load();
  s.robots_cached = impl_->robots_cached.load();
  return s;
}

}  // namespace leadscan::fetch
