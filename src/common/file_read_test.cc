#include "common/file_read.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace leadscan::common {
namespace {

class FileReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("leadscan_file_read_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::string WriteGzip(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, content.data(), static_cast<unsigned>(content.size())),
              static_cast<int>(content.size()));
    gzclose(f);
    return path;
  }

  static std::string ReadBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::filesystem::path dir_;
};

TEST_F(FileReadTest, ReadsAPlainFileAsItIs) {
  const std::string page = "<html><body>Frakt med PostNord</body></html>\n";
  auto read = ReadFileInflated(Write("page.html", page), 1 << 20);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, page);
}

TEST_F(FileReadTest, InflatesAGzipFile) {
  std::string page;
  for (int i = 0; i < 20000; ++i)  // more than one read buffer
    page += "<p>Betala med Klarna " + std::to_string(i) + "</p>\n";
  auto read = ReadFileInflated(WriteGzip("page.html.gz", page), 1 << 22);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, page);
}

TEST_F(FileReadTest, RefusesContentPastTheBoundEvenWhenTheFileIsSmall) {
  const std::string zeros(8 << 20, '\0');
  const std::string path = WriteGzip("bomb.gz", zeros);
  ASSERT_LT(std::filesystem::file_size(path), 64u << 10);  // small on disk
  auto read = ReadFileInflated(path, 1 << 20);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().error_code(), "body_too_large");
  // The bound is on the content: exactly max_bytes is still read.
  auto exact = ReadFileInflated(Write("exact.txt", std::string(1000, 'x')), 1000);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->size(), 1000u);
}

TEST_F(FileReadTest, AMissingFileOrCorruptGzipIsAnError) {
  auto missing = ReadFileInflated((dir_ / "absent.html").string(), 1 << 20);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);

  const std::string whole = ReadBytes(WriteGzip("whole.gz", std::string(100000, 'a') + "end"));
  // Cut short: the gzip stream ends before its trailer.
  auto cut = ReadFileInflated(Write("cut.gz", whole.substr(0, whole.size() / 2)), 1 << 20);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kIoError);
  // Corrupt: the deflate data overwritten after the header.
  std::string bad = whole;
  for (size_t i = 12; i < 40 && i < bad.size(); ++i)
    bad[i] = static_cast<char>(0xff);
  auto corrupt = ReadFileInflated(Write("corrupt.gz", bad), 1 << 20);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace leadscan::common
