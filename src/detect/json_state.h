// JSON state in a page (`<script type="application/json">`, `application/ld+json`: a
// framework's initial state, a shop's checkout configuration, schema.org data) read as
// structured data: every string value becomes one line "key.path: value", so the words
// matcher finds a carrier in {"shippingMethods":[{"name":"PostNord MyPack Home"}]} with the key
// path as its context. Values without a capital letter or a space are codes, not names shown
// to buyers ("supportedNetworks": ["visa", "jcb"] is a platform's list), and are left out.
// Bounded: the parser's depth limit, a cap on the script's size and on
// the lines written. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace leadscan::detect {

// Largest script body read as JSON state; longer ones are left to the regex fields.
inline constexpr size_t kMaxJsonStateScript = 512 * 1024;
// Longest string value written; longer values (HTML fragments, encoded blobs) are skipped.
inline constexpr size_t kMaxJsonStateValue = 300;

// Whether a <script type="..."> holds JSON (application/json, application/ld+json, any
// "+json" type), case-insensitively and with parameters ("; charset=utf-8") ignored.
bool IsJsonScriptType(std::string_view type);

// Appends the lines of `json` to *out while it stays under `cap` bytes. Malformed, too deep or
// too large JSON appends nothing.
void AppendJsonState(std::string_view json, size_t cap, std::string* out);

}  // namespace leadscan::detect
