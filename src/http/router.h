// Router: maps method + path pattern to a handler. Patterns are literal segments and `:name`
// parameters ("/api/batch-analysis/jobs/:id/cancel"); a final `*name` segment matches the
// rest of the path. Literal segments win over parameters at the same depth. Routes are added
// at start-up, before the server starts; after that Match is thread-safe (read-only).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace leadscan::http {

// Handlers run on the server's handler thread pool and may block (database calls). An
// exception escaping a handler is a bug: the server logs it and answers 500.
using Handler = std::function<Response(const Request&)>;

struct RouteOptions {
  // Every route requires `Authorization: Bearer` unless public; its handler never runs
  // without a principal.
  bool is_public = false;
  // Authenticated callers without Role::kAdmin get 403 `forbidden`.
  bool admin_only = false;
  // Also accept the token as `?access_token=` when no Authorization header is sent: the
  // browser's EventSource cannot set headers. Only for GET routes such as event streams.
  bool token_in_query = false;
};

class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;
    RouteOptions options;
    Handler handler;
  };

  struct Match {
    const Route* route = nullptr;  // null: see allowed_methods
    std::map<std::string, std::string, std::less<>> params;
    // When the path matched but not the method: the methods that would (for 405 + Allow).
    std::vector<std::string> allowed_methods;
  };

  // Registers a route. Throws std::invalid_argument on a malformed pattern or a duplicate
  // method + pattern (start-up misconfiguration).
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  void Get(std::string pattern, Handler h, RouteOptions o = {}) {
    Add("GET", std::move(pattern), std::move(h), o);
  }

  void Post(std::string pattern, Handler h, RouteOptions o = {}) {
    Add("POST", std::move(pattern), std::move(h), o);
  }

  void Patch(std::string pattern, Handler h, RouteOptions o = {}) {
    Add("PATCH", std::move(pattern), std::move(h), o);
  }

  void Put(std::string pattern, Handler h, RouteOptions o = {}) {
    Add("PUT", std::move(pattern), std::move(h), o);
  }

  void Delete(std::string pattern, Handler h, RouteOptions o = {}) {
    Add("DELETE", std::move(pattern), std::move(h), o);
  }

  // Matches a normalised path (RequestTarget::path: already percent-decoded, no query, no
  // encoded '/'); segments are taken as they are, never decoded again. A trailing '/' is
  // ignored. HEAD matches GET routes. No route and no allowed_methods: 404.
  Match Find(std::string_view method, std::string_view path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  struct Node {
    std::map<std::string, std::unique_ptr<Node>, std::less<>> literal;
    std::unique_ptr<Node> param;  // ":name"
    std::string param_name;
    std::string rest_name;
    std::map<std::string, const Route*, std::less<>> rest_methods;
    std::map<std::string, const Route*, std::less<>> methods;
  };

  std::vector<std::unique_ptr<Route>> routes_;
  Node root_;
};

// Percent-decodes `text`; with `plus_is_space` ('+' -> ' ') for query strings. Invalid escapes
// are kept literally.
std::string PercentDecode(std::string_view text, bool plus_is_space = false);

// Splits "a=1&b=x%20y&c" into decoded pairs (c -> "").
std::multimap<std::string, std::string, std::less<>> ParseQuery(std::string_view query);

}  // namespace leadscan::http
