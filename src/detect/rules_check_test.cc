#include "detect/rules_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "detect/test_util.h"

namespace leadscan::detect {
namespace {

using testing_util::kCategories;
using testing_util::TestDir;
using testing_util::WriteFile;

std::vector<RuleProblem> Check(const std::string& technologies) {
  std::string dir = TestDir();
  WriteFile(dir, "categories.json", kCategories);
  WriteFile(dir, "tech.json", technologies);
  return CheckRules({dir});
}

std::vector<RuleProblem> Errors(const std::vector<RuleProblem>& all) {
  std::vector<RuleProblem> out;
  for (const RuleProblem& p : all) {
    if (p.severity == RuleProblem::Severity::kError)
      out.push_back(p);
  }
  return out;
}

TEST(RulesCheckTest, CleanFilesHaveNoErrors) {
  auto problems = Check(R"({
    "Shop": {"cats": [6], "html": "shop-([\\d.]+)\\;version:\\1", "implies": "Lib",
             "headers": {"X-Shop": ""}, "dom": {"#cart": {"text": "Cart"}},
             "x-leadscan": {"group": "platform", "slug": "shop", "formerly": ["OldShop"],
                            "words": ["Shop"], "strong_only": true, "logos": ["shop-logo"]}},
    "Lib": {"cats": [59], "scriptSrc": "lib\\.js"}
  })");
  EXPECT_TRUE(Errors(problems).empty()) << (problems.empty() ? "" : problems[0].ToString());
}

// A technology defined in two files: the later one wins (as the reference merges files), and the
// check warns, because a field added to the earlier copy then has no effect.
TEST(RulesCheckTest, WarnsWhenATechnologyIsDefinedAgainInAnotherFile) {
  std::string dir = TestDir();
  WriteFile(dir, "categories.json", kCategories);
  WriteFile(dir, "a.json", R"({"Shop": {"cats": [6], "implies": "Lib"},
                              "Lib": {"cats": [59], "scriptSrc": "lib\\.js"}})");
  WriteFile(dir, "b.json", R"({"Shop": {"cats": [6], "html": "shop"}})");
  auto problems = CheckRules({dir});
  bool warned = false;
  for (const RuleProblem& p : problems) {
    warned |= p.severity == RuleProblem::Severity::kWarning && p.technology == "Shop" &&
              p.file.find("b.json") != std::string::npos &&
              p.message.find("a.json") != std::string::npos;
  }
  EXPECT_TRUE(warned);
  EXPECT_TRUE(Errors(problems).empty());
}

TEST(RulesCheckTest, NamesFileTechnologyAndPatternOfEveryError) {
  auto problems = Errors(Check(R"({
    "BadRegex": {"cats": [1], "html": ["fine", "broken[class"]},
    "BadType": {"cats": [1], "headers": "not-an-object"},
    "Unknown": {"cats": [1], "htlm": "typo"},
    "NoCategory": {"cats": [999]},
    "BadImplies": {"cats": [1], "implies": "Nowhere"},
    "BadGroup": {"cats": [1], "x-leadscan": {"group": "shipping", "colour": "red"}}
  })"));
  auto has = [&](const std::string& tech, const std::string& field, const std::string& pattern,
                 const std::string& words) {
    for (const RuleProblem& p : problems) {
      if (p.technology == tech && p.field.find(field) == 0 && p.pattern == pattern &&
          p.message.find(words) != std::string::npos &&
          p.file.find("tech.json") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(has("BadRegex", "html", "broken[class", "unterminated"));
  EXPECT_TRUE(has("BadType", "headers", "\"not-an-object\"", "must be an object"));
  EXPECT_TRUE(has("Unknown", "htlm", "", "unknown field"));
  EXPECT_TRUE(has("NoCategory", "cats", "999", "unknown category"));
  EXPECT_TRUE(has("BadImplies", "implies", "Nowhere", "does not exist"));
  EXPECT_TRUE(has("BadGroup", "x-leadscan.group", "\"shipping\"", "must be one of"));
  EXPECT_TRUE(has("BadGroup", "x-leadscan.colour", "", "unknown field"));
  EXPECT_EQ(problems.size(), 7u);
  for (const RuleProblem& p : problems) {
    EXPECT_NE(p.ToString().find("tech.json"), std::string::npos) << p.ToString();
  }
}

TEST(RulesCheckTest, ReportsBadJsonAndMissingFiles) {
  std::string dir = TestDir();
  std::string bad = WriteFile(dir, "broken.json", "{\"a\": ");
  auto problems = CheckRules({bad, dir + "/missing.json"});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].message.find("bad JSON"), std::string::npos);
  EXPECT_EQ(problems[0].file, bad);
  EXPECT_NE(problems[1].message.find("cannot read"), std::string::npos);
}

TEST(RulesCheckTest, VariableLookbehindIsAnError) {
  auto js_only = Errors(Check(R"({"Var": {"cats": [1], "html": "(?<=a+)b"}})"));
  ASSERT_EQ(js_only.size(), 1u);  // JavaScript allows variable lookbehind; PCRE2 does not
  EXPECT_EQ(js_only[0].technology, "Var");
}

TEST(RulesCheckTest, ATechnologyWithoutANameIsAnError) {
  // Found by the rules fuzz target: "" loaded and produced findings with no name.
  for (const char* name : {"", " ", "\\t"}) {
    auto errors = Errors(Check(std::string("{\"") + name +
                               R"(": {"cats": [1], "html": "a"}, "Ok": {"cats": [1]}})"));
    ASSERT_EQ(errors.size(), 1u) << "name '" << name << "'";
    EXPECT_NE(errors[0].message.find("needs a name"), std::string::npos);
  }
}

TEST(RulesCheckTest, NumbersTooLargeAndDeepNestingAreBadJsonNotACrash) {
  // Found by the rules fuzz target: 22e2222 threw out_of_range past the parse_error handler.
  for (const std::string& text :
       {std::string(R"({"Big": {"cats": [22e2222]}})"), std::string(100000, '[')}) {
    auto errors = Errors(Check(text));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].message.find("bad JSON"), std::string::npos) << errors[0].message;
  }
}

