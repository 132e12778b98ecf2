// Lead CSV files on the command line: which header names mean company name and domain (the
// same names the API's import accepts, Swedish and English), and the cells of a parsed row.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/csv.h"

namespace leadscan::cli {

// The columns of a lead CSV: -1 when absent.
struct LeadColumns {
  int company_name = -1;
  int domain = -1;
  int country = -1;  // a column named "country" (as the import keeps it in a lead's extra)
};

LeadColumns FindLeadColumns(const api::CsvTable& table);

// A row's cell, trimmed of spaces and tabs; empty when the row is shorter.
std::string Cell(const api::CsvRow& row, int column);

}  // namespace leadscan::cli
