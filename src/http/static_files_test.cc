#include "http/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace leadscan::http {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  StaticFilesTest()
      : base_(fs::temp_directory_path() / ("leadscan_static_" + std::to_string(getpid()))),
        root_(base_ / "dist") {
    fs::remove_all(base_);
    Write(root_ / "index.html", "<!doctype html><title>leadscan</title>");
    Write(root_ / "assets" / "index-3f9a1c2b.js", "console.log(1)");
    Write(root_ / "app.css", "body{}");
    Write(root_ / "app.css.gz", "GZDATA");
    Write(base_ / "secret.txt", "top secret");
    fs::create_symlink(base_ / "secret.txt", root_ / "link.txt");
  }

  ~StaticFilesTest() override { fs::remove_all(base_); }

  Response Get(std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.headers = std::move(headers);
    return StaticFiles(root_).Serve(r);
  }

  static std::string HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name)
        return v;
    }
    return "";
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCachePolicy) {
  Response index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(index, "Cache-Control"), "no-cache");
  EXPECT_NE(index.body.find("leadscan"), std::string::npos);
  EXPECT_FALSE(HeaderOf(index, "Last-Modified").empty());

  Response js = Get("/assets/index-3f9a1c2b.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(js, "Cache-Control"), "public, max-age=31536000, immutable");
}

TEST_F(StaticFilesTest, EtagRevalidationAnswers304) {
  Response first = Get("/app.css");
  std::string etag = HeaderOf(first, "ETag");
  ASSERT_FALSE(etag.empty());
  Response again = Get("/app.css", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  Response other = Get("/app.css", {{"If-None-Match", "W/\"nope\""}});
  EXPECT_EQ(other.status, 200);
}

TEST_F(StaticFilesTest, GzipSiblingServedWhenAccepted) {
  Response gz = Get("/app.css", {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(gz.status, 200);
  EXPECT_EQ(gz.body, "GZDATA");
  EXPECT_EQ(HeaderOf(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(gz.content_type, "text/css; charset=utf-8");
  Response plain = Get("/app.css");
  EXPECT_EQ(plain.body, "body{}");
  EXPECT_NE(HeaderOf(gz, "ETag"), HeaderOf(plain, "ETag"));
}

TEST_F(StaticFilesTest, SpaFallbackForRoutesButNotForMissingAssets) {
  Response route = Get("/jobs/42");
  EXPECT_EQ(route.status, 200);
  EXPECT_NE(route.body.find("leadscan"), std::string::npos);
  EXPECT_EQ(Get("/assets/missing-12345678.js").status, 404);
}

TEST_F(StaticFilesTest, TraversalAndSymlinksOutOfTheRootAreRefused) {
  EXPECT_EQ(Get("/../secret.txt").status, 403);
  EXPECT_EQ(Get("/assets/../../secret.txt").status, 403);
  EXPECT_EQ(Get("/link.txt").status, 403);
  EXPECT_EQ(Get("/..\\secret.txt").status, 403);
}

TEST(StaticFilesNamesTest, HashedNamesAndTypes) {
  EXPECT_TRUE(StaticFiles::IsHashedAssetName("index-BqK3x9aZ.js"));
  EXPECT_TRUE(StaticFiles::IsHashedAssetName("main.3f9a1c2b.css"));
  EXPECT_FALSE(StaticFiles::IsHashedAssetName("index.html"));
  EXPECT_FALSE(StaticFiles::IsHashedAssetName("vendor-library.js"));
  EXPECT_EQ(StaticFiles::ContentTypeFor(".SVG"), "image/svg+xml");
  EXPECT_EQ(StaticFiles::ContentTypeFor(".weird"), "application/octet-stream");
}

}  // namespace
}  // namespace leadscan::http
