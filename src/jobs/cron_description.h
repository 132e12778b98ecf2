// DescribeCron: a plain-language English reading of a parsed cron expression, for the CLI, the
// API preview and the UI ("At 02:00 every day", "Every 6 hours, at minute 0"). Pure function.
#pragma once

#include <string>

#include "jobs/cron_expression.h"

namespace leadscan::jobs {

// One sentence without a final full stop. Times are the wall clock of the job's zone. When
// both day fields are restricted the sentence says "or" (cronie's rule), and "but only on"
// when a '*'-prefixed day field makes them combine with AND.
std::string DescribeCron(const CronExpression& expression);

}  // namespace leadscan::jobs
