#include "common/json_parse.h"

#include <gtest/gtest.h>

#include <string>

#include "common/utf8.h"

namespace leadscan::common {
namespace {

std::string Nested(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i)
    text += "{\"extra\":";
  text += "1";
  for (int i = 0; i < depth; ++i)
    text += "}";
  return text;
}

TEST(JsonParseTest, DepthAtTheLimitParses) {
  auto parsed = ParseJson(Nested(kMaxJsonDepth));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
}

TEST(JsonParseTest, HundredThousandLevelsAreRefusedWithoutCrashing) {
  auto parsed = ParseJson(Nested(100000), "request body");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().error_code(), "json_too_deep");
  EXPECT_NE(parsed.status().message().find("request body nests deeper than 64"), std::string::npos);
  auto arrays =
      ParseJson(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'));
  EXPECT_EQ(arrays.status().error_code(), "json_too_deep");
}

TEST(JsonParseTest, BracketsInsideStringsDoNotCount) {
  std::string text = "{\"a\":\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}";
  auto parsed = ParseJson(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)["a"].get<std::string>().size(), 2001u);
}

TEST(JsonParseTest, ClosersFirstDoNotHideADeepRun) {
  std::string text = std::string(100, ']') + Nested(kMaxJsonDepth + 1);
  EXPECT_EQ(CheckJsonDepth(text).error_code(), "json_too_deep");
}

TEST(JsonParseTest, InvalidUtf8AndSyntaxAreInvalidJsonWithTheByte) {
  auto bad_utf8 = ParseJson("{\"a\":\"\xff\"}", "request body");
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_EQ(bad_utf8.status().error_code(), "invalid_json");
  EXPECT_NE(bad_utf8.status().message().find("UTF-8"), std::string::npos)
      << bad_utf8.status().message();
  EXPECT_NE(bad_utf8.status().message().find("at byte"), std::string::npos);
  EXPECT_EQ(ParseJson("").status().error_code(), "invalid_json");
  EXPECT_EQ(ParseJson("{").status().error_code(), "invalid_json");
}

// Found by fuzzing (tests/fuzz/json): the parser's reason quotes the bytes it read, so invalid
// UTF-8 before the JSON reached the message raw.
TEST(JsonParseTest, ErrorMessageIsUtf8WhenTheTextIsNot) {
  auto bad = ParseJson("\xff\xfe\xc0\xaf{}", "request body");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().error_code(), "invalid_json");
  EXPECT_TRUE(IsValidUtf8(bad.status().message())) << bad.status().message();
  EXPECT_NE(bad.status().message().find("\\xFF"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("at byte"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace leadscan::common
