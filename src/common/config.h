// Config: the layers under the command line. A setting named "max-body-bytes" is looked up as
// the environment variable LEADSCAN_MAX_BODY_BYTES, then as the key max_body_bytes (or
// max-body-bytes) in an optional TOML file, top level or in the table named after the
// subcommand. Flags given on the command line win over both; the CLI layer asks Config only
// for settings the user did not pass. Immutable after Load; thread-safe to read.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::common {

class Config {
 public:
  using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

  // Reads `toml_path` (empty: no file). `section` is the subcommand's table ("serve").
  // Fails with config_not_found / invalid_config naming the file and line.
  static Result<Config> Load(const std::string& toml_path, std::string section,
                             EnvLookup env = ProcessEnv);

  // The environment value, else the TOML value rendered as text (arrays: one per element).
  std::optional<std::vector<std::string>> Get(std::string_view name) const;

  // Which layer answered: "env LEADSCAN_X", "file F", or empty.
  std::string SourceOf(std::string_view name) const;

  // "max-body-bytes" -> "LEADSCAN_MAX_BODY_BYTES".
  static std::string EnvName(std::string_view name);

  static std::optional<std::string> ProcessEnv(const std::string& name);

 private:
  EnvLookup env_;
  std::string file_;
  std::map<std::string, std::vector<std::string>, std::less<>> file_values_;
};

}  // namespace leadscan::common
