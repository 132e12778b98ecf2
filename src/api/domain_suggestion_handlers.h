// The leads' found domains (issue 12): the `domain_suggestion` object the lead routes carry,
// and POST /api/leads/:id/domain-suggestion, where a user accepts the found domain or corrects
// it (the lead's domain is set in the same transaction). Thread-safe (state lives in the
// Store).
#pragma once

#include "api/json_util.h"
#include "api/services.h"
#include "common/org_id.h"
#include "http/router.h"
#include "store/store.h"

namespace leadscan::api {

void RegisterDomainSuggestionRoutes(http::Router& router, Services& services);

// {"domain", "confidence", "source", "provider", "status", "decided_domain", "decided_at",
// "min_confidence", "candidates": [{url, domain, title, score, why, skipped, home_page,
// chosen}], "created_at", "updated_at"}.
Json DomainSuggestionJson(const store::DomainSuggestion& suggestion);

// Sets "domain_suggestion" (the object above, or null) on each lead object of `leads` (an array
// of LeadJson objects of organisation `org`). One store read for the whole page.
common::Status AddDomainSuggestions(Services& services, const common::OrgId& org, Json* leads);

}  // namespace leadscan::api
