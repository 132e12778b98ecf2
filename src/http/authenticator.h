// Authenticator: the seam that turns a bearer token into a Principal. The api layer implements
// it over the Store (api_tokens hold only SHA-256 hashes, see api_token.h); JwtAuthenticator
// verifies Supabase-style HS256 JWTs; BearerAuthenticator sends each token to the right one.
// Implementations must be thread-safe: the server calls them from many handler threads.
#pragma once

#include <string_view>

#include "common/result.h"
#include "http/principal.h"

namespace leadscan::http {

class Authenticator {
 public:
  virtual ~Authenticator() = default;

  // The caller behind `token` (the text after "Bearer "). May block (database lookup).
  // Fails with kUnauthenticated (`invalid_token`, `token_expired`, ...) for a bad credential;
  // other codes (kUnavailable) mean the check itself could not run (answered 503).
  virtual common::Result<Principal> Authenticate(std::string_view token) = 0;
};

// Tries `jwt` for tokens shaped like a JWT (three dot-separated parts) when it is not null,
// else `api_tokens`. Either pointer may be null (that kind of token is then refused).
// Does not own them.
class BearerAuthenticator final : public Authenticator {
 public:
  BearerAuthenticator(Authenticator* api_tokens, Authenticator* jwt)
      : api_tokens_(api_tokens), jwt_(jwt) {}

  common::Result<Principal> Authenticate(std::string_view token) override;

 private:
  Authenticator* api_tokens_;
  Authenticator* jwt_;
};

}  // namespace leadscan::http
