// RequestTarget: the one normalised form of an HTTP request target. The server derives it once
// per request; routing, authentication, static files and logs all read the same `path`.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace leadscan::http {

struct RequestTarget {
  // Percent-decoded path: starts with '/', no empty, "." or ".." segments, no trailing '/'
  // (except "/" itself), no NUL or control bytes, never a decoded '/' inside a segment. "*" for
  // the asterisk-form of OPTIONS.
  std::string path;
  std::string query;  // raw text after '?', not decoded
};

// Parses the target of a request line. Origin-form ("/path?query") is accepted, plus "*" when
// `method` is OPTIONS, plus the absolute-form ("http://h/p?q", RFC 9112 3.2.2) which is read as
// its origin part ("/p?q") so that it routes and authenticates exactly as that; anything else
// (authority-form, another scheme, userinfo, a path without its leading '/', "//api", dot
// segments, encoded '/' or NUL) fails with kInvalidArgument `invalid_request_target` and a
// message saying why. Repeated or trailing
// '/' at the end only ("/api/leads/") is tolerated and removed.
common::Result<RequestTarget> ParseRequestTarget(std::string_view method, std::string_view target);

}  // namespace leadscan::http
