#include "detect/compiled_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "detect/detector.h"
#include "detect/rule_set.h"
#include "detect/test_util.h"

namespace leadscan::detect {
namespace {

namespace fs = std::filesystem;
using testing_util::kCategories;
using testing_util::TestDir;
using testing_util::WriteFile;

// A shop page that our rules answer through every kind of database: regexes with and without
// required literals (html, scriptSrc, meta, headers), words, logos and dom literals.
PageInput ShopPage() {
  PageInput p;
  p.url = "https://shop.example.se/collections/all/products/mugg";
  p.html = R"(<!doctype html><html><head>
    <meta name="generator" content="WooCommerce 8.2.1">
    <script src="https://cdn.shopify.com/s/files/1/0/t/1/assets/theme.js"></script>
    <script src="https://x.klarnaservices.com/lib.js" data-client-id="abc"></script>
    <link rel="stylesheet" href="/wp-content/plugins/woocommerce/assets/css/woocommerce.css">
    </head><body><div class="shopify-section">
    <p>Vi skickar med PostNord och Budbee. Betala med Klarna eller Swish.</p>
    <img src="/assets/payment/visa.svg" alt="Visa"><img src="/assets/mastercard.png" alt="">
    <form action="/cart/add"><button>Lägg i varukorgen</button></form>
    </div></body></html>)";
  p.headers = {{"Server", "nginx/1.25.3"}, {"X-Powered-By", "PHP/8.2.1"}};
  return p;
}

// Findings as text: every field a user sees, in order.
std::string Describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += f.name + " " + std::to_string(f.confidence) + " " + f.version + ":";
    for (const auto& e : f.evidence)
      out += " [" + e.field + "=" + e.matched + "]";
    out += "\n";
  }
  return out;
}

std::shared_ptr<const RuleSet> LoadOurs(const std::string& cache_dir) {
  LoadOptions options;
  options.compiled_cache_dir = cache_dir;
  auto rs = RuleSet::Load({LEADSCAN_TEST_RULES_DIR}, options);
  EXPECT_TRUE(rs.ok()) << rs.status().ToString();
  return rs.ok() ? *rs : nullptr;
}

std::vector<fs::path> CacheFiles(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CompiledCacheTest, ASecondLoadTakesWhatTheFirstCompiledAndFindsTheSame) {
  const std::string cache = TestDir() + "/cache";
  auto compiled = LoadOurs("");
  auto cold = LoadOurs(cache);
  auto warm = LoadOurs(cache);
  ASSERT_TRUE(compiled && cold && warm);

  EXPECT_EQ(compiled->cache_stats().misses, 0u);
  EXPECT_EQ(compiled->compiled_cache_dir(), "");
  EXPECT_EQ(warm->compiled_cache_dir(), cache);
  EXPECT_GT(cold->cache_stats().misses, 3u);  // several fields, words, logos, dom literals
  EXPECT_EQ(cold->cache_stats().hits, 0u);
  EXPECT_EQ(cold->cache_stats().stored, cold->cache_stats().misses);
  EXPECT_EQ(CacheFiles(cache).size(), cold->cache_stats().stored);
  EXPECT_EQ(warm->cache_stats().hits, cold->cache_stats().misses);
  EXPECT_EQ(warm->cache_stats().misses, 0u);
  EXPECT_EQ(warm->cache_stats().stored, 0u);
  EXPECT_EQ(warm->fallback_count(), compiled->fallback_count());

  const std::string expected = Describe(Detector(compiled).Analyze({ShopPage()}));
  for (const char* name : {"Shopify", "WooCommerce", "Klarna", "Swish", "Visa", "Nginx"})
    EXPECT_NE(expected.find(name), std::string::npos) << name << " in\n" << expected;
  EXPECT_EQ(Describe(Detector(cold).Analyze({ShopPage()})), expected);
  EXPECT_EQ(Describe(Detector(warm).Analyze({ShopPage()})), expected);
}

// Damage of any kind (a changed byte, a cut file, a file copied under another key's name) is a
// miss: the rules compile, the file is written again, and the findings do not change.
TEST(CompiledCacheTest, ADamagedTruncatedOrMisnamedFileIsCompiledAgain) {
  const std::string cache = TestDir() + "/cache";
  auto first = LoadOurs(cache);
  ASSERT_TRUE(first);
  const std::string expected = Describe(Detector(first).Analyze({ShopPage()}));
  std::vector<fs::path> files = CacheFiles(cache);
  ASSERT_GE(files.size(), 4u);
  {  // one byte changed in the middle of the first file
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(files[0]) / 2));
    f.put('\x5a');
  }
  fs::resize_file(files[1], fs::file_size(files[1]) - 7);  // cut short
  // A whole, valid file, but another key's.
  fs::copy_file(files[3], files[2], fs::copy_options::overwrite_existing);

  auto second = LoadOurs(cache);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->cache_stats().rejected, 3u);
  EXPECT_EQ(second->cache_stats().stored, 3u);
  EXPECT_EQ(second->cache_stats().hits, first->cache_stats().stored - 3);
  EXPECT_EQ(Describe(Detector(second).Analyze({ShopPage()})), expected);

  auto third = LoadOurs(cache);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->cache_stats().hits, first->cache_stats().stored);
  EXPECT_EQ(third->cache_stats().rejected, 0u);
}

