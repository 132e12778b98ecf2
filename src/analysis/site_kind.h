// JudgeSite: is the analysed site a shop that sells here, or a provider's own site,
// documentation or a help centre, an article (news, blog) or an event's site? Commerce findings
// (platform, checkout, payment methods, carriers, shipping software) describe what a shop uses, so
// they count only when the site is a shop or nothing speaks against it
// (docs/decisions/site-kind.md). Pure functions over page text; bounded work per page; thread-safe.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace leadscan::analysis {

enum class SiteKind {
  kShop,            // sells here: cart, products, prices, its own terms of sale
  kProvider,        // a provider's own site (payment, checkout, carrier, platform vendor)
  kDocumentation,   // developer documentation, manuals, a provider's help centre
  kArticle,         // news, blog posts, magazine articles
  kSellsElsewhere,  // its products are bought on a marketplace (Amazon, Etsy, eBay), no own cart
  kEvent,           // an event's site (conference, fair): sponsors and speakers' firms are named
  kUnknown,         // no signal either way
};

const char* SiteKindName(SiteKind kind);

struct SiteJudgement {
  SiteKind kind = SiteKind::kUnknown;
  std::vector<std::string> reasons;  // the signals that decided, in plain words

  // Commerce findings count on a shop, and where nothing speaks against one.
  bool commerce_counts() const { return kind == SiteKind::kShop || kind == SiteKind::kUnknown; }
};

struct SitePage {
  std::string_view url;
  std::string_view role;  // "home", "shipping", "payment", ... as the analyzer chose the page
  std::string_view html;  // the page as received (HTML or plain text)
};

// `platform_found`: an e-commerce platform was detected on the pages. `provider_domains`:
// registrable domains of the providers our rules know (their websites), lower-case.
SiteJudgement JudgeSite(const std::vector<SitePage>& pages, bool platform_found,
                        const std::set<std::string, std::less<>>& provider_domains);

}  // namespace leadscan::analysis
