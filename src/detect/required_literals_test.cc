#include "detect/required_literals.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "detect/js_regex.h"
#include "detect/matcher.h"

namespace leadscan::detect {
namespace {

using Clauses = LiteralClauses;

std::optional<Clauses> Req(const std::string& pcre) {
  return RequiredLiterals(pcre, 3);
}

TEST(RequiredLiteralsTest, EveryLiteralRunOfASequenceIsRequired) {
  EXPECT_EQ(Req("<link[^>]+href=\"[^\"]+wp-content"),
            (Clauses{{"<link", "href=\"", "wp-content"}}));
  EXPECT_EQ(Req("cdn\\.shopify\\.com"), (Clauses{{"cdn.shopify.com"}}));
  EXPECT_EQ(Req("jquery[.-]([\\d.]+)\\.min\\.js"),
            (Clauses{{".min.js", "jquery-"}, {".min.js", "jquery."}}));
}

TEST(RequiredLiteralsTest, RepeatsEndARunAndOptionalCharactersBranchIt) {
  EXPECT_EQ(Req("abcd?efg"), (Clauses{{"abcdefg"}, {"abcefg"}}));  // d is optional
  EXPECT_EQ(Req("abcx+yzw"), (Clauses{{"abcx", "yzw"}}));  // x at least once, then not adjacent
  EXPECT_EQ(Req("ab{1,250}cdef"), (Clauses{{"cdef"}}));    // the reference's rewrite of +
  EXPECT_EQ(Req("ab{0,250}cdef"), (Clauses{{"cdef"}}));
  EXPECT_EQ(Req("https?://shop"), (Clauses{{"http://shop"}, {"https://shop"}}));
  EXPECT_EQ(Req("abcd*efg"), (Clauses{{"abc", "efg"}}));  // d any number of times
  EXPECT_EQ(Req("a{x}bcd"), (Clauses{{"a{x}bcd"}}));      // `{` that is no quantifier is literal
}

TEST(RequiredLiteralsTest, AlternativesBecomeClauses) {
  EXPECT_EQ(Req("klarna|kustom"), (Clauses{{"klarna"}, {"kustom"}}));
  EXPECT_EQ(Req("(?:checkout|kassa)\\.js"), (Clauses{{"checkout.js"}, {"kassa.js"}}));
  EXPECT_EQ(Req("(?:checkout|kassa)-[a-z]+-longliteral"),
            (Clauses{{"-longliteral", "checkout-"}, {"-longliteral", "kassa-"}}));
  EXPECT_EQ(Req("(?:ab|cd)-[a-z]+-longliteral"),
            (Clauses{{"-longliteral", "ab-"}, {"-longliteral", "cd-"}}));
  EXPECT_EQ(Req("klarna|x"), std::nullopt);
  EXPECT_EQ(Req("(?:a|bcd)"), std::nullopt);
  EXPECT_EQ(Req("(?:abc|)def"), (Clauses{{"def"}}));  // an empty branch: the group may be empty
  EXPECT_EQ(Req("(?:(?:abc|def)ghi|jkl)"), (Clauses{{"abcghi"}, {"defghi"}, {"jkl"}}));
}

TEST(RequiredLiteralsTest, OptionalGroupsAndLookaroundsAreNotRequired) {
  EXPECT_EQ(Req("(?:shopify)?abc"), (Clauses{{"abc"}}));
  EXPECT_EQ(Req("(?:shopify)*abc"), (Clauses{{"abc"}}));
  EXPECT_EQ(Req("(?=shopify)abc"), (Clauses{{"abc"}}));
  EXPECT_EQ(Req("(?<!shopify)abc"), (Clauses{{"abc"}}));
  EXPECT_EQ(Req("(shopify)+"), (Clauses{{"shopify"}}));
  EXPECT_EQ(Req("(?<name>magento)x"), (Clauses{{"magentox"}}));
  EXPECT_EQ(Req("(?i)abc"), (Clauses{{"abc"}}));
}

TEST(RequiredLiteralsTest, EscapesAreDecodedOrEndTheRun) {
  EXPECT_EQ(Req("a\\.b\\/c"), (Clauses{{"a.b/c"}}));
  EXPECT_EQ(Req("\\x41\\x42C"), (Clauses{{"ABC"}}));
  EXPECT_EQ(Req("abc\\d+def\\sghij"), (Clauses{{"abc", "def", "ghij"}}));
  EXPECT_EQ(Req("abc\\bdef"), (Clauses{{"abc", "def"}}));
  EXPECT_EQ(Req("(a)bc\\1def"), (Clauses{{"abc", "def"}}));
  EXPECT_EQ(Req("abc\\x{263a}de"), (Clauses{{"abc"}}));
  EXPECT_EQ(Req("x\\p{L}yz"), std::nullopt);
}

// The literal runs of patterns whose only literal used to be markup every page carries
// ("href=", "data-"), so they were confirmed by PCRE2 on nearly every page.
TEST(RequiredLiteralsTest, GroupsOfLiteralsOptionalCharactersAndSmallClassesJoinTheRun) {
  EXPECT_EQ(Req("<(?:link|a)[^>]+href=[\"']wss?:\\/\\/"),
            (Clauses{{"href=\"ws://"}, {"href=\"wss://"}, {"href='ws://"}, {"href='wss://"}}));
  EXPECT_EQ(Req("<[^>]+data-sr(?:-id)"), (Clauses{{"data-sr-id"}}));
  EXPECT_EQ(Req("<(?!svg)[^>]+\\sdata-v(?:ue)?-"), (Clauses{{"data-v-"}, {"data-vue-"}}));
  // Of two runs of several strings the better one is kept (as for groups).
  EXPECT_EQ(Req("href=[\"'][^\"]+mg-(?:core|plugins)/"), (Clauses{{"mg-core/"}, {"mg-plugins/"}}));
  EXPECT_EQ(Req("[Ss]hop[Ii]fy"), (Clauses{{"shopify"}}));  // literals are compared caseless
  EXPECT_EQ(Req("ab[cd]?efg"), (Clauses{{"abcefg"}, {"abdefg"}, {"abefg"}}));
  // Past sixteen strings the run ends where it would grow beyond them.
  EXPECT_EQ(Req("[ab][cd][ef][gh][ij]klmn"), (Clauses{{"iklmn"}, {"jklmn"}}));
}

TEST(RequiredLiteralsTest, RangesNegatedAndLargeClassesAndDotsEndTheRun) {
  EXPECT_EQ(Req("ab[]x]defg"), (Clauses{{"ab]defg"}, {"abxdefg"}}));
  EXPECT_EQ(Req("ab[a-c]defg"), (Clauses{{"defg"}}));
  EXPECT_EQ(Req("ab[^x]defg"), (Clauses{{"defg"}}));
  EXPECT_EQ(Req("ab[xyzvw]defg"), (Clauses{{"defg"}}));
  EXPECT_EQ(Req("ab[x]+defg"), (Clauses{{"defg"}}));
  EXPECT_EQ(Req("ab[[:alpha:]]defg"), (Clauses{{"defg"}}));
  EXPECT_EQ(Req("ab.defg"), (Clauses{{"defg"}}));
  EXPECT_EQ(Req("^abc$"), (Clauses{{"abc"}}));
}

TEST(RequiredLiteralsTest, GivesUpOnWhatItDoesNotKnow) {
  EXPECT_EQ(Req("\\Qabc\\E"), std::nullopt);
  EXPECT_EQ(Req("(?x)a b c d"), std::nullopt);
  EXPECT_EQ(Req("(?R)abc"), std::nullopt);
  EXPECT_EQ(Req("(?(1)abc|def)"), std::nullopt);
  EXPECT_EQ(Req("abc)"), std::nullopt);
  EXPECT_EQ(Req("(abc"), std::nullopt);
  EXPECT_EQ(Req("[abc"), std::nullopt);
  EXPECT_EQ(Req("ab"), std::nullopt);  // shorter than the minimum
  EXPECT_EQ(Req(""), std::nullopt);
  EXPECT_EQ(Req(std::string(1000, '(') + "abc" + std::string(1000, ')')), std::nullopt);
  std::string many = "(?:w0a";
  for (int i = 1; i <= 70; ++i)
    many += "|w" + std::to_string(i) + "a";
  EXPECT_EQ(Req(many + ")"), std::nullopt);  // more clauses than kMaxLiteralClauses
}

// --- Property: over every pattern of our rules and the demo shops' pages, whenever PCRE2
// matches, one of the pattern's literals lies inside the matched text (ASCII caseless).

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void CollectPatterns(const nlohmann::json& value, std::vector<std::string>* out) {
  if (value.is_string()) {
    out->push_back(value.get<std::string>());
  } else if (value.is_array()) {
    for (const auto& v : value)
      CollectPatterns(v, out);
  } else if (value.is_object()) {
    for (const auto& [k, v] : value.items())
      CollectPatterns(v, out);
  }
}

TEST(RequiredLiteralsTest, EveryMatchOfOurRulesContainsARequiredLiteral) {
  const char* source = std::getenv("LEADSCAN_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  const std::filesystem::path root(source);
  std::vector<std::string> patterns;
  for (const auto& entry : std::filesystem::directory_iterator(root / "rules" / "technologies")) {
    std::ifstream in(entry.path());
    nlohmann::json techs = nlohmann::json::parse(in);
    for (const auto& [name, tech] : techs.items()) {
      for (const char* field : {"html", "text", "css", "scripts", "scriptSrc", "url", "headers",
                                "meta", "cookies", "robots", "js"}) {
        if (tech.contains(field))
          CollectPatterns(tech[field], &patterns);
      }
    }
  }
  ASSERT_GT(patterns.size(), 500u);
  std::vector<std::string> texts;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(root / "tests" / "fakenet" / "sites")) {
    if (!entry.is_regular_file())
      continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    texts.push_back(buf.str());
  }
  ASSERT_GT(texts.size(), 50u);
  size_t with_literals = 0;
  size_t matches = 0;
  for (const std::string& raw : patterns) {
    std::string loose;
    auto strict = TranslateJsRegex(ParseWappalyzerPattern(raw).js_regex, &loose);
    if (!strict.ok())
      continue;
    auto clauses = RequiredLiterals(loose, kMinRequiredLiteral);
    if (!clauses)
      continue;
    ++with_literals;
    auto re = Regex::Compile(*strict);
    ASSERT_TRUE(re.ok()) << raw;
    for (const std::string& text : texts) {
      std::vector<std::optional<std::string>> groups;
      if ((*re)->Match(text, &groups) != Regex::Outcome::kMatch)
        continue;
      ++matches;
      const std::string matched = Lower(groups[0].value_or(""));
      bool found = std::any_of(clauses->begin(), clauses->end(), [&](const auto& clause) {
        return std::all_of(clause.begin(), clause.end(), [&](const std::string& l) {
          return matched.find(Lower(l)) != std::string::npos;
        });
      });
      EXPECT_TRUE(found) << "pattern " << raw << " matched \"" << matched
                         << "\" without all the literals of any of its clauses";
    }
  }
  // Most patterns have literals, and the check saw real matches.
  EXPECT_GT(with_literals * 10, patterns.size() * 7);
  EXPECT_GT(matches, 100u);
}

}  // namespace
}  // namespace leadscan::detect