// A folder that cannot be made (a file stands in its place) costs the compile and nothing else.
TEST(CompiledCacheTest, AnUnwritableFolderOnlyCostsTheCompile) {
  const std::string blocked = TestDir() + "/file";
  std::ofstream(blocked) << "not a folder";
  auto rs = LoadOurs(blocked + "/cache");
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->cache_stats().hits, 0u);
  EXPECT_EQ(rs->cache_stats().stored, 0u);
  EXPECT_EQ(rs->cache_stats().unwritable, rs->cache_stats().misses);
  EXPECT_NE(Describe(Detector(rs).Analyze({ShopPage()})).find("Shopify"), std::string::npos);
}

// The key covers every input: the same parts in another order, or split differently, differ.
TEST(CompiledCacheTest, KeysDifferWhenTheirPartsDiffer) {
  auto key = [](std::initializer_list<std::string_view> parts) {
    CompiledCache::Key k;
    for (std::string_view p : parts)
      k.Add(p);
    return k.bytes();
  };
  EXPECT_EQ(key({"ab", "c"}), key({"ab", "c"}));
  EXPECT_NE(key({"ab", "c"}), key({"a", "bc"}));
  EXPECT_NE(key({"ab", "c"}), key({"c", "ab"}));
  CompiledCache::Key k;
  k.Add("x");
  EXPECT_EQ(k.Name().size(), 16u);
}

// The key holds every expression as its pattern expands (detect/fragments.h), so a fragment
// edited between two starts is a new key: the rules compile again and find what the new text
// says, never what the database compiled from the old text said.
TEST(CompiledCacheTest, AnEditedFragmentIsCompiledAgainNotTakenFromTheCache) {
  const std::string dir = TestDir();
  const std::string rules = dir + "/rules";
  const std::string cache = dir + "/cache";
  fs::create_directories(rules);
  WriteFile(rules, "categories.json", kCategories);
  // Four html patterns around a fragment too short for a literal prefilter (they go through a
  // Vectorscan database) and one around a long literal (it goes through the literal database).
  WriteFile(rules, "technologies.json", R"json({
    "A": {"cats": [1], "html": "a{{code}}1"}, "B": {"cats": [1], "html": "b{{code}}2"},
    "C": {"cats": [1], "html": "c{{code}}3"}, "D": {"cats": [1], "html": "d{{code}}4"},
    "Word": {"cats": [1], "html": "\\b{{word}}\\b"}
  })json");
  auto load = [&](const std::string& cache_dir) {
    LoadOptions options;
    options.compiled_cache_dir = cache_dir;
    auto rs = RuleSet::Load({rules}, options);
    EXPECT_TRUE(rs.ok()) << rs.status().ToString();
    return rs.ok() ? *rs : nullptr;
  };
  PageInput page;
  page.url = "https://shop.example/";
  page.html = "<p>aw7k1 bw7k2 cw7k3 dw7k4 newword</p>";
  const std::string found_by_new = "A B C D Word ";
  auto names = [&](const std::shared_ptr<const RuleSet>& rs) {
    std::string out;
    for (const Finding& f : Detector(rs).Analyze({page}))
      out += f.name + " ";
    return out;
  };

  WriteFile(rules, "fragments.json", R"json({"code": "q\\dz", "word": "oldword"})json");
  auto old_cold = load(cache);
  auto old_warm = load(cache);
  ASSERT_TRUE(old_cold && old_warm);
  EXPECT_GE(old_cold->cache_stats().stored, 2u);  // the html database and the literals
  EXPECT_EQ(old_warm->cache_stats().misses, 0u);
  EXPECT_EQ(old_warm->cache_stats().hits, old_cold->cache_stats().stored);
  EXPECT_EQ(names(old_warm), "");

  WriteFile(rules, "fragments.json", R"json({"code": "w\\dk", "word": "newword"})json");
  auto edited = load(cache);
  ASSERT_TRUE(edited);
  EXPECT_GE(edited->cache_stats().misses, 2u);
  EXPECT_EQ(edited->cache_stats().stored, edited->cache_stats().misses);
  EXPECT_EQ(names(edited), found_by_new);
  EXPECT_EQ(names(load("")), found_by_new);
  auto edited_warm = load(cache);
  ASSERT_TRUE(edited_warm);
  EXPECT_EQ(edited_warm->cache_stats().misses, 0u);
  EXPECT_EQ(names(edited_warm), found_by_new);
}

// Past kMaxFolderBytes the least recently used files go.
TEST(CompiledCacheTest, TheFolderIsKeptUnderItsLimitByDroppingTheLeastRecentlyUsed) {
  const std::string dir = TestDir() + "/cache";
  fs::create_directories(dir);
  const fs::path old_file = fs::path(dir) / "old.hsdb";
  const fs::path other = fs::path(dir) / "notes.txt";  // not ours: never removed
  std::ofstream(old_file).close();
  fs::resize_file(old_file, CompiledCache::kMaxFolderBytes);  // sparse: takes no disk
  std::ofstream(other) << "x";
  fs::last_write_time(old_file, fs::file_time_type::clock::now() - std::chrono::hours(1));

  auto rs = LoadOurs(dir);
  ASSERT_TRUE(rs);
  EXPECT_GT(rs->cache_stats().stored, 0u);
  EXPECT_FALSE(fs::exists(old_file));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_EQ(CacheFiles(dir).size(), rs->cache_stats().stored + 1);
}

}  // namespace
}  // namespace leadscan::detect
