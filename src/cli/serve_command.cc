#include "cli/serve_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <tuple>

#include "analysis/analyzer.h"
#include "analysis/metered_analyzer.h"
#include "api/routes.h"
#include "api/services.h"
#include "api/store_authenticator.h"
#include "cli/admin_commands.h"
#include "cli/fetch_flags.h"
#include "cli/live_analysis.h"
#include "cli/rules_location.h"
#include "common/clock.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "detect/detector.h"
#include "fetch/curl_fetcher.h"
#include "http/api_token.h"
#include "http/http_server.h"
#include "http/jwt_authenticator.h"
#include "jobs/batch_runner.h"
#include "jobs/job_event_relay.h"
#include "jobs/job_events.h"
#include "jobs/scheduler.h"
#include "jobs/store_domain_search_cache.h"
#include "render/renderer.h"
#include "store/event_channel.h"
#include "store/store.h"
#include "webhooks/delivery_worker.h"
#include "webhooks/url_policy.h"

namespace leadscan::cli {
namespace {

std::string DefaultWebDir() {
  if (const char* env = std::getenv("LEADSCAN_WEB_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return LEADSCAN_SOURCE_WEB_DIR;
}

// Creates the first organisation and admin token on a fresh database; returns the token or "".
std::string EnsureFirstAdmin(store::Store& store) {
  auto count = store.CountTokens();
  if (!count.ok() || *count > 0)
    return {};
  auto org = store.FindOrganizationByName("default");
  if (!org.ok())
    org = store.CreateOrganization("default");
  if (!org.ok())
    return {};
  std::string token = http::NewApiToken();
  std::optional<common::OrgId> org_id = common::OrgId::Parse(org->id);
  if (!org_id)
    return {};
  store::NewToken nt;
  nt.role = store::Role::kAdmin;
  nt.name = "first admin";
  nt.token_hash = http::HashApiToken(token);
  if (!store.CreateToken(*org_id, nt).ok())
    return {};
  return token;
}

constexpr char kFirstTokenFileName[] = "first-admin-token";
constexpr mode_t kSecretFileMode = 0600;

// Where the first-start sign-in link is written when stdout is not a terminal: beside a SQLite
// database file, else in the working directory.
std::string DefaultFirstTokenFile(std::string_view db_url) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (db_url.starts_with(kSqlite)) {
    std::filesystem::path db(db_url.substr(kSqlite.size()));
    if (db.has_filename())
      return (db.parent_path() / kFirstTokenFileName).string();
  }
  return kFirstTokenFileName;
}

// Writes `text` to `path` readable by the owner only (created 0600, mode forced even when the
// file existed). Refuses to follow a symlink.
common::Status WriteSecretFile(const std::string& path, std::string_view text) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, kSecretFileMode);
  if (fd < 0)
    return common::Status::IoError("cannot create " + path + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, kSecretFileMode) == 0;
  size_t done = 0;
  while (ok && done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    if (ok)
      done += static_cast<size_t>(n);
  }
  ok = (::close(fd) == 0) && ok;
  if (!ok)
    return common::Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  return common::Status::Ok();
}

// Gauges read at scrape time from the runner's and the fetcher's own counters.
void RegisterProcessMetrics(common::Metrics& metrics, jobs::BatchRunner& runner,
                            fetch::CurlFetcher& fetcher) {
  metrics.DefineGauge("leadscan_runner_items", "Items this process handled, by outcome");
  metrics.DefineGauge("leadscan_runner_in_flight", "Items claimed and not yet finished");
  metrics.DefineGauge("leadscan_fetch_transfers", "Fetches in flight (active) and waiting");
  using Stats = jobs::BatchRunnerStats;
  const std::pair<const char*, int64_t Stats::*> outcomes[] = {
      {"claimed", &Stats::claimed},  {"completed", &Stats::completed}, {"failed", &Stats::failed},
      {"retried", &Stats::retried},  {"coalesced", &Stats::coalesced}, {"aborted", &Stats::aborted},
      {"released", &Stats::released}};
  for (const auto& [label, member] : outcomes) {
    metrics.SetCallback("leadscan_runner_items", {{"outcome", label}}, [&runner, member = member] {
      return static_cast<double>(runner.stats().*member);
    });
  }
  metrics.SetCallback("leadscan_runner_in_flight", {},
                      [&runner] { return static_cast<double>(runner.in_flight()); });
  metrics.SetCallback("leadscan_fetch_transfers", {{"state", "active"}},
                      [&fetcher] { return static_cast<double>(fetcher.stats().active); });
  metrics.SetCallback("leadscan_fetch_transfers", {{"state", "queued"}},
                      [&fetcher] { return static_cast<double>(fetcher.stats().queued); });
}

// /readyz of serve and worker: ready while the store can run a read and a write transaction
// (Store::Ping); while the database cannot be reached, 503 with the store's error.
http::HttpServer::ReadinessCheck StoreReadiness(store::Store& store) {
  return [&store] { return store.Ping(); };
}

// Blocks until SIGINT or SIGTERM (which main's threads do not handle: they are blocked here
// before any thread starts).
int WaitForSignal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

// Counters of the cross-process event relay, read at scrape time.
void RegisterRelayMetrics(common::Metrics& metrics, jobs::JobEventRelay& relay) {
  metrics.DefineGauge("leadscan_event_relay_events",
                      "Job events relayed between processes (PostgreSQL), by outcome");
  using Stats = jobs::JobEventRelayStats;
  const std::pair<const char*, uint64_t Stats::*> outcomes[] = {{"sent", &Stats::sent},
                                                                {"dropped", &Stats::dropped},
                                                                {"received", &Stats::received},
                                                                {"malformed", &Stats::malformed}};
  for (const auto& [label, member] : outcomes) {
    metrics.SetCallback(
        "leadscan_event_relay_events", {{"outcome", label}},
        [&relay, member = member] { return static_cast<double>(relay.stats().*member); });
  }
}

// The renderer's tabs, pages, crashes and browser recycles, read at scrape time.
void RegisterRenderMetrics(common::Metrics& metrics, render::Renderer& renderer) {
  metrics.DefineGauge("leadscan_render_tabs", "Browser tabs: rendering now (busy) and the limit");
  metrics.DefineCounter("leadscan_render_pages_total", "Pages rendered in the browser, by outcome");
  metrics.DefineCounter("leadscan_render_crashes_total",
                        "Rendered pages lost to a crashed or hung tab or browser");
  metrics.DefineCounter("leadscan_render_browser_starts_total", "Browsers started");
  metrics.DefineCounter("leadscan_render_browser_recycles_total",
                        "Browsers retired after their page budget");
  metrics.DefineCounter(
      "leadscan_render_browser_start_retries_total",
      "New browsers that exited before their first answer and were started again");
  metrics.SetCallback("leadscan_render_tabs", {{"state", "busy"}},
                      [&renderer] { return static_cast<double>(renderer.stats().tabs_busy); });
  metrics.SetCallback("leadscan_render_tabs", {{"state", "max"}},
                      [&renderer] { return static_cast<double>(renderer.stats().max_tabs); });
  using Stats = render::RendererStats;
  const std::tuple<const char*, const char*, int64_t Stats::*> counters[] = {
      {"leadscan_render_pages_total", "ok", &Stats::pages_rendered},
      {"leadscan_render_pages_total", "failed", &Stats::pages_failed},
      {"leadscan_render_crashes_total", "", &Stats::crashes},
      {"leadscan_render_browser_starts_total", "", &Stats::browsers_started},
      {"leadscan_render_browser_recycles_total", "", &Stats::recycles},
      {"leadscan_render_browser_start_retries_total", "", &Stats::start_retries}};
  for (const auto& [name, outcome, member] : counters) {
    common::MetricLabels labels;
    if (*outcome != '\0')
      labels.emplace_back("outcome", outcome);
    metrics.SetCounterCallback(name, labels, [&renderer, member = member] {
      return static_cast<double>(renderer.stats().*member);
    });
  }
}

}  // namespace

