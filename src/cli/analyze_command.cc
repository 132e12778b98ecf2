#include "cli/analyze_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "analysis/analyzer.h"
#include "analysis/page_discovery.h"
#include "cli/live_analysis.h"
#include "cli/rules_location.h"
#include "common/clock.h"
#include "common/file_read.h"
#include "detect/detector.h"

namespace leadscan::cli {
namespace {

using common::Result;
using common::Status;

constexpr int64_t kMaxSavedPageBytes = 64LL * 1024 * 1024;

// "Name: value" lines (a leading status line is skipped); names lower-cased.
Result<std::vector<std::pair<std::string, std::string>>> ReadHeadersFile(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return Status::IoError("cannot open " + path);
  std::vector<std::pair<std::string, std::string>> headers;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line.rfind("HTTP/", 0) == 0)
      continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    std::string name = line.substr(0, colon);
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t v = line.find_first_not_of(" \t", colon + 1);
    headers.emplace_back(name, v == std::string::npos ? "" : line.substr(v));
  }
  return headers;
}

std::string Names(const nlohmann::json& findings) {
  std::string out;
  for (const auto& f : findings) {
    if (!out.empty())
      out += ", ";
    out += f.value("name", "");
  }
  return out.empty() ? "-" : out;
}

void PrintTable(const std::vector<nlohmann::json>& rows) {
  std::cout << "domain | platform | checkout | payment | carriers | shipping software | "
               "technologies | error\n";
  for (const auto& r : rows) {
    if (r.contains("error") && r["error"].is_object()) {
      std::cout << r.value("domain", r.value("input", "")) << " | - | - | - | - | - | - | "
                << r["error"].value("code", "") << "\n";
      continue;
    }
    std::string platform =
        r["ecommerce_platform"].is_object() ? r["ecommerce_platform"].value("name", "") : "-";
    std::cout << r.value("domain", "") << " | " << platform << " | "
              << Names(r["checkout_solutions"]) << " | " << Names(r["payment_methods"]) << " | "
              << Names(r["carriers"]) << " | " << Names(r["shipping_software"]) << " | "
              << r["technologies"].size() << " | -\n";
  }
}

}  // namespace

AnalyzeCommand::AnalyzeCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("analyze",
                               "Analyse domains or URLs now and print one result per input "
                               "(JSON lines, or a table); no database");
  app_->add_option("inputs", inputs_, "Domains or URLs (example.se, https://example.se/path)");
  app_->add_option("--format", format_, "json (one line per input) or table")
      ->check(CLI::IsMember({"json", "table"}))
      ->capture_default_str();
  app_->add_option("--html", html_file_, "Analyse a saved page (no fetching); needs --url")
      ->check(CLI::ExistingFile);
  app_->add_option("--url", url_, "The URL the saved page came from");
  app_->add_option("--headers", headers_file_, "Response headers of the saved page")
      ->check(CLI::ExistingFile);
  app_->add_option("--pages", pages_list_,
                   "Analyse many saved pages: a file of 'path<TAB>url' lines (.gz read as such)")
      ->check(CLI::ExistingFile);
  AddAnalysisFlags(*app_, &flags_, "Inputs analysed at once");
  AddRenderFlag(*app_, &flags_);
}

// Runs `count` jobs and prints each JSON line in input order as soon as it and all before it
// are done, or collects them for the table.
int AnalyzeCommand::RunAll(size_t count, const OrderedRunner::WorkFn& work) {
  std::vector<nlohmann::json> rows;
  OrderedRunner runner(
      count, OrderedRunner::Order::kInput, [&](size_t, const nlohmann::json& json, bool) {
        if (format_ == "table") {
          rows.push_back(json);
          return;
        }
        std::cout << json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        std::cout.flush();
      });
  const bool failed = runner.Run(flags_.concurrency, work);
  if (format_ == "table")
    PrintTable(rows);
  return failed ? kExitSomeFailed : kExitOk;
}

