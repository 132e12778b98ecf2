#include "cli/rules_location.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace leadscan::cli {

std::string DefaultRulesDir() {
  if (const char* env = std::getenv("LEADSCAN_RULES_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path().parent_path() / "share" / "leadscan" / "rules";
    if (std::filesystem::is_directory(installed, ec))
      return installed.string();
  }
  return LEADSCAN_SOURCE_RULES_DIR;
}

common::Result<std::shared_ptr<const detect::RuleSet>> LoadRules(
    const std::vector<std::string>& extra, const std::vector<std::string>& only) {
  std::vector<std::string> paths;
  if (!only.empty()) {
    paths = only;
  } else {
    paths.push_back(DefaultRulesDir());
    paths.insert(paths.end(), extra.begin(), extra.end());
  }
  return detect::RuleSet::Load(paths);
}

}  // namespace leadscan::cli