ServeCommand::ServeCommand(CLI::App& parent, bool workers_only) : workers_only_(workers_only) {
  db_ = kDefaultDbUrl;
  app_ = workers_only ? parent.add_subcommand(
                            "worker", "Run batch workers only (scale-out on a shared PostgreSQL)")
                      : parent.add_subcommand(
                            "serve", "HTTP API + web UI + scheduler + workers on one store");
  app_->add_option("--db", db_, "Store URL: sqlite:///path/file.db or postgresql://...")
      ->capture_default_str();
  app_->add_option("--concurrency", concurrency_, "Leads analysed at once by this process")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app_->add_option("--lease-seconds", lease_seconds_, "Lease of a claimed item (renewed)")
      ->check(CLI::Range(int64_t{5}, int64_t{3600}))
      ->capture_default_str();
  app_->add_option("--rules", rules_, "Add rule files or folders to ours (repeatable)")
      ->check(CLI::ExistingPath);
  AddRulesCacheFlag(*app_, &rules_cache_);
  app_->add_option("--render-tabs", render_tabs_,
                   "Pages rendered at once in this process's headless Chromium (started on the "
                   "first render); 0: no browser, render always reports renderer_unavailable")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  if (workers_only) {
    listen_.clear();
    app_->add_option("--listen", listen_,
                     "HOST:PORT to serve /metrics, /healthz and /readyz on (default: none)");
  } else {
    app_->add_flag("--no-workers", no_workers_,
                   "Analyse nothing in this process: `leadscan worker` processes do the items");
    app_->add_option("--listen", listen_, "HOST:PORT to serve on")->capture_default_str();
    app_->add_option("--web-dir", web_dir_, "Folder of the built web UI (default: web/dist)");
    app_->add_option("--public-url", public_url_,
                     "Address users reach the UI at (for the sign-in link); default from --listen");
    app_->add_option("--first-token-file", first_token_file_,
                     "Where the first-start sign-in link goes when stdout is not a terminal "
                     "(mode 0600; default: beside the SQLite file, else ./first-admin-token)");
    app_->add_option("--batch-limit", batch_limit_, "Most lead_ids per job")
        ->check(CLI::Range(int64_t{1}, int64_t{1000000}))
        ->capture_default_str();
    app_->add_option("--default-timezone", default_timezone_,
                     "IANA zone for jobs created without one")
        ->capture_default_str();
    app_->add_option("--cors-origin", cors_origins_,
                     "Allowed CORS origin (exact, repeatable; '*' for any)");
    app_->add_option("--check-interval", check_interval_seconds_,
                     "Reported scheduler check interval (the loop sleeps until the next run)")
        ->check(CLI::Range(int64_t{1}, int64_t{86400}))
        ->capture_default_str();
    app_->add_option("--jwt-secret", jwt_secret_,
                     "HS256 secret of Supabase-style JWTs (LEADSCAN_JWT_SECRET); empty: off");
    app_->add_option("--jwt-org-claim", jwt_org_claim_, "JWT claim naming the organisation")
        ->capture_default_str();
    app_->add_option("--jwt-role-claim", jwt_role_claim_, "JWT claim holding 'admin'")
        ->capture_default_str();
    app_->add_option("--jwt-audience", jwt_audience_, "Required JWT aud (empty: any)");
    app_->add_option("--rate-limit", rate_per_second_,
                     "Requests per second per token (0: no limit)")
        ->capture_default_str();
    app_->add_option("--rate-burst", rate_burst_, "Burst size of the per-token rate limit")
        ->capture_default_str();
    app_->add_option("--io-threads", io_threads_, "HTTP IO threads")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    app_->add_option("--handler-threads", handler_threads_, "HTTP handler threads")
        ->check(CLI::Range(1, 512))
        ->capture_default_str();
    app_->add_option("--header-timeout-ms", header_timeout_ms_,
                     "A request's header block must arrive within this (slowloris)")
        ->check(CLI::Range(int64_t{100}, int64_t{600000}))
        ->capture_default_str();
    app_->add_option("--max-unfinished-per-address", max_unfinished_per_address_,
                     "Connections of one client address still sending their request header")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app_->add_option("--max-idle-per-address", max_idle_per_address_,
                     "Idle keep-alive connections one client address may hold")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app_->add_option("--reserved-connections", reserved_connections_,
                     "Connection slots event streams and unfinished requests never take")
        ->check(CLI::Range(0, 100000))
        ->capture_default_str();
    app_->add_option("--max-streams-per-principal", max_streams_per_principal_,
                     "Event streams one token may hold open")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app_->add_option("--stream-idle-timeout", stream_idle_timeout_s_,
                     "Seconds an event stream may go without an event (heartbeats aside)")
        ->check(CLI::Range(int64_t{1}, int64_t{86400}))
        ->capture_default_str();
    app_->add_option("--stream-max-lifetime", stream_max_lifetime_s_,
                     "Seconds after which any event stream is closed (clients reconnect)")
        ->check(CLI::Range(int64_t{1}, int64_t{604800}))
        ->capture_default_str();
  }
  const std::string hooks = "Webhooks";
  app_->add_flag("--no-webhooks", no_webhooks_,
                 "Send no webhook deliveries from this process (other processes on the database "
                 "do)")
      ->group(hooks);
  app_->add_option("--webhook-poll-ms", webhook_poll_ms_,
                   "How often the webhook outbox is checked for due deliveries (ms)")
      ->check(CLI::Range(int64_t{10}, int64_t{600000}))
      ->capture_default_str()
      ->group(hooks);
  app_->add_option("--webhook-timeout-ms", webhook_timeout_ms_,
                   "Time a webhook receiver has to answer one delivery, connect included (ms)")
      ->check(CLI::Range(int64_t{100}, int64_t{50000}))
      ->capture_default_str()
      ->group(hooks);
  app_->add_option("--webhook-retry-first-ms", webhook_retry_first_ms_,
                   "Wait before the first retry of a failed delivery (ms); it doubles per "
                   "attempt up to an hour, with jitter, for a day")
      ->check(CLI::Range(int64_t{10}, int64_t{3600000}))
      ->capture_default_str()
      ->group(hooks);
  app_->add_option("--webhook-retention-days", webhook_retention_days_,
                   "Days delivered and given-up deliveries stay in the delivery log")
      ->check(CLI::Range(int64_t{1}, int64_t{3650}))
      ->capture_default_str()
      ->group(hooks);
  AddFetchFlags(*app_, &fetch_options_);
  AddProviderFlags(*app_, &provider_flags_);
  AddSearchFlags(*app_, &search_flags_);
}

