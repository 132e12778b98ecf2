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

TEST(Utf8Test, FindsTheBadByteWhereverItSitsInLongAsciiRuns) {
  // The ASCII fast path reads 32, then eight bytes at a time: every offset within and across
  // blocks and words.
  for (size_t at = 0; at < 100; ++at) {
    std::string text(100, 'a');
    text[at] = '\xff';
    EXPECT_EQ(FindInvalidUtf8(text), at) << at;
    text[at] = 'a';
    text.insert(at, "\xC3\xA5");  // å: valid wherever it sits
    EXPECT_EQ(FindInvalidUtf8(text), std::nullopt) << at;
  }
}

TEST(Utf8Test, RepairReplacesEachMaximalInvalidSubpart) {
  EXPECT_EQ(ToValidUtf8("ok"), "ok");
  EXPECT_EQ(ToValidUtf8("a\xff"
                        "b"),
            "a\xEF\xBF\xBD"
            "b");
  // A truncated three-byte sequence is one replacement, as the WHATWG decoder does.
  EXPECT_EQ(ToValidUtf8("\xE2\x82"
                        "x"),
            "\xEF\xBF\xBD"
            "x");
  std::string s = "K\xf6p";
  MakeValidUtf8(s);
  EXPECT_EQ(s, "K\xEF\xBF\xBDp");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8(std::string(1000, '\x80'))));
}

}  // namespace
}  // namespace leadscan::common
