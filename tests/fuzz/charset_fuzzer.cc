// Fuzz target: charset detection and decoding (fetch/charset.h). Input: a Content-Type value on
// the first line, the body after it. Whatever the bytes, the result must be valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/utf8.h"
#include "fetch/charset.h"
#include "fuzz_check.h"

namespace {

namespace fetch = leadscan::fetch;

void CheckValid(const std::string& s) {
  FUZZ_CHECK(leadscan::common::IsValidUtf8(s));
}

// A byte-at-a-time reference for common::FindInvalidUtf8 (RFC 3629, Unicode table 3-7),
// without its eight-bytes-at-a-time ASCII path.
std::optional<size_t> ReferenceFindInvalid(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    size_t len = 1;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
      len = 1;
    else if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
      len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
      len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
      return i;
    if (i + len > s.size())
      return i;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      if (b(i + k) < l || b(i + k) > h)
        return i;
    }
    i += len;
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto [content_type, body] = leadscan::fuzz::SplitFirstLine(in);

  for (bool html : {true, false}) {
    fetch::DecodedText decoded = fetch::DecodeToUtf8(body, content_type, html);
    CheckValid(decoded.text);
    FUZZ_CHECK(!decoded.encoding.empty());
    FUZZ_CHECK(fetch::CanonicalEncoding(decoded.encoding) == decoded.encoding);
  }
  std::string label = fetch::CharsetParameter(content_type);
  std::string canonical = fetch::CanonicalEncoding(label);
  if (!canonical.empty()) {
    FUZZ_CHECK(fetch::CanonicalEncoding(canonical) == canonical);
    CheckValid(fetch::DecodeAs(body, canonical));
  }
  std::string meta = fetch::PrescanMetaCharset(body);
  FUZZ_CHECK(meta.empty() || fetch::CanonicalEncoding(meta) == meta);

  // The validator agrees with a plain reference, and repairing is the identity on valid text.
  FUZZ_CHECK(leadscan::common::FindInvalidUtf8(in) == ReferenceFindInvalid(in));
  std::string repaired = fetch::ToValidUtf8(in);
  CheckValid(repaired);
  if (fetch::IsValidUtf8(in))
    FUZZ_CHECK(repaired == in);
  std::string in_place(in);
  fetch::MakeValidUtf8(in_place);
  FUZZ_CHECK(in_place == repaired);
  for (const char* encoding : {"UTF-8", "windows-1252", "Shift_JIS", "UTF-16LE", "UTF-16BE",
                               "ISO-8859-2", "KOI8-R", "EUC-JP", "GBK", "Big5"}) {
    std::string canon = fetch::CanonicalEncoding(encoding);
    if (!canon.empty())
      CheckValid(fetch::DecodeAs(body, canon));
  }
  return 0;
}
