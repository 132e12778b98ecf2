#include "detect/fragments.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "detect/detector.h"
#include "detect/rule_set.h"
#include "detect/test_util.h"

namespace leadscan::detect {
namespace {

using testing_util::kCategories;
using testing_util::TestDir;
using testing_util::WriteFile;

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

// Loading: fragments.json beside the technologies, references in every field that takes a
// regex.
class RuleFragmentsTest : public ::testing::Test {
 protected:
  common::Result<std::shared_ptr<const RuleSet>> Load(const std::string& fragments,
                                                      const std::string& technologies) {
    dir_ = TestDir();
    WriteFile(dir_, "categories.json", kCategories);
    WriteFile(dir_, "fragments.json", fragments);
    WriteFile(dir_, "technologies.json", technologies);
    return RuleSet::Load({dir_});
  }

  std::string dir_;
};

bool Found(const std::vector<Finding>& findings, const std::string& name) {
  for (const Finding& f : findings) {
    if (f.name == name)
      return true;
  }
  return false;
}

TEST_F(RuleFragmentsTest, ReferencesExpandInEveryFieldThatTakesARegex) {
  auto rs = Load(R"json({"brand": "(?:Acme|Zenith)", "version": "([\\d.]+)",
                     "brand_version": "{{brand}}/{{version}}", "nothing": ""})json",
                 R"json({
    "Html": {"cats": [1], "html": "<div id=\"{{brand}}-root\""},
    "Text": {"cats": [1], "text": "powered by {{brand}}"},
    "Css": {"cats": [1], "css": "\\.{{brand}}-box"},
    "Inline": {"cats": [1], "scripts": "window\\.{{brand}}Shop"},
    "Src": {"cats": [1], "scriptSrc": "cdn\\.{{brand}}\\.com/lib-{{version}}\\.js\\;version:\\1"},
    "Url": {"cats": [1], "url": "^https://{{brand}}\\.example"},
    "Header": {"cats": [1], "headers": {"X-Powered-By": "^{{brand_version}}\\;version:\\1"}},
    "Cookie": {"cats": [1], "cookies": {"session": "^{{brand}}-"}},
    "Meta": {"cats": [1], "meta": {"generator": "^{{brand}} CMS"}},
    "Js": {"cats": [1], "js": {"Shop.vendor": "^{{brand}}$"}},
    "Robots": {"cats": [1], "robots": "Disallow: /{{brand}}-admin"},
    "Cert": {"cats": [1], "certIssuer": "{{brand}} CA"},
    "Xhr": {"cats": [1], "xhr": "api\\.{{brand}}\\.io"},
    "DomText": {"cats": [1], "dom": {"footer .brand": {"text": "^{{brand}}$"}}},
    "DomAttr": {"cats": [1], "dom": {"[data-shop]": {"attributes": {"data-shop": "^{{brand}}-{{version}}\\;version:\\1"}}}},
    "Other": {"cats": [1], "html": "{{brand}}-never-on-the-page"},
    "Always": {"cats": [1], "headers": {"X-Shop": "{{nothing}}"}}
  })json");
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  EXPECT_TRUE((*rs)->warnings().empty()) << (*rs)->warnings()[0];
  PageInput p;
  p.url = "https://zenith.example/";
  p.html =
      "<html><head><style>.acme-box{color:red}</style>"
      "<script src=\"https://cdn.acme.com/lib-2.4.js\"></script>"
      "<script>window.ZenithShop = 1;</script>"
      "<meta name=\"generator\" content=\"Acme CMS\"></head>"
      "<body><div id=\"acme-root\" data-shop=\"zenith-7.1\"><p>Powered by Zenith</p></div>"
      "<footer><span class=\"brand\">Acme</span></footer></body></html>";
  p.headers = {{"x-powered-by", "Zenith/3.2"}, {"x-shop", "anything"}};
  p.cookies = {{"session", "acme-123"}};
  p.js = {{"Shop.vendor", "Acme"}};
  p.robots = "User-agent: *\nDisallow: /zenith-admin\n";
  p.cert_issuer = "Acme CA R3";
  p.xhr = {"https://api.zenith.io/v1"};
  p.role = "home";
  auto findings = Detector(*rs).Analyze({p});
  for (const char* name : {"Html", "Text", "Css", "Inline", "Src", "Url", "Header", "Cookie",
                           "Meta", "Js", "Robots", "Cert", "Xhr", "DomText", "DomAttr", "Always"}) {
    EXPECT_TRUE(Found(findings, name)) << name;
  }
  EXPECT_FALSE(Found(findings, "Other"));  // "Always": a fragment of nothing matches any value
  std::map<std::string, std::string> versions;
  for (const Finding& f : findings)
    versions[f.name] = f.version;
  EXPECT_EQ(versions["Src"], "2.4");
  EXPECT_EQ(versions["Header"], "3.2");  // the group inside a nested fragment
  EXPECT_EQ(versions["DomAttr"], "7.1");
}

