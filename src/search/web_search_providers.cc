#include "search/web_search_providers.h"

#include <algorithm>
#include <cctype>

#include "common/ascii.h"
#include "providers/provider_errors.h"

namespace leadscan::search {
namespace {

using common::Result;
using common::Status;

constexpr int kBraveMaxCount = 20;
constexpr int kGoogleMaxNum = 10;

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  return common::AsciiLower(hay).find(common::AsciiLower(needle)) != std::string::npos;
}

// What every provider does with an answer: read it with its parser, redact on the way out.
class WebSearch : public SearchProvider {
 public:
  WebSearch(std::string name, std::unique_ptr<providers::ProviderClient> client)
      : name_(std::move(name)), client_(std::move(client)) {}

  std::string_view name() const override { return name_; }

  Result<std::vector<SearchHit>> Search(const SearchQuery& query) override {
    providers::ProviderRequest request;
    request.path = Path(query);
    request.headers = Headers();
    request.deadline = query.deadline;
    request.cancel = query.cancel;
    auto answer = client_->Call(request);
    if (!answer.ok())
      return Refine(answer.status());
    auto hits = Parse(answer->body);
    if (!hits.ok()) {
      const Status& s = hits.status();
      return providers::ProviderError(providers::kProviderBadResponse,
                                      client_->Redact(name_ + ": " + s.message()));
    }
    return hits;
  }

 protected:
  virtual std::string Path(const SearchQuery& query) const = 0;

  virtual fetch::Headers Headers() const { return {}; }

  virtual Result<std::vector<SearchHit>> Parse(const nlohmann::json& body) const = 0;

  virtual Status Refine(const Status& status) const { return status; }

 private:
  const std::string name_;
  std::unique_ptr<providers::ProviderClient> client_;
};

class BraveSearch final : public WebSearch {
 public:
  BraveSearch(std::unique_ptr<providers::ProviderClient> client, std::string key)
      : WebSearch("brave", std::move(client)), key_(std::move(key)) {}

 protected:
  std::string Path(const SearchQuery& query) const override {
    std::string path = "/res/v1/web/search?q=" + EncodeQueryValue(query.text) +
                       "&count=" + std::to_string(std::clamp(query.count, 1, kBraveMaxCount)) +
                       "&result_filter=web";
    if (!query.country.empty()) {
      // Brave lists its country codes in upper case ("SE").
      std::string country = query.country;
      for (char& c : country)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      path += "&country=" + EncodeQueryValue(country);
    }
    return path;
  }

  fetch::Headers Headers() const override { return {{"x-subscription-token", key_}}; }

  Result<std::vector<SearchHit>> Parse(const nlohmann::json& body) const override {
    return ParseBraveResults(body);
  }

 private:
  const std::string key_;
};

class GoogleSearch final : public WebSearch {
 public:
  GoogleSearch(std::unique_ptr<providers::ProviderClient> client, std::string key, std::string cx)
      : WebSearch("google", std::move(client)), key_(std::move(key)), cx_(std::move(cx)) {}

 protected:
  std::string Path(const SearchQuery& query) const override {
    std::string path = "/customsearch/v1?key=" + EncodeQueryValue(key_) +
                       "&cx=" + EncodeQueryValue(cx_) + "&q=" + EncodeQueryValue(query.text) +
                       "&num=" + std::to_string(std::clamp(query.count, 1, kGoogleMaxNum));
    if (!query.country.empty())
      path += "&gl=" + EncodeQueryValue(common::AsciiLower(query.country));
    return path;
  }

  Result<std::vector<SearchHit>> Parse(const nlohmann::json& body) const override {
    return ParseGoogleResults(body);
  }

  Status Refine(const Status& status) const override { return RefineGoogleError(status); }

 private:
  const std::string key_;
  const std::string cx_;
};

class SearxngSearch final : public WebSearch {
 public:
  explicit SearxngSearch(std::unique_ptr<providers::ProviderClient> client)
      : WebSearch("searxng", std::move(client)) {}

 protected:
  std::string Path(const SearchQuery& query) const override {
    return "/search?q=" + EncodeQueryValue(query.text) + "&format=json";
  }

  Result<std::vector<SearchHit>> Parse(const nlohmann::json& body) const override {
    return ParseSearxngResults(body);
  }
};

}  // namespace

const std::vector<std::string_view>& SearchProviderNames() {
  static const std::vector<std::string_view> kNames = {"brave", "google", "searxng"};
  return kNames;
}

std::string EncodeQueryValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (unsigned char c : value) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

Status RefineGoogleError(const Status& status) {
  const std::string& m = status.message();
  if (status.error_code() == providers::kProviderRejected &&
      (ContainsNoCase(m, "API key not valid") || ContainsNoCase(m, "API_KEY_INVALID"))) {
    return providers::ProviderError(providers::kProviderAuth, m);
  }
  const bool daily = ContainsNoCase(m, "per day") || ContainsNoCase(m, "dailyLimitExceeded") ||
                     ContainsNoCase(m, "daily limit");
  if (daily && (status.error_code() == providers::kProviderRateLimited ||
                status.error_code() == providers::kProviderAuth)) {
    return providers::ProviderError(providers::kProviderQuota, m);
  }
  return status;
}

Result<std::unique_ptr<SearchProvider>> MakeSearchProvider(const WebSearchConfig& config,
                                                           fetch::Fetcher& fetcher,
                                                           common::Clock& clock,
                                                           common::Metrics* metrics) {
  const auto& names = SearchProviderNames();
  if (std::find(names.begin(), names.end(), config.provider) == names.end()) {
    return Status::InvalidArgument("invalid_search_provider",
                                   "search provider must be brave, google or searxng",
                                   "search_provider");
  }
  providers::ProviderConfig pc;
  pc.name = config.provider;
  pc.base_url = config.base_url;
  pc.limits = config.limits;
  if (!config.key.empty())
    pc.secrets.push_back(config.key);
  if (config.provider == "brave" || config.provider == "google") {
    if (config.key.empty()) {
      return Status::InvalidArgument("missing_search_key",
                                     config.provider + " needs --search-key (LEADSCAN_SEARCH_KEY)",
                                     "search_key");
    }
    if (pc.base_url.empty())
      pc.base_url = config.provider == "brave" ? kBraveDefaultUrl : kGoogleDefaultUrl;
  }
  if (config.provider == "google" && config.cx.empty()) {
    return Status::InvalidArgument("missing_search_cx",
                                   "google needs --search-cx (LEADSCAN_SEARCH_CX), the id of "
                                   "the Programmable Search Engine",
                                   "search_cx");
  }
  if (config.provider == "searxng" && pc.base_url.empty()) {
    return Status::InvalidArgument("missing_search_url",
                                   "searxng needs --search-url (LEADSCAN_SEARCH_URL), the "
                                   "address of your SearXNG",
                                   "search_url");
  }
  auto client = providers::ProviderClient::Create(std::move(pc), fetcher, clock, metrics);
  if (!client.ok())
    return client.status();
  std::unique_ptr<SearchProvider> out;
  if (config.provider == "brave")
    out = std::make_unique<BraveSearch>(std::move(*client), config.key);
  else if (config.provider == "google")
    out = std::make_unique<GoogleSearch>(std::move(*client), config.key, config.cx);
  else
    out = std::make_unique<SearxngSearch>(std::move(*client));
  return out;
}

}  // namespace leadscan::search
