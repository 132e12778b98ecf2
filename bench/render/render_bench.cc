// Render benchmark driver: renders the given URLs round-robin with T threads (one tab each) in
// one Renderer, with --rules also detects on each rendered page as the analyzer does, and
// prints pages/s, the browser's peak memory (sum of PSS of every process of the browser,
// sampled every 100 ms) and CPU per page. bench/render/run.sh runs it against the fake
// internet beside the peer (bench/render/peer).
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "detect/detector.h"
#include "detect/rule_set.h"
#include "render/renderer.h"

namespace {

// Calls fn with the /proc folder of every process whose command line names `dir`.
template <typename Fn>
void ForEachBrowserProcess(const std::string& dir, Fn fn) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream cmd(e.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    if (cmdline.find(dir) != std::string::npos)
      fn(e.path());
  }
}

// Sum of PSS (kB) of the processes whose command line names `dir`.
int64_t BrowserPssKb(const std::string& dir) {
  int64_t total = 0;
  ForEachBrowserProcess(dir, [&](const std::filesystem::path& proc) {
    std::ifstream rollup(proc / "smaps_rollup");
    std::string line;
    while (std::getline(rollup, line))
      if (line.rfind("Pss:", 0) == 0)
        total += std::stoll(line.substr(4));
  });
  return total;
}

// CPU seconds (user + system) of the processes whose command line names `dir`, with what
// their reaped children used (a renderer process that ended counts in its browser's).
double BrowserCpuSeconds(const std::string& dir) {
  double ticks = 0;
  ForEachBrowserProcess(dir, [&](const std::filesystem::path& proc) {
    std::ifstream in(proc / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (close == std::string::npos)
      return;
    std::istringstream fields(stat.substr(close + 2));
    std::string f;
    for (int i = 3; i <= 17 && fields >> f; ++i)
      if (i >= 14)  // utime, stime, cutime, cstime
        ticks += std::stod(f);
  });
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double OwnCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  leadscan::render::RenderOptions options;
  std::vector<std::string> urls;
  int pages = 40;
  int tabs = 1;
  CLI::App app{"leadscan-render-bench"};
  app.add_option("--url", urls)->required();
  app.add_option("--pages", pages);
  app.add_option("--tabs", tabs);
  app.add_option("--allow-net", options.allow_net);
  app.add_option("--connect-to", options.connect_to);
  app.add_option("--ca-file", options.ca_file);
  std::vector<std::string> rules;
  app.add_option("--rules", rules,
                 "Rule files or folders: also detect on every rendered page, as the analyzer "
                 "does (globals the js rules name, XHR URLs, cookies, the DOM)");
  app.add_option("--chromium-arg", options.launch.extra_args,
                 "One more Chromium command-line argument (repeatable; for experiments)");
  int settle_quiet_ms = static_cast<int>(options.settle_quiet.count());
  app.add_option("--spare-tabs", options.spare_tabs, "Tabs opened ahead (0: none)");
  app.add_option("--settle-quiet-ms", settle_quiet_ms,
                 "Quiet wanted after a load that started nothing more (500: as network_quiet)");
  CLI11_PARSE(app, argc, argv);
  options.settle_quiet = std::chrono::milliseconds(settle_quiet_ms);
  auto created = leadscan::render::Renderer::Create(options);
  if (!created.ok()) {
    std::cerr << created.status().ToString() << "\n";
    return 2;
  }
  leadscan::render::Renderer& renderer = *created.value();
  std::unique_ptr<leadscan::detect::Detector> detector;
  std::vector<std::string> chains;
  if (!rules.empty()) {
    auto loaded = leadscan::detect::RuleSet::Load(rules);
    if (!loaded.ok()) {
      std::cerr << loaded.status().ToString() << "\n";
      return 2;
    }
    std::set<std::string> unique;
    for (const auto& p : (*loaded)->patterns())
      if (p.field == leadscan::detect::Field::kJs && !p.key.empty())
        unique.insert(p.key);
    chains.assign(unique.begin(), unique.end());
    detector = std::make_unique<leadscan::detect::Detector>(*loaded);
  }
  // What detection found on each URL (the first time it was rendered), printed at the end.
  std::mutex found_mu;
  std::map<std::string, std::string> found;
  auto detect = [&](const std::string& url, leadscan::render::RenderedPage page) {
    if (!detector)
      return;
    leadscan::detect::PageInput input;
    input.url = page.final_url;
    input.rendered_html = std::move(page.html);
    for (const auto& [name, value] : page.headers)
      input.headers.emplace_back(name, value);
    for (const auto& c : page.cookies)
      input.cookies.emplace_back(c.name, c.value);
    for (const auto& r : page.requests)
      if (r.blocked.empty() && (r.resource_type == "XHR" || r.resource_type == "Fetch"))
        input.xhr.push_back(r.url);
    input.js = std::move(page.js);
    input.source = "browser";
    input.role = "home";
    leadscan::detect::SiteDetection site(*detector);
    (void)site.AddPage(std::move(input));
    std::string names;
    for (const auto& f : site.Findings())
      names += (names.empty() ? "" : ", ") + f.name;
    std::lock_guard lock(found_mu);
    found.emplace(url, names);
  };
  auto warm = renderer.Render({urls[0], chains});  // starts the browser
  if (!warm.ok()) {
    std::cerr << warm.status().ToString() << "\n";
    return 1;
  }
  const std::string dir = renderer.browser_dir();
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::atomic<bool> done{false};
  std::atomic<int64_t> peak_kb{BrowserPssKb(dir)};
  std::thread sampler([&] {
    while (!done.load()) {
      int64_t kb = BrowserPssKb(dir);
      if (kb > peak_kb.load())
        peak_kb.store(kb);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const double browser_cpu0 = BrowserCpuSeconds(dir);
  const double own_cpu0 = OwnCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < tabs; ++t)
    workers.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < pages;) {
        const std::string& url = urls[static_cast<size_t>(i) % urls.size()];
        auto page = renderer.Render({url, chains});
        if (!page.ok()) {
          ++failed;
          std::cerr << page.status().ToString() << "\n";
          continue;
        }
        detect(url, std::move(page).value());
      }
    });
  for (auto& w : workers)
    w.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  done = true;
  sampler.join();
  const double browser_cpu = BrowserCpuSeconds(dir) - browser_cpu0;
  const double own_cpu = OwnCpuSeconds() - own_cpu0;
  std::printf(
      "tabs=%d pages=%d failed=%d seconds=%.2f pages_per_s=%.2f peak_pss_mb=%.0f "
      "pss_mb_per_tab=%.0f cpu_ms_per_page=%.0f (browser %.0f, leadscan %.0f)\n",
      tabs, pages, failed.load(), seconds, pages / seconds, peak_kb.load() / 1024.0,
      peak_kb.load() / 1024.0 / tabs, (browser_cpu + own_cpu) * 1000 / pages,
      browser_cpu * 1000 / pages, own_cpu * 1000 / pages);
  for (const auto& [url, names] : found)
    std::fprintf(stderr, "found %s: %s\n", url.c_str(), names.c_str());
  return failed.load() == 0 ? 0 : 1;
}
