#include "gzip.h"

#include <zlib.h>

#include <algorithm>
#include <vector>

namespace leadscan::fakenet {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // zlib: +16 selects the gzip wrapper
constexpr int kRawWindowBits = -15;       // raw deflate, no wrapper
constexpr int kMemLevel = 8;
constexpr size_t kInflateChunk = 64 * 1024;
constexpr int64_t kZeroSegment = 1024 * 1024;

void PutLe32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Runs deflate over `in` with `flush` and appends everything it produces.
void DeflateInto(z_stream& zs, std::string_view in, int flush, std::string& out) {
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[kInflateChunk];
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    deflate(&zs, flush);
    out.append(buf, sizeof buf - zs.avail_out);
  } while (zs.avail_out == 0);
}

}  // namespace

std::string GzipCompress(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out;
  DeflateInto(zs, data, Z_FINISH, out);
  deflateEnd(&zs);
  return out;
}

std::optional<std::string> GzipInflate(std::string_view gz, int64_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK)
    return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  std::vector<char> buf(kInflateChunk);
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - zs.avail_out);
    if (static_cast<int64_t>(out.size()) > max_bytes) {
      rc = Z_BUF_ERROR;
      break;
    }
    // No progress possible: the input ended before the stream did.
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0)
      rc = Z_BUF_ERROR;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END)
    return std::nullopt;
  return out;
}

std::string GzipOfZeros(int64_t inflated_bytes) {
  // A full flush resets the deflate dictionary and byte-aligns the output, so the bytes of one
  // flushed segment decode the same wherever they are repeated.
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, kRawWindowBits, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string zeros(kZeroSegment, '\0');
  std::string first, segment, tail;
  DeflateInto(zs, zeros, Z_FULL_FLUSH, first);
  DeflateInto(zs, zeros, Z_FULL_FLUSH, segment);
  DeflateInto(zs, {}, Z_FINISH, tail);
  deflateEnd(&zs);

  int64_t segments = std::max<int64_t>(1, inflated_bytes / kZeroSegment);
  uLong seg_crc =
      crc32(0L, reinterpret_cast<const Bytef*>(zeros.data()), static_cast<uInt>(zeros.size()));
  uLong crc = seg_crc;
  std::string out = {'\x1f', '\x8b', '\x08', '\0', '\0', '\0', '\0', '\0', '\0', '\x03'};
  out.reserve(out.size() + first.size() + segment.size() * segments + tail.size() + 8);
  out += first;
  for (int64_t i = 1; i < segments; ++i) {
    out += segment;
    crc = crc32_combine(crc, seg_crc, kZeroSegment);
  }
  out += tail;
  PutLe32(out, static_cast<uint32_t>(crc));
  PutLe32(out, static_cast<uint32_t>(static_cast<uint64_t>(segments * kZeroSegment)));
  return out;
}

}  // namespace leadscan::fakenet
