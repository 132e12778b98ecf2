#include "providers/provider_errors.h"

#include "common/json_parse.h"
#include "fetch/charset.h"
#include "fetch/errors.h"

namespace leadscan::providers {

using common::Status;
using common::StatusCode;

Status ProviderError(std::string_view code, std::string message, bool retryable) {
  if (code == kProviderAuth)
    return Status::Error(StatusCode::kUnavailable, std::string(code), std::move(message), false);
  if (code == kProviderQuota) {
    return Status::Error(StatusCode::kResourceExhausted, std::string(code), std::move(message),
                         false);
  }
  if (code == kProviderRateLimited) {
    return Status::Error(StatusCode::kResourceExhausted, std::string(code), std::move(message),
                         true);
  }
  if (code == kProviderUnavailable) {
    return Status::Error(StatusCode::kUnavailable, std::string(code), std::move(message),
                         retryable);
  }
  return Status::Error(StatusCode::kUnavailable, std::string(code), std::move(message), false);
}

std::optional<Status> ProviderHttpError(std::string_view provider, int status,
                                        std::string_view detail, std::string_view retry_after,
                                        std::chrono::system_clock::time_point now) {
  if (status >= 200 && status < 300)
    return std::nullopt;
  std::string message = std::string(provider) + ": HTTP " + std::to_string(status);
  if (!detail.empty())
    message += ": " + std::string(detail);
  auto with_retry_after = [&](std::string m) {
    // The same tag fetch::RetryAfter reads, so the batch runner's backoff honours it.
    if (auto secs = fetch::ParseRetryAfter(retry_after, now))
      m += " (retry-after=" + std::to_string(secs->count()) + "s)";
    return m;
  };
  if (status == 401 || status == 403)
    return ProviderError(kProviderAuth, std::move(message));
  if (status == 402)
    return ProviderError(kProviderQuota, std::move(message));
  if (status == 429)
    return ProviderError(kProviderRateLimited, with_retry_after(std::move(message)));
  if (status == 408 || status >= 500)
    return ProviderError(kProviderUnavailable, with_retry_after(std::move(message)), true);
  if (status >= 400)
    return ProviderError(kProviderRejected, std::move(message));
  return ProviderError(kProviderBadResponse, std::move(message) + " (not an API answer)");
}

Status ProviderTransportError(std::string_view provider, const Status& fetch_failure) {
  const std::string& code = fetch_failure.error_code();
  std::string message = std::string(provider) + ": " + fetch_failure.ToString();
  if (code == fetch::kCancelled)
    return Status::Cancelled(std::move(message));
  if (code == fetch::kBodyTooLarge || code == fetch::kBadContentEncoding ||
      code == fetch::kInvalidResponse || code == fetch::kHeadersTooLarge) {
    return ProviderError(kProviderBadResponse, std::move(message));
  }
  // Configuration problems a retry cannot fix.
  const bool permanent = code == fetch::kBlockedAddress || code == fetch::kBlockedProtocol ||
                         code == fetch::kInvalidUrl || code == fetch::kDnsNotFound ||
                         code == fetch::kTlsError;
  if (code == fetch::kBlockedAddress)
    message += " (a provider on a private address needs --provider-allow-net)";
  return ProviderError(kProviderUnavailable, std::move(message), !permanent);
}

namespace {

const nlohmann::json* DetailField(const nlohmann::json& j, int depth) {
  if (!j.is_object() || depth > 2)
    return nullptr;
  for (const char* key : {"error", "message", "detail", "details"}) {
    auto it = j.find(key);
    if (it == j.end())
      continue;
    if (it->is_string())
      return &*it;
    if (const nlohmann::json* inner = DetailField(*it, depth + 1))
      return inner;
  }
  return nullptr;
}

}  // namespace

std::string ErrorDetail(std::string_view body, size_t max_chars) {
  std::string out;
  auto parsed = common::ParseJson(fetch::ToValidUtf8(body.substr(0, 64 * 1024)), "error body");
  if (parsed.ok()) {
    if (const nlohmann::json* d = DetailField(*parsed, 0))
      out = d->get<std::string>();
  }
  // Valid first, then cut: repairing after the cut would grow each stray byte to three (U+FFFD)
  // and pass the bound.
  if (out.empty())
    out = fetch::ToValidUtf8(body.substr(0, max_chars));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
  }
  if (out.size() > max_chars) {
    size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
      --cut;  // not inside a character
    out.resize(cut);
    out += "...";
  }
  return out;
}

}  // namespace leadscan::providers