int AnalyzeCommand::Run() {
  const bool saved = !html_file_.empty() || !pages_list_.empty();
  if (saved && !inputs_.empty()) {
    std::cerr << "leadscan analyze: give domains or --html/--pages, not both\n";
    return kExitUsage;
  }
  if (!saved && inputs_.empty()) {
    std::cerr << "leadscan analyze: nothing to analyse (give domains, --html or --pages)\n";
    return kExitUsage;
  }
  if (!html_file_.empty() && url_.empty()) {
    std::cerr << "leadscan analyze: --html needs --url\n";
    return kExitUsage;
  }
  if (saved)
    return RunSaved();

  auto live = LiveAnalysis::Create(flags_);
  if (!live.ok()) {
    std::cerr << "leadscan analyze: " << live.status().ToString() << "\n";
    return kExitUsage;
  }
  return RunAll(inputs_.size(), [&](size_t i) -> std::pair<nlohmann::json, bool> {
    auto result = (*live)->Analyze(inputs_[i]);
    if (!result.ok())
      return {FailureJson(inputs_[i], result.status()), true};
    nlohmann::json json = result->ToJson();
    json["input"] = inputs_[i];
    return {std::move(json), false};
  });
}

int AnalyzeCommand::RunSaved() {
  auto type = analysis::ParseAnalysisType(flags_.type, "type");
  if (!type.ok()) {
    std::cerr << "leadscan analyze: " << type.status().message() << "\n";
    return kExitUsage;
  }

  struct SavedPage {
    std::string path;
    std::string url;
  };

  std::vector<SavedPage> pages;
  if (!html_file_.empty())
    pages.push_back({html_file_, url_});
  if (!pages_list_.empty()) {
    std::ifstream in(pages_list_);
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (line.empty() || line[0] == '#')
        continue;
      size_t tab = line.find('\t');
      if (tab == std::string::npos) {
        std::cerr << "leadscan analyze: " << pages_list_ << ":" << line_no
                  << ": expected 'path<TAB>url'\n";
        return kExitUsage;
      }
      pages.push_back({line.substr(0, tab), line.substr(tab + 1)});
    }
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (!headers_file_.empty()) {
    auto h = ReadHeadersFile(headers_file_);
    if (!h.ok()) {
      std::cerr << "leadscan analyze: " << h.status().message() << "\n";
      return kExitUsage;
    }
    headers = std::move(*h);
  }
  auto rules = LoadRules(flags_.rules, flags_.only_rules, flags_.rules_cache);
  if (!rules.ok()) {
    std::cerr << "leadscan analyze: " << rules.status().ToString() << "\n";
    return kExitUsage;
  }
  detect::Detector detector(*rules);

  // Saved pages need no fetching; the analyzer's fetcher is never called.
  class NoFetcher final : public fetch::Fetcher {
   public:
    void FetchAsync(fetch::FetchRequest, fetch::FetchCallback done) override {
      done(common::Status::Internal("saved-page analysis does not fetch"));
    }
  } no_fetcher;

  common::SystemClock clock;
  analysis::Analyzer analyzer(no_fetcher, detector, clock);

  return RunAll(pages.size(), [&](size_t i) -> std::pair<nlohmann::json, bool> {
    auto body = common::ReadFileInflated(pages[i].path, kMaxSavedPageBytes);
    if (!body.ok()) {
      // As on a page that was read: `input` names the file, `domain` comes from the URL.
      nlohmann::json failure = FailureJson(pages[i].url, body.status());
      failure["input"] = pages[i].path;
      return {std::move(failure), true};
    }
    detect::PageInput page;
    page.url = pages[i].url;
    page.html = std::move(*body);
    page.headers = headers;
    // The role discovery would have given the page by its path (a saved shipping policy reads
    // carrier names as the crawled one does).
    page.role = std::string(analysis::PageRoleName(analysis::RoleOfUrl(pages[i].url)));
    const int64_t bytes = static_cast<int64_t>(page.html.size());
    auto result = analyzer.AnalyzePages({std::move(page)}, *type);
    result.pages.push_back({pages[i].url, 200, bytes, 0, "saved", pages[i].path, ""});
    nlohmann::json json = result.ToJson();
    json["input"] = pages[i].path;
    return {std::move(json), false};
  });
}

}  // namespace leadscan::cli
