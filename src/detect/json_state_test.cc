#include "detect/json_state.h"

#include <gtest/gtest.h>

#include <string>

namespace leadscan::detect {
namespace {

TEST(JsonStateTest, EveryStringValueBecomesALineWithItsKeyPath) {
  std::string out;
  AppendJsonState(R"({"checkout": {"shippingMethods": [{"name": "PostNord MyPack Home",
                      "price": 49}, {"name": "Budbee"}]}, "empty": "", "ok": true})",
                  4096, &out);
  EXPECT_EQ(out,
            "checkout.shippingMethods.name: PostNord MyPack Home\n"
            "checkout.shippingMethods.name: Budbee\n");
}

TEST(JsonStateTest, CodesAreConfigurationNotNamesShownToBuyers) {
  std::string out;
  AppendJsonState(
      R"({"supportedNetworks": ["visa", "masterCard", "jcb"], "carrier": "postnord_home",
                      "label": "Visa", "url": "https://cdn.example/x.js"})",
      4096, &out);
  EXPECT_EQ(out, "label: Visa\nsupportedNetworks: masterCard\n");
}

TEST(JsonStateTest, MalformedTooDeepOrTooLargeJsonWritesNothing) {
  std::string out;
  AppendJsonState("{\"a\": ", 4096, &out);
  AppendJsonState(std::string(100, '[') + std::string(100, ']'), 4096, &out);
  AppendJsonState("{\"a\": \"" + std::string(kMaxJsonStateScript, 'x') + "\"}", 4096, &out);
  EXPECT_EQ(out, "");
}

TEST(JsonStateTest, TheCapHoldsAndLongOrMultiLineValuesAreSkipped) {
  std::string out;
  AppendJsonState(R"({"a": "One", "b": "Two", "c": "Three"})", 16, &out);
  EXPECT_EQ(out, "a: One\nb: Two\n");
  out.clear();
  AppendJsonState("{\"html\": \"" + std::string(kMaxJsonStateValue + 1, 'x') +
                      "\", \"text\": \"a\\nb\", \"k\": \"V\"}",
                  4096, &out);
  EXPECT_EQ(out, "k: V\n");
}

TEST(JsonStateTest, KnowsTheJsonScriptTypes) {
  for (const char* type : {"application/json", "application/ld+json", " Application/JSON ",
                           "application/json; charset=utf-8", "application/vnd.x+json"})
    EXPECT_TRUE(IsJsonScriptType(type)) << type;
  for (const char* type : {"", "text/javascript", "module", "application/jsonp", "text/x-json5"})
    EXPECT_FALSE(IsJsonScriptType(type)) << type;
}

}  // namespace
}  // namespace leadscan::detect
