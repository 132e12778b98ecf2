// Principal: who is calling, as established by an Authenticator. Value type. It always names
// an organisation (OrgId cannot be empty), so there is no default-constructed Principal.
#pragma once

#include <string>

#include "common/org_id.h"

namespace leadscan::http {

enum class Role { kMember, kAdmin };

struct Principal {
  common::OrgId org_id;  // every object the caller touches must belong to this organisation
  Role role = Role::kMember;
  std::string subject;    // token id or JWT `sub`; for logs and `created_by`
  std::string token_key;  // stable per credential (hash of the bearer token); rate-limit key
};

// "admin" / "member".
const char* RoleName(Role role);

}  // namespace leadscan::http
