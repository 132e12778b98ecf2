#include "corpus.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "common/status.h"
#include "gzip.h"

namespace leadscan::fakenet {
namespace {

namespace fs = std::filesystem;
using common::Status;

constexpr const char* kManifest = "MANIFEST.tsv";
constexpr int64_t kMaxPageBytes = 64 * 1024 * 1024;

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos)
      break;
    start = tab + 1;
  }
  return out;
}

bool ReadAll(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return true;
}

}  // namespace

bool SplitUrl(std::string_view url, std::string& host, std::string& target) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return false;
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https")
    return false;
  std::string_view rest = url.substr(scheme_end + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view tail = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  tail = tail.substr(0, tail.find('#'));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() != '[') {
    authority = authority.substr(0, authority.find(':'));
  }
  if (authority.empty())
    return false;
  host.assign(authority);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  target = tail.empty() || tail.front() != '/' ? "/" + std::string(tail) : std::string(tail);
  return true;
}

common::Result<std::unique_ptr<Corpus>> Corpus::Load(const std::string& dir) {
  std::unique_ptr<Corpus> corpus(new Corpus());
  corpus->dir_ = dir;
  std::ifstream in(corpus->dir_ / kManifest);
  if (!in)
    return Status::IoError("cannot read " + dir + "/" + kManifest);
  std::string line;
  if (!std::getline(in, line))
    return Status::IoError(std::string("empty ") + kManifest);
  std::vector<std::string_view> header = SplitTabs(line);
  auto column = [&](std::string_view name) -> int {
    auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  };
  int file_col = column("file");
  int url_col = column("url");
  if (file_col < 0 || url_col < 0) {
    return Status::IoError(std::string(kManifest) + " lacks the file or url column");
  }
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    std::vector<std::string_view> cells = SplitTabs(line);
    if (static_cast<int>(cells.size()) <= std::max(file_col, url_col))
      continue;
    std::string host, target;
    if (!SplitUrl(cells[url_col], host, target))
      continue;
    auto& targets = corpus->pages_[host];
    if (targets.emplace(std::move(target), std::string(cells[file_col])).second) {
      ++corpus->size_;
    }
  }
  return corpus;
}

bool Corpus::Serve(const Request& request, Reply& reply) const {
  auto host_it = pages_.find(request.host);
  if (host_it == pages_.end())
    return false;
  reply.mode = ReplyMode::kNormal;
  reply.headers = {{"Content-Type", "text/html"}, {"Server", "fakenet"}};
  auto page_it = host_it->second.find(request.target);
  std::string stored;
  if (page_it == host_it->second.end() || !ReadAll(dir_ / page_it->second, stored)) {
    reply.status = 404;
    reply.body = "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>\n";
    return true;
  }
  bool gzipped = page_it->second.ends_with(".gz");
  if (gzipped && request.accepts_gzip) {
    reply.status = 200;
    reply.headers.emplace_back("Content-Encoding", "gzip");
    reply.body = std::move(stored);
    return true;
  }
  if (gzipped) {
    std::optional<std::string> plain = GzipInflate(stored, kMaxPageBytes);
    if (!plain) {
      reply.status = 500;
      reply.body = "fakenet: corrupt corpus file\n";
      return true;
    }
    stored = std::move(*plain);
  }
  reply.status = 200;
  reply.body = std::move(stored);
  return true;
}

}  // namespace leadscan::fakenet
