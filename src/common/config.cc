#include "common/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace leadscan::common {
namespace {

std::string Normalise(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '_')
      c = '-';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::string> NodeToText(const toml::node& node) {
  if (auto s = node.as_string())
    return s->get();
  if (auto i = node.as_integer())
    return std::to_string(i->get());
  if (auto b = node.as_boolean())
    return b->get() ? "true" : "false";
  if (auto f = node.as_floating_point()) {
    std::ostringstream out;
    out << f->get();
    return out.str();
  }
  return std::nullopt;
}

Status AddTable(const toml::table& table, const std::string& file,
                std::map<std::string, std::vector<std::string>, std::less<>>& out) {
  for (const auto& [key, node] : table) {
    if (node.is_table())
      continue;
    std::vector<std::string> values;
    if (auto arr = node.as_array()) {
      for (const auto& element : *arr) {
        auto text = NodeToText(element);
        if (!text) {
          return Status::InvalidArgument(
              "invalid_config",
              file + ": key '" + std::string(key.str()) + "' holds an unsupported value");
        }
        values.push_back(*text);
      }
    } else {
      auto text = NodeToText(node);
      if (!text) {
        return Status::InvalidArgument("invalid_config", file + ": key '" + std::string(key.str()) +
                                                             "' holds an unsupported value");
      }
      values.push_back(*text);
    }
    out[Normalise(key.str())] = std::move(values);
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::string> Config::ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr)
    return std::nullopt;
  return std::string(v);
}

std::string Config::EnvName(std::string_view name) {
  std::string out = "LEADSCAN_";
  for (char c : name) {
    if (c == '-')
      c = '_';
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Result<Config> Config::Load(const std::string& toml_path, std::string section, EnvLookup env) {
  Config config;
  config.env_ = std::move(env);
  if (toml_path.empty())
    return config;
  if (!std::filesystem::exists(toml_path)) {
    return Status::InvalidArgument("config_not_found", "config file not found: " + toml_path,
                                   "config");
  }
  config.file_ = toml_path;
  toml::table root;
  try {
    root = toml::parse_file(toml_path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << toml_path << ":" << e.source().begin.line << ": " << e.description();
    return Status::InvalidArgument("invalid_config", msg.str(), "config");
  }
  LEADSCAN_RETURN_IF_ERROR(AddTable(root, toml_path, config.file_values_));
  if (auto sub = root[section].as_table()) {
    LEADSCAN_RETURN_IF_ERROR(AddTable(*sub, toml_path, config.file_values_));
  }
  return config;
}

std::optional<std::vector<std::string>> Config::Get(std::string_view name) const {
  if (env_) {
    // One raw value; the CLI layer splits it at commas for repeatable settings.
    if (auto v = env_(EnvName(name)))
      return std::vector<std::string>{*v};
  }
  auto it = file_values_.find(Normalise(name));
  if (it != file_values_.end())
    return it->second;
  return std::nullopt;
}

std::string Config::SourceOf(std::string_view name) const {
  if (env_ && env_(EnvName(name)))
    return "env " + EnvName(name);
  if (file_values_.count(Normalise(name)) != 0)
    return "file " + file_;
  return {};
}

}  // namespace leadscan::common
