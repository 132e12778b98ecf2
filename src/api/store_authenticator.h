// StoreAuthenticator: API tokens checked against the Store's hashed api_tokens. Thread-safe
// (the Store is).
#pragma once

#include "http/authenticator.h"
#include "store/store.h"

namespace leadscan::api {

class StoreAuthenticator final : public http::Authenticator {
 public:
  explicit StoreAuthenticator(store::Store& store) : store_(store) {}

  // invalid_token (401) for unknown, revoked or malformed tokens; unavailable (503) when the
  // store cannot answer.
  common::Result<http::Principal> Authenticate(std::string_view token) override;

 private:
  store::Store& store_;
};

}  // namespace leadscan::api
