// ContentDecoder: streaming decoder for an HTTP Content-Encoding (gzip, deflate, br) that
// enforces a limit on the decoded size as it goes, so a compression bomb stops at the limit,
// and that notices a stream cut short (which libcurl's own decoding lets pass). One per
// response; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace leadscan::fetch {

// What CurlFetcher advertises in Accept-Encoding.
inline constexpr char kAcceptEncoding[] = "gzip, deflate, br";

class ContentDecoder {
 public:
  // A decoder for a Content-Encoding header value; nullptr for "", "identity" (no decoding).
  // Fails with bad_content_encoding for encodings we did not offer or cannot decode.
  static common::Result<std::unique_ptr<ContentDecoder>> Create(std::string_view encoding);

  virtual ~ContentDecoder() = default;

  // Decodes `in`, appending to `out`. Fails with body_too_large as soon as `out` would grow past
  // `limit` (out then holds exactly `limit` bytes) or the compressed input taken so far passes
  // `limit` (a stream that never yields), and with bad_content_encoding on corrupt data. Memory
  // is bounded by `limit` on both sides.
  virtual common::Status Decode(std::string_view in, std::string& out, int64_t limit) = 0;

  // After the last byte: bad_content_encoding when the compressed stream did not end.
  virtual common::Status Finish() = 0;
};

}  // namespace leadscan::fetch
