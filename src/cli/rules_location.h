// Where our rules live and how the rule flags of a command turn into a loaded RuleSet.
// Start-up only.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "detect/rule_set.h"

namespace leadscan::cli {

// Our rules folder: $LEADSCAN_RULES_DIR, else <exe>/../share/leadscan/rules, else the source
// tree's rules/ (compiled in).
std::string DefaultRulesDir();

// The default of --rules-cache, where compiled rules are kept between runs:
// $XDG_CACHE_HOME/leadscan/compiled-rules, else ~/.cache/leadscan/compiled-rules, else "off".
std::string DefaultRulesCacheDir();

// Registers --rules-cache on app (the environment's LEADSCAN_RULES_CACHE, as every option).
void AddRulesCacheFlag(CLI::App& app, std::string* dir);

// --rules adds files or folders to ours; --only-rules replaces ours. Compiled databases come
// from cache_dir when an earlier run left them there ("off" or empty: compiled every time).
common::Result<std::shared_ptr<const detect::RuleSet>> LoadRules(
    const std::vector<std::string>& extra, const std::vector<std::string>& only,
    const std::string& cache_dir);

}  // namespace leadscan::cli
