// PageFeatures: what detection reads from one PageInput, extracted in one pass over one parse
// of the HTML (myhtml). PageParser owns the parser and the last parsed tree; one per thread,
// not shareable. The features are also what the reference harness is fed (bench/detect).
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detect/dom_index.h"
#include "detect/html_bounds.h"
#include "detect/page.h"

namespace leadscan::detect {

// Input caps: a field longer than this is cut before matching, so time stays bounded.
inline constexpr size_t kMaxHtmlBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxFieldBytes = 1024 * 1024;
inline constexpr size_t kMaxListItems = 2000;
inline constexpr size_t kMaxJsonStateBytes = 64 * 1024;

// Features of one page. `html` views the PageInput's HTML (no copy: pages can be megabytes),
// so the features are valid only while the page they were parsed from is.
struct PageFeatures {
  std::string url;
  std::string source;      // PageInput::source
  std::string_view html;   // at most kMaxHtmlBytes of the page's (rendered) HTML
  std::string text;        // visible text of <body>, blocks on their own lines
  std::string css;         // inline <style> contents
  std::string scripts;     // inline <script> contents
  std::string json_state;  // JSON scripts' string values as "key.path: value" lines (json_state.h)
  std::string robots;
  std::string cert_issuer;
  std::vector<std::string> script_src;  // absolute URLs, as a browser's script.src
  std::vector<std::string> xhr;
  std::vector<std::string> links, iframes, forms;  // a href, iframe src, form action
  std::vector<std::string> img_src, img_alt;
  std::map<std::string, std::vector<std::string>> headers;  // lower-case names
  std::map<std::string, std::vector<std::string>> cookies;  // lower-case names
  std::map<std::string, std::vector<std::string>> meta;     // name|property|http-equiv
  std::vector<std::pair<std::string, std::string>> js;
  std::string role;
  // Set when the HTML went over a limit of html_bounds.h: only its first parsed_bytes were
  // parsed (regexes on `html` still see all of it), and why.
  bool truncated = false;
  size_t parsed_bytes = 0;
  std::string truncated_reason;
};

class PageParser {
 public:
  PageParser();
  ~PageParser();
  PageParser(const PageParser&) = delete;
  PageParser& operator=(const PageParser&) = delete;

  // Parses the page (rendered_html when present, else html) and fills *out. The tree stays
  // valid until the next Parse; root() gives it to the DOM matcher. With a vocabulary (dom
  // rules on) the same walk fills dom_index() for it.
  void Parse(const PageInput& page, PageFeatures* out, const DomVocabulary* dom = nullptr);

  // Whether the last Parse took the text of this script or style element (a
  // myhtml_tree_node_t*) out before building the tree, and if so that text: the tree has it
  // no more. Valid while the page is.
  bool RawTextOf(void* node, std::string_view* text) const;

  // Tests: false parses with every script and style text inside the tree (as myhtml alone
  // would), to compare the two.
  void set_take_raw_text(bool take) { take_raw_text_ = take; }

  // The last Parse's index of its tree (empty when it had no vocabulary).
  const DomIndex& dom_index() const { return dom_index_; }

  void* root() const;  // myhtml_tree_node_t* of the document (null before the first Parse)

  void* finder() const { return finder_; }

  void* tree() const { return tree_; }  // myhtml_tree_t*

  // One append to the scripts or css field, recorded during the walk and replayed once it is
  // over into a string of the right capacity: grown by doubling, a field copies itself at every
  // step and, past the allocator's mmap threshold, faults in fresh pages each time. `data`
  // points into the tree; null is the '\n' that separates two elements' texts.
  struct TextOp {
    const char* data;
    size_t size;
  };

 private:
  // A script or style element's text taken out of the tree builder's input: `tag` is where its
  // start tag's '<' is in that input (tree_input_), as myhtml reports an element's position.
  struct RawText {
    size_t tag;
    std::string_view text;
    bool claimed;  // the walk met its element
  };

  // One parse and walk; false when a text taken out found no element, so that Parse does it
  // again with the texts left in.
  bool ParseOnce(const PageInput& page, PageFeatures* out, const DomVocabulary* dom,
                 bool take_raw_text);
  std::string_view TakeRawText(std::string_view input);
  size_t FindRawText(void* node) const;  // raw_texts_.size() when there is none
  const RawText* ClaimRawText(void* node);

  void* myhtml_ = nullptr;
  void* tree_ = nullptr;
  void* finder_ = nullptr;
  DomIndex dom_index_;
  // The parsed prefix repaired to valid UTF-8 when the page was not (libmodest mis-copies text
  // around invalid sequences); the tree may point into it until the next Parse.
  std::string repaired_;
  std::vector<TextOp> script_ops_, css_ops_;  // the last Parse's (kept for their capacity)
  bool take_raw_text_ = true;
  std::vector<ElementText> element_texts_;  // from BoundHtml, by offsets into the parsed input
  std::vector<RawText> raw_texts_;          // sorted by tag
  size_t claimed_ = 0;
  std::string tree_input_;              // the parsed input without the texts taken
  std::deque<std::string> normalized_;  // texts that had CR or NUL, as the tokenizer gives them
};

// Resolves a possibly relative reference against base (RFC 3986), as a browser's .src does.
std::string ResolveUrl(const std::string& base, const std::string& ref);

}  // namespace leadscan::detect
