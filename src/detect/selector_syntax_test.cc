#include "detect/selector_syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace leadscan::detect {
namespace {

TEST(SelectorSyntaxTest, AcceptsTheSelectorsRulesUse) {
  for (const char* s : {"div",
                        "*",
                        "#cart",
                        ".a.b",
                        "a[href]",
                        "[data-shop]",
                        "[*|href]",
                        "[lang|=sv]",
                        "a[href*='klarna']",
                        "a[href^=\"https://\" i]",
                        "script[src$=app\\.js]",
                        "div > p + span ~ em",
                        "ul li",
                        "a:not(.b)",
                        "div:has(> img)",
                        "li:nth-child(2n+1)",
                        "li:nth-last-of-type(odd)",
                        "p:contains(Swish)",
                        "a:first-child",
                        "#\\31 23",
                        "klarna-placement",
                        "div.klarna-checkout-container iframe",
                        "html:lang(sv)",
                        ":is(a, b) > c",
                        "a , b",
                        "  a  "}) {
    EXPECT_TRUE(IsSupportedSelector(s)) << s;
  }
}

TEST(SelectorSyntaxTest, RefusesWhatLibmodestChokesOn) {
  // The first two are the fuzz target's finds (a null function pointer, an endless loop).
  for (const std::string& s : {std::string(":not([1]x)"),
                               std::string(":not(iiiYYY:{not("),
                               std::string("a >YYY=YYYhil9iii98)u0900"),
                               std::string("[1]"),
                               std::string("a["),
                               std::string("a[b=]"),
                               std::string("a[b='x]"),
                               std::string("p:contains('Swish')"),  // libmodest crashes
                               std::string("::before"),
                               std::string(":nth-child(2n of .a)"),
                               std::string(":unknown-thing"),
                               std::string(""),
                               std::string("a,"),
                               std::string(",a"),
                               std::string("a >"),
                               std::string("a:not()"),
                               std::string("#1"),
                               std::string("a)"),
                               std::string("a\\"),
                               std::string(1025, 'a'),
                               std::string(50, '(')}) {
    EXPECT_FALSE(IsSupportedSelector(s)) << s;
  }
  // Nesting is bounded.
  std::string deep = "a";
  for (int i = 0; i < 8; ++i)
    deep = ":not(" + deep + ")";
  EXPECT_TRUE(IsSupportedSelector(deep));
  EXPECT_FALSE(IsSupportedSelector(":not(" + deep + ")"));
}

// A rule set whose selectors read element text keeps script and style texts in the tree
// (page_features.h): the check is made on the parsed pseudo-classes, not on the selector's text.
TEST(SelectorSyntaxTest, TellsWhichSelectorsReadElementText) {
  for (const char* s : {"div:contains(Klarna)", "p:EMPTY", "a:not(:empty)",
                        "ul > li:has(span:contains(PostNord))", "div, span:Contains(x)"}) {
    const SelectorCheck check = CheckSelector(s);
    EXPECT_TRUE(check.supported) << s;
    EXPECT_TRUE(check.reads_text) << s;
  }
  for (const char* s : {"[title=':empty']", "[data-x*=\"contains(\"]", "div.empty", "#contains",
                        "li:first-child", "a[href*='empty']"}) {
    const SelectorCheck check = CheckSelector(s);
    EXPECT_TRUE(check.supported) << s;
    EXPECT_FALSE(check.reads_text) << s;
  }
  // An unsupported selector reads nothing: it is skipped.
  EXPECT_FALSE(CheckSelector("div:contains('quoted')").reads_text);
  EXPECT_FALSE(CheckSelector("div:contains('quoted')").supported);
}

}  // namespace
}  // namespace leadscan::detect
