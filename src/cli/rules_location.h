// Where our rules live and how the rule flags of a command turn into a loaded RuleSet.
// Start-up only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "detect/rule_set.h"

namespace leadscan::cli {

// Our rules folder: $LEADSCAN_RULES_DIR, else <exe>/../share/leadscan/rules, else the source
// tree's rules/ (compiled in).
std::string DefaultRulesDir();

// --rules adds files or folders to ours; --only-rules replaces ours.
common::Result<std::shared_ptr<const detect::RuleSet>> LoadRules(
    const std::vector<std::string>& extra, const std::vector<std::string>& only);

}  // namespace leadscan::cli
