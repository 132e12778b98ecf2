// The CRM layout of the lead export (GET /api/leads/export?layout=crm; docs/crm-export.md): one
// row per lead with the company's name, domain and website, one column per finding field with
// the names joined, and the first / last seen dates of the main findings, under headers that
// HubSpot's and Pipedrive's importers match by name. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace leadscan::api {

// The header row, in column order.
const std::vector<std::string>& CrmHeader();

// One lead's cells, in CrmHeader() order. `presence` holds the lead's finding presence rows
// (others are ignored); the finding columns name its present findings, sorted by name and
// joined with "; "; the first / last seen columns are UTC dates (YYYY-MM-DD): the earliest
// first seen and the latest last seen of the field's present findings, empty when none.
std::vector<std::string> CrmRow(const store::Lead& lead,
                                const std::vector<store::FindingPresence>& presence);

}  // namespace leadscan::api
