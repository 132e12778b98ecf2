// Fuzz target: Content-Encoding decoding (fetch/content_decoder.h). The first byte picks the
// encoding and the chunk size. Even first bytes feed the rest as a compressed stream (corrupt
// data must fail cleanly, and output never passes the limit); odd ones compress the rest
// with zlib or brotli first, and decoding must give it back.
#include <brotli/encode.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fetch/content_decoder.h"
#include "fuzz_check.h"

namespace {

constexpr int64_t kLimit = 1 << 20;
constexpr const char* kEncodings[] = {"gzip", "deflate", "br", "x-gzip"};

std::string Deflate(std::string_view in, int window_bits) {
  z_stream zs{};
  FUZZ_CHECK(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8,
                          Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  FUZZ_CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Brotli(std::string_view in) {
  size_t size = BrotliEncoderMaxCompressedSize(in.size()) + 64;
  std::string out(size, '\0');
  FUZZ_CHECK(BrotliEncoderCompress(1, 18, BROTLI_MODE_GENERIC, in.size(),
                                   reinterpret_cast<const uint8_t*>(in.data()), &size,
                                   reinterpret_cast<uint8_t*>(out.data())) == BROTLI_TRUE);
  out.resize(size);
  return out;
}

// Feeds `in` in chunks of `chunk` bytes; true when every Decode and Finish succeeded.
bool DecodeAll(const char* encoding, std::string_view in, size_t chunk, std::string* out) {
  auto decoder = leadscan::fetch::ContentDecoder::Create(encoding);
  FUZZ_CHECK(decoder.ok() && *decoder != nullptr);
  for (size_t i = 0; i < in.size(); i += chunk) {
    auto status = (*decoder)->Decode(in.substr(i, chunk), *out, kLimit);
    FUZZ_CHECK(static_cast<int64_t>(out->size()) <= kLimit);
    if (!status.ok()) {
      FUZZ_CHECK(status.error_code() == "bad_content_encoding" ||
                 status.error_code() == "body_too_large");
      return false;
    }
  }
  auto status = (*decoder)->Finish();
  if (!status.ok())
    FUZZ_CHECK(status.error_code() == "bad_content_encoding");
  return status.ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    (void)leadscan::fetch::ContentDecoder::Create("");
    return 0;
  }
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const char* encoding = kEncodings[(mode >> 1) % 4];
  const size_t chunk = size_t{1} << ((mode >> 3) % 13);  // 1 byte .. 4 KiB
  std::string out;
  if ((mode & 1) == 0) {
    (void)DecodeAll(encoding, rest, chunk, &out);
    return 0;
  }
  std::string compressed;
  std::string_view name = encoding;
  if (name == "br")
    compressed = Brotli(rest);
  else
    compressed = Deflate(rest, name == "deflate" ? ((mode & 0x80) ? -15 : 15) : 15 + 16);
  FUZZ_CHECK(DecodeAll(encoding, compressed, chunk, &out));
  FUZZ_CHECK(out == rest);
  // Cut short, the stream must not pass as whole.
  if (!compressed.empty()) {
    std::string partial;
    FUZZ_CHECK(!DecodeAll(encoding, std::string_view(compressed).substr(0, compressed.size() - 1),
                          chunk, &partial));
  }
  return 0;
}
