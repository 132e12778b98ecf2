#include "http/static_files.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>

namespace leadscan::http {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kNoCache = "no-cache";

std::string HttpDate(std::chrono::system_clock::time_point tp) {
  std::time_t t = std::chrono::system_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = std::move(ss).str();
  return true;
}

bool AcceptsGzip(const Request& request) {
  auto accept = request.Header("Accept-Encoding");
  // "gzip;q=0" is rare enough from browsers that a plain token check is sufficient.
  return accept && accept->find("gzip") != std::string_view::npos &&
         accept->find("gzip;q=0") == std::string_view::npos;
}

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.find('*') != std::string_view::npos)
    return true;
  // Weak comparison: W/"x" and "x" are equal.
  std::string_view bare = etag.substr(0, 2) == "W/" ? etag.substr(2) : etag;
  return if_none_match.find(bare) != std::string_view::npos;
}

}  // namespace

StaticFiles::StaticFiles(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(root_, ec);
  if (!ec)
    root_ = canonical;
}

std::string StaticFiles::ContentTypeFor(std::string_view ext) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".otf", "font/otf"},
      {".txt", "text/plain; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".xml", "application/xml"},
      {".wasm", "application/wasm"},
      {".pdf", "application/pdf"},
  };
  std::string lower;
  for (char c : ext)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [e, type] : kTypes) {
    if (e == lower)
      return std::string(type);
  }
  return "application/octet-stream";
}

bool StaticFiles::IsHashedAssetName(std::string_view filename) {
  // The stem's last '-' or '.' separated part is 8+ characters of [A-Za-z0-9_] with at least
  // one digit, as Vite ("index-BqK3x9aZ.js") and webpack ("main.3f9a1c2b.css") write them.
  size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot == 0)
    return false;
  std::string_view stem = filename.substr(0, dot);
  size_t sep = stem.find_last_of("-.");
  if (sep == std::string_view::npos)
    return false;
  std::string_view hash = stem.substr(sep + 1);
  if (hash.size() < 8)
    return false;
  bool digit = false;
  for (char c : hash) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok)
      return false;
    digit = digit || (c >= '0' && c <= '9');
  }
  return digit;
}

std::optional<fs::path> StaticFiles::Resolve(std::string_view url_path, bool* refused) const {
  *refused = false;
  fs::path relative;
  size_t start = 0;
  while (start < url_path.size()) {
    size_t slash = url_path.find('/', start);
    if (slash == std::string_view::npos)
      slash = url_path.size();
    std::string_view seg = url_path.substr(start, slash - start);
    start = slash + 1;
    if (seg.empty() || seg == ".")
      continue;
    if (seg == ".." || seg.find('\\') != std::string_view::npos ||
        seg.find('\0') != std::string_view::npos) {
      *refused = true;
      return std::nullopt;
    }
    relative /= std::string(seg);
  }
  fs::path full = root_ / relative;
  std::error_code ec;
  if (fs::is_directory(full, ec))
    full /= "index.html";
  if (!fs::is_regular_file(full, ec))
    return std::nullopt;
  // Symlinks may point anywhere; the real file must still be under the root.
  fs::path real = fs::canonical(full, ec);
  if (ec)
    return std::nullopt;
  auto [root_end, real_it] = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
  if (root_end != root_.end()) {
    *refused = true;
    return std::nullopt;
  }
  return real;
}

Response StaticFiles::Serve(const Request& request) const {
  try {
    bool refused = false;
    std::optional<fs::path> file = Resolve(request.path, &refused);
    if (refused)
      return Response::Error(403, "forbidden", "path is outside the served directory");
    if (!file) {
      // SPA fallback: client-side routes ("/jobs/42") have no extension; a missing asset does.
      std::string_view path = request.path;
      std::string_view last = path.substr(path.rfind('/') + 1);
      if (last.find('.') != std::string_view::npos) {
        return Response::Error(404, "not_found", "no such file");
      }
      file = Resolve("/index.html", &refused);
      if (!file)
        return Response::Error(404, "not_found", "no such file");
    }

    fs::path serve_path = *file;
    bool gzip = false;
    std::error_code ec;
    fs::path gz = serve_path;
    gz += ".gz";
    if (AcceptsGzip(request) && fs::is_regular_file(gz, ec)) {
      serve_path = gz;
      gzip = true;
    }
    uintmax_t size = fs::file_size(serve_path, ec);
    if (ec)
      return Response::Error(404, "not_found", "no such file");
    if (size > kMaxFileBytes)
      return Response::Error(500, "internal", "file too large to serve");
    auto mtime = fs::last_write_time(serve_path, ec);
    auto sys_mtime = std::chrono::file_clock::to_sys(mtime);
    long long ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(sys_mtime.time_since_epoch()).count();
    char etag[96];
    std::snprintf(etag, sizeof etag, "W/\"%jx-%llx%s\"", size, ns, gzip ? "-gz" : "");

    std::string filename = file->filename().string();
    Response r;
    r.content_type = ContentTypeFor(file->extension().string());
    r.WithHeader("ETag", etag);
    r.WithHeader(
        "Last-Modified",
        HttpDate(std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys_mtime)));
    r.WithHeader("Cache-Control", std::string(IsHashedAssetName(filename) ? kImmutable : kNoCache));
    r.WithHeader("Vary", "Accept-Encoding");
    r.WithHeader("X-Content-Type-Options", "nosniff");
    if (gzip)
      r.WithHeader("Content-Encoding", "gzip");

    auto if_none_match = request.Header("If-None-Match");
    if (if_none_match && EtagMatches(*if_none_match, etag)) {
      r.status = 304;
      return r;
    }
    if (!ReadFile(serve_path, &r.body))
      return Response::Error(404, "not_found", "no such file");
    r.status = 200;
    return r;
  } catch (const std::exception&) {
    return Response::Error(500, "internal", "could not read file");
  }
}

}  // namespace leadscan::http
