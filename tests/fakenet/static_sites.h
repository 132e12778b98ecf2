// StaticSites: the demo sites of a folder, <dir>/<host>/..., with their optional _headers
// files and _variants/<name>/ alternatives (format in tests/fakenet/README.md). The folder is
// indexed at load; files are read per request. Thread-safe: the only state that changes after
// Load, each site's active variant, is kept under a mutex.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "router.h"

namespace leadscan::fakenet {

class StaticSites {
 public:
  // Indexes every subfolder of dir as a site. Fails with io_error when dir is unreadable.
  static common::Result<std::unique_ptr<StaticSites>> Load(const std::string& dir);

  // Fills reply for host+target; false when no site serves host. A request for
  // /_fakenet/variant/<name> switches the host's site to that variant (see SetVariant) and
  // answers 200, or 404 when the site has no such variant.
  // With `in_cart` (the request carries the cart cookie, router.cc), files under <site>/_cart/
  // come first: the pages a shop shows with a product in its cart (checkout widgets).
  bool Serve(const std::string& host, std::string_view target, Reply& reply,
             bool in_cart = false) const;

  // Whether host's site has a cart (a _cart/ folder): the router then answers its add-to-cart
  // requests (Shopify's POST /cart/add.js, WooCommerce's ?add-to-cart=N) with the cookie.
  bool HasCart(const std::string& host) const;

  // Serves `host`'s site from its variant `name` from now on: files under
  // <site>/_variants/<name>/ first, the site's own files for the rest; "" goes back to the site
  // itself. False when no site serves host or the site has no such variant.
  bool SetVariant(const std::string& host, const std::string& name) const;

  size_t size() const { return sites_.size(); }

 private:
  struct HeaderRule {
    std::string pattern;  // exact path, prefix (without the '*'), or "" for every path
    bool prefix = false;
    std::string name;
    std::string value;
  };

  struct Site {
    std::filesystem::path root;
    std::vector<HeaderRule> rules;
    mutable std::string variant;  // under mu_; "" = the site itself
  };

  StaticSites() = default;

  const Site* Find(const std::string& host) const;

  std::map<std::string, Site, std::less<>> sites_;
  mutable std::mutex mu_;  // guards Site::variant
};

// Content-Type for a file name by its extension.
std::string ContentTypeFor(std::string_view file_name);

}  // namespace leadscan::fakenet
