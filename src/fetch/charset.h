// Text decoding: turns a response body into UTF-8 the way a browser would pick its encoding
// (WHATWG, simplified): BOM, then the Content-Type charset, then a <meta> prescan of the first
// 1024 bytes, then UTF-8 when the bytes are valid UTF-8, else windows-1252. Invalid bytes
// become U+FFFD. Pure functions; thread-safe; never throw on any input.
#pragma once

#include <string>
#include <string_view>

#include "common/utf8.h"

namespace leadscan::fetch {

struct DecodedText {
  std::string text;      // UTF-8, BOM removed
  std::string encoding;  // WHATWG name decoded from: "UTF-8", "windows-1252", "Shift_JIS"...
  std::string source;    // where the encoding came from: "bom", "header", "meta", "sniff"
};

// The WHATWG encoding name for a label ("latin1" -> "windows-1252", "utf8" -> "UTF-8"), or ""
// for an unknown label. Case and surrounding whitespace are ignored.
std::string CanonicalEncoding(std::string_view label);

// The charset parameter of a Content-Type value ("text/html; charset=ISO-8859-1" ->
// "ISO-8859-1"), "" when absent.
std::string CharsetParameter(std::string_view content_type);

// The encoding a <meta charset> or <meta http-equiv="content-type" content="...charset=...">
// in the first 1024 bytes declares (canonical name), "" when none.
std::string PrescanMetaCharset(std::string_view body);

// Decodes `body` to UTF-8. `content_type` is the raw header value (may be empty); `html`
// enables the <meta> prescan.
DecodedText DecodeToUtf8(std::string_view body, std::string_view content_type, bool html);

// Decodes bytes in one known encoding (canonical name) to UTF-8, invalid sequences as U+FFFD.
std::string DecodeAs(std::string_view bytes, const std::string& encoding);

// UTF-8 validation and repair live in common/utf8.h; fetch callers keep their names.
using common::IsValidUtf8;
using common::MakeValidUtf8;
using common::ToValidUtf8;

}  // namespace leadscan::fetch
