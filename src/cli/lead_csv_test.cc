#include "cli/lead_csv.h"

#include <gtest/gtest.h>

namespace leadscan::cli {
namespace {

TEST(LeadCsvTest, TheCsvTheCommandLineWritesGuardsEveryFormulaStart) {
  EXPECT_EQ(api::CsvLine({"=1+1", "+1", "-1", "@SUM(A1)"}), "'=1+1,'+1,'-1,'@SUM(A1)\r\n");
  EXPECT_EQ(api::CsvLine({"\t=1", "ok"}), "'\t=1,ok\r\n");
  EXPECT_EQ(api::CsvLine({"\r=1"}), "\"'\r=1\"\r\n");
  // Either separator is quoted, so the file reads back with the delimiter it was written with.
  EXPECT_EQ(api::CsvLine({"Kaffe AB", "a; b", "x,y"}), "Kaffe AB,\"a; b\",\"x,y\"\r\n");
}

TEST(LeadCsvTest, FindsTheImportsHeaderNames) {
  auto table = api::ParseCsv("\xEF\xBB\xBFOrt;Företag;Webbplats\nUmeå;Kaffe AB; kaffe.test \n");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->delimiter, ';');
  LeadColumns cols = FindLeadColumns(*table);
  EXPECT_EQ(cols.company_name, 1);
  EXPECT_EQ(cols.domain, 2);
  EXPECT_EQ(Cell(table->rows[0], cols.domain), "kaffe.test");
  EXPECT_EQ(Cell(table->rows[0], 7), "");
  EXPECT_EQ(api::LeadColumnRole("WEBSITE"), "domain");
  EXPECT_EQ(api::LeadColumnRole("city"), "");
}

}  // namespace
}  // namespace leadscan::cli
