// Lead CSV files on the command line: which header names mean company name and domain (the
// same names the API's import accepts, Swedish and English), and the cells of a parsed row.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/csv.h"

namespace leadscan::cli {

// "company_name", "domain", "id" or "" for a header name (case-insensitive; company, name,
// företag, namn... / domain, website, url, domän, webbplats, hemsida...). Mirrors the import
// in src/api/lead_handlers.cc.
std::string LeadColumnRole(std::string header);

// The columns of a lead CSV: -1 when absent.
struct LeadColumns {
  int company_name = -1;
  int domain = -1;
};

LeadColumns FindLeadColumns(const api::CsvTable& table);

// A row's cell, trimmed of spaces and tabs; empty when the row is shorter.
std::string Cell(const api::CsvRow& row, int column);

// api::CsvLine with formula protection for a leading TAB or CR as well (CsvLine covers
// = + - @): a cell a spreadsheet could run as a formula starts with an apostrophe.
std::string SafeCsvLine(const std::vector<std::string>& fields);

}  // namespace leadscan::cli
