#include "fetch/robots.h"

#include <gtest/gtest.h>

namespace leadscan::fetch {
namespace {

TEST(RobotsTest, PicksOurGroupElseStarAndMergesGroupsForTheSameAgent) {
  const char* body =
      "User-agent: *\n"
      "Disallow: /\n"
      "\n"
      "User-agent: LeadScan/1.0\n"
      "Disallow: /private\n"
      "\n"
      "User-agent: otherbot\n"
      "Disallow: /other\n"
      "\n"
      "user-agent: leadscan\n"
      "disallow: /secret # comment\n";
  RobotsTxt r = RobotsTxt::Parse(body, "leadscan");
  EXPECT_TRUE(r.IsAllowed("/"));
  EXPECT_TRUE(r.IsAllowed("/other"));
  EXPECT_FALSE(r.IsAllowed("/private/x"));
  EXPECT_FALSE(r.IsAllowed("/secret"));
  RobotsTxt star = RobotsTxt::Parse(body, "somebot");
  EXPECT_FALSE(star.IsAllowed("/"));
}

TEST(RobotsTest, ConsecutiveUserAgentLinesShareOneGroup) {
  RobotsTxt r = RobotsTxt::Parse("User-agent: a\nUser-agent: leadscan\nDisallow: /x\n", "leadscan");
  EXPECT_FALSE(r.IsAllowed("/x"));
}

TEST(RobotsTest, LongestMatchWinsAndAllowWinsATie) {
  RobotsTxt r = RobotsTxt::Parse(
      "User-agent: *\nDisallow: /shop\nAllow: /shop/public\nAllow: /tie\nDisallow: /tie\n",
      "leadscan");
  EXPECT_FALSE(r.IsAllowed("/shop/cart"));
  EXPECT_TRUE(r.IsAllowed("/shop/public/item"));
  EXPECT_TRUE(r.IsAllowed("/tie"));
  EXPECT_TRUE(r.IsAllowed("/other"));
}

TEST(RobotsTest, WildcardAndEndAnchor) {
  RobotsTxt r = RobotsTxt::Parse(
      "User-agent: *\nDisallow: /*.php$\nDisallow: /fish*.html\nDisallow: /*?sessionid=\n"
      "Allow: /$\nDisallow: /\n",
      "leadscan");
  EXPECT_TRUE(r.IsAllowed("/"));
  EXPECT_FALSE(r.IsAllowed("/index.php"));
  EXPECT_FALSE(r.IsAllowed("/a/b.php"));
  EXPECT_FALSE(r.IsAllowed("/fishheads/catfish.html"));
  EXPECT_FALSE(r.IsAllowed("/page?sessionid=1"));
  EXPECT_FALSE(r.IsAllowed("/anything"));  // "Disallow: /" after "Allow: /$"
  RobotsTxt s = RobotsTxt::Parse("User-agent: *\nDisallow: /*.php$\n", "leadscan");
  EXPECT_TRUE(s.IsAllowed("/index.php?x=1"));
  EXPECT_TRUE(s.IsAllowed("/index.php5"));
}

TEST(RobotsTest, PercentEncodingIsComparedAsRfc9309Says) {
  // RFC 9309 §2.2.2 table.
  RobotsTxt r = RobotsTxt::Parse(
      "User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\nDisallow: /a/%62%61%7A\n"
      "Disallow: /q?baz=quz\n",
      "leadscan");
  EXPECT_FALSE(r.IsAllowed("/foo/bar/%E3%83%84"));
  EXPECT_FALSE(r.IsAllowed("/foo/bar/%e3%83%84"));
  EXPECT_FALSE(r.IsAllowed("/a/baz"));
  EXPECT_FALSE(r.IsAllowed("/q?baz=quz"));
  EXPECT_TRUE(r.IsAllowed("/foo/bar/x"));
}

TEST(RobotsTest, EmptyDisallowAllowsEverythingAndRobotsTxtIsAlwaysAllowed) {
  RobotsTxt r = RobotsTxt::Parse("User-agent: *\nDisallow:\n", "leadscan");
  EXPECT_TRUE(r.IsAllowed("/anything"));
  RobotsTxt all = RobotsTxt::Parse("User-agent: *\nDisallow: /\n", "leadscan");
  EXPECT_FALSE(all.IsAllowed("/"));
  EXPECT_TRUE(all.IsAllowed("/robots.txt"));
  EXPECT_FALSE(RobotsTxt::DisallowAll().IsAllowed("/"));
  EXPECT_TRUE(RobotsTxt::AllowAll().IsAllowed("/x"));
}

TEST(RobotsTest, SitemapsAreCollectedFromAnywhereInTheFile) {
  RobotsTxt r = RobotsTxt::Parse(
      "Sitemap: https://example.se/sitemap.xml\r\nUser-agent: *\r\nDisallow: /x\r\n"
      "sitemap: https://example.se/products.xml\r\n",
      "leadscan");
  ASSERT_EQ(r.sitemaps().size(), 2u);
  EXPECT_EQ(r.sitemaps()[1], "https://example.se/products.xml");
  EXPECT_FALSE(r.IsAllowed("/x"));
}

TEST(RobotsTest, GarbageAndHugeInputsDoNotBreakIt) {
  std::string junk(1 << 20, 'a');
  junk += "\nUser-agent: *\nDisallow: /late\n";  // beyond the 512 KiB that count
  RobotsTxt r = RobotsTxt::Parse(junk, "leadscan");
  EXPECT_TRUE(r.IsAllowed("/late"));
  RobotsTxt stars = RobotsTxt::Parse("User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*b\n", "leadscan");
  EXPECT_TRUE(stars.IsAllowed("/" + std::string(2000, 'a')));
}

// Found by fuzzing (tests/fuzz/robots): a '%' that started no escape stayed bare, and decoding
// the escape after it completed a new one ("%e%44" -> "%eD"), so normalising twice differed.
TEST(RobotsTest, NormalisingIsIdempotentAndAStrayPercentMatchesItself) {
  EXPECT_EQ(NormalizeRobotsPath("/%e%44"), "/%25eD");
  EXPECT_EQ(NormalizeRobotsPath(NormalizeRobotsPath("/%e%44")), NormalizeRobotsPath("/%e%44"));
  EXPECT_EQ(NormalizeRobotsPath("/100%"), "/100%25");
  RobotsTxt r = RobotsTxt::Parse("User-agent: *\nDisallow: /100%\n", "leadscan");
  EXPECT_FALSE(r.IsAllowed("/100%"));
  EXPECT_FALSE(r.IsAllowed("/100%25"));
  EXPECT_TRUE(r.IsAllowed("/100"));
}

}  // namespace
}  // namespace leadscan::fetch
