#include "render/host_mapping.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/ascii.h"

namespace leadscan::render {

namespace {

// Splits "a:b:[::1]:d" at the colons outside brackets.
std::vector<std::string> SplitFields(std::string_view text) {
  std::vector<std::string> out(1);
  bool in_brackets = false;
  for (char c : text) {
    if (c == '[')
      in_brackets = true;
    else if (c == ']')
      in_brackets = false;
    if (c == ':' && !in_brackets)
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

std::string StripBrackets(std::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']')
    return std::string(s.substr(1, s.size() - 2));
  return std::string(s);
}

// "" gives 0 (any); else 1..65535.
bool ParsePort(std::string_view s, int* port) {
  *port = 0;
  if (s.empty())
    return true;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *port);
  return ec == std::errc() && p == s.data() + s.size() && *port > 0 && *port <= 65535;
}

bool ValidHost(std::string_view h) {
  return std::all_of(h.begin(), h.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '*';
  });
}

std::string Bracket(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

common::Status Bad(std::string_view what, std::string_view rule) {
  return common::Status::InvalidArgument(
      "invalid_" + std::string(what),
      "bad " + std::string(what) + " rule '" + std::string(rule) + "'", std::string(what));
}

}  // namespace

common::Result<HostMapping> HostMapping::Parse(const std::vector<std::string>& resolve,
                                               const std::vector<std::string>& connect_to) {
  HostMapping m;
  for (const std::string& r : resolve) {
    std::vector<std::string> f = SplitFields(r);
    HostRule rule;
    if (f.size() != 3 || f[0].empty() || !ValidHost(f[0]) || !ParsePort(f[1], &rule.port) ||
        rule.port == 0)
      return Bad("resolve", r);
    rule.host = common::AsciiLower(f[0]);
    std::string_view addrs = f[2];
    while (!addrs.empty()) {
      size_t comma = addrs.find(',');
      std::string a = StripBrackets(addrs.substr(0, comma));
      if (a.empty() || !ValidHost(a))
        return Bad("resolve", r);
      rule.to.push_back(a);
      addrs = comma == std::string_view::npos ? std::string_view() : addrs.substr(comma + 1);
    }
    if (rule.to.empty())
      return Bad("resolve", r);
    m.rules_.push_back(std::move(rule));
  }
  for (const std::string& c : connect_to) {
    std::vector<std::string> f = SplitFields(c);
    HostRule rule;
    if (f.size() != 4 || !ValidHost(f[0]) || !ParsePort(f[1], &rule.port) ||
        !ParsePort(f[3], &rule.to_port))
      return Bad("connect_to", c);
    std::string to = StripBrackets(f[2]);
    if (!ValidHost(to))
      return Bad("connect_to", c);
    rule.host = common::AsciiLower(f[0]);
    if (!to.empty())
      rule.to.push_back(common::AsciiLower(to));
    if (rule.to.empty() && rule.to_port == 0)
      return Bad("connect_to", c);
    m.rules_.push_back(std::move(rule));
  }
  return m;
}

std::vector<HostMapping::Target> HostMapping::Map(std::string_view host, int port) const {
  for (const HostRule& r : rules_) {
    if ((!r.host.empty() && r.host != host) || (r.port != 0 && r.port != port))
      continue;
    int to_port = r.to_port != 0 ? r.to_port : port;
    if (r.to.empty())
      return {{std::string(host), to_port}};
    std::vector<Target> out;
    for (const std::string& t : r.to)
      out.push_back({t, to_port});
    return out;
  }
  return {{std::string(host), port}};
}

common::Result<std::string> HostMapping::ChromiumRules() const {
  // Chromium's MAP takes one target; a --resolve with several addresses maps to the first
  // (the guard checks every one of them).
  std::string out;
  for (const HostRule& r : rules_) {
    std::string pattern = r.host.empty() ? "*" : r.host;
    if (r.port != 0)
      pattern += ":" + std::to_string(r.port);
    std::string target;
    if (!r.to.empty()) {
      target = Bracket(r.to.front());
    } else if (!r.host.empty()) {
      target = r.host;  // only the port changes
    } else {
      return common::Status::InvalidArgument(
          "invalid_connect_to",
          "a connect_to rule that changes only the port of any host "
          "cannot be given to the browser",
          "connect_to");
    }
    if (r.to_port != 0)
      target += ":" + std::to_string(r.to_port);
    else if (r.port != 0)
      target += ":" + std::to_string(r.port);
    if (!out.empty())
      out += ", ";
    out += "MAP " + pattern + " " + target;
  }
  return out;
}

}  // namespace leadscan::render
