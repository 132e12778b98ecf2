#include "common/json_parse.h"

#include <string>

#include "common/utf8.h"

namespace leadscan::common {
namespace {

// The parser's reason quotes the text it last read ("last read: '\xFF'") byte for byte; a
// message must be UTF-8 before it reaches a response, a log or the store, so bytes that are
// not UTF-8 are written as \xNN.
std::string EscapeInvalidUtf8(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    std::optional<size_t> bad = FindInvalidUtf8(text);
    if (!bad) {
      out += text;
      break;
    }
    out += text.substr(0, *bad);
    constexpr char kHex[] = "0123456789ABCDEF";
    unsigned char c = static_cast<unsigned char>(text[*bad]);
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
    text.remove_prefix(*bad + 1);
  }
  return out;
}

}  // namespace

Status CheckJsonDepth(std::string_view text, std::string_view what, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // skip the escaped character ("\"" does not end the string)
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) {
          return Status::InvalidArgument("json_too_deep",
                                         std::string(what) + " nests deeper than " +
                                             std::to_string(max_depth) + " levels at byte " +
                                             std::to_string(i));
        }
        break;
      case ']':
      case '}':
        // Unbalanced closers are the parser's to report; never let them lower the count below
        // zero and hide a deep run after them.
        if (depth > 0)
          --depth;
        break;
      default:
        break;
    }
  }
  return Status::Ok();
}

Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what, int max_depth) {
  if (text.empty())
    return Status::InvalidArgument("invalid_json", std::string(what) + " is empty");
  if (Status deep = CheckJsonDepth(text, what, max_depth); !deep.ok())
    return deep;
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 5: ...";
    // keep the part after the id and say the byte offset plainly.
    std::string reason = e.what();
    auto pos = reason.find("] ");
    if (pos != std::string::npos)
      reason = reason.substr(pos + 2);
    return Status::InvalidArgument("invalid_json", "invalid " + std::string(what) + " at byte " +
                                                       std::to_string(e.byte) + ": " +
                                                       EscapeInvalidUtf8(reason));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(
        "invalid_json", "invalid " + std::string(what) + ": " + EscapeInvalidUtf8(e.what()));
  }
}

}  // namespace leadscan::common
