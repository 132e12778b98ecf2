// StaticFiles: serves a directory (the built web UI, web/dist) for GET and HEAD. Content types
// by extension, a weak ETag from size and mtime (If-None-Match -> 304), Last-Modified,
// Cache-Control "public, max-age=31536000, immutable" for hashed asset names
// ("index-3f9a1c2b.js") and "no-cache" for everything else (index.html), the .gz sibling when
// the client accepts gzip, and an SPA fallback to index.html for unknown paths whose last
// segment has no extension. Paths that escape the root ("..", symlinks out) are refused.
// Immutable after construction; thread-safe. Reads files with blocking I/O.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"

namespace leadscan::http {

class StaticFiles {
 public:
  // Largest file served (the UI's bundles are far smaller).
  static constexpr uintmax_t kMaxFileBytes = 64 * 1024 * 1024;

  // `root` need not exist yet; a missing root serves nothing.
  explicit StaticFiles(std::filesystem::path root);

  // The response for a GET/HEAD of `request.path`: 200, 304, 403 (traversal) or 404 (JSON
  // error). Never throws.
  Response Serve(const Request& request) const;

  // "text/css; charset=utf-8" etc.; "application/octet-stream" when unknown.
  static std::string ContentTypeFor(std::string_view extension);

  // True for names a bundler made content-addressed ("app-3f9a1c2b.js", "x.3f9a1c2b.css").
  static bool IsHashedAssetName(std::string_view filename);

 private:
  std::optional<std::filesystem::path> Resolve(std::string_view url_path, bool* refused) const;

  std::filesystem::path root_;
};

}  // namespace leadscan::http
