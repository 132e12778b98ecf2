#include "http/api_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "http/jwt_authenticator.h"

namespace leadscan::http {
namespace {

constexpr size_t kTokenRandomBytes = 32;
constexpr size_t kTokenEncodedChars = 43;  // base64url of 32 bytes, unpadded

}  // namespace

std::string NewApiToken() {
  unsigned char bytes[kTokenRandomBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // The OS CSPRNG failing is not an expected condition; never hand out a weak token.
    throw std::runtime_error("RAND_bytes failed");
  }
  std::string token(kApiTokenPrefix);
  token += Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  OPENSSL_cleanse(bytes, sizeof bytes);
  return token;
}

bool LooksLikeApiToken(std::string_view token) {
  if (token.substr(0, kApiTokenPrefix.size()) != kApiTokenPrefix)
    return false;
  std::string_view rest = token.substr(kApiTokenPrefix.size());
  if (rest.size() != kTokenEncodedChars)
    return false;
  for (char c : rest) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok)
      return false;
  }
  return true;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string HashApiToken(std::string_view token) {
  return Sha256Hex(token);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  if (a.empty())
    return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace leadscan::http