namespace {

// The webhook sender of serve and worker: its own CurlFetcher (the same address guard and
// allow-net, TLS and resolve options as page fetches; no robots.txt, no politeness gap, since a
// receiver is not a crawled site) and the delivery worker.
struct WebhookSender {
  std::unique_ptr<fetch::CurlFetcher> fetcher;
  std::unique_ptr<webhooks::DeliveryWorker> worker;
};

common::Result<WebhookSender> StartWebhookSender(const fetch::FetchOptions& fetch_options,
                                                 store::Store& store, common::Clock& clock,
                                                 common::Metrics& metrics,
                                                 webhooks::DeliveryWorkerOptions options) {
  fetch::FetchOptions fo = fetch_options;
  fo.ignore_robots = true;
  fo.politeness_delay = std::chrono::milliseconds(0);
  fo.default_timeout = options.timeout;
  fo.max_per_host = std::max(fo.max_per_host, options.batch);
  auto fetcher = fetch::CurlFetcher::Create(fo, clock);
  if (!fetcher.ok())
    return fetcher.status();
  WebhookSender sender;
  sender.fetcher = std::move(fetcher).value();
  options.metrics = &metrics;
  sender.worker =
      std::make_unique<webhooks::DeliveryWorker>(store, *sender.fetcher, clock, options);
  LEADSCAN_RETURN_IF_ERROR(sender.worker->Start());
  return sender;
}

}  // namespace

