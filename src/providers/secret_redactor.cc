#include "providers/secret_redactor.h"

#include <algorithm>
#include <cctype>

namespace leadscan::providers {
namespace {

// RFC 3986 percent-encoding of everything but unreserved characters; `plus_space` writes a
// space as '+' (application/x-www-form-urlencoded).
std::string PercentEncode(std::string_view s, bool upper, bool plus_space) {
  static constexpr char kUpper[] = "0123456789ABCDEF";
  static constexpr char kLower[] = "0123456789abcdef";
  const char* hex = upper ? kUpper : kLower;
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (plus_space && c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace

SecretRedactor::SecretRedactor(std::vector<std::string> secrets) {
  for (const std::string& s : secrets) {
    if (s.empty())
      continue;
    for (std::string form : {s, PercentEncode(s, true, false), PercentEncode(s, false, false),
                             PercentEncode(s, true, true)}) {
      if (std::find(needles_.begin(), needles_.end(), form) == needles_.end())
        needles_.push_back(std::move(form));
    }
  }
  std::sort(needles_.begin(), needles_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string SecretRedactor::Redact(std::string_view text) const {
  std::string out(text);
  for (const std::string& needle : needles_) {
    size_t at = 0;
    while ((at = out.find(needle, at)) != std::string::npos) {
      out.replace(at, needle.size(), kRedacted);
      at += sizeof(kRedacted) - 1;
    }
  }
  return out;
}

}  // namespace leadscan::providers
