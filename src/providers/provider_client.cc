#include "providers/provider_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/json_parse.h"
#include "fetch/charset.h"
#include "providers/provider_errors.h"

namespace leadscan::providers {

using common::Result;
using common::Status;

namespace {

// The provider's own explanation of an error answer is quoted up to this many bytes.
constexpr size_t kMaxDetailChars = 300;

std::string HeaderValue(const fetch::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name)
      return v;
  }
  return "";
}

bool ValidBaseUrl(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  const size_t host_end = rest.find_first_of("/?#");
  if (rest.substr(0, host_end).empty())
    return false;
  return std::none_of(url.begin(), url.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

}  // namespace

fetch::FetchOptions ProviderFetchOptions(const fetch::FetchOptions& page_options,
                                         const std::vector<std::string>& provider_allow_net) {
  fetch::FetchOptions o;
  o.allow_net = page_options.allow_net;
  o.allow_net.insert(o.allow_net.end(), provider_allow_net.begin(), provider_allow_net.end());
  o.resolve = page_options.resolve;
  o.connect_to = page_options.connect_to;
  o.ca_file = page_options.ca_file;
  o.user_agent = page_options.user_agent;
  o.connect_timeout = page_options.connect_timeout;
  o.http2 = page_options.http2;
  o.max_concurrent = kProviderMaxConcurrent;
  o.max_per_host = kProviderMaxConcurrent;  // the limiter paces a provider, not the fetcher
  o.politeness_delay = std::chrono::milliseconds(0);
  o.low_speed_bytes_per_sec = 0;
  o.max_redirects = 0;
  o.ignore_robots = true;
  o.max_body_bytes = kDefaultMaxResponseBytes;
  return o;
}

Result<std::unique_ptr<ProviderClient>> ProviderClient::Create(ProviderConfig config,
                                                               fetch::Fetcher& fetcher,
                                                               common::Clock& clock,
                                                               common::Metrics* metrics) {
  SecretRedactor redactor(config.secrets);
  while (!config.base_url.empty() && config.base_url.back() == '/')
    config.base_url.pop_back();
  if (!ValidBaseUrl(config.base_url)) {
    return Status::InvalidArgument("invalid_provider_url",
                                   config.name + ": base URL \"" +
                                       fetch::ToValidUtf8(redactor.Redact(config.base_url)) +
                                       "\" is not an absolute http(s) URL");
  }
  if (config.limits.per_second < 0 || config.limits.daily_quota < 0 ||
      config.max_response_bytes <= 0) {
    return Status::InvalidArgument("invalid_provider_limits",
                                   config.name + ": limits must not be negative");
  }
  return std::unique_ptr<ProviderClient>(
      new ProviderClient(std::move(config), fetcher, clock, metrics));
}

ProviderClient::ProviderClient(ProviderConfig config, fetch::Fetcher& fetcher, common::Clock& clock,
                               common::Metrics* metrics)
    : config_(std::move(config)),
      fetcher_(fetcher),
      clock_(clock),
      metrics_(metrics),
      redactor_(config_.secrets),
      limiter_(config_.name, config_.limits, clock, metrics) {
  if (metrics_ != nullptr) {
    metrics_->DefineCounter(kProviderCallsCounter,
                            "Provider API calls by provider and outcome (ok or the error code)");
  }
}

Result<ProviderResponse> ProviderClient::Call(const ProviderRequest& request) {
  Result<ProviderResponse> result = CallOnce(request);
  const std::string outcome = result.ok() ? "ok" : result.status().error_code();
  if (metrics_ != nullptr)
    metrics_->Increment(kProviderCallsCounter, {{"provider", config_.name}, {"outcome", outcome}});
  if (result.ok()) {
    spdlog::debug("provider {}: {} {} -> HTTP {} in {:.0f} ms", config_.name, request.method,
                  fetch::ToValidUtf8(Redact(request.path)), result->status, result->ms);
    return result;
  }
  const Status& s = result.status();
  // The one exit of every failure: no secret and no invalid UTF-8 gets past it.
  Status clean = Status::Error(s.code(), s.error_code(), fetch::ToValidUtf8(Redact(s.message())),
                               s.retryable());
  spdlog::debug("provider {}: {} {} -> {}", config_.name, request.method,
                fetch::ToValidUtf8(Redact(request.path)), clean.ToString());
  return clean;
}

Result<ProviderResponse> ProviderClient::CallOnce(const ProviderRequest& request) {
  if (request.cancel && request.cancel->load())
    return Status::Cancelled(config_.name + ": cancelled");
  if (clock_.Now() >= request.deadline) {
    return ProviderError(kProviderUnavailable,
                         config_.name + ": the time budget was spent before the call", true);
  }
  LEADSCAN_RETURN_IF_ERROR(limiter_.Acquire(request.deadline, request.cancel));
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(request.deadline - clock_.Now());
  if (left.count() <= 0) {
    return ProviderError(kProviderUnavailable,
                         config_.name + ": the time budget was spent waiting for the rate limit",
                         true);
  }

  fetch::FetchRequest fr;
  fr.url = config_.base_url + request.path;
  fr.method = request.method;
  fr.headers = request.headers;
  fr.headers.emplace_back("accept", "application/json");
  if (request.body) {
    fr.headers.emplace_back("content-type", "application/json");
    fr.body = request.body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  fr.timeout = left;
  fr.max_body_bytes = config_.max_response_bytes;
  fr.check_robots = false;
  fr.follow_redirects = false;
  fr.any_status = true;
  fr.kind = fetch::FetchKind::kRaw;
  fr.cancel = request.cancel;
  fr.reason = config_.name;
  fetch::FetchResult answer = fetcher_.Fetch(std::move(fr));
  if (!answer.ok())
    return ProviderTransportError(config_.name, answer.status());

  if (auto failed = ProviderHttpError(config_.name, answer->status,
                                      Redact(ErrorDetail(answer->body, kMaxDetailChars)),
                                      HeaderValue(answer->headers, "retry-after"), clock_.Now())) {
    return *failed;
  }
  // JSON is UTF-8 (RFC 8259); a stray invalid byte becomes U+FFFD rather than failing the call.
  auto parsed = common::ParseJson(fetch::ToValidUtf8(answer->body), config_.name + " answer");
  if (!parsed.ok()) {
    return ProviderError(kProviderBadResponse,
                         config_.name + ": HTTP " + std::to_string(answer->status) +
                             " with a body that is not JSON: " + parsed.status().message());
  }
  ProviderResponse out;
  out.status = answer->status;
  out.body = std::move(parsed).value();
  out.ms = answer->ms;
  return out;
}

}  // namespace leadscan::providers
