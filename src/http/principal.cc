#include "http/principal.h"

namespace leadscan::http {

const char* RoleName(Role role) {
  return role == Role::kAdmin ? "admin" : "member";
}

}  // namespace leadscan::http
