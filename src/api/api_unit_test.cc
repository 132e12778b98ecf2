#include <gtest/gtest.h>

#include <algorithm>

#include "api/change_handlers.h"
#include "api/crm_export.h"
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

TEST(CrmExportTest, OneRowPerLeadWithJoinedNamesAndFirstAndLastSeenDates) {
  store::Lead lead;
  lead.id = "0b7c5b8e-5d2a-4c59-9c1e-2b4f7b0a1c11";
  lead.company_name = "Trädgårdsboden AB";
  lead.domain = "tradgardsboden.test";
  lead.findings.last_analyzed_at = store::ParseTime("2026-03-02T09:30:00Z");
  auto at = [](const char* t) { return *store::ParseTime(t); };
  auto p = [&](const char* field, const char* name, const char* first, const char* last) {
    store::FindingPresence f;
    f.lead_id = lead.id;
    f.field = field;
    f.name = name;
    f.first_seen = at(first);
    f.last_seen = at(last);
    return f;
  };
  std::vector<store::FindingPresence> presence = {
      p("ecommerce_platform", "WooCommerce", "2026-01-05T10:00:00Z", "2026-03-02T09:30:00Z"),
      p("checkout_solutions", "Walley Checkout", "2026-02-01T23:59:59Z", "2026-03-02T09:30:00Z"),
      p("carriers", "PostNord", "2026-01-05T10:00:00Z", "2026-02-20T00:00:00Z"),
      p("carriers", "DHL", "2026-01-12T10:00:00Z", "2026-03-02T09:30:00Z"),
      p("carriers", "Budbee", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
      p("carriers", "Other lead's", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z")};
  presence[4].removed_at = at("2026-01-03T00:00:00Z");  // gone: neither named nor dated
  presence[5].lead_id = "another";
  const auto& header = CrmHeader();
  auto row = CrmRow(lead, presence);
  ASSERT_EQ(row.size(), header.size());
  auto cell = [&](const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return it == header.end() ? std::string() : row[static_cast<size_t>(it - header.begin())];
  };
  EXPECT_EQ(header[0], "Name");
  EXPECT_EQ(cell("Name"), "Trädgårdsboden AB");
  EXPECT_EQ(cell("Domain"), "tradgardsboden.test");
  EXPECT_EQ(cell("Website"), "https://tradgardsboden.test");
  EXPECT_EQ(cell("E-commerce platform"), "WooCommerce");
  EXPECT_EQ(cell("Carriers"), "DHL; PostNord");
  EXPECT_EQ(cell("Payment methods"), "");
  EXPECT_EQ(cell("Checkout first seen"), "2026-02-01");
  EXPECT_EQ(cell("Carriers first seen"), "2026-01-05");
  EXPECT_EQ(cell("Carriers last seen"), "2026-03-02");
  EXPECT_EQ(cell("E-commerce platform last seen"), "2026-03-02");
  EXPECT_EQ(cell("Last analysed"), "2026-03-02");
  EXPECT_EQ(cell("Leadscan ID"), lead.id);
  // Semicolon files quote the joined names, so the cell reads back whole.
  auto table = ParseCsv(CsvLine(header, ';') + CsvLine(row, ';'));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->delimiter, ';');
  EXPECT_EQ(table->rows[0].fields, row);
  store::Lead bare;
  bare.id = "x";
  bare.company_name = "Utan domän";
  auto empty = CrmRow(bare, presence);
  EXPECT_EQ(empty[2], "");
  EXPECT_EQ(empty[3], "");
}

TEST(ChangeCursorTest, RoundTripsAndRefusesWhatItDidNotMake) {
  store::ChangeCursor c{*store::ParseTime("2026-01-05T10:00:00.123456Z"),
                        "0b7c5b8e-5d2a-4c59-9c1e-2b4f7b0a1c11"};
  std::string text = EncodeChangeCursor(c);
  auto back = DecodeChangeCursor(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->detected_at, c.detected_at);
  EXPECT_EQ(back->id, c.id);
  for (const char* bad : {"", ".", "x.0b7c5b8e-5d2a-4c59-9c1e-2b4f7b0a1c11", "12.not-a-uuid",
                          "-5.0b7c5b8e-5d2a-4c59-9c1e-2b4f7b0a1c11",
                          "99999999999999999999.0b7c5b8e-5d2a-4c59-9c1e-2b4f7b0a1c11",
                          "9000000000000001.0b7c5b8e-5d2a-4c59-9c1e-2b4f7b0a1c11",
                          "12.0b7c5b8e-5d2a-4c59-9c1e-2b4f7b0a1c11.x", "120b7c5b8e"}) {
    EXPECT_FALSE(DecodeChangeCursor(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace leadscan::api
