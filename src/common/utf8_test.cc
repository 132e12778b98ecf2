#include "common/utf8.h"

#include <gtest/gtest.h>

namespace leadscan::common {
namespace {

TEST(Utf8Test, WellFormedTextIsValid) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("Företag Åhléns €  \xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8Test, ReportsTheOffsetOfTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("abc\xff"), 3u);
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);               // lone continuation byte
  EXPECT_EQ(FindInvalidUtf8("ok\xC3"), 2u);             // truncated
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);           // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);       // overlong
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);       // surrogate U+D800
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);   // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("a\xC3\xA5\xE2\x82"), 3u);  // "å" then a truncated euro sign
}

}  // namespace
}  // namespace leadscan::common
