#include "static_sites.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

#include "common/status.h"

namespace leadscan::fakenet {
namespace {

namespace fs = std::filesystem;
using common::Status;

constexpr uintmax_t kMaxFileBytes = 64 * 1024 * 1024;
constexpr const char* kHeadersFile = "_headers";
constexpr const char* kNotFoundFile = "404.html";
constexpr const char* kVariantsDir = "_variants";
constexpr const char* kCartDir = "_cart";
constexpr std::string_view kVariantSwitch = "/_fakenet/variant/";
constexpr const char* kDefaultNotFound =
    "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
    "<body><h1>404 Not Found</h1></body></html>\n";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::optional<std::string> ReadFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return std::nullopt;
  uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxFileBytes)
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::string data(static_cast<size_t>(size), '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (!in)
    return std::nullopt;
  return data;
}

void SetHeader(HeaderList& headers, const std::string& name, const std::string& value) {
  std::string lower = Lower(name);
  if (lower != "set-cookie") {
    std::erase_if(headers, [&](const auto& h) { return Lower(h.first) == lower; });
  }
  headers.emplace_back(name, value);
}

}  // namespace

std::string ContentTypeFor(std::string_view file_name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".xml", "application/xml"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".pdf", "application/pdf"},
  };
  std::string name = Lower(file_name);
  for (const auto& [ext, type] : kTypes) {
    std::string_view e(ext);
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      return type;
    }
  }
  return "application/octet-stream";
}

common::Result<std::unique_ptr<StaticSites>> StaticSites::Load(const std::string& dir) {
  std::unique_ptr<StaticSites> sites(new StaticSites());
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec)
    return Status::IoError("cannot read sites folder " + dir + ": " + ec.message());
  for (const fs::directory_entry& entry : it) {
    if (!entry.is_directory(ec))
      continue;
    Site site;
    site.root = entry.path();
    std::ifstream headers(entry.path() / kHeadersFile);
    std::string line;
    while (std::getline(headers, line)) {
      std::string_view l = Trim(line);
      if (l.empty() || l.front() == '#')
        continue;
      size_t first = l.find(':');
      if (first == std::string_view::npos)
        continue;
      size_t second = l.find(':', first + 1);
      if (second == std::string_view::npos)
        continue;
      HeaderRule rule;
      std::string_view pattern = Trim(l.substr(0, first));
      rule.name = std::string(Trim(l.substr(first + 1, second - first - 1)));
      rule.value = std::string(Trim(l.substr(second + 1)));
      if (pattern == "*") {
        rule.prefix = true;
      } else if (!pattern.empty() && pattern.back() == '*') {
        rule.prefix = true;
        rule.pattern = std::string(pattern.substr(0, pattern.size() - 1));
      } else {
        rule.pattern = std::string(pattern);
      }
      if (!rule.name.empty())
        site.rules.push_back(std::move(rule));
    }
    sites->sites_.emplace(Lower(entry.path().filename().string()), std::move(site));
  }
  return sites;
}

const StaticSites::Site* StaticSites::Find(const std::string& host) const {
  auto it = sites_.find(host);
  if (it != sites_.end())
    return &it->second;
  std::string_view h(host);
  std::string alias = h.starts_with("www.") ? std::string(h.substr(4)) : "www." + host;
  it = sites_.find(alias);
  return it != sites_.end() ? &it->second : nullptr;
}

bool StaticSites::SetVariant(const std::string& host, const std::string& name) const {
  const Site* site = Find(host);
  if (site == nullptr)
    return false;
  const bool plain = std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
  std::error_code ec;
  if (!plain || (!name.empty() && !fs::is_directory(site->root / kVariantsDir / name, ec)))
    return false;
  std::lock_guard<std::mutex> lock(mu_);
  site->variant = name;
  return true;
}

bool StaticSites::HasCart(const std::string& host) const {
  const Site* site = Find(host);
  std::error_code ec;
  return site != nullptr && fs::is_directory(site->root / kCartDir, ec);
}

bool StaticSites::Serve(const std::string& host, std::string_view target, Reply& reply,
                        bool in_cart) const {
  const Site* site = Find(host);
  if (site == nullptr)
    return false;
  std::string_view raw_path = target.substr(0, target.find_first_of("?#"));
  std::string path = PercentDecode(raw_path);
  if (path.empty() || path.front() != '/')
    path.insert(path.begin(), '/');
  if (path.starts_with(kVariantSwitch)) {
    const std::string name = path.substr(kVariantSwitch.size());
    const bool ok = SetVariant(host, name);
    reply.mode = ReplyMode::kNormal;
    reply.status = ok ? 200 : 404;
    reply.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Server", "fakenet"}};
    reply.body =
        ok ? "fakenet: " + host + " serves variant '" + name + "'\n" : "fakenet: no such variant\n";
    return true;
  }
  std::string variant;
  {
    std::lock_guard<std::mutex> lock(mu_);
    variant = site->variant;
  }

  HeaderList headers = {{"Server", "fakenet"}};
  std::optional<int> status;
  for (const HeaderRule& rule : site->rules) {
    bool match = rule.prefix ? path.starts_with(rule.pattern) : path == rule.pattern;
    if (!match)
      continue;
    if (Lower(rule.name) == "status") {
      int code = std::atoi(rule.value.c_str());
      if (code >= 100 && code <= 599)
        status = code;
      continue;
    }
    SetHeader(headers, rule.name, rule.value);
  }
  reply.mode = ReplyMode::kNormal;
  if (status && *status >= 300 && *status < 400) {
    reply.status = *status;
    reply.headers = std::move(headers);
    return true;
  }

  std::optional<std::string> body;
  std::string file_name;
  bool traversal = path.find("/..") != std::string::npos || path.find('\0') != std::string::npos ||
                   path.starts_with(std::string("/") + kVariantsDir + "/") ||
                   path.starts_with(std::string("/") + kCartDir + "/");
  if (!traversal) {
    std::vector<std::string> candidates;
    std::string rel = path.substr(1);
    if (rel.empty() || rel.back() == '/') {
      candidates.push_back(rel + "index.html");
    } else {
      candidates = {rel, rel + ".html", rel + "/index.html"};
    }
    for (const std::string& c : candidates) {
      if (fs::path(c).filename() == kHeadersFile)
        continue;
      if (in_cart)
        body = ReadFile(site->root / kCartDir / c);
      if (!body && !variant.empty())
        body = ReadFile(site->root / kVariantsDir / variant / c);
      if (!body)
        body = ReadFile(site->root / c);
      if (body) {
        file_name = c;
        break;
      }
    }
  }
  if (body) {
    reply.status = status.value_or(200);
    headers.insert(headers.begin(), {"Content-Type", ContentTypeFor(file_name)});
  } else {
    reply.status = 404;
    body = ReadFile(site->root / kNotFoundFile);
    if (!body)
      body = kDefaultNotFound;
    headers.insert(headers.begin(), {"Content-Type", "text/html; charset=utf-8"});
  }
  // Site rules replace the defaults inserted above: keep the last of each name.
  HeaderList merged;
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    std::string lower = Lower(it->first);
    bool seen = lower != "set-cookie" &&
                std::any_of(merged.begin(), merged.end(),
                            [&](const auto& h) { return Lower(h.first) == lower; });
    if (!seen)
      merged.insert(merged.begin(), *it);
  }
  reply.headers = std::move(merged);
  reply.body = std::move(*body);
  return true;
}

}  // namespace leadscan::fakenet
