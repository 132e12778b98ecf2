#include "cli/batch_command.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/lead_csv.h"
#include "cli/ordered_runner.h"
#include "cli/progress.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "fetch/curl_fetcher.h"
#include "search/domain_finder.h"

namespace leadscan::cli {
namespace {

using common::Result;
using common::Status;

constexpr int64_t kMaxInputBytes = 256LL * 1024 * 1024;

// found_domain: the domain a web search found for a row without one (the last column, so an
// output of the nine columns before it can still be resumed).
const std::vector<std::string> kCsvHeader = {
    "company_name",      "domain",     "platform",      "checkout",    "payment", "carriers",
    "shipping_software", "error_code", "error_message", "found_domain"};
constexpr size_t kCsvColumnsBeforeFoundDomain = 9;

// One input row: what it is identified by in an output (for --resume) and what to analyse.
struct BatchRow {
  int line = 0;
  std::string company_name;
  std::string domain;        // as written in the input, trimmed
  std::string problem_code;  // set: the row fails without analysis
  std::string problem_message;
  std::string country;  // the row's country column, lower-case ("" none)
};

using RowKey = std::pair<std::string, std::string>;  // company_name, domain as given

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::IoError("cannot open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad())
    return Status::IoError("cannot read " + path);
  std::string text = buf.str();
  if (static_cast<int64_t>(text.size()) > kMaxInputBytes)
    return Status::InvalidArgument("file_too_large", path + " is larger than 256 MiB");
  return text;
}

Result<std::vector<BatchRow>> ReadRows(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok())
    return text.status();
  auto table = api::ParseCsv(*text);
  if (!table.ok())
    return table.status();
  LeadColumns cols = FindLeadColumns(*table);
  if (cols.domain < 0 && cols.company_name < 0) {
    return Status::InvalidArgument(
        "invalid_csv",
        "the header row needs a domain column (domain, website, url, domän...) and a "
        "company_name column (company_name, company, name, företag...)");
  }
  std::vector<BatchRow> rows;
  for (const auto& r : table->rows) {
    BatchRow row;
    row.line = r.line;
    row.company_name = Cell(r, cols.company_name);
    row.domain = Cell(r, cols.domain);
    row.country = common::AsciiLower(Cell(r, cols.country));
    if (row.country.size() != 2)
      row.country.clear();  // two-letter codes only, as for a lead's imported country
    if (r.fields.size() > table->header.size()) {
      row.problem_code = "invalid_row";
      row.problem_message = "the row has " + std::to_string(r.fields.size()) +
                            " fields but the header has " + std::to_string(table->header.size());
    } else if (row.domain.empty()) {
      // Unless a web search finds one from the company name (Run).
      row.problem_code = "no_domain";
      row.problem_message = "the row has no domain";
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The rows a previous output of this command holds (JSON lines or CSV), counted.
Result<std::map<RowKey, int>> ReadDone(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok())
    return text.status();
  std::map<RowKey, int> done;
  size_t first = text->find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return done;
  if ((*text)[first] == '{') {
    std::istringstream in(*text);
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos)
        continue;
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (json.is_discarded() || !json.is_object()) {
        // The last line of an interrupted run may be cut short: that row is simply redone.
        if (in.peek() == EOF)
          break;
        return Status::InvalidArgument("invalid_resume_file",
                                       path + ":" + std::to_string(line_no) + ": not a JSON line");
      }
      auto str = [&](const char* key) {
        auto it = json.find(key);
        return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      ++done[{str("company_name"), str("input")}];
    }
    return done;
  }
  auto table = api::ParseCsv(*text);
  if (!table.ok())
    return table.status();
  LeadColumns cols = FindLeadColumns(*table);
  const size_t columns = table->header.size();
  if (cols.domain < 0 || cols.company_name < 0 ||
      (columns != kCsvHeader.size() && columns != kCsvColumnsBeforeFoundDomain)) {
    return Status::InvalidArgument(
        "invalid_resume_file", path + " is not an output of leadscan batch (JSON lines or CSV)");
  }
  for (const auto& r : table->rows) {
    if (r.fields.size() != columns)
      continue;  // a row cut short by an interrupted run: redone
    ++done[{Cell(r, cols.company_name), Cell(r, cols.domain)}];
  }
  return done;
}

// A cell as a CSV output of this command holds it once read back (formula protection kept).
std::string CsvCellForm(const std::string& cell) {
  auto line = api::CsvLine({cell});
  auto table = api::ParseCsv("h\r\n" + line);
  if (!table.ok() || table->rows.empty() || table->rows[0].fields.empty())
    return cell;
  return Cell(table->rows[0], 0);
}

std::string CsvOf(const BatchRow& row, const nlohmann::json& json) {
  std::string found;
  if (auto it = json.find("domain_search"); it != json.end() && it->is_object()) {
    auto d = it->find("domain");  // null when the search found none
    if (d != it->end() && d->is_string())
      found = d->get<std::string>();
  }
  if (auto it = json.find("error"); it != json.end() && it->is_object()) {
    return api::CsvLine({row.company_name, row.domain, "", "", "", "", "", it->value("code", ""),
                         it->value("message", ""), found});
  }
  auto field = [&](const char* key) {
    auto it = json.find(key);
    return it == json.end() ? std::string() : api::JoinFindingNames(*it);
  };
  return api::CsvLine({row.company_name, row.domain, field("ecommerce_platform"),
                       field("checkout_solutions"), field("payment_methods"), field("carriers"),
                       field("shipping_software"), "", "", found});
}

}  // namespace

BatchCommand::BatchCommand(CLI::App& parent) {
  app_ = parent.add_subcommand(
      "batch",
      "Analyse every row of a CSV of leads (company_name,domain; ',' or ';') and print one "
      "result per row on stdout; progress on stderr (one updating line on a terminal, else a "
      "line every few seconds). No database. Exit 0 when every row succeeded, 1 when some "
      "failed, 2 on bad usage");
  app_->add_option("file", file_, "CSV with a header row naming company_name and domain")
      ->required()
      ->check(CLI::ExistingFile);
  app_->add_option("--format", format_,
                   "jsonl (one JSON line per row) or csv (company_name, domain, platform, "
                   "checkout, payment, carriers, shipping_software, error_code, error_message)")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  app_->add_option("--order", order_,
                   "input: results in the order of the input rows (a row waits for those "
                   "before it); done: each row as it finishes")
      ->check(CLI::IsMember({"input", "done"}))
      ->capture_default_str();
  app_->add_option("--resume", resume_,
                   "A previous output of this command (jsonl or csv): skip the rows it already "
                   "holds, failures included. Writes only the new rows (and no CSV header); "
                   "append them yourself (>>)")
      ->check(CLI::ExistingFile);
  AddAnalysisFlags(*app_, &flags_, "Rows analysed at once");
  AddSearchFlags(*app_, &search_);
}

int BatchCommand::Run() {
  auto rows = ReadRows(file_);
  if (!rows.ok()) {
    std::cerr << "leadscan batch: " << rows.status().ToString() << "\n";
    return kExitUsage;
  }
  const bool csv = format_ == "csv";
  size_t skipped = 0;
  if (!resume_.empty()) {
    auto done = ReadDone(resume_);
    if (!done.ok()) {
      std::cerr << "leadscan batch: " << done.status().ToString() << "\n";
      return kExitUsage;
    }
    std::vector<BatchRow> todo;
    for (auto& row : *rows) {
      // A JSON line holds the cells as given; a CSV output as protected against formulas.
      auto it = done->find({row.company_name, row.domain});
      if (it == done->end() || it->second == 0) {
        it = done->find({CsvCellForm(row.company_name), CsvCellForm(row.domain)});
      }
      if (it != done->end() && it->second > 0) {
        --it->second;
        ++skipped;
        continue;
      }
      todo.push_back(std::move(row));
    }
    *rows = std::move(todo);
  }

  auto live = LiveAnalysis::Create(flags_);
  if (!live.ok()) {
    std::cerr << "leadscan batch: " << live.status().ToString() << "\n";
    return kExitUsage;
  }
  // Rows without a domain: found by web search from the company name when a provider is set.
  common::SystemClock clock;
  std::unique_ptr<fetch::CurlFetcher> search_pages;
  std::unique_ptr<DomainSearchSetup> search;
  if (!search_.provider.empty()) {
    auto fetcher = fetch::CurlFetcher::Create(flags_.fetch_options, clock);
    if (!fetcher.ok()) {
      std::cerr << "leadscan batch: " << fetcher.status().ToString() << "\n";
      return kExitUsage;
    }
    search_pages = std::move(*fetcher);
    auto setup = DomainSearchSetup::Create(search_, flags_.fetch_options,
                                           flags_.providers.provider_allow_net, *search_pages,
                                           clock, nullptr, nullptr);
    if (!setup.ok()) {
      std::cerr << "leadscan batch: " << setup.status().ToString() << "\n";
      return kExitUsage;
    }
    search = std::move(*setup);
  }
  if (skipped > 0)
    std::cerr << "leadscan batch: skipping " << skipped << " rows already in " << resume_ << "\n";
  if (csv && resume_.empty())
    std::cout << api::CsvLine(kCsvHeader);

  Progress progress(stderr, isatty(STDERR_FILENO) == 1, rows->size());
  OrderedRunner runner(
      rows->size(), order_ == "done" ? OrderedRunner::Order::kDone : OrderedRunner::Order::kInput,
      [&](size_t i, const nlohmann::json& json, bool) {
        if (csv) {
          std::cout << CsvOf((*rows)[i], json);
        } else {
          std::cout << json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        }
        std::cout.flush();
      });
  const bool failed = runner.Run(flags_.concurrency, [&](size_t i) {
    const BatchRow& row = (*rows)[i];
    nlohmann::json json;
    bool row_failed = true;
    std::string domain = row.domain;
    nlohmann::json found_by_search;  // the search's answer, when the domain came from one
    if (search != nullptr && row.problem_code == "no_domain" && !row.company_name.empty()) {
      const std::string country = row.country.empty() ? search->default_country() : row.country;
      auto found = search->finder().Find(row.company_name, country);
      if (!found.ok()) {
        json = FailureJson(row.domain, found.status());
      } else if (!found->found()) {
        json = FailureJson(row.domain,
                           Status::InvalidArgument(std::string(search::kDomainNotFound),
                                                   "no website for \"" + row.company_name +
                                                       "\" was found with enough confidence"));
        json["domain_search"] = found->ToJson();
      } else {
        domain = found->domain;
        found_by_search = found->ToJson();
      }
    } else if (!row.problem_code.empty()) {
      json =
          FailureJson(row.domain, Status::InvalidArgument(row.problem_code, row.problem_message));
    }
    if (!json.is_null()) {
      // failed above
    } else if (auto result = (*live)->Analyze(domain); !result.ok()) {
      json = FailureJson(domain, result.status());
      json["input"] = row.domain;
    } else {
      json = result->ToJson();
      json["input"] = row.domain;
      row_failed = false;
    }
    if (found_by_search.is_object()) {
      json["domain_source"] = "search";
      json["domain_confidence"] = found_by_search.value("confidence", 0);
      json["domain_search"] = std::move(found_by_search);
    }
    json["company_name"] = row.company_name;
    json["line"] = row.line;
    progress.Add(row_failed);
    return std::make_pair(std::move(json), row_failed);
  });
  progress.Finish();
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace leadscan::cli
