// RobotsTxt: a parsed robots.txt (RFC 9309) and its matcher: the groups for our product token
// (else "*"), longest match wins, allow wins a tie, "*" and "$" patterns, percent-encoding
// normalised on both sides. Also the Sitemap: lines. Immutable after Parse; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leadscan::fetch {

class RobotsTxt {
 public:
  // Parses `body` (only its first kMaxRobotsBytes count) for crawler `product_token`.
  static RobotsTxt Parse(std::string_view body, std::string_view product_token);

  static RobotsTxt AllowAll();

  static RobotsTxt DisallowAll();

  // True when `path_and_query` ("/shop?x=1", must start with '/') may be fetched.
  bool IsAllowed(std::string_view path_and_query) const;

  const std::vector<std::string>& sitemaps() const { return sitemaps_; }

  // True when the file said nothing about this crawler (no group for it or for "*").
  bool empty() const { return rules_.empty() && !disallow_all_; }

 private:
  struct Rule {
    std::string pattern;  // normalised
    bool allow = false;
  };

  std::vector<Rule> rules_;
  std::vector<std::string> sitemaps_;
  bool disallow_all_ = false;
};

// Normalises percent-encoding the way RFC 9309 §2.2.2 compares paths: non-ASCII and control
// bytes are encoded, escapes of unreserved characters are decoded, hex digits upper-cased.
std::string NormalizeRobotsPath(std::string_view path);

// Does `pattern` (normalised; '*' any run, trailing '$' end) match the start of `path`?
bool RobotsPatternMatches(std::string_view pattern, std::string_view path);

}  // namespace leadscan::fetch