int ServeCommand::Run() {
  const std::string name = workers_only_ ? "worker" : "serve";
  // Signals go to sigwait below, never to a random thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  common::SystemClock clock;
  common::Metrics metrics;
  store::StoreOptions store_options;
  store_options.clock = &clock;
  auto store = store::OpenStore(db_, store_options);
  if (!store.ok()) {
    std::cerr << "leadscan " << name << ": " << store.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  const auto rules_start = std::chrono::steady_clock::now();
  auto rules = LoadRules(rules_, {}, rules_cache_);
  if (!rules.ok()) {
    std::cerr << "leadscan " << name << ": " << rules.status().ToString() << "\n";
    return kExitUsage;
  }
  {
    const detect::CompiledCache::Stats& cache = (*rules)->cache_stats();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - rules_start)
                        .count();
    const std::string& dir = (*rules)->compiled_cache_dir();
    const std::string from =
        dir.empty() ? std::string("compiled; --rules-cache off")
                    : std::to_string(cache.hits) + " compiled databases loaded from " + dir + ", " +
                          std::to_string(cache.misses + cache.rejected) + " compiled";
    spdlog::info("{}: {} technologies ready in {} ms ({})", name, (*rules)->technologies().size(),
                 ms, from);
  }
  auto fetcher = fetch::CurlFetcher::Create(fetch_options_, clock);
  if (!fetcher.ok()) {
    std::cerr << "leadscan " << name << ": " << fetcher.status().ToString() << "\n";
    return kExitUsage;
  }
  // Jobs whose analysis_config says use_firecrawl read their pages through Firecrawl when a
  // key is configured (--firecrawl-key / LEADSCAN_FIRECRAWL_KEY).
  auto providers = Providers::Create(provider_flags_, fetch_options_, **fetcher, clock, &metrics);
  if (!providers.ok()) {
    std::cerr << "leadscan " << name << ": " << providers.status().ToString() << "\n";
    return kExitUsage;
  }
  // Leads without a domain get one found by the web-search provider, when one is configured
  // (--search-provider / LEADSCAN_SEARCH_PROVIDER); searches are cached in the store.
  jobs::StoreDomainSearchCache search_cache(**store);
  auto domain_search =
      DomainSearchSetup::Create(search_flags_, fetch_options_, provider_flags_.provider_allow_net,
                                **fetcher, clock, &metrics, &search_cache);
  if (!domain_search.ok()) {
    std::cerr << "leadscan " << name << ": " << domain_search.status().ToString() << "\n";
    return kExitUsage;
  }
  detect::Detector detector(*rules);
  // One browser for the whole process (its workers and quick analyses share the tabs); it
  // starts on the first render and outlives the runner that renders through it.
  std::unique_ptr<render::Renderer> renderer;
  if (render_tabs_ > 0) {
    auto r = render::Renderer::Create(RenderOptionsFor(fetch_options_, render_tabs_));
    if (!r.ok()) {
      std::cerr << "leadscan " << name << ": " << r.status().ToString() << "\n";
      return kExitUsage;
    }
    renderer = std::move(r).value();
    RegisterRenderMetrics(metrics, *renderer);
  }
  analysis::Analyzer plain_analyzer(**fetcher, detector, clock);
  plain_analyzer.SetFirecrawl((*providers)->firecrawl());
  plain_analyzer.SetRenderer(renderer.get());
  analysis::MeteredAnalyzer analyzer(plain_analyzer, metrics, clock);
  jobs::JobEventHub events;
  // On PostgreSQL the processes of one database see each other's job events (LISTEN/NOTIFY).
  auto channel = store::OpenEventChannel(db_);
  if (!channel.ok()) {
    std::cerr << "leadscan " << name << ": " << channel.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  std::unique_ptr<jobs::JobEventRelay> relay;
  jobs::JobEvents* publish_to = &events;
  if (*channel) {
    relay = std::make_unique<jobs::JobEventRelay>(events, **channel);
    if (auto s = relay->Start(); !s.ok()) {
      std::cerr << "leadscan " << name << ": " << s.ToString() << "\n";
      return kExitSomeFailed;
    }
    publish_to = relay.get();
    RegisterRelayMetrics(metrics, *relay);
  }
  jobs::BatchRunnerOptions runner_options;
  runner_options.concurrency = concurrency_;
  runner_options.lease = std::chrono::seconds(lease_seconds_);
  runner_options.metrics = &metrics;
  if (*domain_search) {
    runner_options.domain_lookup = &(*domain_search)->finder();
    runner_options.search_country = (*domain_search)->default_country();
  }
  jobs::BatchRunner runner(**store, analyzer, clock, publish_to, runner_options);
  if (no_workers_) {
    spdlog::info("serve: no workers in this process (--no-workers)");
  } else if (auto s = runner.Start(); !s.ok()) {
    std::cerr << "leadscan " << name << ": " << s.ToString() << "\n";
    return kExitSomeFailed;
  }
  RegisterProcessMetrics(metrics, runner, **fetcher);
  WebhookSender webhook_sender;
  if (no_webhooks_) {
    spdlog::info("{}: no webhook deliveries from this process (--no-webhooks)", name);
  } else {
    webhooks::DeliveryWorkerOptions hook_options;
    hook_options.poll_interval = std::chrono::milliseconds(webhook_poll_ms_);
    hook_options.timeout = std::chrono::milliseconds(webhook_timeout_ms_);
    hook_options.lease =
        std::max<std::chrono::milliseconds>(hook_options.lease, 3 * hook_options.timeout);
    hook_options.retry.first_delay = std::chrono::milliseconds(webhook_retry_first_ms_);
    hook_options.retention = std::chrono::hours(24 * webhook_retention_days_);
    auto sender = StartWebhookSender(fetch_options_, **store, clock, metrics, hook_options);
    if (!sender.ok()) {
      std::cerr << "leadscan " << name << ": " << sender.status().ToString() << "\n";
      runner.Stop();
      return kExitSomeFailed;
    }
    webhook_sender = std::move(sender).value();
  }
  auto stop_webhooks = [&webhook_sender] {
    if (webhook_sender.worker)
      webhook_sender.worker->Stop();
  };
  if (workers_only_) {
    spdlog::info("worker {} started ({} at once)", runner.worker_id(), concurrency_);
    // --listen: the built-in /metrics, /healthz and /readyz only (no routes, no auth), as serve
    // answers them.
    http::Router no_routes;
    http::ServerOptions probe_options;
    probe_options.io_threads = 1;
    probe_options.handler_threads = 2;
    std::optional<http::HttpServer> probes;
    if (!listen_.empty()) {
      probes.emplace(probe_options, no_routes, nullptr, clock, metrics);
      probes->SetReadinessCheck(StoreReadiness(**store));
      if (auto s = probes->Listen(listen_); !s.ok()) {
        std::cerr << "leadscan worker: " << s.ToString() << "\n";
        runner.Stop();
        stop_webhooks();
        return kExitSomeFailed;
      }
      std::string host = listen_.substr(0, listen_.rfind(':'));
      if (host.empty() || host == "0.0.0.0")
        host = "127.0.0.1";
      std::cout << "leadscan worker listening on http://" << host << ":" << probes->port()
                << " (/metrics, /healthz, /readyz)" << std::endl;
    }
    int sig = WaitForSignal(signals);
    spdlog::info("signal {}: stopping workers", sig);
    runner.Stop();
    stop_webhooks();
    if (relay)
      relay->Stop();
    if (probes)
      probes->Stop();
    return kExitOk;
  }

  jobs::SchedulerOptions scheduler_options;
  scheduler_options.check_interval = std::chrono::seconds(check_interval_seconds_);
  jobs::Scheduler scheduler(**store, clock, &runner, publish_to, scheduler_options);

  auto webhook_urls = webhooks::WebhookUrlPolicy::Create(fetch_options_.allow_net);
  if (!webhook_urls.ok()) {
    std::cerr << "leadscan serve: " << webhook_urls.status().ToString() << "\n";
    runner.Stop();
    stop_webhooks();
    return kExitUsage;
  }
  api::Services services(**store, clock);
  services.webhook_urls = &*webhook_urls;
  services.analyzer = &analyzer;
  services.runner = &runner;
  services.scheduler = &scheduler;
  services.events = &events;
  services.options.batch_limit = batch_limit_;
  services.options.default_timezone = default_timezone_;
  http::Router router;
  api::RegisterRoutes(router, services);

  api::StoreAuthenticator token_auth(**store);
  std::unique_ptr<http::JwtAuthenticator> jwt_auth;
  if (!jwt_secret_.empty()) {
    http::JwtOptions jwt;
    jwt.secret = jwt_secret_;
    jwt.org_claim = jwt_org_claim_;
    jwt.role_claim = jwt_role_claim_;
    jwt.audience = jwt_audience_;
    jwt_auth = std::make_unique<http::JwtAuthenticator>(jwt, clock);
  }
  http::BearerAuthenticator auth(&token_auth, jwt_auth.get());

  http::ServerOptions server_options;
  server_options.io_threads = io_threads_;
  server_options.handler_threads = handler_threads_;
  server_options.header_timeout = std::chrono::milliseconds(header_timeout_ms_);
  server_options.max_unfinished_per_address = max_unfinished_per_address_;
  server_options.max_idle_per_address = max_idle_per_address_;
  server_options.reserved_connections = reserved_connections_;
  server_options.max_streams_per_principal = max_streams_per_principal_;
  server_options.stream_idle_timeout = std::chrono::seconds(stream_idle_timeout_s_);
  server_options.stream_max_lifetime = std::chrono::seconds(stream_max_lifetime_s_);
  server_options.cors_origins = cors_origins_;
  server_options.static_dir = web_dir_.empty() ? DefaultWebDir() : web_dir_;
  if (!std::filesystem::is_directory(server_options.static_dir)) {
    spdlog::warn("web UI folder {} does not exist; serving the API only",
                 server_options.static_dir);
    server_options.static_dir.clear();
  }
  server_options.rate_limit.enabled = rate_per_second_ > 0;
  server_options.rate_limit.per_second = rate_per_second_;
  server_options.rate_limit.burst = rate_burst_;
  http::HttpServer server(server_options, router, &auth, clock, metrics);
  server.SetReadinessCheck(StoreReadiness(**store));
  if (auto s = server.Listen(listen_); !s.ok()) {
    std::cerr << "leadscan serve: " << s.ToString() << "\n";
    runner.Stop();
    stop_webhooks();
    return kExitSomeFailed;
  }
  if (auto s = scheduler.Start(); !s.ok()) {
    std::cerr << "leadscan serve: " << s.ToString() << "\n";
    server.Stop();
    runner.Stop();
    stop_webhooks();
    return kExitSomeFailed;
  }
  std::string base = public_url_;
  if (base.empty()) {
    std::string host = listen_.substr(0, listen_.rfind(':'));
    if (host.empty() || host == "0.0.0.0")
      host = "127.0.0.1";
    base = "http://" + host + ":" + std::to_string(server.port());
  }
  std::cout << "leadscan serving on " << base << " (store: " << (*store)->Dialect() << ")"
            << std::endl;
  if (std::string token = EnsureFirstAdmin(**store); !token.empty()) {
    const std::string sign_in =
        "Sign in: " + base + "/#token=" + token + "\n" + "Token (shown once): " + token + "\n";
    if (::isatty(STDOUT_FILENO)) {
      // A person at a terminal: show it once, there only.
      std::cout << "First start: an admin token was created for organisation 'default'.\n"
                << sign_in << std::flush;
    } else {
      // stdout goes to a log or a pipe: the secret goes to a file only its owner can read,
      // the log says where.
      std::string path = first_token_file_.empty() ? DefaultFirstTokenFile(db_) : first_token_file_;
      if (auto s = WriteSecretFile(path, sign_in); !s.ok()) {
        spdlog::error(
            "first start: the admin token could not be saved ({}); create one with "
            "`leadscan token create --org default --role admin`",
            s.ToString());
      } else {
        std::cout << "First start: an admin token was created for organisation 'default'; "
                  << "the sign-in link is in " << path << " (mode 0600)" << std::endl;
      }
    }
  }
  int sig = WaitForSignal(signals);
  spdlog::info("signal {}: shutting down", sig);
  scheduler.Stop();
  runner.Stop();
  stop_webhooks();
  if (relay)
    relay->Stop();
  server.Stop();
  return kExitOk;
}

}  // namespace leadscan::cli
