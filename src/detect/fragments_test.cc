#include "detect/fragments.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace leadscan::detect {
namespace {

std::vector<std::string> Messages(const std::vector<Fragments::Problem>& problems) {
  std::vector<std::string> out;
  for (const Fragments::Problem& p : problems)
    out.push_back(p.name + ": " + p.message);
  return out;
}

TEST(FragmentsTest, ExpandsReferencesAndLeavesEverythingElseAlone) {
  Fragments f;
  ASSERT_TRUE(f.Define("brands", "Visa|Master\\s?Card", "f.json", nullptr));
  ASSERT_TRUE(f.Define("_sep2", "\\s*(?:,|/)\\s*", "f.json", nullptr));
  EXPECT_TRUE(f.Resolve().empty());
  auto out = f.Expand("\\b(?:{{brands}}){{_sep2}}Visa\\b");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "\\b(?:Visa|Master\\s?Card)\\s*(?:,|/)\\s*Visa\\b");
  // Not references: an escaped brace, spaces, a name starting with a digit, unclosed braces,
  // a JavaScript quantifier.
  for (const char* literal : {"\\{{brands}}", "{{ brands }}", "{{2x}}", "{{brands}", "a{2}}",
                              "{{brands-x}}", "x{{", ""}) {
    auto same = f.Expand(literal);
    ASSERT_TRUE(same.ok()) << literal;
    EXPECT_EQ(*same, literal);
  }
  // An escaped backslash does not escape the reference after it.
  EXPECT_EQ(*f.Expand("\\\\{{brands}}"), "\\\\Visa|Master\\s?Card");
  EXPECT_EQ(*f.Expand("{{{brands}}}"), "{Visa|Master\\s?Card}");
}

TEST(FragmentsTest, FragmentsExpandInsideFragmentsDownToTheDeepestLevel) {
  Fragments f;
  ASSERT_TRUE(f.Define("list", "{{head}}|Airmee|{{tail}}", "f.json", nullptr));
  ASSERT_TRUE(f.Define("head", "PostNord|{{dhl}}", "f.json", nullptr));
  ASSERT_TRUE(f.Define("dhl", "DHL", "f.json", nullptr));
  ASSERT_TRUE(f.Define("tail", "FedEx", "f.json", nullptr));
  // A chain exactly kMaxDepth levels long is fine.
  for (int i = 1; i < Fragments::kMaxDepth; ++i) {
    ASSERT_TRUE(f.Define("level" + std::to_string(i), "{{level" + std::to_string(i + 1) + "}}",
                         "f.json", nullptr));
  }
  ASSERT_TRUE(f.Define("level" + std::to_string(Fragments::kMaxDepth), "end", "f.json", nullptr));
  EXPECT_EQ(Messages(f.Resolve()), std::vector<std::string>{});
  EXPECT_EQ(*f.Expand("(?:{{list}})"), "(?:PostNord|DHL|Airmee|FedEx)");
  EXPECT_EQ(*f.Expand("{{level1}}"), "end");
}

TEST(FragmentsTest, NestingDeeperThanTheLimitIsAProblemOfTheOutermostFragments) {
  Fragments f;
  const int n = Fragments::kMaxDepth + 2;  // level0 .. level9: level0 and level1 are too deep
  for (int i = 0; i < n; ++i) {
    std::string value = i + 1 < n ? "{{level" + std::to_string(i + 1) + "}}" : "end";
    ASSERT_TRUE(f.Define("level" + std::to_string(i), value, "f.json", nullptr));
  }
  std::vector<std::string> problems = Messages(f.Resolve());
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "level0: fragments nest more than 8 levels deep here");
  EXPECT_EQ(problems[1], "level1: fragments nest more than 8 levels deep here");
  EXPECT_EQ(*f.Expand("{{level2}}"), "end");
  EXPECT_FALSE(f.Expand("{{level1}}").ok());
}

