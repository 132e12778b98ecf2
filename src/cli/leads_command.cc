#include "cli/leads_command.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/lead_csv.h"
#include "common/org_id.h"
#include "fetch/target.h"
#include "store/store.h"

namespace leadscan::cli {
namespace {

constexpr int64_t kExportPage = 500;

// Columns our export writes after the lead's own: findings, not user data. An import of an
// export skips them, so the round trip keeps exactly the lead's columns.
const std::vector<std::string> kFindingColumns = {
    "ecommerce_platform", "checkout_solutions", "payment_methods", "carriers",
    "shipping_software",  "technologies",       "last_analyzed_at"};

bool IsFindingColumn(const std::string& header) {
  return std::find(kFindingColumns.begin(), kFindingColumns.end(), header) != kFindingColumns.end();
}

// As the API's import: the host for a bare domain or a root URL, the URL otherwise.
common::Result<std::string> NormaliseDomain(const std::string& raw) {
  auto target = fetch::NormalizeTarget(raw);
  if (!target.ok())
    return target.status();
  return fetch::StoredDomain(*target);
}

}  // namespace

LeadsCommand::LeadsCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("leads", "Import and export the leads of an organisation");
  app_->require_subcommand(1);
  import_ = app_->add_subcommand(
      "import",
      "Import a CSV of leads (company_name, domain and other columns; ',' or ';'): a row with "
      "the domain of an existing lead updates it, other rows create leads. Prints counts");
  import_->add_option("file", file_, "The CSV file")->required()->check(CLI::ExistingFile);
  import_->add_option("--org", org_, "Organisation name (created when missing)")->required();
  import_->add_option("--db", db_, "Store URL")->capture_default_str();
  export_ = app_->add_subcommand("export", "Print every lead of an organisation");
  export_->add_option("--org", org_, "Organisation name")->required();
  export_->add_option("--db", db_, "Store URL")->capture_default_str();
  export_->add_option("--format", format_, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
}

int LeadsCommand::Run() {
  return import_->parsed() ? Import() : Export();
}

int LeadsCommand::Import() {
  std::ifstream in(file_, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  auto table = api::ParseCsv(buf.str());
  if (!table.ok()) {
    std::cerr << "leadscan leads import: " << table.status().ToString() << "\n";
    return kExitUsage;
  }
  LeadColumns cols = FindLeadColumns(*table);
  if (cols.company_name < 0) {
    std::cerr << "leadscan leads import: the header row needs a company_name column (or "
                 "company, name, företag)\n";
    return kExitUsage;
  }
  std::vector<store::NewLead> leads;
  int64_t rejected = 0;
  for (const auto& row : table->rows) {
    auto reject = [&](const std::string& why) {
      ++rejected;
      std::cerr << "leadscan leads import: " << file_ << ":" << row.line << ": " << why << "\n";
    };
    if (row.fields.size() > table->header.size()) {
      reject("the row has " + std::to_string(row.fields.size()) + " fields but the header has " +
             std::to_string(table->header.size()));
      continue;
    }
    store::NewLead lead;
    lead.company_name = Cell(row, cols.company_name);
    if (lead.company_name.empty()) {
      reject("company_name is empty");
      continue;
    }
    if (std::string domain = Cell(row, cols.domain); !domain.empty()) {
      auto d = NormaliseDomain(domain);
      if (!d.ok()) {
        reject(d.status().message());
        continue;
      }
      lead.domain = *d;
    }
    for (size_t i = 0; i < table->header.size(); ++i) {
      int col = static_cast<int>(i);
      if (col == cols.company_name || col == cols.domain ||
          api::LeadColumnRole(table->header[i]) == "id" || IsFindingColumn(table->header[i]))
        continue;
      std::string v = Cell(row, col);
      if (!v.empty() && !table->header[i].empty())
        lead.extra[table->header[i]] = v;
    }
    leads.push_back(std::move(lead));
  }
  auto store = store::OpenStore(db_);
  if (!store.ok()) {
    std::cerr << "leadscan leads import: " << store.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  auto org = (*store)->FindOrganizationByName(org_);
  if (!org.ok() && org.status().code() == common::StatusCode::kNotFound)
    org = (*store)->CreateOrganization(org_);
  if (!org.ok()) {
    std::cerr << "leadscan leads import: " << org.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  int64_t created = 0;
  int64_t updated = 0;
  if (!leads.empty()) {
    auto result = (*store)->UpsertLeadsByDomain(*common::OrgId::Parse(org->id), leads);
    if (!result.ok()) {
      std::cerr << "leadscan leads import: " << result.status().ToString() << "\n";
      return kExitSomeFailed;
    }
    for (const auto& r : *result)
      (r.created ? created : updated)++;
  }
  std::cout << "created " << created << ", updated " << updated << ", rejected " << rejected
            << "\n";
  return rejected > 0 ? kExitSomeFailed : kExitOk;
}

int LeadsCommand::Export() {
  auto store = store::OpenStore(db_);
  if (!store.ok()) {
    std::cerr << "leadscan leads export: " << store.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  auto org = (*store)->FindOrganizationByName(org_);
  if (!org.ok()) {
    std::cerr << "leadscan leads export: " << org.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  std::vector<store::Lead> leads;
  store::LeadFilter filter;
  filter.limit = kExportPage;
  while (true) {
    auto page = (*store)->ListLeads(*common::OrgId::Parse(org->id), filter);
    if (!page.ok()) {
      std::cerr << "leadscan leads export: " << page.status().ToString() << "\n";
      return kExitSomeFailed;
    }
    filter.offset += static_cast<int64_t>(page->rows.size());
    for (auto& l : page->rows)
      leads.push_back(std::move(l));
    if (page->rows.empty() || filter.offset >= page->total)
      break;
  }
  // Oldest first, as they were imported.
  std::reverse(leads.begin(), leads.end());
  if (format_ == "jsonl") {
    for (const auto& l : leads) {
      const auto& f = l.findings;
      nlohmann::json json = {
          {"id", l.id},
          {"company_name", l.company_name},
          {"domain", l.domain.empty() ? nlohmann::json() : nlohmann::json(l.domain)},
          {"extra", l.extra},
          {"ecommerce_platform", f.ecommerce_platform},
          {"checkout_solutions", f.checkout_solutions},
          {"payment_methods", f.payment_methods},
          {"carriers", f.carriers},
          {"shipping_software", f.shipping_software},
          {"technologies", f.technologies},
          {"last_analyzed_at", f.last_analyzed_at
                                   ? nlohmann::json(store::FormatTime(*f.last_analyzed_at))
                                   : nlohmann::json()},
          {"created_at", store::FormatTime(l.created_at)}};
      std::cout << json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    return kExitOk;
  }
  // The extra columns of every lead, in the order first seen.
  std::vector<std::string> extra_columns;
  for (const auto& l : leads) {
    if (!l.extra.is_object())
      continue;
    for (const auto& [key, value] : l.extra.items()) {
      if (std::find(extra_columns.begin(), extra_columns.end(), key) == extra_columns.end())
        extra_columns.push_back(key);
    }
  }
  std::vector<std::string> header = {"id", "company_name", "domain"};
  header.insert(header.end(), extra_columns.begin(), extra_columns.end());
  header.insert(header.end(), kFindingColumns.begin(), kFindingColumns.end());
  std::cout << api::CsvLine(header);
  for (const auto& l : leads) {
    const auto& f = l.findings;
    std::vector<std::string> row = {l.id, l.company_name, l.domain};
    for (const auto& key : extra_columns) {
      auto it = l.extra.is_object() ? l.extra.find(key) : l.extra.end();
      if (it == l.extra.end() || it->is_null())
        row.emplace_back();
      else
        row.push_back(it->is_string() ? it->get<std::string>() : it->dump());
    }
    for (const auto* field : {&f.ecommerce_platform, &f.checkout_solutions, &f.payment_methods,
                              &f.carriers, &f.shipping_software, &f.technologies})
      row.push_back(api::JoinFindingNames(*field));
    row.push_back(f.last_analyzed_at ? store::FormatTime(*f.last_analyzed_at) : std::string());
    std::cout << api::CsvLine(row);
  }
  return kExitOk;
}

}  // namespace leadscan::cli
