// The five analysis types of the seed, the per-analysis options (`analysis_config`), and their
// validation. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace leadscan::analysis {

enum class AnalysisType {
  kTechAnalysis,        // technologies + e-commerce platform
  kCheckoutScraping,    // checkout solutions, payment methods + carriers, shipping software
  kFullAnalysis,        // both
  kEcommerceDetection,  // platform only
  kCarrierDetection,    // carriers (and shipping software) only
};

// "tech_analysis" etc.; invalid_job_type naming the five valid words otherwise.
common::Result<AnalysisType> ParseAnalysisType(std::string_view text,
                                               std::string_view field = "job_type");

std::string_view AnalysisTypeName(AnalysisType type);

const std::vector<std::string_view>& AllAnalysisTypeNames();

// What a type needs: technology rules, commerce pages beyond the home page.
bool WantsTechnologies(AnalysisType type);

bool WantsPlatform(AnalysisType type);

bool WantsCheckout(AnalysisType type);  // checkout solutions + payment methods

bool WantsCarriers(AnalysisType type);  // carriers + shipping software

// Whether the analysis should look beyond the home page (checkout/shipping pages).
bool WantsCommercePages(AnalysisType type);

constexpr std::chrono::milliseconds kDefaultLeadTimeout{20000};  // the seed's default
constexpr int kDefaultMaxPages = 8;
constexpr int64_t kDefaultMaxLeadBytes = 16 * 1024 * 1024;

// Budgets of one rendered page (analysis_config.render_*), within the lead's own time and byte
// budget. Images, fonts and media are never downloaded (not a knob).
constexpr std::chrono::milliseconds kDefaultRenderNavigationTimeout{15000};  // to the load event
constexpr std::chrono::milliseconds kDefaultRenderTimeout{25000};            // load + network quiet
constexpr int kDefaultRenderMaxRequests = 300;
constexpr int64_t kDefaultRenderMaxBytes = 20LL * 1024 * 1024;  // encoded, all requests

// `analysis_config` of a job. The seed's keys (use_firecrawl, use_puppeteer, timeout) are
// always accepted; providers that are not available fall back to plain HTTP and say so in the
// result's errors.
// When a lead's home page is also rendered in a browser (issue 11): `auto` when the HTTP page
// looks like a script shell or a commerce analysis finds no platform in it.
enum class RenderMode { kAuto, kAlways, kNever };

std::string_view RenderModeName(RenderMode mode);

// "auto", "always", "never"; anything else fails with invalid_analysis_config naming `field`.
common::Result<RenderMode> ParseRenderMode(std::string_view text, std::string_view field);

struct AnalysisConfig {
  bool use_firecrawl = false;
  bool use_puppeteer = false;  // the seed's key: true means render always
  RenderMode render = RenderMode::kAuto;
  std::chrono::milliseconds timeout = kDefaultLeadTimeout;  // per-lead budget
  int max_pages = kDefaultMaxPages;                         // pages per lead, home included
  int64_t max_bytes = kDefaultMaxLeadBytes;                 // bytes per lead
  int max_retries = 2;                                      // transient failures
  // A lead without a domain gets one found by the configured web-search provider (issue 12);
  // nullopt: yes when a provider is configured.
  std::optional<bool> find_domain;
  // Put a product in the cart and read the cart and checkout pages (issue 11); nullopt: yes for
  // checkout_scraping, no for the other types (ProbesCheckout).
  std::optional<bool> probe_checkout;
  std::string search_country;  // two lower-case letters; "": the lead's, else the default
  // One rendered page: load event within render_navigation_timeout, everything (load, network
  // quiet, capture) within render_timeout, at most render_max_requests requests and
  // render_max_bytes bytes (then the page is stopped and captured as it is). The lead's
  // remaining time and bytes cap these.
  std::chrono::milliseconds render_navigation_timeout = kDefaultRenderNavigationTimeout;
  std::chrono::milliseconds render_timeout = kDefaultRenderTimeout;
  int render_max_requests = kDefaultRenderMaxRequests;
  int64_t render_max_bytes = kDefaultRenderMaxBytes;

  nlohmann::json ToJson() const;

  // Whether an analysis of `type` with this config probes the checkout.
  bool ProbesCheckout(AnalysisType type) const {
    return probe_checkout.value_or(type == AnalysisType::kCheckoutScraping);
  }

  // The render mode in force: use_puppeteer forces always.
  RenderMode EffectiveRender() const { return use_puppeteer ? RenderMode::kAlways : render; }
};

// Validates a JSON object: unknown keys -> invalid_analysis_config naming the key; wrong types
// and out-of-range values -> invalid_analysis_config naming the key; a render_navigation_timeout
// above render_timeout -> invalid_analysis_config naming the former. null/absent -> defaults.
common::Result<AnalysisConfig> ParseAnalysisConfig(const nlohmann::json& json);

}  // namespace leadscan::analysis
