#include "http/jwt_authenticator.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/json_parse.h"
#include "http/api_token.h"

namespace leadscan::http {
namespace {

constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

common::Status Unauthenticated(std::string code, std::string message) {
  return common::Status::Error(common::StatusCode::kUnauthenticated, std::move(code),
                               std::move(message));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

// Follows "a.b.c" through nested objects; null when any step is missing.
const nlohmann::json* ClaimAt(const nlohmann::json& claims, std::string_view path) {
  const nlohmann::json* node = &claims;
  while (true) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (!node->is_object())
      return nullptr;
    auto it = node->find(key);
    if (it == node->end())
      return nullptr;
    node = &*it;
    if (dot == std::string_view::npos)
      return node;
    path.remove_prefix(dot + 1);
  }
}

std::string ClaimText(const nlohmann::json* value) {
  if (value == nullptr)
    return "";
  if (value->is_string())
    return value->get<std::string>();
  if (value->is_number_integer())
    return std::to_string(value->get<int64_t>());
  return "";
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kB64Url[(v >> 18) & 63];
    out += kB64Url[(v >> 12) & 63];
    out += kB64Url[(v >> 6) & 63];
    out += kB64Url[v & 63];
  }
  if (bytes.size() - i == 1) {
    uint32_t v = at(i) << 16;
    out += kB64Url[(v >> 18) & 63];
    out += kB64Url[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
    out += kB64Url[(v >> 18) & 63];
    out += kB64Url[(v >> 12) & 63];
    out += kB64Url[(v >> 6) & 63];
  }
  return out;
}

bool Base64UrlDecode(std::string_view text, std::string* out) {
  out->clear();
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  if (text.size() % 4 == 1)
    return false;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      return false;
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return true;
}

std::string SignJwtHs256(std::string_view payload_json, std::string_view secret) {
  std::string signing_input =
      Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64UrlEncode(payload_json);
  return signing_input + "." + Base64UrlEncode(HmacSha256(secret, signing_input));
}

JwtAuthenticator::JwtAuthenticator(JwtOptions options, common::Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

common::Result<Principal> JwtAuthenticator::Authenticate(std::string_view token) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Unauthenticated("malformed_token", "a JWT has three dot-separated parts");
  }
  std::string header_text, payload_text, signature;
  if (!Base64UrlDecode(token.substr(0, first), &header_text) ||
      !Base64UrlDecode(token.substr(first + 1, second - first - 1), &payload_text) ||
      !Base64UrlDecode(token.substr(second + 1), &signature)) {
    return Unauthenticated("malformed_token", "JWT parts are not base64url");
  }
  auto header_json = common::ParseJson(header_text, "JWT header");
  auto claims_json = common::ParseJson(payload_text, "JWT payload");
  if (!header_json.ok() || !claims_json.ok() || !header_json->is_object() ||
      !claims_json->is_object()) {
    return Unauthenticated("malformed_token", "JWT header or payload is not a JSON object");
  }
  const nlohmann::json& header = *header_json;
  const nlohmann::json& claims = *claims_json;
  // Only HS256: "none" and asymmetric algorithms would let a forger choose how we verify.
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get<std::string>() != "HS256") {
    return Unauthenticated("unsupported_alg", "only HS256 JWTs are accepted");
  }
  if (options_.secret.empty()) {
    return Unauthenticated("invalid_token", "no JWT secret configured");
  }
  std::string expected = HmacSha256(options_.secret, token.substr(0, second));
  if (!ConstantTimeEquals(expected, signature)) {
    return Unauthenticated("bad_signature", "JWT signature does not verify");
  }

  double now = std::chrono::duration<double>(clock_.Now().time_since_epoch()).count();
  double leeway = static_cast<double>(options_.leeway.count());
  auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number()) {
    return Unauthenticated("malformed_token", "JWT has no numeric exp claim");
  }
  if (now >= exp->get<double>() + leeway) {
    return Unauthenticated("token_expired", "JWT has expired");
  }
  auto nbf = claims.find("nbf");
  if (nbf != claims.end()) {
    if (!nbf->is_number())
      return Unauthenticated("malformed_token", "JWT nbf is not a number");
    if (now + leeway < nbf->get<double>()) {
      return Unauthenticated("token_not_yet_valid", "JWT is not valid yet");
    }
  }
  if (!options_.audience.empty()) {
    auto aud = claims.find("aud");
    bool ok = false;
    if (aud != claims.end() && aud->is_string())
      ok = aud->get<std::string>() == options_.audience;
    if (aud != claims.end() && aud->is_array()) {
      for (const auto& a : *aud)
        ok = ok || (a.is_string() && a.get<std::string>() == options_.audience);
    }
    if (!ok)
      return Unauthenticated("wrong_audience", "JWT audience is not accepted");
  }

  std::optional<common::OrgId> org =
      common::OrgId::Parse(ClaimText(ClaimAt(claims, options_.org_claim)));
  if (!org) {
    return Unauthenticated("missing_org_claim",
                           "JWT has no organisation claim '" + options_.org_claim + "'");
  }
  Principal principal{*org, Role::kMember, {}, {}};
  principal.role =
      ClaimText(ClaimAt(claims, options_.role_claim)) == "admin" ? Role::kAdmin : Role::kMember;
  principal.subject = ClaimText(ClaimAt(claims, "sub"));
  principal.token_key =
      "jwt:" + (principal.subject.empty() ? HashApiToken(token) : principal.subject);
  return principal;
}

}  // namespace leadscan::http
