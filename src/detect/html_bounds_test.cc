#include "detect/html_bounds.h"

#include <gtest/gtest.h>

#include <string>

#include "detect/page_features.h"

namespace leadscan::detect {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    out += s;
  return out;
}

TEST(HtmlBoundsTest, OrdinaryPagesAreNotCut) {
  std::string page =
      "<!DOCTYPE html><html><head><meta charset=utf-8><title>a < b</title>"
      "<script>if (a <div> b) document.write('<div><div><div>');</script></head><body>" +
      Repeat("<ul><li>one<li>two<li><p>three<p>four</ul>", 2000) +
      Repeat("<div class=\"x>y\"><span>t</span><br><img src=a.png></div>", 2000) +
      "<!-- <div><div> --></body></html>";
  HtmlCut cut = BoundHtml(page);
  EXPECT_FALSE(cut.cut) << cut.reason;
  EXPECT_EQ(cut.keep, page.size());
}

TEST(HtmlBoundsTest, DeepNestingIsCutAtTheDepthLimit) {
  const std::string head = "<html><body>";
  std::string page = head + Repeat("<div>", 200000) + "deep";
  HtmlCut cut = BoundHtml(page);
  ASSERT_TRUE(cut.cut);
  EXPECT_NE(cut.reason.find("nesting deeper than 512"), std::string::npos) << cut.reason;
  // html and body are open too: the 511th div is the last one kept.
  EXPECT_EQ(cut.keep, head.size() + 510 * 5);
}

TEST(HtmlBoundsTest, UnclosedAnchorPairsAreCutAtTheDepthLimit) {
  std::string page = "<body>" + Repeat("<a><div>", 100000);
  HtmlCut cut = BoundHtml(page);
  ASSERT_TRUE(cut.cut);
  EXPECT_LT(cut.keep, 512u * 8u);
}

TEST(HtmlBoundsTest, TooManyElementsAreCutAtTheElementLimit) {
  std::string page = Repeat("<span>x</span>", 1000);
  HtmlCut cut = BoundHtml(page, HtmlLimits{kMaxHtmlDepth, 100});
  ASSERT_TRUE(cut.cut);
  EXPECT_NE(cut.reason.find("more than 100 elements"), std::string::npos) << cut.reason;
  EXPECT_EQ(cut.keep, 100u * 14u);
}

TEST(HtmlBoundsTest, CommentsCountAsNodes) {
  std::string page = Repeat("<!---->", 1000);
  HtmlCut cut = BoundHtml(page, HtmlLimits{kMaxHtmlDepth, 100});
  ASSERT_TRUE(cut.cut);
  EXPECT_EQ(cut.keep, 100u * 7u);
}

TEST(HtmlBoundsTest, ClosedElementsDoNotAddUp) {
  std::string page = Repeat("<div><section><a href='/x'>x</a></section></div>", 20000);
  EXPECT_FALSE(BoundHtml(page).cut);
}

TEST(HtmlBoundsTest, ThePageParserParsesOnlyTheBoundedPrefix) {
  PageInput page;
  page.url = "https://deep.example/";
  page.html = "<html><body>" + Repeat("<div>", 200000) + "<a href=\"/never\">x</a>";
  PageParser parser;
  PageFeatures f;
  parser.Parse(page, &f);
  EXPECT_TRUE(f.truncated);
  EXPECT_LT(f.parsed_bytes, page.html.size());
  EXPECT_NE(f.truncated_reason.find("nesting"), std::string::npos);
  EXPECT_TRUE(f.links.empty());
  EXPECT_EQ(f.html.size(), page.html.size());  // regexes still see the whole document
}

}  // namespace
}  // namespace leadscan::detect
