// Fuzz target: charset detection and decoding (fetch/charset.h). Input: a Content-Type value on
// the first line, the body after it. Whatever the bytes, the result must be valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/utf8.h"
#include "fetch/charset.h"
#include "fuzz_check.h"

namespace {

namespace fetch = leadscan::fetch;

void CheckValid(const std::string& s) {
  FUZZ_CHECK(fetch::IsValidUtf8(s));
  FUZZ_CHECK(leadscan::common::IsValidUtf8(s));
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

  // The two UTF-8 validators agree, and repairing is the identity on valid text.
  FUZZ_CHECK(fetch::IsValidUtf8(in) == leadscan::common::IsValidUtf8(in));
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
