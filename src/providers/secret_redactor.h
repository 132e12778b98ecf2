// SecretRedactor: removes API keys from text before it leaves a provider (error messages,
// logs). Knows each secret as given and in its URL-encoded forms (Google's key travels in the
// query string). Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leadscan::providers {

inline constexpr char kRedacted[] = "[redacted]";

class SecretRedactor {
 public:
  // Empty secrets are ignored.
  explicit SecretRedactor(std::vector<std::string> secrets = {});

  // `text` with every occurrence of a secret (raw, percent-encoded, form-encoded) replaced by
  // "[redacted]".
  std::string Redact(std::string_view text) const;

 private:
  std::vector<std::string> needles_;  // longest first, so a secret's encoded form goes whole
};

}  // namespace leadscan::providers
