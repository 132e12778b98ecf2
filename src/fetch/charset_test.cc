#include "fetch/charset.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace leadscan::fetch {
namespace {

// "Frakt: å ä ö Å Ä Ö €" in windows-1252.
const std::string kCp1252 = "Frakt: \xE5 \xE4 \xF6 \xC5 \xC4 \xD6 \x80";
const std::string kUtf8 =
    "Frakt: \xC3\xA5 \xC3\xA4 \xC3\xB6 \xC3\x85 \xC3\x84 \xC3\x96 \xE2\x82\xAC";

TEST(CharsetTest, LabelsFollowWhatwg) {
  EXPECT_EQ(CanonicalEncoding("ISO-8859-1"), "windows-1252");
  EXPECT_EQ(CanonicalEncoding(" latin1 "), "windows-1252");
  EXPECT_EQ(CanonicalEncoding("US-ASCII"), "windows-1252");
  EXPECT_EQ(CanonicalEncoding("utf8"), "UTF-8");
  EXPECT_EQ(CanonicalEncoding("\"UTF-8\""), "UTF-8");
  EXPECT_EQ(CanonicalEncoding("gb2312"), "GBK");
  EXPECT_EQ(CanonicalEncoding("no-such-charset"), "");
}

TEST(CharsetTest, CharsetParameterIsReadFromContentType) {
  EXPECT_EQ(CharsetParameter("text/html; charset=ISO-8859-1"), "ISO-8859-1");
  EXPECT_EQ(CharsetParameter("text/html;charset=\"utf-8\""), "utf-8");
  EXPECT_EQ(CharsetParameter("text/html; q=1; Charset=windows-1252 "), "windows-1252");
  EXPECT_EQ(CharsetParameter("text/html"), "");
}

TEST(CharsetTest, HeaderCharsetDecodesWindows1252AndIso88591) {
  DecodedText d = DecodeToUtf8(kCp1252, "text/html; charset=windows-1252", true);
  EXPECT_EQ(d.text, kUtf8);
  EXPECT_EQ(d.encoding, "windows-1252");
  EXPECT_EQ(d.source, "header");
  // ISO-8859-1 means windows-1252: 0x80 is the euro sign, not a C1 control.
  d = DecodeToUtf8(kCp1252, "text/html; charset=ISO-8859-1", true);
  EXPECT_EQ(d.text, kUtf8);
}

TEST(CharsetTest, MetaCharsetAndHttpEquivAreFoundInTheFirst1024Bytes) {
  std::string page =
      "<!doctype html><html><head><!-- <meta charset=utf-8> -->"
      "<meta charset=\"windows-1252\"><title>" +
      kCp1252 + "</title>";
  DecodedText d = DecodeToUtf8(page, "text/html", true);
  EXPECT_EQ(d.source, "meta");
  EXPECT_EQ(d.encoding, "windows-1252");
  EXPECT_NE(d.text.find(kUtf8), std::string::npos);

  std::string equiv =
      "<html><head><meta http-equiv='Content-Type' "
      "content='text/html; charset=iso-8859-1'>" +
      kCp1252;
  EXPECT_EQ(PrescanMetaCharset(equiv), "windows-1252");
  // content= without http-equiv does not count.
  EXPECT_EQ(PrescanMetaCharset("<meta content='text/html; charset=koi8-r'>"), "");
  // A declaration after the first 1024 bytes is not seen.
  EXPECT_EQ(PrescanMetaCharset(std::string(1100, ' ') + "<meta charset=windows-1252>"), "");
  // A quoted '>' inside another tag does not end the scan early.
  EXPECT_EQ(PrescanMetaCharset("<a title='x>y'><meta charset=koi8-r>"), "KOI8-R");
  // A meta declaring UTF-16 means UTF-8.
  EXPECT_EQ(PrescanMetaCharset("<meta charset=utf-16le>"), "UTF-8");
}

TEST(CharsetTest, BomWinsOverEverything) {
  DecodedText d = DecodeToUtf8("\xEF\xBB\xBF" + kUtf8, "text/html; charset=windows-1252", true);
  EXPECT_EQ(d.text, kUtf8);
  EXPECT_EQ(d.source, "bom");
  d = DecodeToUtf8(std::string("\xFF\xFE"
                               "A\0\xE5\0",
                               6),
                   "", true);
  EXPECT_EQ(d.text, "A\xC3\xA5");
  EXPECT_EQ(d.encoding, "UTF-16LE");
}

TEST(CharsetTest, UndeclaredTextIsUtf8WhenValidElseWindows1252) {
  DecodedText d = DecodeToUtf8(kUtf8, "text/html", true);
  EXPECT_EQ(d.encoding, "UTF-8");
  EXPECT_EQ(d.text, kUtf8);
  d = DecodeToUtf8(kCp1252, "text/html", true);
  EXPECT_EQ(d.encoding, "windows-1252");
  EXPECT_EQ(d.source, "sniff");
  EXPECT_EQ(d.text, kUtf8);
}

TEST(CharsetTest, BrokenBytesBecomeReplacementCharacters) {
  // Declared UTF-8 with a lone continuation byte, a truncated sequence and an overlong form.
  DecodedText d = DecodeToUtf8(
      "a\x80"
      "b\xE2\x82"
      "c\xC0\xAF",
      "text/html; charset=utf-8", true);
  EXPECT_EQ(d.text,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD\xEF\xBF\xBD");
  // Shift_JIS with an invalid lead byte.
  std::string sjis = DecodeAs("\x82\xA0\xFF", "Shift_JIS");
  EXPECT_EQ(sjis, "\xE3\x81\x82\xEF\xBF\xBD");
}

TEST(CharsetTest, OtherDeclaredCharsetsGoThroughIconv) {
  EXPECT_EQ(DecodeToUtf8("\xC1\xC2", "text/plain; charset=koi8-r", false).text,
            "\xD0\xB0\xD0\xB1");  // "аб"
  EXPECT_EQ(DecodeToUtf8("\xB1", "text/html; charset=iso-8859-2", true).text, "\xC4\x85");
}

TEST(CharsetTest, RandomBytesNeverBreakTheDecoderAndGiveValidUtf8) {
  std::mt19937 rng(42);
  for (const char* enc : {"UTF-8", "windows-1252", "Shift_JIS", "EUC-KR", "UTF-16LE", "gb18030"}) {
    for (int round = 0; round < 50; ++round) {
      std::string bytes(rng() % 300, '\0');
      for (char& c : bytes)
        c = static_cast<char>(rng());
      std::string out = DecodeAs(bytes, enc);
      EXPECT_EQ(DecodeAs(out, "UTF-8"), out) << enc;  // output is valid UTF-8
    }
  }
}

TEST(CharsetTest, ToValidUtf8ReplacesInvalidSequencesAndKeepsValidText) {
  EXPECT_EQ(ToValidUtf8(kUtf8), kUtf8);
  EXPECT_EQ(ToValidUtf8("\xff\xfe"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("a\xC0\xAF"
                        "b"),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");                                                                  // overlong
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(ToValidUtf8("x\xE2\x82"), "x\xEF\xBF\xBD");                            // cut short
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_TRUE(IsValidUtf8(kUtf8));
  std::string s = "ok\x80";
  MakeValidUtf8(s);
  EXPECT_EQ(s, "ok\xEF\xBF\xBD");
}

}  // namespace
}  // namespace leadscan::fetch