TEST(FragmentsTest, AnUnknownNameIsAnError) {
  Fragments f;
  ASSERT_TRUE(f.Define("list", "a|{{missing}}", "f.json", nullptr));
  ASSERT_TRUE(f.Define("outer", "({{list}})json", "f.json", nullptr));
  // The fragment naming the unknown one has the problem; the one using it is broken quietly.
  EXPECT_EQ(Messages(f.Resolve()), std::vector<std::string>{"list: unknown fragment {{missing}}"});
  auto unknown = f.Expand("x{{nowhere}}y");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "unknown fragment {{nowhere}}");
  auto broken = f.Expand("{{outer}}");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().message(), "uses fragment {{outer}}, which has an error of its own");
}

TEST(FragmentsTest, ACycleIsReportedOnceAndBreaksWhatUsesIt) {
  Fragments f;
  ASSERT_TRUE(f.Define("a", "x{{b}}", "f.json", nullptr));
  ASSERT_TRUE(f.Define("b", "{{c}}|y", "f.json", nullptr));
  ASSERT_TRUE(f.Define("c", "({{a}})json", "f.json", nullptr));
  ASSERT_TRUE(f.Define("self", "{{self}}", "f.json", nullptr));
  ASSERT_TRUE(f.Define("user", "{{b}}", "f.json", nullptr));
  ASSERT_TRUE(f.Define("fine", "z", "f.json", nullptr));
  EXPECT_EQ(Messages(f.Resolve()),
            (std::vector<std::string>{"a: fragment cycle: a -> b -> c -> a",
                                      "self: fragment cycle: self -> self"}));
  for (const char* name : {"{{a}}", "{{b}}", "{{c}}", "{{self}}", "{{user}}"})
    EXPECT_FALSE(f.Expand(name).ok()) << name;
  EXPECT_EQ(*f.Expand("{{fine}}"), "z");
}

TEST(FragmentsTest, ADefinitionUnderATakenNameIsRefusedAndTheFirstStays) {
  Fragments f;
  ASSERT_TRUE(f.Define("brands", "Visa", "a.json", nullptr));
  std::string earlier;
  EXPECT_FALSE(f.Define("brands", "Amex", "b.json", &earlier));
  EXPECT_EQ(earlier, "a.json");
  EXPECT_TRUE(f.Resolve().empty());
  EXPECT_EQ(*f.Expand("{{brands}}"), "Visa");
}

TEST(FragmentsTest, ExpansionIsBoundedInLength) {
  Fragments f;
  const std::string kilobyte(1024, 'x');
  ASSERT_TRUE(f.Define("k", kilobyte, "f.json", nullptr));
  std::string sixteen, many;
  for (int i = 0; i < 16; ++i)
    sixteen += "{{k}}";
  for (int i = 0; i < 5; ++i)
    many += "{{k16}}";
  ASSERT_TRUE(f.Define("k16", sixteen, "f.json", nullptr));
  ASSERT_TRUE(f.Define("k80", many, "f.json", nullptr));  // 80 KiB: too long
  EXPECT_EQ(Messages(f.Resolve()),
            std::vector<std::string>{"k80: expands to more than 65536 bytes"});
  EXPECT_EQ(f.Expand("{{k16}}{{k16}}")->size(), 32u * 1024);
  auto too_long = f.Expand("{{k16}}{{k16}}{{k16}}{{k16}}{{k16}}");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().message(), "expands to more than 65536 bytes");
}

TEST(FragmentsTest, UnusedListsWhatNoPatternReachesEvenThroughAnotherFragment) {
  Fragments f;
  ASSERT_TRUE(f.Define("outer", "{{inner}}", "f.json", nullptr));
  ASSERT_TRUE(f.Define("inner", "i", "f.json", nullptr));
  ASSERT_TRUE(f.Define("lonely", "l", "g.json", nullptr));
  ASSERT_TRUE(f.Define("broken", "{{nowhere}}", "g.json", nullptr));
  ASSERT_EQ(f.Resolve().size(), 1u);
  ASSERT_EQ(f.Unused().size(), 3u);  // nothing expanded yet (broken is left out)
  ASSERT_TRUE(f.Expand("{{outer}}").ok());
  std::vector<Fragments::Problem> unused = f.Unused();
  ASSERT_EQ(unused.size(), 1u);
  EXPECT_EQ(unused[0].name, "lonely");
  EXPECT_EQ(unused[0].file, "g.json");
  EXPECT_EQ(unused[0].message, "fragment is never used");
}

}  // namespace
}  // namespace leadscan::detect
