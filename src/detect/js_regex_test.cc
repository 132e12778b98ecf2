#include "detect/js_regex.h"

#include <gtest/gtest.h>

#include "detect/matcher.h"

namespace leadscan::detect {
namespace {

bool Matches(const std::string& js, const std::string& text) {
  auto pcre = TranslateJsRegex(ParseWappalyzerPattern(js).js_regex);
  EXPECT_TRUE(pcre.ok()) << js;
  auto re = Regex::Compile(*pcre);
  EXPECT_TRUE(re.ok()) << *pcre << ": " << re.status().ToString();
  return (*re)->Match(text, nullptr) == Regex::Outcome::kMatch;
}

TEST(JsRegexTest, ParsesVersionAndConfidenceTags) {
  ParsedPattern p = ParseWappalyzerPattern("jquery-([\\d.]+)\\.js\\;version:\\1\\;confidence:50");
  EXPECT_EQ(p.value, "jquery-([\\d.]+)\\.js");
  EXPECT_EQ(p.version, "\\1");
  EXPECT_EQ(p.confidence, 50);
}

TEST(JsRegexTest, RewritesQuantifiersLikeTheReference) {
  ParsedPattern p = ParseWappalyzerPattern("a+b*c\\+/d");
  EXPECT_EQ(p.js_regex, "a{1,250}b{0,250}c\\+\\/d");
}

TEST(JsRegexTest, EscapedSlashBecomesLiteralBackslashAsInTheReference) {
  // The reference turns `\/` into `\\/`: a backslash then a slash.
  EXPECT_FALSE(Matches("a\\/b", "a/b"));
  EXPECT_TRUE(Matches("a\\/b", "a\\/b"));
  EXPECT_TRUE(Matches("a/b", "A/B"));
}

TEST(JsRegexTest, TranslatesJavaScriptSyntax) {
  EXPECT_TRUE(Matches("x[^]y", "x\ny"));
  EXPECT_FALSE(Matches("x.y", "x\ny"));
  EXPECT_FALSE(Matches("x.y", "x\ry"));
  EXPECT_TRUE(Matches("a{x", "a{x"));
  EXPECT_TRUE(Matches("\\u00e5", "\xc3\xa5"));
  EXPECT_TRUE(Matches("(?<v>\\d)\\k<v>", "11"));
  EXPECT_TRUE(Matches("\\a", "a"));  // identity escape in JavaScript, BEL in PCRE
  EXPECT_FALSE(Matches("end$", "end\n"));
  EXPECT_TRUE(Matches("[a-c]\\d", "B7"));
}

// A class holding characters outside ASCII means those characters, as in JavaScript, not their
// bytes: "brevl[aå]da" matches "brevlåda" and not a lone lead byte; "Posti [–-]" the en dash.
TEST(JsRegexTest, AClassWithCharactersOutsideAsciiMatchesTheCharacters) {
  EXPECT_TRUE(Matches("brevl[aå]da", "brevlåda"));
  EXPECT_TRUE(Matches("brevl[aå]da", "brevlada"));
  EXPECT_FALSE(Matches("brevl[aå]da",
                       "brevl\xc3"
                       "da"));
  EXPECT_TRUE(Matches("Posti [–-] Express", "Posti – Express"));
  EXPECT_TRUE(Matches("Vytvo[řr]il", "Vytvořil"));
  EXPECT_TRUE(Matches("x[å]{2}y", "xååy"));
  EXPECT_FALSE(Matches("x[å]{2}y", "xåy"));
  EXPECT_EQ(*TranslateJsRegex("[aå]"), "(?:[a]|å)");
  EXPECT_EQ(*TranslateJsRegex("[å\\d]"), "(?:[\\d]|å)");
  // Negated classes and ranges to such a character keep the bytes.
  EXPECT_EQ(*TranslateJsRegex("[^å]"), "[^å]");
  EXPECT_EQ(*TranslateJsRegex("[a-å]"), "[a-å]");
}

TEST(JsRegexTest, RejectsWhatJavaScriptRejects) {
  EXPECT_FALSE(TranslateJsRegex("[abc").ok());
  EXPECT_FALSE(TranslateJsRegex("(?i)abc").ok());
  EXPECT_FALSE(TranslateJsRegex("abc\\").ok());
}

TEST(JsRegexTest, PrefilterFormLoosensLargeRepeats) {
  std::string loose;
  auto pcre = TranslateJsRegex("a{1,250}b{2,5}c\\{0,250\\}", &loose);
  ASSERT_TRUE(pcre.ok());
  EXPECT_EQ(loose, "a{1,}b{2,5}c\\{0,250\\}");
}

TEST(JsRegexTest, ResolvesVersionBackReferences) {
  EXPECT_EQ(ResolveVersion("\\1", {"jquery-3.6.0", "3.6.0"}), "3.6.0");
  EXPECT_EQ(ResolveVersion("\\1.\\2", {"x", "3", "6"}), "3.6");
  EXPECT_EQ(ResolveVersion("\\1?next:legacy", {"x", "y"}), "next");
  EXPECT_EQ(ResolveVersion("\\1?next:legacy", {"x", std::nullopt}), "legacy");
  EXPECT_EQ(ResolveVersion("\\1?next:legacy", {"x", ""}), "legacy");
  // A group longer than 10 characters is skipped; the first leftover \N is removed.
  EXPECT_EQ(ResolveVersion("\\1", {"x", "12345678901"}), "");
}

TEST(JsRegexTest, SlugifiesLikeTheReference) {
  EXPECT_EQ(Slugify("Klarna Checkout"), "klarna-checkout");
  EXPECT_EQ(Slugify("Node.js"), "node-js");
  EXPECT_EQ(Slugify("  A--B  "), "a-b");
  EXPECT_EQ(Slugify("Åhléns"), "hl-ns");
}

}  // namespace
}  // namespace leadscan::detect
