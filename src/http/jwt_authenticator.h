// JwtAuthenticator: verifies HS256 JSON Web Tokens as Supabase issues them (the shared JWT
// secret, LEADSCAN_JWT_SECRET) and maps their claims to a Principal. Only alg "HS256" is
// accepted ("none", RS256 and the rest are refused); exp is required, nbf honoured, both
// against the given Clock. Immutable after construction; thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "common/clock.h"
#include "http/authenticator.h"

namespace leadscan::http {

struct JwtOptions {
  std::string secret;  // HMAC key, used as raw bytes (as Supabase does)
  // Claim naming the organisation; a dotted path reaches into objects
  // ("app_metadata.org_id"). Tokens without it are refused (`missing_org_claim`).
  std::string org_claim = "app_metadata.org_id";
  // Claim holding "admin" (-> Role::kAdmin); anything else or absent -> Role::kMember.
  std::string role_claim = "app_metadata.role";
  // When non-empty, `aud` must equal it (or contain it, if an array). Supabase: "authenticated".
  std::string audience;
  std::chrono::seconds leeway{0};  // allowed clock skew for exp / nbf
};

class JwtAuthenticator final : public Authenticator {
 public:
  // `clock` must outlive this object.
  JwtAuthenticator(JwtOptions options, common::Clock& clock);

  // kUnauthenticated with codes: malformed_token, unsupported_alg, bad_signature,
  // token_expired, token_not_yet_valid, wrong_audience, missing_org_claim.
  common::Result<Principal> Authenticate(std::string_view token) override;

 private:
  JwtOptions options_;
  common::Clock& clock_;
};

// Builds an HS256 JWT over `payload_json` (a JSON object's text) with `secret`. For tests and
// tools; the server never issues JWTs.
std::string SignJwtHs256(std::string_view payload_json, std::string_view secret);

// base64url without padding, both ways; Decode fails (nullopt) on invalid characters.
std::string Base64UrlEncode(std::string_view bytes);

bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace leadscan::http
