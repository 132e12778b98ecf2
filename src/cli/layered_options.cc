#include "cli/layered_options.h"

#include <sstream>

namespace leadscan::cli {

common::Status ApplyConfigLayers(CLI::App& app, const common::Config& config) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->count() > 0 || opt->get_lnames().empty())
      continue;
    const std::string& name = opt->get_lnames().front();
    if (name == "help" || name == "config")
      continue;
    auto values = config.Get(name);
    if (!values)
      continue;
    std::vector<std::string> parts;
    const bool repeatable = opt->get_items_expected_max() > 1;
    for (const std::string& v : *values) {
      if (repeatable && config.SourceOf(name).rfind("env", 0) == 0) {
        std::stringstream in(v);
        std::string part;
        while (std::getline(in, part, ',')) {
          if (!part.empty())
            parts.push_back(part);
        }
      } else {
        parts.push_back(v);
      }
    }
    try {
      for (const std::string& p : parts)
        opt->add_result(p);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      return common::Status::InvalidArgument(
          "invalid_config",
          "--" + name + " from " + config.SourceOf(name) + ": " + std::string(e.what()), name);
    }
  }
  for (CLI::App* sub : app.get_subcommands()) {
    LEADSCAN_RETURN_IF_ERROR(ApplyConfigLayers(*sub, config));
  }
  return common::Status::Ok();
}

}  // namespace leadscan::cli
