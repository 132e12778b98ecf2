// HTML bounds: a cheap linear pre-pass over a document that counts elements and the depth of
// open elements as an HTML tree builder would (roughly), and says where to cut the document so
// that the parser (modest, whose cost grows with depth times tokens) gets a bounded amount of
// work. The same pass finds the text of every <script> and <style>, which the page parser keeps
// out of the tree it builds (page_features.h). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace leadscan::detect {

// Deepest nesting of open elements handed to the parser (browsers stop nesting at 512 too).
inline constexpr size_t kMaxHtmlDepth = 512;
// Most elements (start tags, comments counted too) handed to the parser; real pages have a few
// thousand.
inline constexpr size_t kMaxHtmlElements = 100000;

struct HtmlLimits {
  size_t max_depth = kMaxHtmlDepth;
  size_t max_elements = kMaxHtmlElements;
};

struct HtmlCut {
  size_t keep = 0;     // bytes of the document to parse (all of it when nothing was cut)
  bool cut = false;    // whether a limit was exceeded
  std::string reason;  // "nesting deeper than 512 elements", "more than 100000 elements"
};

// The content of one <script> or <style> element outside <svg> and <math>, where the HTML
// tokenizer reads it as raw text (script data: with its "<!-- <script>" escapes), by offsets
// into the document.
struct ElementText {
  size_t tag = 0;    // the '<' of its start tag
  size_t begin = 0;  // its first byte, just past the start tag's '>'
  size_t end = 0;    // the '<' of its end tag (the document's size when it has none)
};

// Where to cut `html` so that no element past a limit reaches the parser: at the '<' of the
// first start tag that would open element number max_elements + 1 or nest deeper than
// max_depth. Linear in the size of `html`; never fails. With `texts`, also appends the
// non-empty contents of the script and style elements before the cut, in document order.
HtmlCut BoundHtml(std::string_view html, const HtmlLimits& limits = {},
                  std::vector<ElementText>* texts = nullptr);

}  // namespace leadscan::detect
