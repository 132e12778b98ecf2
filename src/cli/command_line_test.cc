#include "cli/command_line.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace leadscan::cli {
namespace {

// Parses `leadscan <args...>` with the real command line; throws what CLI11 throws.
std::unique_ptr<CommandLine> Parse(std::vector<std::string> args) {
  auto cl = BuildCommandLine();
  args.insert(args.begin(), "leadscan");
  std::vector<const char*> argv;
  for (const auto& a : args)
    argv.push_back(a.c_str());
  cl->app.parse(static_cast<int>(argv.size()), argv.data());
  return cl;
}

// The subcommand at `path` ("leads import" → leads, then import).
CLI::App* Sub(CommandLine& cl, const std::string& path) {
  CLI::App* app = &cl.app;
  size_t start = 0;
  while (start < path.size()) {
    size_t space = path.find(' ', start);
    if (space == std::string::npos)
      space = path.size();
    app = app->get_subcommand(path.substr(start, space - start));
    start = space + 1;
  }
  return app;
}

std::vector<std::string> Values(CommandLine& cl, const std::string& sub, const std::string& opt) {
  return Sub(cl, sub)->get_option(opt)->results();
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t space = path.find(' ', start);
    if (space == std::string::npos)
      space = path.size();
    out.push_back(path.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

// One repeatable option of one subcommand, a value it accepts, and the subcommand's first
// positional (empty when it has none).
struct RepeatableCase {
  std::string sub;
  std::string option;
  std::string value;
  std::string positional_name;
  std::string positional_value;
};

void PrintTo(const RepeatableCase& c, std::ostream* os) {
  *os << c.sub << " " << c.option << " " << c.value << " " << c.positional_value;
}

std::string FetchFlag(const std::string& name) {
  if (name == "--allow-net" || name == "--provider-allow-net")
    return "10.0.0.0/8";
  if (name == "--resolve")
    return "intranet.example:443:10.1.2.3";
  return "intranet.example:443:10.1.2.3:8443";  // --connect-to
}

std::vector<RepeatableCase> Cases() {
  std::vector<RepeatableCase> cases;
  for (const char* flag : {"--allow-net", "--resolve", "--connect-to", "--provider-allow-net"}) {
    cases.push_back({"analyze", flag, FetchFlag(flag), "inputs", "intranet.example"});
    cases.push_back({"batch", flag, FetchFlag(flag), "file", "/dev/null"});
    cases.push_back({"serve", flag, FetchFlag(flag), "", ""});
    cases.push_back({"worker", flag, FetchFlag(flag), "", ""});
  }
  cases.push_back({"analyze", "--rules", "/", "inputs", "intranet.example"});
  cases.push_back({"analyze", "--only-rules", "/", "inputs", "intranet.example"});
  cases.push_back({"batch", "--rules", "/", "file", "/dev/null"});
  cases.push_back({"batch", "--only-rules", "/", "file", "/dev/null"});
  cases.push_back({"serve", "--rules", "/", "", ""});
  cases.push_back({"worker", "--rules", "/", "", ""});
  cases.push_back({"serve", "--cors-origin", "https://crm.example", "", ""});
  // `domain find` (issue 12): the fetch flags and --provider-allow-net.
  for (const char* flag : {"--allow-net", "--resolve", "--connect-to", "--provider-allow-net"})
    cases.push_back({"domain find", flag, FetchFlag(flag), "company_name", "Kaffebönan AB"});
  return cases;
}

class RepeatableOptionTest : public testing::TestWithParam<RepeatableCase> {};

TEST_P(RepeatableOptionTest, TakesOneValueAndLeavesThePositional) {
  const RepeatableCase& c = GetParam();
  auto args = Split(c.sub);
  args.push_back(c.option);
  args.push_back(c.value);
  if (c.positional_name.empty()) {
    // Nothing may swallow the stray token: CLI11 must reject it instead.
    args.push_back("stray.example");
    EXPECT_THROW(Parse(args), CLI::ParseError) << c.sub << " " << c.option;
    return;
  }
  args.push_back(c.positional_value);
  auto cl = Parse(args);
  EXPECT_EQ(Values(*cl, c.sub, c.option), std::vector<std::string>{c.value});
  EXPECT_EQ(Values(*cl, c.sub, c.positional_name), std::vector<std::string>{c.positional_value});
}

TEST_P(RepeatableOptionTest, RepeatingTheOptionGivesSeveralValues) {
  const RepeatableCase& c = GetParam();
  auto args = Split(c.sub);
  for (int i = 0; i < 3; ++i) {
    args.push_back(c.option);
    args.push_back(c.value);
  }
  if (!c.positional_name.empty())
    args.push_back(c.positional_value);
  auto cl = Parse(args);
  EXPECT_EQ(Values(*cl, c.sub, c.option), std::vector<std::string>(3, c.value));
  if (!c.positional_name.empty()) {
    EXPECT_EQ(Values(*cl, c.sub, c.positional_name), std::vector<std::string>{c.positional_value});
  }
}

TEST_P(RepeatableOptionTest, EqualsFormWorksBeforeAPositional) {
  const RepeatableCase& c = GetParam();
  auto args = Split(c.sub);
  args.push_back(c.option + "=" + c.value);
  if (c.positional_name.empty()) {  // serve and worker take no positionals: the form alone
    auto cl = Parse(args);
    EXPECT_EQ(Values(*cl, c.sub, c.option), std::vector<std::string>{c.value});
    return;
  }
  std::vector<std::string> positionals = {c.positional_value};
  if (c.positional_name == "inputs")  // analyze takes many
    positionals.push_back("second.example");
  args.insert(args.end(), positionals.begin(), positionals.end());
  auto cl = Parse(args);
  EXPECT_EQ(Values(*cl, c.sub, c.option), std::vector<std::string>{c.value});
  EXPECT_EQ(Values(*cl, c.sub, c.positional_name), positionals);
}

INSTANTIATE_TEST_SUITE_P(EveryRepeatableOption, RepeatableOptionTest, testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<RepeatableCase>& param) {
                           std::string name = param.param.sub + param.param.option;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           }
                           return name;
                         });

void CollectRepeatable(CLI::App& app, const std::string& path,
                       std::set<std::pair<std::string, std::string>>* out) {
  for (CLI::Option* opt : app.get_options()) {
    if (!opt->get_positional() && opt->get_items_expected_max() > 1)
      out->insert({path, opt->get_name(false, true)});
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    CollectRepeatable(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
  }
}

// A repeatable option added later must get a case above (and so the guarantee).
TEST(CommandLineTest, EveryRepeatableOptionHasACase) {
  auto cl = BuildCommandLine();
  std::set<std::pair<std::string, std::string>> found;
  CollectRepeatable(cl->app, "", &found);
  std::set<std::pair<std::string, std::string>> covered;
  for (const auto& c : Cases())
    covered.insert({c.sub, c.option});
  EXPECT_EQ(found, covered);
}

TEST(CommandLineTest, EveryRepeatableOptionTakesOneValuePerOccurrence) {
  auto cl = BuildCommandLine();
  std::vector<CLI::App*> apps = {&cl->app};
  for (size_t i = 0; i < apps.size(); ++i) {
    for (CLI::App* sub : apps[i]->get_subcommands([](CLI::App*) { return true; }))
      apps.push_back(sub);
    for (CLI::Option* opt : apps[i]->get_options()) {
      if (!opt->get_positional() && opt->get_items_expected_max() > 1) {
        EXPECT_FALSE(opt->get_allow_extra_args()) << apps[i]->get_name() << " " << opt->get_name();
      }
    }
  }
}

TEST(CommandLineTest, IssueExampleAnalysesTheIntranetHost) {
  auto cl = Parse({"analyze", "--allow-net", "10.0.0.0/8", "intranet.example"});
  EXPECT_EQ(Values(*cl, "analyze", "--allow-net"), std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(Values(*cl, "analyze", "inputs"), std::vector<std::string>{"intranet.example"});
}

TEST(CommandLineTest, MixedRepeatableOptionsAndPositionals) {
  auto cl = Parse({"analyze", "a.example", "--allow-net", "127.0.0.1/32:8443", "b.example",
                   "--connect-to", "::127.0.0.1:8443", "--allow-net", "10.0.0.0/8", "c.example"});
  EXPECT_EQ(Values(*cl, "analyze", "--allow-net"),
            (std::vector<std::string>{"127.0.0.1/32:8443", "10.0.0.0/8"}));
  EXPECT_EQ(Values(*cl, "analyze", "--connect-to"), std::vector<std::string>{"::127.0.0.1:8443"});
  EXPECT_EQ(Values(*cl, "analyze", "inputs"),
            (std::vector<std::string>{"a.example", "b.example", "c.example"}));
}

}  // namespace
}  // namespace leadscan::cli
