#include "analysis/analysis_type.h"

namespace leadscan::analysis {
namespace {

using common::Result;
using common::Status;

constexpr int kMaxPagesLimit = 50;
constexpr int kMaxRetriesLimit = 10;
constexpr int64_t kMinTimeoutMs = 1000;
constexpr int64_t kMaxTimeoutMs = 10 * 60 * 1000;
constexpr int64_t kMaxBytesLimit = 256LL * 1024 * 1024;
constexpr int64_t kMaxRenderNavigationTimeoutMs = 2 * 60 * 1000;
constexpr int64_t kMaxRenderTimeoutMs = 5 * 60 * 1000;
constexpr int64_t kMaxRenderRequestsLimit = 5000;
constexpr int64_t kMinRenderBytes = 64 * 1024;
constexpr const char* kKnownKeys =
    "use_firecrawl, use_puppeteer, render, timeout, max_pages, max_bytes, max_retries, "
    "render_navigation_timeout, render_timeout, render_max_requests, render_max_bytes, "
    "find_domain, search_country, probe_checkout";

Status BadConfig(const std::string& key, const std::string& message) {
  return Status::InvalidArgument("invalid_analysis_config",
                                 "analysis_config." + key + ": " + message,
                                 "analysis_config." + key);
}

Result<bool> GetBool(const nlohmann::json& v, const std::string& key) {
  if (!v.is_boolean())
    return BadConfig(key, "must be true or false");
  return v.get<bool>();
}

Result<int64_t> GetInt(const nlohmann::json& v, const std::string& key, int64_t lo, int64_t hi) {
  if (!v.is_number_integer() && !v.is_number_unsigned()) {
    return BadConfig(key, "must be an integer");
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi)) {
    return BadConfig(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  int64_t n = v.get<int64_t>();
  if (n < lo || n > hi) {
    return BadConfig(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return n;
}

}  // namespace

const std::vector<std::string_view>& AllAnalysisTypeNames() {
  static const std::vector<std::string_view> kNames = {"tech_analysis", "checkout_scraping",
                                                       "full_analysis", "ecommerce_detection",
                                                       "carrier_detection"};
  return kNames;
}

Result<AnalysisType> ParseAnalysisType(std::string_view text, std::string_view field) {
  static constexpr AnalysisType kTypes[] = {
      AnalysisType::kTechAnalysis, AnalysisType::kCheckoutScraping, AnalysisType::kFullAnalysis,
      AnalysisType::kEcommerceDetection, AnalysisType::kCarrierDetection};
  for (AnalysisType t : kTypes) {
    if (AnalysisTypeName(t) == text)
      return t;
  }
  std::string valid;
  for (auto name : AllAnalysisTypeNames()) {
    if (!valid.empty())
      valid += ", ";
    valid += name;
  }
  return Status::InvalidArgument(
      std::string("invalid_") + std::string(field),
      std::string(field) + " must be one of " + valid + "; got '" + std::string(text) + "'",
      std::string(field));
}

std::string_view AnalysisTypeName(AnalysisType type) {
  switch (type) {
    case AnalysisType::kTechAnalysis:
      return "tech_analysis";
    case AnalysisType::kCheckoutScraping:
      return "checkout_scraping";
    case AnalysisType::kFullAnalysis:
      return "full_analysis";
    case AnalysisType::kEcommerceDetection:
      return "ecommerce_detection";
    case AnalysisType::kCarrierDetection:
      return "carrier_detection";
  }
  return "tech_analysis";
}

bool WantsTechnologies(AnalysisType type) {
  return type == AnalysisType::kTechAnalysis || type == AnalysisType::kFullAnalysis;
}

bool WantsPlatform(AnalysisType type) {
  return type == AnalysisType::kTechAnalysis || type == AnalysisType::kFullAnalysis ||
         type == AnalysisType::kEcommerceDetection;
}

bool WantsCheckout(AnalysisType type) {
  return type == AnalysisType::kCheckoutScraping || type == AnalysisType::kFullAnalysis;
}

bool WantsCarriers(AnalysisType type) {
  return type == AnalysisType::kCheckoutScraping || type == AnalysisType::kFullAnalysis ||
         type == AnalysisType::kCarrierDetection;
}

bool WantsCommercePages(AnalysisType type) {
  return WantsCheckout(type) || WantsCarriers(type);
}

std::string_view RenderModeName(RenderMode mode) {
  switch (mode) {
    case RenderMode::kAlways:
      return "always";
    case RenderMode::kNever:
      return "never";
    case RenderMode::kAuto:
      break;
  }
  return "auto";
}

Result<RenderMode> ParseRenderMode(std::string_view text, std::string_view field) {
  for (RenderMode m : {RenderMode::kAuto, RenderMode::kAlways, RenderMode::kNever})
    if (text == RenderModeName(m))
      return m;
  return Status::InvalidArgument("invalid_analysis_config",
                                 std::string(field) + " must be auto, always or never",
                                 std::string(field));
}

nlohmann::json AnalysisConfig::ToJson() const {
  nlohmann::json out{{"use_firecrawl", use_firecrawl},
                     {"use_puppeteer", use_puppeteer},
                     {"render", RenderModeName(render)},
                     {"timeout", timeout.count()},
                     {"max_pages", max_pages},
                     {"max_bytes", max_bytes},
                     {"max_retries", max_retries},
                     {"render_navigation_timeout", render_navigation_timeout.count()},
                     {"render_timeout", render_timeout.count()},
                     {"render_max_requests", render_max_requests},
                     {"render_max_bytes", render_max_bytes}};
  if (find_domain)
    out["find_domain"] = *find_domain;
  if (probe_checkout)
    out["probe_checkout"] = *probe_checkout;
  if (!search_country.empty())
    out["search_country"] = search_country;
  return out;
}

Result<AnalysisConfig> ParseAnalysisConfig(const nlohmann::json& json) {
  AnalysisConfig config;
  if (json.is_null())
    return config;
  if (!json.is_object()) {
    return Status::InvalidArgument("invalid_analysis_config", "analysis_config must be an object",
                                   "analysis_config");
  }
  for (const auto& [key, value] : json.items()) {
    if (key == "use_firecrawl") {
      auto b = GetBool(value, key);
      if (!b.ok())
        return b.status();
      config.use_firecrawl = *b;
    } else if (key == "use_puppeteer") {
      auto b = GetBool(value, key);
      if (!b.ok())
        return b.status();
      config.use_puppeteer = *b;
    } else if (key == "render") {
      if (!value.is_string())
        return Status::InvalidArgument("invalid_analysis_config",
                                       "render must be auto, always or never",
                                       "analysis_config.render");
      auto m = ParseRenderMode(value.get<std::string>(), "analysis_config.render");
      if (!m.ok())
        return m.status();
      config.render = *m;
    } else if (key == "timeout") {
      auto n = GetInt(value, key, kMinTimeoutMs, kMaxTimeoutMs);
      if (!n.ok())
        return n.status();
      config.timeout = std::chrono::milliseconds(*n);
    } else if (key == "max_pages") {
      auto n = GetInt(value, key, 1, kMaxPagesLimit);
      if (!n.ok())
        return n.status();
      config.max_pages = static_cast<int>(*n);
    } else if (key == "max_bytes") {
      auto n = GetInt(value, key, 1024, kMaxBytesLimit);
      if (!n.ok())
        return n.status();
      config.max_bytes = *n;
    } else if (key == "max_retries") {
      auto n = GetInt(value, key, 0, kMaxRetriesLimit);
      if (!n.ok())
        return n.status();
      config.max_retries = static_cast<int>(*n);
    } else if (key == "probe_checkout") {
      auto b = GetBool(value, key);
      if (!b.ok())
        return b.status();
      config.probe_checkout = *b;
    } else if (key == "find_domain") {
      auto b = GetBool(value, key);
      if (!b.ok())
        return b.status();
      config.find_domain = *b;
    } else if (key == "search_country") {
      std::string c = value.is_string() ? value.get<std::string>() : std::string();
      for (char& ch : c)
        ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
      if (c.size() != 2 || c[0] < 'a' || c[0] > 'z' || c[1] < 'a' || c[1] > 'z')
        return BadConfig(key, "must be a two-letter country code such as \"se\"");
      config.search_country = c;
    } else if (key == "render_navigation_timeout") {
      auto n = GetInt(value, key, kMinTimeoutMs, kMaxRenderNavigationTimeoutMs);
      if (!n.ok())
        return n.status();
      config.render_navigation_timeout = std::chrono::milliseconds(*n);
    } else if (key == "render_timeout") {
      auto n = GetInt(value, key, kMinTimeoutMs, kMaxRenderTimeoutMs);
      if (!n.ok())
        return n.status();
      config.render_timeout = std::chrono::milliseconds(*n);
    } else if (key == "render_max_requests") {
      auto n = GetInt(value, key, 1, kMaxRenderRequestsLimit);
      if (!n.ok())
        return n.status();
      config.render_max_requests = static_cast<int>(*n);
    } else if (key == "render_max_bytes") {
      auto n = GetInt(value, key, kMinRenderBytes, kMaxBytesLimit);
      if (!n.ok())
        return n.status();
      config.render_max_bytes = *n;
    } else {
      return Status::InvalidArgument(
          "invalid_analysis_config",
          "unknown analysis_config key '" + key + "' (known: " + kKnownKeys + ")",
          "analysis_config." + key);
    }
  }
  if (config.render_navigation_timeout > config.render_timeout)
    return BadConfig("render_navigation_timeout",
                     "must not exceed render_timeout (" +
                         std::to_string(config.render_timeout.count()) +
                         " ms): the load is part of the page's render time");
  return config;
}

}  // namespace leadscan::analysis
