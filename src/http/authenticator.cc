#include "http/authenticator.h"

#include <algorithm>

namespace leadscan::http {

common::Result<Principal> BearerAuthenticator::Authenticate(std::string_view token) {
  bool jwt_shaped = std::count(token.begin(), token.end(), '.') == 2;
  Authenticator* target = jwt_shaped ? jwt_ : api_tokens_;
  if (target == nullptr) {
    return common::Status::Error(
        common::StatusCode::kUnauthenticated, "invalid_token",
        jwt_shaped ? "JWTs are not accepted (no JWT secret configured)" : "unknown token");
  }
  return target->Authenticate(token);
}

}  // namespace leadscan::http