TEST(RulesCheckTest, AnAttributeSelectorWithoutANameIsSkippedNotACrash) {
  // Found by the rules fuzz target: libmodest calls a null function pointer on `:not([1]x)`.
  auto problems = Check(R"json({"T": {"cats": [1], "dom": [":not([1]x)", "a[1]", "[data-shop]",
                        "[*|href]", "[lang|=sv]", "[a='x|[1]']"]}})json");
  EXPECT_TRUE(Errors(problems).empty());
  std::vector<std::string> skipped;
  for (const RuleProblem& p : problems)
    skipped.push_back(p.pattern);
  EXPECT_EQ(skipped, (std::vector<std::string>{":not([1]x)", "a[1]"}));
}

// Fragments (docs/rules-format.md): every problem is named with its file and fragment, and a
// pattern naming an unknown fragment with its file, technology, field and pattern.
TEST(RulesCheckTest, ReportsEveryFragmentProblem) {
  std::string dir = TestDir();
  WriteFile(dir, "categories.json", kCategories);
  std::string fragments = WriteFile(dir, "fragments.json", R"json({
    "brands": "Visa|Amex", "spare": "never", "loop_a": "({{loop_b}})", "loop_b": "x|{{loop_a}}",
    "lost": "{{nowhere}}", "2bad": "x", "not_text": ["x"], "tagged": "x\\;confidence:50",
    "twice": "one", "twice": "two"
  })json");
  std::filesystem::create_directories(dir + "/more");
  std::string more = WriteFile(dir, "more/fragments.json", R"json({"brands": "Visa"})json");
  std::string tech = WriteFile(dir, "tech.json", R"json({
    "Cards": {"cats": [41], "text": ["\\b(?:{{brands}})\\b", "{{brand}}\\s*,"],
              "meta": {"payment": "^{{branss}}$"}, "dom": {"#pay": {"text": "{{twice}}"}}},
    "Loop": {"cats": [1], "html": "{{loop_a}}"}
  })json");
  auto problems = CheckRules({dir});
  std::vector<std::string> got;
  for (const RuleProblem& p : problems)
    got.push_back(p.ToString());
  EXPECT_EQ(got,
            (std::vector<std::string>{
                fragments + ": fragments.twice: fragment defined twice in this file",
                fragments + ": fragments.2bad: a fragment name is letters, digits and _, and "
                            "does not start with a digit",
                fragments + ": fragments.not_text: pattern \"[\"x\"]\": must be a string",
                fragments + ": fragments.tagged: pattern \"x\\;confidence:50\": a fragment "
                            "cannot hold \\; (tags belong to the pattern)",
                more + ": fragments.brands: fragment defined again: first defined in " + fragments,
                fragments + ": fragments.loop_a: fragment cycle: loop_a -> loop_b -> loop_a",
                fragments + ": fragments.lost: unknown fragment {{nowhere}}",
                tech + ": technology \"Cards\": text: pattern \"{{brand}}\\s*,\": unknown "
                       "fragment {{brand}}",
                tech + ": technology \"Cards\": meta.payment: pattern \"^{{branss}}$\": "
                       "unknown fragment {{branss}}",
                tech + ": technology \"Loop\": html: pattern \"{{loop_a}}\": uses fragment "
                       "{{loop_a}}, which has an error of its own",
                "warning: " + fragments + ": fragments.spare: fragment is never used"}));
  // Each is an error but the last.
  ASSERT_EQ(problems.size(), 11u);
  EXPECT_EQ(Errors(problems).size(), 10u);
  EXPECT_EQ(problems.back().severity, RuleProblem::Severity::kWarning);
  EXPECT_EQ(problems[7].technology, "Cards");
  EXPECT_EQ(problems[7].field, "text");
  EXPECT_EQ(problems[7].pattern, "{{brand}}\\s*,");
}

TEST(RulesCheckTest, AFragmentUsedOnlyByAnotherUsedFragmentIsUsed) {
  std::string dir = TestDir();
  WriteFile(dir, "categories.json", kCategories);
  WriteFile(dir, "fragments.json", R"json({"list": "{{head}}|c", "head": "a|b"})json");
  WriteFile(dir, "tech.json", R"json({"T": {"cats": [1], "html": "(?:{{list}})x"}})json");
  EXPECT_TRUE(CheckRules({dir}).empty());
}

}  // namespace
}  // namespace leadscan::detect
