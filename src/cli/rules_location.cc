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

std::string DefaultRulesCacheDir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
  };
  std::filesystem::path base;
  if (std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty() && xdg.front() == '/') {
    base = std::filesystem::path(xdg) / "leadscan";
  } else if (std::string home = env("HOME"); !home.empty() && home.front() == '/') {
    base = std::filesystem::path(home) / ".cache" / "leadscan";
  } else {
    return "off";
  }
  return (base / "compiled-rules").string();
}

void AddRulesCacheFlag(CLI::App& app, std::string* dir) {
  *dir = DefaultRulesCacheDir();
  app.add_option("--rules-cache", *dir,
                 "Folder where compiled rules are kept between runs, so a start loads instead "
                 "of compiling them; off: compile at every start")
      ->capture_default_str();
}

common::Result<std::shared_ptr<const detect::RuleSet>> LoadRules(
    const std::vector<std::string>& extra, const std::vector<std::string>& only,
    const std::string& cache_dir) {
  std::vector<std::string> paths;
  if (!only.empty()) {
    paths = only;
  } else {
    paths.push_back(DefaultRulesDir());
    paths.insert(paths.end(), extra.begin(), extra.end());
  }
  detect::LoadOptions options;
  options.compiled_cache_dir = cache_dir == "off" ? std::string() : cache_dir;
  return detect::RuleSet::Load(paths, options);
}

}  // namespace leadscan::cli
