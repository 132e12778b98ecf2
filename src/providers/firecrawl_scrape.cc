#include "providers/firecrawl_scrape.h"

#include <algorithm>

#include "providers/provider_errors.h"

namespace leadscan::providers {

using common::Result;

namespace {

bool IsHttpUrl(std::string_view s) {
  return (s.starts_with("http://") || s.starts_with("https://")) &&
         std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

const nlohmann::json* Member(const nlohmann::json& j, const char* key) {
  if (!j.is_object())
    return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

common::Status Bad(std::string what) {
  return ProviderError(kProviderBadResponse, std::string(kFirecrawlName) + ": " + what);
}

}  // namespace

nlohmann::json FirecrawlScrapeBody(std::string_view url, std::chrono::milliseconds budget,
                                   std::chrono::milliseconds wait_for) {
  const auto timeout = std::max(kMinFirecrawlTimeout, budget - kFirecrawlTimeoutMargin);
  return nlohmann::json{{"url", url},
                        {"formats", {"rawHtml", "links"}},
                        {"onlyMainContent", false},
                        {"timeout", timeout.count()},
                        {"waitFor", std::max<int64_t>(0, wait_for.count())}};
}

Result<FirecrawlPage> ParseFirecrawlScrape(const nlohmann::json& answer,
                                           std::string_view requested_url) {
  if (!answer.is_object())
    return Bad("the answer is not a JSON object");
  const nlohmann::json* success = Member(answer, "success");
  if (success == nullptr || !success->is_boolean() || !success->get<bool>()) {
    const nlohmann::json* error = Member(answer, "error");
    std::string why = error != nullptr && error->is_string() ? error->get<std::string>() : "";
    if (why.size() > 300)
      why.resize(300);
    return Bad("the answer does not say success" + (why.empty() ? "" : ": " + why));
  }
  const nlohmann::json* data = Member(answer, "data");
  if (data == nullptr || !data->is_object())
    return Bad("the answer has no data object");
  const nlohmann::json* raw = Member(*data, "rawHtml");
  if (raw == nullptr || !raw->is_string())
    return Bad("the answer has no data.rawHtml string");

  FirecrawlPage page;
  page.raw_html = raw->get<std::string>();
  if (const nlohmann::json* links = Member(*data, "links"); links != nullptr && links->is_array()) {
    for (const nlohmann::json& l : *links) {
      if (page.links.size() >= kMaxFirecrawlLinks)
        break;
      if (!l.is_string())
        continue;
      const std::string& s = l.get_ref<const std::string&>();
      if (s.size() <= kMaxFirecrawlLinkBytes && IsHttpUrl(s))
        page.links.push_back(s);
    }
  }
  page.final_url = std::string(requested_url);
  if (const nlohmann::json* meta = Member(*data, "metadata"); meta != nullptr) {
    if (const nlohmann::json* code = Member(*meta, "statusCode"); code != nullptr) {
      if (!code->is_number_integer() || code->get<int64_t>() < 100 || code->get<int64_t>() > 599)
        return Bad("data.metadata.statusCode is not an HTTP status");
      page.status = static_cast<int>(code->get<int64_t>());
    }
    for (const char* key : {"url", "sourceURL"}) {
      const nlohmann::json* u = Member(*meta, key);
      if (u != nullptr && u->is_string() &&
          u->get_ref<const std::string&>().size() <= kMaxFirecrawlLinkBytes &&
          IsHttpUrl(u->get_ref<const std::string&>())) {
        page.final_url = u->get<std::string>();
        break;
      }
    }
  }
  return page;
}

}  // namespace leadscan::providers
