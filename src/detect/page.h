// PageInput: everything detection looks at for one page, gathered by analysis from a fetch
// (and, when rendered, a browser). Plain data; detect never does I/O itself.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace leadscan::detect {

struct PageInput {
  std::string url;                                           // final URL of the page
  std::string html;                                          // UTF-8 document
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::vector<std::pair<std::string, std::string>> cookies;  // name, value
  std::string robots;                                        // robots.txt body, if fetched
  std::string cert_issuer;
  // Filled by a rendering browser only; empty for plain HTTP pages.
  std::vector<std::string> xhr;           // URLs the page requested
  std::map<std::string, std::string> js;  // global property path -> value text
  std::string rendered_html;              // DOM after scripts ran
  std::string source;  // "" for a page fetched over HTTP, "browser" for a rendered one
  std::string role;    // why the page was fetched: "home", "shipping", "checkout", ...
};

}  // namespace leadscan::detect
