// leadscan-fetch-bench: fetches the home page of N generated sites (site-<n>.bench.test) on a
// running fake internet with CurlFetcher and prints pages/s, errors and peak RSS. Keeps at most
// --window requests outstanding, so its own memory does not depend on N. run.sh drives it.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "fetch/curl_fetcher.h"

namespace {

struct Args {
  int sites = 2000;
  int first = 0;
  std::string scheme = "http";
  int concurrency = 256;
  int per_host = 2;
  int window = 1024;
  bool robots = true;
  std::vector<std::string> connect_to;
  std::vector<std::string> allow_net;
  std::string ca_file;
};

[[noreturn]] void Usage() {
  std::cerr << "usage: leadscan-fetch-bench --connect-to RULE... --allow-net CIDR... [--ca-file F]"
               " [--sites N] [--first K] [--scheme http|https] [--concurrency C]"
               " [--per-host P] [--window W] [--no-robots]\n";
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc)
        Usage();
      return argv[++i];
    };
    if (k == "--sites") {
      a.sites = std::stoi(next());
    } else if (k == "--first") {
      a.first = std::stoi(next());
    } else if (k == "--scheme") {
      a.scheme = next();
    } else if (k == "--concurrency") {
      a.concurrency = std::stoi(next());
    } else if (k == "--per-host") {
      a.per_host = std::stoi(next());
    } else if (k == "--window") {
      a.window = std::stoi(next());
    } else if (k == "--no-robots") {
      a.robots = false;
    } else if (k == "--connect-to") {
      a.connect_to.push_back(next());
    } else if (k == "--allow-net") {
      a.allow_net.push_back(next());
    } else if (k == "--ca-file") {
      a.ca_file = next();
    } else {
      Usage();
    }
  }
  return a;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace leadscan;
  Args args = Parse(argc, argv);
  fetch::FetchOptions options;
  options.max_concurrent = args.concurrency;
  options.max_per_host = args.per_host;
  options.politeness_delay = std::chrono::milliseconds(0);
  options.ignore_robots = !args.robots;
  options.connect_to = args.connect_to;
  options.allow_net = args.allow_net;
  options.ca_file = args.ca_file;
  common::SystemClock clock;
  auto created = fetch::CurlFetcher::Create(options, clock);
  if (!created.ok()) {
    std::cerr << created.status().ToString() << "\n";
    return 1;
  }
  auto fetcher = std::move(created).value();

  std::mutex mu;
  std::condition_variable cv;
  int outstanding = 0;
  int done = 0;
  int64_t ok = 0, body_bytes = 0, wire_bytes = 0;
  std::map<std::string, int> errors;
  long rss_before = PeakRssKb();
  double cpu_before = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < args.sites; ++i) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return outstanding < args.window; });
      ++outstanding;
    }
    fetch::FetchRequest req;
    req.url = args.scheme + "://site-" + std::to_string(args.first + i) + ".bench.test/";
    req.reason = "home";
    fetcher->FetchAsync(std::move(req), [&](fetch::FetchResult r) {
      std::lock_guard<std::mutex> lock(mu);
      if (r.ok()) {
        ++ok;
        body_bytes += static_cast<int64_t>(r->body.size());
        wire_bytes += r->wire_bytes;
      } else {
        ++errors[r.status().error_code()];
        if (errors[r.status().error_code()] == 1) {
          std::cerr << "first " << r.status().ToString() << "\n";
        }
      }
      --outstanding;
      ++done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done == args.sites; });
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = CpuSeconds() - cpu_before;
  fetch::FetcherStats s = fetcher->stats();
  std::printf(
      "sites=%d scheme=%s robots=%s ok=%lld failed=%d seconds=%.2f pages_per_s=%.0f "
      "body_mb=%.1f wire_mb=%.1f peak_active=%d transfers=%lld hosts_tracked=%zu "
      "robots_cached=%zu client_cpu_s=%.2f client_cpu_us_per_page=%.0f peak_rss_mb=%.1f "
      "(before fetching %.1f)\n",
      args.sites, args.scheme.c_str(), args.robots ? "on" : "off", static_cast<long long>(ok),
      args.sites - static_cast<int>(ok), secs, args.sites / secs, body_bytes / 1e6,
      wire_bytes / 1e6, s.peak_active, static_cast<long long>(s.transfers_started), s.hosts_tracked,
      s.robots_cached, cpu, cpu * 1e6 / args.sites, PeakRssKb() / 1024.0, rss_before / 1024.0);
  for (const auto& [code, n] : errors)
    std::printf("  error %s: %d\n", code.c_str(), n);
  return ok == args.sites ? 0 : 1;
}
