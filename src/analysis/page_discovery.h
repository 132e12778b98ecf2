// Page discovery: which same-site pages of a shop to fetch after its home page to find
// checkout, payment and shipping facts. Ranks the home page's links by path and anchor text
// in Swedish, Norwegian, Danish, Finnish, English and German, and adds the known paths of the
// detected platform. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leadscan::analysis {

// Why a page was chosen; also the page's role for context-sensitive detection.
enum class PageRole { kHome, kShipping, kPayment, kTerms, kCart, kCheckout, kOther };

std::string_view PageRoleName(PageRole role);

struct LinkCandidate {
  std::string url;  // absolute, fragment removed
  PageRole role = PageRole::kOther;
  int score = 0;       // higher first
  std::string reason;  // "link text 'Frakt & leverans'", "path /kassa", "shopify policy"
};

struct Link {
  std::string href;  // as written
  std::string text;  // anchor text, tags stripped, whitespace collapsed
};

// The <a href> links of a document, in order, at most `max_links`.
std::vector<Link> ExtractLinks(std::string_view html, size_t max_links = 5000);

// Resolves `href` against `base` (an absolute http(s) URL). Empty when it is not http(s) or
// cannot be parsed (javascript:, mailto:, data:, ...).
std::string ResolveUrl(std::string_view base, std::string_view href);

// Ranks links of `html` (fetched from `page_url`) that stay on the site `site_host` (the same
// host, or the host with/without "www.") and name commerce pages, best first, one per URL;
// adds the known commerce paths of `platform_slug` ("shopify", "woocommerce", "magento", ...).
std::vector<LinkCandidate> RankCommercePages(std::string_view html, std::string_view page_url,
                                             std::string_view site_host,
                                             std::string_view platform_slug);

}  // namespace leadscan::analysis
