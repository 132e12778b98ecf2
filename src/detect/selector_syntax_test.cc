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

}  // namespace
}  // namespace leadscan::detect
