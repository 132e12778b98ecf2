#include "fetch/content_decoder.h"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace leadscan::fetch {
namespace {

using common::Status;

// windowBits 15 + 16: gzip wrapper; 15: zlib wrapper; -15: raw deflate.
std::string Deflate(const std::string& in, int window_bits) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Brotli(const std::string& in) {
  std::string out(BrotliEncoderMaxCompressedSize(in.size()) + 64, '\0');
  size_t size = out.size();
  BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, in.size(),
                        reinterpret_cast<const uint8_t*>(in.data()), &size,
                        reinterpret_cast<uint8_t*>(out.data()));
  out.resize(size);
  return out;
}

std::string Page() {
  std::string page = "<html><body>";
  for (int i = 0; i < 2000; ++i)
    page += "<p>Frakt med PostNord " + std::to_string(i) + "</p>";
  return page + "</body></html>";
}

TEST(ContentDecoderTest, DecodesGzipDeflateAndBrotliInAnyChunking) {
  const std::string page = Page();
  const std::pair<const char*, std::string> cases[] = {
      {"gzip", Deflate(page, 15 + 16)},
      {"x-gzip", Deflate(page, 15 + 16)},
      {"deflate", Deflate(page, 15)},
      {"deflate", Deflate(page, -15)},
      {"br", Brotli(page)},
  };
  for (const auto& [encoding, compressed] : cases) {
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}, compressed.size()}) {
      auto d = ContentDecoder::Create(encoding);
      ASSERT_TRUE(d.ok());
      ASSERT_NE(d->get(), nullptr);
      std::string out;
      for (size_t i = 0; i < compressed.size(); i += chunk) {
        auto s = (*d)->Decode(std::string_view(compressed).substr(i, chunk), out, 1 << 24);
        ASSERT_TRUE(s.ok()) << encoding << " chunk " << chunk << ": " << s.ToString();
      }
      EXPECT_TRUE((*d)->Finish().ok()) << encoding;
      EXPECT_EQ(out, page) << encoding << " chunk " << chunk;
    }
  }
}

TEST(ContentDecoderTest, TruncatedStreamsFailAtFinish) {
  const std::string page = Page();
  for (const auto& [encoding, compressed] :
       {std::pair<const char*, std::string>{"gzip", Deflate(page, 15 + 16)},
        std::pair<const char*, std::string>{"br", Brotli(page)}}) {
    auto d = ContentDecoder::Create(encoding);
    ASSERT_TRUE(d.ok());
    std::string out;
    ASSERT_TRUE((*d)->Decode(compressed.substr(0, compressed.size() / 2), out, 1 << 24).ok());
    auto s = (*d)->Finish();
    EXPECT_EQ(s.error_code(), "bad_content_encoding") << encoding;
  }
}

TEST(ContentDecoderTest, CorruptDataFails) {
  std::string gz = Deflate(Page(), 15 + 16);
  for (size_t i = 10; i + 8 < gz.size(); ++i)
    gz[i] = '\xff';
  auto d = ContentDecoder::Create("gzip");
  ASSERT_TRUE(d.ok());
  std::string out;
  EXPECT_EQ((*d)->Decode(gz, out, 1 << 24).error_code(), "bad_content_encoding");
}

TEST(ContentDecoderTest, BombStopsAtTheLimit) {
  std::string zeros(64 << 20, '\0');
  std::string gz = Deflate(zeros, 15 + 16);
  ASSERT_LT(gz.size(), 1u << 20);
  auto d = ContentDecoder::Create("gzip");
  ASSERT_TRUE(d.ok());
  std::string out;
  auto s = (*d)->Decode(gz, out, 1 << 20);
  EXPECT_EQ(s.error_code(), "body_too_large");
  EXPECT_EQ(out.size(), 1u << 20);
}

TEST(ContentDecoderTest, IdentityNeedsNoDecoderAndUnknownEncodingsFail) {
  auto none = ContentDecoder::Create("");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->get(), nullptr);
  auto identity = ContentDecoder::Create(" Identity ");
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->get(), nullptr);
  EXPECT_EQ(ContentDecoder::Create("compress").status().error_code(), "bad_content_encoding");
  EXPECT_EQ(ContentDecoder::Create("zstd").status().error_code(), "bad_content_encoding");
}

// 78 9c, then empty stored blocks (00 00 00 ff ff) forever: the stream never yields a byte.
// The deflate decoder kept every byte of it for a raw-deflate replay (4.1 GB in 35 s).
TEST(ContentDecoderTest, AStreamThatNeverYieldsStopsAtTheLimitOnItsInput) {
  const int64_t limit = 64 * 1024;
  const std::string stall = [] {
    std::string s;
    for (int i = 0; i < 3276; ++i)
      s += std::string("\0\0\0\xff\xff", 5);
    return s;  // 16 KiB of empty blocks
  }();
  const std::pair<const char*, std::string> streams[] = {
      {"deflate", std::string("\x78\x9c", 2)},
      {"gzip", std::string("\x1f\x8b\x08\0\0\0\0\0\0\x03", 10)}};
  for (const auto& [encoding, header] : streams) {
    auto d = ContentDecoder::Create(encoding);
    ASSERT_TRUE(d.ok());
    std::string out;
    ASSERT_TRUE((*d)->Decode(header, out, limit).ok()) << encoding;
    Status s = Status::Ok();
    int64_t fed = static_cast<int64_t>(header.size());
    for (int i = 0; i < 1000 && s.ok(); ++i) {
      s = (*d)->Decode(stall, out, limit);
      fed += static_cast<int64_t>(stall.size());
    }
    EXPECT_EQ(s.error_code(), "body_too_large") << encoding << ": " << s.ToString();
    EXPECT_LE(fed, limit + static_cast<int64_t>(stall.size())) << encoding;
    EXPECT_TRUE(out.empty());
  }
}

TEST(ContentDecoderTest, CompressedInputLargerThanTheLimitFailsEvenWhenItsOutputFits) {
  // Incompressible bytes: the compressed form is larger than the page.
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 100000; ++i) {
    x = x * 1664525u + 1013904223u;
    noise.push_back(static_cast<char>(x >> 24));
  }
  for (const char* encoding : {"gzip", "br"}) {
    auto d = ContentDecoder::Create(encoding);
    ASSERT_TRUE(d.ok());
    std::string z = std::string(encoding) == "br" ? Brotli(noise) : Deflate(noise, 15 + 16);
    std::string out;
    Status s = (*d)->Decode(z, out, static_cast<int64_t>(noise.size()));
    EXPECT_EQ(s.error_code(), "body_too_large") << encoding << ": " << s.ToString();
  }
}

}  // namespace
}  // namespace leadscan::fetch
