#include <gtest/gtest.h>

#include "api/csv.h"
#include "api/json_util.h"
#include "api/lead_handlers.h"

namespace leadscan::api {
namespace {

TEST(CsvTest, ReadsSwedishSemicolonFilesWithBomQuotesAndCrLf) {
  std::string text =
      "\xEF\xBB\xBF"
      "Företag;Webbplats;Stad\r\n"
      "\"Kaffe; Bönor AB\";kaffebonan.test;Malmö\r\n"
      "\r\n"
      "\"Rad\nbrytning AB\";\"x.se\";\"Sa \"\"citat\"\"\"\r\n";
  auto table = ParseCsv(text);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->delimiter, ';');
  ASSERT_EQ(table->header.size(), 3u);
  EXPECT_EQ(table->header[0], "Företag");
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[0].fields[0], "Kaffe; Bönor AB");
  EXPECT_EQ(table->rows[0].line, 2);
  EXPECT_EQ(table->rows[1].fields[0], "Rad\nbrytning AB");
  EXPECT_EQ(table->rows[1].fields[2], "Sa \"citat\"");
  EXPECT_EQ(table->rows[1].line, 4);
}

TEST(CsvTest, InvalidUtf8NamesTheRowAndColumn) {
  auto bad = ParseCsv("company_name,domain,notes\nok,ok.se,fine\nfoo,foo.se,\xff\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), "invalid_utf8");
  const std::string& m = bad.status().message();
  EXPECT_NE(m.find("row 2 (line 3)"), std::string::npos) << m;
  EXPECT_NE(m.find("column 3 (notes)"), std::string::npos) << m;
  auto header = ParseCsv("company_name,\xc3\n");
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.status().message().find("header row"), std::string::npos);
  EXPECT_TRUE(ParseCsv("Företag;Domän\nÅhléns;a.se\n").ok());
}

TEST(CsvTest, FormulaCellsBehindTabCrOrBlanksAreDefused) {
  EXPECT_EQ(CsvLine({"\t=cmd|' /C calc'!A0"}), "'\t=cmd|' /C calc'!A0\r\n");
  EXPECT_EQ(CsvLine({"\r=1+1"}), "\"'\r=1+1\"\r\n");
  EXPECT_EQ(CsvLine({"\n=1+1"}), "\"'\n=1+1\"\r\n");
  EXPECT_EQ(CsvLine({"  =1+1"}), "'  =1+1\r\n");
  EXPECT_EQ(CsvLine({"\xEF\xBC\x9D"
                     "1+1"}),
            "'\xEF\xBC\x9D"
            "1+1\r\n");
  EXPECT_EQ(CsvLine({"-5", "@SUM(A1)"}), "'-5,'@SUM(A1)\r\n");
  EXPECT_EQ(CsvLine({"plain text", " spaced", ""}), "plain text, spaced,\r\n");
}

TEST(CsvTest, CommaFilesAndErrors) {
  auto table = ParseCsv("company_name,domain\nAcme AB,acme.se\n");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->delimiter, ',');
  EXPECT_EQ(table->rows.at(0).fields.at(1), "acme.se");
  auto unterminated = ParseCsv("a,b\n\"open,x\n");
  ASSERT_FALSE(unterminated.ok());
  EXPECT_EQ(unterminated.status().error_code(), "invalid_csv");
  EXPECT_NE(unterminated.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseCsv("").ok());
}

TEST(CsvTest, WritesQuotedCellsAndDefusesFormulas) {
  EXPECT_EQ(CsvLine({"a", "b,c", "say \"hi\""}), "a,\"b,c\",\"say \"\"hi\"\"\"\r\n");
  EXPECT_EQ(CsvLine({"=HYPERLINK(\"x\")", "+1", "ok"}), "\"'=HYPERLINK(\"\"x\"\")\",'+1,ok\r\n");
}

