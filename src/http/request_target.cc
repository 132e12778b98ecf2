#include "http/request_target.h"

#include <vector>

#include "common/hex.h"
#include "common/status.h"

namespace leadscan::http {
namespace {

common::Status Refuse(std::string message) {
  return common::Status::InvalidArgument("invalid_request_target", std::move(message));
}

// Decodes one path segment; fails on a malformed escape, an encoded '/' or '\\', NUL or other
// control bytes (encoded or not).
common::Result<std::string> DecodeSegment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (size_t i = 0; i < segment.size(); ++i) {
    char c = segment[i];
    if (c == '%') {
      int hi = i + 1 < segment.size() ? common::HexDigitValue(segment[i + 1]) : -1;
      int lo = i + 2 < segment.size() ? common::HexDigitValue(segment[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return Refuse("malformed percent escape in the request path");
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
      if (c == '/' || c == '\\')
        return Refuse("encoded '/' or '\\' in the request path");
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return Refuse("control character in the request path");
    out += c;
  }
  return out;
}

// The absolute-form ("http://host:port/path?query", RFC 9112 3.2.2, which a server must
// accept): the scheme and authority are dropped and what follows is read as origin-form. The
// authority must be present and must not carry userinfo; an empty path is "/".
common::Result<std::string_view> OriginPartOfAbsoluteForm(std::string_view target) {
  size_t colon = target.find("://");
  std::string scheme(target.substr(0, colon));
  for (char& c : scheme)
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (scheme != "http" && scheme != "https")
    return Refuse("only http and https absolute-form targets are accepted");
  std::string_view rest = target.substr(colon + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (authority.empty())
    return Refuse("absolute-form target without a host");
  if (authority.find('@') != std::string_view::npos)
    return Refuse("userinfo in the request target");
  return end == std::string_view::npos ? std::string_view() : rest.substr(end);
}

bool IsAbsoluteForm(std::string_view target) {
  size_t colon = target.find("://");
  if (colon == std::string_view::npos || colon == 0 || colon > 8)
    return false;
  for (char c : target.substr(0, colon)) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
      return false;
  }
  return true;
}

}  // namespace

common::Result<RequestTarget> ParseRequestTarget(std::string_view method, std::string_view target) {
  std::string absolute_rest;
  if (IsAbsoluteForm(target)) {
    auto rest = OriginPartOfAbsoluteForm(target);
    if (!rest.ok())
      return rest.status();
    absolute_rest =
        rest->empty() || rest->front() != '/' ? "/" + std::string(*rest) : std::string(*rest);
    target = absolute_rest;
  }
  if (target == "*") {
    if (method != "OPTIONS")
      return Refuse("'*' is only a target for OPTIONS");
    return RequestTarget{"*", ""};
  }
  if (target.empty() || target.front() != '/')
    return Refuse("the request target must be a path starting with '/'");
  RequestTarget out;
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  if (q != std::string_view::npos)
    out.query = std::string(target.substr(q + 1));
  if (raw_path.find('#') != std::string_view::npos)
    return Refuse("fragment in the request target");
  // A trailing '/' names the same resource ("/api/leads/"); everything else must be exact.
  while (raw_path.size() > 1 && raw_path.back() == '/')
    raw_path.remove_suffix(1);
  if (raw_path == "/") {
    out.path.push_back('/');  // not `= "/"`: GCC 12 warns falsely (-Wrestrict) on that
    return out;
  }
  size_t start = 1;
  while (start <= raw_path.size()) {
    size_t slash = raw_path.find('/', start);
    if (slash == std::string_view::npos)
      slash = raw_path.size();
    std::string_view segment = raw_path.substr(start, slash - start);
    if (segment.empty())
      return Refuse("empty segment ('//') in the request path");
    auto decoded = DecodeSegment(segment);
    if (!decoded.ok())
      return decoded.status();
    if (*decoded == "." || *decoded == "..")
      return Refuse("'.' or '..' segment in the request path");
    out.path += '/';
    out.path += *decoded;
    start = slash + 1;
  }
  return out;
}

}  // namespace leadscan::http
