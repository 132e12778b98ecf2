// Webhook signatures: X-Leadscan-Signature is "sha256=" + the lower-case hex HMAC-SHA256 of the
// raw request body keyed with the webhook's secret (docs/webhooks.md). Pure functions on
// OpenSSL; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace leadscan::webhooks {

inline constexpr std::string_view kSignaturePrefix = "sha256=";

// Lower-case hex HMAC-SHA256 of `message` under `key` (64 characters).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// The X-Leadscan-Signature value for `body` signed with `secret`: "sha256=<hex>".
std::string SignatureHeaderValue(std::string_view secret, std::string_view body);

// True when `header_value` is the signature of `body` under `secret` (compared in constant
// time; hex digits of either case). What a receiver does, for tests and examples.
bool VerifySignature(std::string_view secret, std::string_view body, std::string_view header_value);

}  // namespace leadscan::webhooks