// Found by fuzzing (tests/fuzz/csv): a header cell with the other separator was written bare,
// so the file read back with that separator as its delimiter.
TEST(CsvTest, WhatCsvLineWritesReadsBackWithTheSameDelimiterAndCells) {
  const std::vector<std::string> semicolon_header = {"a", "b,c,d", "e"};
  auto semi = ParseCsv(CsvLine(semicolon_header, ';') + CsvLine({"1", "2", "3"}, ';'));
  ASSERT_TRUE(semi.ok()) << semi.status().ToString();
  EXPECT_EQ(semi->delimiter, ';');
  EXPECT_EQ(semi->header, semicolon_header);
  const std::vector<std::string> comma_header = {"x;y;z", "w"};
  auto comma = ParseCsv(CsvLine(comma_header) + CsvLine({"1", "2"}));
  ASSERT_TRUE(comma.ok()) << comma.status().ToString();
  EXPECT_EQ(comma->delimiter, ',');
  EXPECT_EQ(comma->header, comma_header);
  EXPECT_EQ(CsvLine({"Klarna; Swish", "a,b"}, ';'), "\"Klarna; Swish\";\"a,b\"\r\n");
}

// Found by fuzzing (tests/fuzz/csv): the delimiter detector took a quote inside a header cell
// for the start of a quoted field and missed the separators after it.
TEST(CsvTest, AStrayQuoteInTheHeaderDoesNotHideItsSeparators) {
  auto table = ParseCsv("F\xC3\xB6retag 5\" AB;Dom\xC3\xA4n\nA, B;a.se\n");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->delimiter, ';');
  ASSERT_EQ(table->header.size(), 2u);
  EXPECT_EQ(table->header[0], "F\xC3\xB6retag 5\" AB");
  EXPECT_EQ(table->rows.at(0).fields.at(0), "A, B");
}

TEST(JsonUtilTest, CheckObjectNamesUnknownFields) {
  auto st = CheckObject(Json::parse(R"({"job_name": "x", "jobname": 1})"), {"job_name"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), "unknown_field");
  EXPECT_EQ(st.field(), "jobname");
  EXPECT_FALSE(CheckObject(Json::array(), {"a"}).ok());
  EXPECT_TRUE(CheckObject(Json::parse(R"({"a": 1})"), {"a", "b"}).ok());
  auto wrong = RequiredString(Json::parse(R"({"a": 5})"), "a");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().error_code(), "invalid_type");
  auto missing = RequiredString(Json::parse(R"({"a": ""})"), "a");
  EXPECT_EQ(missing.status().error_code(), "missing_field");
}

TEST(JsonUtilTest, IsoTimeIsSecondsWithZ) {
  common::TimePoint t =
      common::TimePoint{} + std::chrono::seconds(1766095200) + std::chrono::milliseconds(789);
  EXPECT_EQ(IsoTime(t), "2025-12-18T22:00:00Z");
}

TEST(LeadHandlersTest, DiffShowsASwitchOfCheckout) {
  Json older = Json::parse(R"({"checkout_solutions": [{"name": "Klarna Checkout"}],
                               "carriers": [{"name": "PostNord"}],
                               "ecommerce_platform": {"name": "WooCommerce"}})");
  Json newer = Json::parse(R"({"checkout_solutions": [{"name": "Walley"}],
                               "carriers": [{"name": "PostNord"}],
                               "ecommerce_platform": {"name": "WooCommerce"}})");
  Json diff = DiffFindings(older, newer);
  ASSERT_TRUE(diff.contains("checkout_solutions"));
  EXPECT_EQ(diff["checkout_solutions"]["added"], Json::array({"Walley"}));
  EXPECT_EQ(diff["checkout_solutions"]["removed"], Json::array({"Klarna Checkout"}));
  EXPECT_FALSE(diff.contains("carriers"));
  EXPECT_FALSE(diff.contains("ecommerce_platform"));
}

}  // namespace
}  // namespace leadscan::api
