#include "http/router.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <stdexcept>

#include "common/hex.h"

namespace leadscan::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  if (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  if (path.empty())
    return segments;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      segments.push_back(path.substr(start));
      break;
    }
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

bool IsValidName(std::string_view name) {
  if (name.empty())
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = common::HexDigitValue(text[i + 1]);
      int lo = common::HexDigitValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::multimap<std::string, std::string, std::less<>> ParseQuery(std::string_view query) {
  std::multimap<std::string, std::string, std::less<>> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos)
      amp = query.size();
    std::string_view pair = query.substr(start, amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view key = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      out.emplace(PercentDecode(key, true), PercentDecode(value, true));
    }
    start = amp + 1;
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  auto route = std::make_unique<Route>();
  route->method = method;
  route->pattern = pattern;
  route->options = options;
  route->handler = std::move(handler);

  std::vector<std::string_view> segments = SplitPath(pattern);
  Node* node = &root_;
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string_view seg = segments[i];
    if (seg.front() == '*') {
      if (i + 1 != segments.size() || !IsValidName(seg.substr(1))) {
        throw std::invalid_argument("'*name' must be the last segment: " + pattern);
      }
      node->rest_name = std::string(seg.substr(1));
      if (node->rest_methods.count(method)) {
        throw std::invalid_argument("duplicate route " + method + " " + pattern);
      }
      node->rest_methods[method] = route.get();
      routes_.push_back(std::move(route));
      return;
    }
    if (seg.front() == ':') {
      std::string_view name = seg.substr(1);
      if (!IsValidName(name))
        throw std::invalid_argument("bad parameter in " + pattern);
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param_name = std::string(name);
      } else if (node->param_name != name) {
        throw std::invalid_argument("parameter :" + std::string(name) + " in " + pattern +
                                    " conflicts with :" + node->param_name);
      }
      node = node->param.get();
      continue;
    }
    auto it = node->literal.find(seg);
    if (it == node->literal.end()) {
      it = node->literal.emplace(std::string(seg), std::make_unique<Node>()).first;
    }
    node = it->second.get();
  }
  if (node->methods.count(method)) {
    throw std::invalid_argument("duplicate route " + method + " " + pattern);
  }
  node->methods[method] = route.get();
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  std::vector<std::string_view> segments = SplitPath(path);
  std::string wanted(method);
  bool head = wanted == "HEAD";

  Match result;
  std::set<std::string> allowed;
  std::map<std::string, std::string, std::less<>> params;

  auto pick = [&](const std::map<std::string, const Route*, std::less<>>& methods) -> bool {
    auto it = methods.find(wanted);
    if (it == methods.end() && head)
      it = methods.find("GET");
    if (it != methods.end()) {
      result.route = it->second;
      result.params = params;
      return true;
    }
    for (const auto& [m, r] : methods) {
      allowed.insert(m);
      if (m == "GET")
        allowed.insert("HEAD");
    }
    return false;
  };

  // Depth-first, literal before parameter before rest, so the most specific route wins.
  std::function<bool(const Node*, size_t)> walk = [&](const Node* node, size_t i) -> bool {
    if (i == segments.size()) {
      if (!node->methods.empty() && pick(node->methods))
        return true;
    } else {
      auto lit = node->literal.find(segments[i]);
      if (lit != node->literal.end() && walk(lit->second.get(), i + 1))
        return true;
      if (node->param && !segments[i].empty()) {
        params[node->param_name] = std::string(segments[i]);
        if (walk(node->param.get(), i + 1))
          return true;
        params.erase(node->param_name);
      }
    }
    if (!node->rest_methods.empty() && i < segments.size()) {
      std::string rest;
      for (size_t j = i; j < segments.size(); ++j) {
        if (j > i)
          rest += '/';
        rest += segments[j];
      }
      params[node->rest_name] = rest;
      if (pick(node->rest_methods))
        return true;
      params.erase(node->rest_name);
    }
    return false;
  };

  if (!walk(&root_, 0)) {
    result.route = nullptr;
    result.params.clear();
    result.allowed_methods.assign(allowed.begin(), allowed.end());
  }
  return result;
}

}  // namespace leadscan::http
