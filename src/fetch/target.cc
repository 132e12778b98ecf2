#include "fetch/target.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <libpsl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "common/ascii.h"
#include "fetch/errors.h"

namespace leadscan::fetch {

using common::Status;

namespace {

constexpr size_t kMaxHostLength = 253;
constexpr size_t kMaxLabelLength = 63;
constexpr size_t kMaxInputLength = 2048;

Status Invalid(std::string_view input, const std::string& why) {
  return FetchError(kInvalidUrl, "\"" + std::string(input) + "\": " + why).WithField("domain");
}

bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back()))
    s.remove_suffix(1);
  // A UTF-8 no-break space pasted from a spreadsheet is whitespace too.
  while (s.size() >= 2 && s.substr(0, 2) == "\xC2\xA0")
    s.remove_prefix(2);
  while (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0")
    s.remove_suffix(2);
  return s;
}

// Percent-encodes bytes a URL path may not carry raw (non-ASCII, controls, '"', '<', '>', '`',
// '{', '}', '|', '\\', '^').
std::string EncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (c >= 0x80 || c < 0x21 || c == 0x7F ||
        std::string_view("\"<>`{}|\\^").find(c) != std::string_view::npos) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool IsIpv4Literal(const std::string& host) {
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

const psl_ctx_t* Psl() {
  // The system's list (package publicsuffix) when present, else libpsl's built-in copy. Loaded
  // once; the context is immutable afterwards.
  static const psl_ctx_t* ctx = [] {
    const psl_ctx_t* c = psl_latest(nullptr);
    return c != nullptr ? c : psl_builtin();
  }();
  return ctx;
}

}  // namespace

std::string StoredDomain(const Target& target) {
  const bool root = target.path.empty() || target.path == "/";
  if (root && target.port == 0 && target.scheme.empty())
    return target.host;
  return target.urls.front();
}

std::string RegistrableDomain(std::string_view ascii_host) {
  std::string host(ascii_host);
  const psl_ctx_t* psl = Psl();
  if (psl == nullptr)
    return "";
  const char* reg = psl_registrable_domain(psl, host.c_str());
  return reg != nullptr ? std::string(reg) : std::string();
}

common::Result<Target> NormalizeTarget(std::string_view raw) {
  std::string_view input = Trim(raw);
  if (input.empty())
    return Invalid(raw, "empty domain");
  if (input.size() > kMaxInputLength)
    return Invalid(input.substr(0, 64), "input too long");
  for (unsigned char c : input) {
    if (IsAsciiSpace(c))
      return Invalid(input, "whitespace inside the domain or URL");
    if (c < 0x20 || c == 0x7F)
      return Invalid(input, "control character");
  }
  Target t;
  t.input = std::string(input);

  std::string_view rest = input;
  size_t sep = rest.find("://");
  if (sep != std::string_view::npos) {
    std::string scheme = common::AsciiLower(rest.substr(0, sep));
    if (scheme != "http" && scheme != "https") {
      return Invalid(input, "scheme \"" + scheme + "\" is not http or https");
    }
    t.scheme = scheme;
    rest.remove_prefix(sep + 3);
  } else {
    // "mailto:x@y.se", "javascript:..." and the like: a scheme without "//". A prefix with a
    // dot is a host ("example.se:abc" is a bad port), with '@' it is user info.
    size_t colon = rest.find(':');
    size_t slash = rest.find_first_of("/?#@");
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash) &&
        rest.substr(0, colon).find('.') == std::string_view::npos) {
      std::string_view after = rest.substr(colon + 1);
      bool port_like = !after.empty() && std::isdigit(static_cast<unsigned char>(after[0]));
      bool user_info =
          rest.find('@') != std::string_view::npos && rest.find('@') < rest.find_first_of("/?#");
      std::string prefix = common::AsciiLower(rest.substr(0, colon));
      bool known_scheme = prefix == "mailto" || prefix == "javascript" || prefix == "tel" ||
                          prefix == "data" || prefix == "file" || prefix == "ftp";
      if (known_scheme || (!port_like && !user_info)) {
        return Invalid(input, "scheme \"" + common::AsciiLower(rest.substr(0, colon)) +
                                  "\" is not http or https");
      }
    }
  }

  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view path_part = end == std::string_view::npos ? "" : rest.substr(end);
  if (size_t hash = path_part.find('#'); hash != std::string_view::npos) {
    path_part = path_part.substr(0, hash);
  }
  if (authority.find('@') != std::string_view::npos) {
    return Invalid(input, "user name or password in the URL");
  }
  if (authority.empty())
    return Invalid(input, "no host");

  std::string_view host_part = authority;
  if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host_part = authority.substr(0, colon);
    std::string_view port_text = authority.substr(colon + 1);
    int port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() ||
        port < 1 || port > 65535) {
      return Invalid(input, "port \"" + std::string(port_text) + "\" is not in 1..65535");
    }
    t.port = port;
  }
  if (host_part.empty())
    return Invalid(input, "no host");
  if (host_part.front() == '[')
    return Invalid(input, "IPv6 literals are not supported");
  std::string host(host_part);
  if (!host.empty() && host.back() == '.')
    host.pop_back();  // fully-qualified form
  if (host.empty())
    return Invalid(input, "no host");

  bool ascii = std::all_of(host.begin(), host.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    host = common::AsciiLower(host);
  } else {
    char* out = nullptr;
    int rc =
        idn2_lookup_u8(reinterpret_cast<const uint8_t*>(host.c_str()),
                       reinterpret_cast<uint8_t**>(&out), IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
      return Invalid(
          input, std::string("not a valid international domain name (") + idn2_strerror(rc) + ")");
    }
    host = out;
    idn2_free(out);
    host = common::AsciiLower(host);
  }

  if (host.size() > kMaxHostLength)
    return Invalid(input, "host name longer than 253");
  if (host.find('.') == std::string::npos)
    return Invalid(input, "host has no dot");
  if (IsIpv4Literal(host)) {
    t.registrable_domain = host;
  } else {
    size_t start = 0;
    while (start <= host.size()) {
      size_t dot = host.find('.', start);
      std::string_view label =
          std::string_view(host).substr(start, dot == std::string::npos ? host.npos : dot - start);
      if (label.empty())
        return Invalid(input, "empty label in host name");
      if (label.size() > kMaxLabelLength)
        return Invalid(input, "label longer than 63");
      for (char c : label) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
          return Invalid(input, std::string("character '") + c + "' not allowed in a host name");
        }
      }
      if (label.front() == '-' || label.back() == '-') {
        return Invalid(input, "label starts or ends with '-'");
      }
      if (dot == std::string::npos) {
        if (std::all_of(label.begin(), label.end(),
                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
          return Invalid(input, "top-level domain is numeric");
        }
        break;
      }
      start = dot + 1;
    }
    t.registrable_domain = RegistrableDomain(host);
    if (t.registrable_domain.empty()) {
      return Invalid(input, "\"" + host + "\" is a public suffix, not a site");
    }
  }
  t.host = host;
  t.path = path_part.empty() ? "/" : EncodePath(path_part);
  if (t.path.front() != '/')
    t.path.insert(0, "/");  // "example.se?x=1"

  std::string authority_out = t.host;
  if (t.port != 0)
    authority_out += ":" + std::to_string(t.port);
  if (t.scheme.empty()) {
    t.urls = {"https://" + authority_out + t.path, "http://" + authority_out + t.path};
  } else {
    t.urls = {t.scheme + "://" + authority_out + t.path};
  }
  return t;
}

}  // namespace leadscan::fetch
