// Target: a lead's website as the user typed it, normalised. NormalizeTarget accepts a bare
// domain ("Example.se", "www.example.se/", "åhléns.se") or an http(s) URL and rejects anything
// else with invalid_url. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::fetch {

struct Target {
  std::string input;               // as given, whitespace trimmed
  std::string scheme;              // "http" / "https" when the input named one, else ""
  std::string host;                // ASCII, lower-case, punycode for IDNs, no trailing dot
  int port = 0;                    // 0: the scheme's default
  std::string path;                // "/" or the given path (and query), percent-encoded
  std::string registrable_domain;  // via the public suffix list ("example.co.uk"); IPs: host
  // URLs to try, in order: "https://host/path" then "http://host/path" for a bare domain, the
  // one given URL otherwise.
  std::vector<std::string> urls;
};

// Fails with invalid_url (field "domain") and a message that names the problem: empty input,
// whitespace inside, a scheme other than http/https, user info, a port out of 1..65535, a host
// without a dot, bad characters, a label too long, a public suffix on its own.
common::Result<Target> NormalizeTarget(std::string_view input);

// How a lead's domain is kept: the host for a bare domain or a root URL (no scheme, port or
// path given), else the first URL to try ("shop.se/butik" -> "https://shop.se/butik").
std::string StoredDomain(const Target& target);

// The registrable domain of an ASCII host ("shop.example.co.uk" -> "example.co.uk"), or "" when
// the host is a public suffix itself or not a domain.
std::string RegistrableDomain(std::string_view ascii_host);

}  // namespace leadscan::fetch
