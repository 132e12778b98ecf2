#include "cli/admin_commands.h"

#include <iostream>

#include "http/api_token.h"
#include "store/store.h"

namespace leadscan::cli {

MigrateCommand::MigrateCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("migrate", "Apply database migrations and exit");
  app_->add_option("--db", db_, "Store URL: sqlite:///path/file.db or postgresql://...")
      ->capture_default_str();
}

int MigrateCommand::Run() {
  store::StoreOptions options;
  options.migrate = false;
  auto store = store::OpenStore(db_, options);
  if (!store.ok()) {
    std::cerr << "leadscan migrate: " << store.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  auto applied = (*store)->Migrate();
  if (!applied.ok()) {
    std::cerr << "leadscan migrate: " << applied.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  auto all = (*store)->AppliedMigrations();
  std::cout << "applied now: " << applied->size() << "; schema version: "
            << (all.ok() && !all->empty() ? std::to_string(all->back()) : "none") << "\n";
  return kExitOk;
}

TokenCommand::TokenCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("token", "API tokens");
  app_->require_subcommand(1);
  create_ = app_->add_subcommand("create", "Create an API token and print it once (last line)");
  create_->add_option("--org", org_, "Organisation name (created when missing)")->required();
  create_->add_option("--role", role_, "admin or member")
      ->check(CLI::IsMember({"admin", "member"}))
      ->capture_default_str();
  create_->add_option("--name", name_, "A label for the token");
  create_->add_option("--db", db_, "Store URL")->capture_default_str();
}

int TokenCommand::Run() {
  auto store = store::OpenStore(db_);
  if (!store.ok()) {
    std::cerr << "leadscan token: " << store.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  auto org = (*store)->FindOrganizationByName(org_);
  if (!org.ok() && org.status().code() == common::StatusCode::kNotFound) {
    org = (*store)->CreateOrganization(org_);
  }
  if (!org.ok()) {
    std::cerr << "leadscan token: " << org.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  const std::string token = http::NewApiToken();
  std::optional<common::OrgId> org_id = common::OrgId::Parse(org->id);
  if (!org_id) {
    std::cerr << "leadscan token: the organisation has no id\n";
    return kExitSomeFailed;
  }
  store::NewToken nt;
  nt.role = *store::ParseRole(role_);
  nt.name = name_.empty() ? "cli" : name_;
  nt.token_hash = http::HashApiToken(token);
  auto created = (*store)->CreateToken(*org_id, nt);
  if (!created.ok()) {
    std::cerr << "leadscan token: " << created.status().ToString() << "\n";
    return kExitSomeFailed;
  }
  std::cerr << "Created " << role_ << " token " << created->id << " for organisation '" << org->name
            << "'. It is shown once:\n";
  std::cout << token << "\n";
  return kExitOk;
}

}  // namespace leadscan::cli
