#include "fetch/robots.h"

#include <cctype>

#include "common/ascii.h"
#include "common/hex.h"
#include "fetch/fetch_options.h"

namespace leadscan::fetch {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// The product token of a user-agent line value: its leading [a-zA-Z_-] characters.
std::string ProductToken(std::string_view value) {
  size_t n = 0;
  while (n < value.size() && (std::isalpha(static_cast<unsigned char>(value[n])) ||
                              value[n] == '_' || value[n] == '-')) {
    ++n;
  }
  if (n == 0 && !value.empty() && value[0] == '*')
    return "*";
  return common::AsciiLower(value.substr(0, n));
}

}  // namespace

std::string NormalizeRobotsPath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(path[i]);
    if (c == '%' && i + 2 < path.size() && common::HexDigitValue(path[i + 1]) >= 0 &&
        common::HexDigitValue(path[i + 2]) >= 0) {
      auto v = static_cast<unsigned char>(common::HexDigitValue(path[i + 1]) * 16 +
                                          common::HexDigitValue(path[i + 2]));
      if (IsUnreserved(v)) {
        out += static_cast<char>(v);
      } else {
        out += '%';
        out += kHex[v >> 4];
        out += kHex[v & 15];
      }
      i += 2;
    } else if (c >= 0x80 || c < 0x21 || c == '%') {
      // A '%' that starts no escape is encoded too: left bare, decoding a later escape could
      // complete it ("%e%44" -> "%eD"), and normalising would not be idempotent.
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool RobotsPatternMatches(std::string_view pattern, std::string_view path) {
  bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored)
    pattern.remove_suffix(1);
  // Greedy-with-backtracking glob match over '*' (iterative, linear in practice).
  size_t p = 0, s = 0, star_p = std::string_view::npos, star_s = 0;
  while (true) {
    if (p == pattern.size()) {
      if (!anchored || s == path.size())
        return true;
    } else if (pattern[p] == '*') {
      star_p = p++;
      star_s = s;
      continue;
    } else if (s < path.size() && pattern[p] == path[s]) {
      ++p;
      ++s;
      continue;
    }
    if (star_p == std::string_view::npos || star_s >= path.size())
      return false;
    p = star_p + 1;
    s = ++star_s;
  }
}

RobotsTxt RobotsTxt::AllowAll() {
  return RobotsTxt();
}

RobotsTxt RobotsTxt::DisallowAll() {
  RobotsTxt r;
  r.disallow_all_ = true;
  return r;
}

RobotsTxt RobotsTxt::Parse(std::string_view body, std::string_view product_token) {
  body = body.substr(0, static_cast<size_t>(kMaxRobotsBytes));
  if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF")
    body.remove_prefix(3);
  std::string token = common::AsciiLower(product_token);
  RobotsTxt out;
  std::vector<Rule> ours, star;
  bool have_ours = false, have_star = false;
  // The group being read: which agents it names, and whether its rules started.
  bool group_ours = false, group_star = false, in_rules = false;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t nl = body.find_first_of("\n\r", pos);
    std::string_view line = body.substr(pos, nl == std::string_view::npos ? body.npos : nl - pos);
    pos = nl == std::string_view::npos ? body.size() + 1 : nl + 1;
    if (size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    std::string key = common::AsciiLower(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (key == "user-agent" || key == "useragent" || key == "user agent") {
      if (in_rules) {
        group_ours = group_star = in_rules = false;
      }
      std::string agent = ProductToken(value);
      if (agent == "*") {
        group_star = true;
        have_star = true;
      } else if (!agent.empty() && agent == token) {
        group_ours = true;
        have_ours = true;
      }
    } else if (key == "allow" || key == "disallow" || key == "dissallow" || key == "disalow") {
      in_rules = true;
      if (value.empty())
        continue;  // "Disallow:" with no path allows everything
      Rule rule{NormalizeRobotsPath(value), key == "allow"};
      if (group_ours)
        ours.push_back(rule);
      if (group_star)
        star.push_back(rule);
    } else if (key == "sitemap" || key == "site-map") {
      if (!value.empty())
        out.sitemaps_.emplace_back(value);
    } else {
      // Other records (crawl-delay, host, ...) do not end a group's user-agent lines, but a
      // rule-like record does mark the group as started.
      if (key == "crawl-delay")
        in_rules = true;
    }
  }
  if (have_ours) {
    out.rules_ = std::move(ours);
  } else if (have_star) {
    out.rules_ = std::move(star);
  }
  return out;
}

bool RobotsTxt::IsAllowed(std::string_view path_and_query) const {
  if (disallow_all_)
    return false;
  std::string path = NormalizeRobotsPath(path_and_query.empty() ? "/" : path_and_query);
  if (path == "/robots.txt")
    return true;
  size_t best_len = 0;
  bool best_allow = true;
  bool matched = false;
  for (const Rule& r : rules_) {
    if (!RobotsPatternMatches(r.pattern, path))
      continue;
    size_t len = r.pattern.size();
    if (!matched || len > best_len || (len == best_len && r.allow && !best_allow)) {
      best_len = len;
      best_allow = r.allow;
      matched = true;
    }
  }
  return !matched || best_allow;
}

}  // namespace leadscan::fetch
