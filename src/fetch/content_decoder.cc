#include "fetch/content_decoder.h"

#include <brotli/decode.h>
#include <zlib.h>

#include <cctype>

#include "fetch/errors.h"

namespace leadscan::fetch {

using common::Status;

namespace {

constexpr size_t kChunk = 16 * 1024;

Status Bad(const std::string& why) {
  return FetchError(kBadContentEncoding, why);
}

Status TooLarge(int64_t limit) {
  return FetchError(kBodyTooLarge, "decoded body larger than " + std::to_string(limit) + " bytes");
}

// The compressed input counts against the limit too: a stream that never yields output (empty
// stored blocks forever) would otherwise be read, and partly kept, without end.
Status CountInput(int64_t* total, size_t n, int64_t limit) {
  *total += static_cast<int64_t>(n);
  if (*total > limit) {
    return FetchError(kBodyTooLarge,
                      "compressed body larger than " + std::to_string(limit) + " bytes");
  }
  return Status::Ok();
}

// A zlib header is two bytes; once inflate has taken them without complaint the stream is not
// raw deflate, and nothing needs to be kept for a replay.
constexpr uLong kZlibHeaderBytes = 2;

// Appends `n` bytes of `buf`, or as many as fit under `limit` and reports that it overflowed.
bool AppendLimited(std::string& out, const char* buf, size_t n, int64_t limit) {
  size_t room = static_cast<size_t>(limit) - std::min(out.size(), static_cast<size_t>(limit));
  if (n > room) {
    out.append(buf, room);
    return false;
  }
  out.append(buf, n);
  return true;
}

class ZlibDecoder final : public ContentDecoder {
 public:
  explicit ZlibDecoder(bool deflate) : deflate_(deflate) {
    // 15 + 32: zlib or gzip header, detected; "deflate" may also come raw (fixed below).
    inflateInit2(&zs_, 15 + 32);
  }

  ~ZlibDecoder() override { inflateEnd(&zs_); }

  Status Decode(std::string_view in, std::string& out, int64_t limit) override {
    if (!replaying_) {
      Status counted = CountInput(&in_total_, in.size(), limit);
      if (!counted.ok())
        return counted;
    }
    if (deflate_ && !started_ && !header_ok_)
      seen_.append(in);  // replayed if this turns out raw deflate
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(in.size());
    char buf[kChunk];
    bool full = false;  // the last call filled the buffer: zlib may hold more output
    while (zs_.avail_in > 0 || full) {
      if (ended_) {
        // Another gzip member follows (concatenated gzip), or trailing garbage.
        if (inflateReset(&zs_) != Z_OK)
          return Bad("cannot restart inflate");
        ended_ = false;
      }
      zs_.next_out = reinterpret_cast<Bytef*>(buf);
      zs_.avail_out = sizeof buf;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_DATA_ERROR && deflate_ && !started_ && !raw_ && !header_ok_) {
        // Servers that send raw deflate under "deflate": start again without a header.
        inflateEnd(&zs_);
        zs_ = z_stream{};
        inflateInit2(&zs_, -15);
        raw_ = true;
        std::string replay = std::move(seen_);
        seen_.clear();
        replaying_ = true;
        Status s = Decode(replay, out, limit);
        replaying_ = false;
        return s;
      }
      if (deflate_ && !raw_ && !header_ok_ && rc != Z_DATA_ERROR &&
          zs_.total_in >= kZlibHeaderBytes) {
        header_ok_ = true;
        seen_ = std::string();
      }
      size_t produced = sizeof buf - zs_.avail_out;
      full = zs_.avail_out == 0;
      if (produced > 0) {
        started_ = true;
        seen_.clear();
      }
      if (!AppendLimited(out, buf, produced, limit))
        return TooLarge(limit);
      if (rc == Z_STREAM_END) {
        ended_ = true;
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Bad(std::string("corrupt compressed data: ") + (zs_.msg ? zs_.msg : "inflate"));
      }
      if (rc == Z_BUF_ERROR && produced == 0)
        break;
    }
    return Status::Ok();
  }

  Status Finish() override {
    if (!ended_)
      return Bad("compressed stream ended early (truncated)");
    return Status::Ok();
  }

 private:
  z_stream zs_{};
  bool deflate_;
  bool started_ = false;
  bool raw_ = false;
  bool ended_ = false;
  bool header_ok_ = false;  // a zlib header was read: no raw-deflate replay can follow
  bool replaying_ = false;  // Decode is replaying seen_ (already counted)
  int64_t in_total_ = 0;    // compressed bytes taken
  std::string seen_;
};

class BrotliDecoder final : public ContentDecoder {
 public:
  BrotliDecoder() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}

  ~BrotliDecoder() override { BrotliDecoderDestroyInstance(state_); }

  Status Decode(std::string_view in, std::string& out, int64_t limit) override {
    Status counted = CountInput(&in_total_, in.size(), limit);
    if (!counted.ok())
      return counted;
    const auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
    size_t avail_in = in.size();
    uint8_t buf[kChunk];
    while (true) {
      uint8_t* next_out = buf;
      size_t avail_out = sizeof buf;
      BrotliDecoderResult rc = BrotliDecoderDecompressStream(state_, &avail_in, &next_in,
                                                             &avail_out, &next_out, nullptr);
      if (!AppendLimited(out, reinterpret_cast<char*>(buf), sizeof buf - avail_out, limit)) {
        return TooLarge(limit);
      }
      if (rc == BROTLI_DECODER_RESULT_ERROR)
        return Bad("corrupt brotli data");
      if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
        ended_ = true;
        return Status::Ok();
      }
      if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
        return Status::Ok();
    }
  }

  Status Finish() override {
    if (!ended_)
      return Bad("brotli stream ended early (truncated)");
    return Status::Ok();
  }

 private:
  BrotliDecoderState* state_;
  bool ended_ = false;
  int64_t in_total_ = 0;  // compressed bytes taken
};

}  // namespace

common::Result<std::unique_ptr<ContentDecoder>> ContentDecoder::Create(std::string_view encoding) {
  std::string e;
  for (char c : encoding) {
    if (c != ' ' && c != '\t')
      e += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (e.empty() || e == "identity")
    return std::unique_ptr<ContentDecoder>();
  if (e == "gzip" || e == "x-gzip")
    return std::unique_ptr<ContentDecoder>(new ZlibDecoder(false));
  if (e == "deflate")
    return std::unique_ptr<ContentDecoder>(new ZlibDecoder(true));
  if (e == "br")
    return std::unique_ptr<ContentDecoder>(new BrotliDecoder());
  return Bad("unsupported Content-Encoding \"" + std::string(encoding) + "\"");
}

}  // namespace leadscan::fetch
