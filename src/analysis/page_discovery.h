// Page discovery: which same-site pages of a shop to fetch after its home page to find
// checkout, payment and shipping facts. Ranks the home page's links by path and anchor text
// in Swedish, Norwegian, Danish, Finnish, English and German, the URLs of the site's sitemap
// by path, and adds the known paths of the detected platform. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leadscan::analysis {

// Why a page was chosen; also the page's role for context-sensitive detection.
enum class PageRole { kHome, kShipping, kPayment, kTerms, kCart, kCheckout, kOther };

std::string_view PageRoleName(PageRole role);

// The role of a page by its own URL alone, as discovery would give a link to it by its path:
// kHome for the site's root, the best path keyword's role ("/policies/shipping-policy" is
// kShipping), else kOther. For pages that arrive without the link that led to them (saved
// pages given to `leadscan analyze --pages`).
PageRole RoleOfUrl(std::string_view url);

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

// Whether `host` is the site `site_host`: the same host, or the host with/without "www.",
// ignoring case. Both may carry a ":port" (as SiteOf gives them), which must then match too.
// False for an empty host.
bool SameSite(std::string_view host, std::string_view site_host);

// The site of an absolute URL as SameSite and RankCommercePages compare it: its host without
// "www.", lower-case, plus ":port" when the port is not the scheme's default (so
// https://shop.se:443/ is shop.se and https://shop.se:8443/ is another site). Empty when the
// URL has no host.
std::string SiteOf(std::string_view url);

// Ranks links of `html` (fetched from `page_url`) that stay on the site `site_host` (as SiteOf
// gives it: the same host, or the host with/without "www.", and the same port) and name
// commerce pages, best first, one per URL;
// adds the known commerce paths of `platform_slug` ("shopify", "woocommerce", "magento", ...)
// and the same-site URLs of `sitemap_urls` whose path names a commerce page (reason
// "sitemap /path"; product, category and blog URLs and deep paths are left out). A URL both
// linked and in the sitemap keeps the link's reason. `page_links` are links a page source
// listed for the page beside its HTML (Firecrawl's data.links): ranked by path like the
// page's own links, without anchor text (reason "listed link /path").
std::vector<LinkCandidate> RankCommercePages(std::string_view html, std::string_view page_url,
                                             std::string_view site_host,
                                             std::string_view platform_slug,
                                             const std::vector<std::string>& sitemap_urls = {},
                                             const std::vector<std::string>& page_links = {});

// Most <loc> URLs read from one sitemap (the protocol's own limit per file).
inline constexpr size_t kMaxSitemapUrls = 50000;

// A sitemap file (sitemaps.org): the page URLs of a <urlset>, or the child sitemaps of a
// <sitemapindex>.
struct Sitemap {
  bool is_index = false;
  std::vector<std::string> urls;  // <loc> values in order, trimmed, entities decoded
};

// Reads the <loc> elements of sitemap XML (namespaced ones such as <image:loc> are not page
// URLs and are skipped; CDATA is unwrapped), at most `max_urls`. Never fails: anything that is
// not a sitemap yields no URLs.
Sitemap ParseSitemap(std::string_view xml, size_t max_urls = kMaxSitemapUrls);

// Of a sitemap index's children, the one most likely to list a shop's information pages
// (shipping, terms): a "page" sitemap (WordPress `wp-sitemap-posts-page-1.xml`, Yoast
// `page-sitemap.xml`, Shopify `sitemap_pages_1.xml`), else the first that does not list
// products, categories or posts, else the first. Empty when `children` is.
std::string PickPageSitemap(const std::vector<std::string>& children);

}  // namespace leadscan::analysis
