#include "api/store_authenticator.h"

#include "http/api_token.h"

namespace leadscan::api {

common::Result<http::Principal> StoreAuthenticator::Authenticate(std::string_view token) {
  using common::Status;
  using common::StatusCode;
  if (!http::LooksLikeApiToken(token)) {
    return Status::Error(StatusCode::kUnauthenticated, "invalid_token", "malformed API token");
  }
  const std::string hash = http::HashApiToken(token);
  auto found = store_.FindTokenByHash(hash);
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) {
      return Status::Error(StatusCode::kUnauthenticated, "invalid_token",
                           "unknown or revoked API token");
    }
    return Status::Error(StatusCode::kUnavailable, "auth_unavailable",
                         "cannot check the token: " + found.status().message(), true);
  }
  std::optional<common::OrgId> org = common::OrgId::Parse(found->org_id);
  if (!org) {
    return Status::Error(StatusCode::kUnauthenticated, "invalid_token",
                         "the API token belongs to no organisation");
  }
  http::Principal p{*org, http::Role::kMember, {}, {}};
  p.role = found->role == store::Role::kAdmin ? http::Role::kAdmin : http::Role::kMember;
  p.subject = found->id;
  p.token_key = hash;
  return p;
}

}  // namespace leadscan::api
