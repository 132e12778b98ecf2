// Corpus: serves the pages of the shared corpus (MANIFEST.tsv) at their original host and
// path plus query. The manifest is indexed at load; the gzip files are read per request and
// never copied anywhere. Immutable after Load, so thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "router.h"

namespace leadscan::fakenet {

class Corpus {
 public:
  // Reads dir/MANIFEST.tsv. Fails with io_error when it is missing or has no url column.
  static common::Result<std::unique_ptr<Corpus>> Load(const std::string& dir);

  // Fills reply for host+target; false when the corpus has no page on host. A known host with
  // an unknown target answers 404.
  bool Serve(const Request& request, Reply& reply) const;

  size_t size() const { return size_; }

 private:
  Corpus() = default;

  std::filesystem::path dir_;
  // host -> target (path and query) -> file relative to dir_
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> pages_;
  size_t size_ = 0;
};

// Splits an absolute http(s) URL into lower-case host (no port) and target (path and query,
// "/" when empty); false when it is not such a URL.
bool SplitUrl(std::string_view url, std::string& host, std::string& target);

}  // namespace leadscan::fakenet