// The reference's rewrite (`+` -> {1,250}, `/` -> \/) applies to the expanded text, as if the
// fragment had been written into the pattern.
TEST_F(RuleFragmentsTest, APatternWithFragmentsMatchesAsTheSamePatternWrittenOut) {
  auto rs = Load(R"json({"path": "/shop/\\w+/", "sep": "\\s*(?:,|&|/)\\s*"})json", R"json({
    "Written": {"cats": [1], "html": "href=\"/shop/\\w+/cart\"", "text": "Visa\\s*(?:,|&|/)\\s*Amex"},
    "Fragments": {"cats": [1], "html": "href=\"{{path}}cart\"", "text": "Visa{{sep}}Amex"}
  })json");
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  const std::vector<std::pair<std::string, bool>> pages = {
      {"<a href=\"/shop/a/cart\">x</a>", true},
      {"<p>Visa / Amex</p>", true},
      {"<p>Visa &amp; Amex</p>", true},
      {"<a href=\"/shop//cart\">x</a><p>Visa - Amex</p>", false}};
  for (const auto& [html, found] : pages) {
    PageInput p;
    p.url = "https://shop.example/";
    p.html = html;
    auto findings = Detector(*rs).Analyze({p});
    EXPECT_EQ(Found(findings, "Written"), found) << html;
    EXPECT_EQ(Found(findings, "Fragments"), found) << html;
  }
  EXPECT_EQ((*rs)->patterns().size(), 4u);
}

TEST_F(RuleFragmentsTest, FragmentsMayAlsoSitBesideTechnologiesInOneFile) {
  std::string dir = TestDir();
  WriteFile(dir, "rules.json", R"json({
    "categories": {"1": {"name": "CMS", "priority": 1}},
    "fragments": {"brand": "Acme"},
    "technologies": {"Shop": {"cats": [1], "html": "{{brand}}-shop"}}
  })json");
  auto rs = RuleSet::Load({dir});
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  PageInput p;
  p.url = "https://shop.example/";
  p.html = "<div class=\"acme-shop\"></div>";
  EXPECT_TRUE(Found(Detector(*rs).Analyze({p}), "Shop"));
}

TEST_F(RuleFragmentsTest, AnUnknownNameFailsTheLoadNamingWhereItIs) {
  auto rs = Load(R"json({"brand": "Acme"})json", R"json({
    "Fine": {"cats": [1], "html": "{{brand}}"},
    "Typo": {"cats": [1], "headers": {"Server": ["nginx", "^{{brnad}}/"]}}
  })json");
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.status().error_code(), "rules_invalid");
  EXPECT_EQ(rs.status().message(),
            dir_ +
                "/technologies.json: technology \"Typo\": headers.server: pattern "
                "\"^{{brnad}}/\": unknown fragment {{brnad}}");
}

TEST_F(RuleFragmentsTest, ACycleFailsTheLoad) {
  auto rs = Load(R"json({"a": "x{{b}}", "b": "{{a}}"})json",
                 R"json({"Shop": {"cats": [1], "html": "{{a}}"}})json");
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.status().message(),
            dir_ + "/fragments.json: fragments.a: fragment cycle: a -> b -> a");
}

TEST_F(RuleFragmentsTest, AFragmentDefinedTwiceFailsTheLoad) {
  // In two files, and twice in one file (JSON parsing would keep the second silently).
  std::string dir = TestDir();
  WriteFile(dir, "categories.json", kCategories);
  WriteFile(dir, "fragments.json", R"json({"brand": "Acme"})json");
  std::filesystem::create_directories(dir + "/more");
  WriteFile(dir, "more/fragments.json", R"json({"other": "x", "brand": "Zenith"})json");
  WriteFile(dir, "technologies.json",
            R"json({"Shop": {"cats": [1], "html": "{{brand}}-{{other}}"}})json");
  auto twice = RuleSet::Load({dir});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(),
            dir +
                "/more/fragments.json: fragments.brand: fragment defined again: first "
                "defined in " +
                dir + "/fragments.json");

  WriteFile(dir, "more/fragments.json", R"json({"other": "x", "other": "y"})json");
  auto in_one_file = RuleSet::Load({dir});
  ASSERT_FALSE(in_one_file.ok());
  EXPECT_EQ(in_one_file.status().message(),
            dir + "/more/fragments.json: fragments.other: fragment defined twice in this file");

  // The same file named twice among the paths is not a second definition.
  WriteFile(dir, "more/fragments.json", R"json({"other": "x"})json");
  auto same_file = RuleSet::Load({dir, dir + "/fragments.json"});
  EXPECT_TRUE(same_file.ok()) << same_file.status().ToString();
}

TEST_F(RuleFragmentsTest, AFileWithoutReferencesLoadsAsBefore) {
  // Braces that are not references stay as they are: a JavaScript regex's literal braces.
  auto rs = Load(R"json({"unused": "x"})json", R"json({
    "Vue": {"cats": [1], "html": "\\{\\{\\s*\\$t\\(", "text": "{{ price }}"}
  })json");
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  ASSERT_EQ((*rs)->warnings().size(), 1u);
  EXPECT_EQ((*rs)->warnings()[0],
            "warning: " + dir_ + "/fragments.json: fragments.unused: fragment is never used");
  PageInput p;
  p.url = "https://shop.example/";
  p.html = "<p>{{ price }}</p><b>{{ $t('cart') }}</b>";
  auto findings = Detector(*rs).Analyze({p});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].evidence.size(), 2u);
}

}  // namespace
}  // namespace leadscan::detect
