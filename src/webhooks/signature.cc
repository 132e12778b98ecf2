#include "webhooks/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

namespace leadscan::webhooks {

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // HMAC() takes a non-null key pointer even for an empty key.
  static const unsigned char kEmpty = 0;
  const void* key_data = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0x0f]);
  }
  return out;
}

std::string SignatureHeaderValue(std::string_view secret, std::string_view body) {
  return std::string(kSignaturePrefix) + HmacSha256Hex(secret, body);
}

bool VerifySignature(std::string_view secret, std::string_view body,
                     std::string_view header_value) {
  if (!header_value.starts_with(kSignaturePrefix))
    return false;
  std::string given(header_value.substr(kSignaturePrefix.size()));
  for (char& c : given)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string want = HmacSha256Hex(secret, body);
  if (given.size() != want.size())
    return false;
  return CRYPTO_memcmp(given.data(), want.data(), want.size()) == 0;
}

}  // namespace leadscan::webhooks
