// StaticSites: the demo sites of a folder, <dir>/<host>/..., with their optional _headers
// files (format in tests/fakenet/README.md). The folder is indexed at load; files are read
// per request. Immutable after Load, so thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "router.h"

namespace leadscan::fakenet {

class StaticSites {
 public:
  // Indexes every subfolder of dir as a site. Fails with io_error when dir is unreadable.
  static common::Result<std::unique_ptr<StaticSites>> Load(const std::string& dir);

  // Fills reply for host+target; false when no site serves host.
  bool Serve(const std::string& host, std::string_view target, Reply& reply) const;

  size_t size() const { return sites_.size(); }

 private:
  struct HeaderRule {
    std::string pattern;  // exact path, prefix (without the '*'), or "" for every path
    bool prefix = false;
    std::string name;
    std::string value;
  };

  struct Site {
    std::filesystem::path root;
    std::vector<HeaderRule> rules;
  };

  StaticSites() = default;

  const Site* Find(const std::string& host) const;

  std::map<std::string, Site, std::less<>> sites_;
};

// Content-Type for a file name by its extension.
std::string ContentTypeFor(std::string_view file_name);

}  // namespace leadscan::fakenet
