#include "cli/cron_command.h"

#include <iostream>

#include "common/clock.h"
#include "jobs/cron_next.h"

namespace leadscan::cli {

CronCommand::CronCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("cron", "Cron expressions");
  app_->require_subcommand(1);
  next_ = app_->add_subcommand("next", "Print the next runs of a cron expression");
  next_->add_option("expression", expression_, "Five fields or a macro, e.g. \"0 2 * * *\"")
      ->required();
  next_->add_option("--tz", timezone_, "IANA time zone")->capture_default_str();
  next_->add_option("--from", from_, "Start (ISO 8601; without offset: wall time in --tz)");
  next_->add_option("-n", count_, "How many runs")->capture_default_str();
  next_->add_option("--format", format_, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

int CronCommand::Run() {
  jobs::CronNextRequest request;
  request.expression = expression_;
  request.timezone = timezone_;
  if (!from_.empty())
    request.from = from_;
  request.count = count_;
  request.format = format_ == "json" ? jobs::CronNextRequest::Format::kJson
                                     : jobs::CronNextRequest::Format::kText;
  common::SystemClock clock;
  auto out = jobs::RenderCronNext(request, clock.Now());
  if (!out.ok()) {
    std::cerr << "leadscan cron next: " << out.status().error_code() << " (" << out.status().field()
              << "): " << out.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << *out;
  return kExitOk;
}

}  // namespace leadscan::cli
