#include "detect/json_state.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/ascii.h"
#include "common/json_parse.h"

namespace leadscan::detect {
namespace {

// Walks `value` depth first (depth is bounded by the parser), writing one line per string.
void Flatten(const nlohmann::json& value, std::string* path, size_t cap, std::string* out) {
  if (out->size() >= cap)
    return;
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s.empty() || s.size() > kMaxJsonStateValue || s.find('\n') != std::string::npos)
      return;
    // A code ("jcb", "postnord_home", a URL) is configuration, often a platform's list of
    // everything it supports; what a shop shows its buyers has a capital or a space.
    if (std::none_of(s.begin(), s.end(), [](char c) { return c == ' ' || (c >= 'A' && c <= 'Z'); }))
      return;
    const size_t line = path->size() + 2 + s.size() + 1;
    if (out->size() + line > cap)
      return;
    out->append(*path).append(": ").append(s).push_back('\n');
    return;
  }
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      const size_t mark = path->size();
      if (!path->empty())
        path->push_back('.');
      path->append(key);
      Flatten(member, path, cap, out);
      path->resize(mark);
    }
  } else if (value.is_array()) {
    for (const auto& item : value)
      Flatten(item, path, cap, out);
  }
}

}  // namespace

bool IsJsonScriptType(std::string_view type) {
  std::string t = common::AsciiLower(type.substr(0, type.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
    t.pop_back();
  size_t start = t.find_first_not_of(" \t");
  if (start == std::string::npos)
    return false;
  t.erase(0, start);
  return t == "application/json" || t == "text/json" ||
         (t.size() > 5 && t.compare(t.size() - 5, 5, "+json") == 0);
}

void AppendJsonState(std::string_view json, size_t cap, std::string* out) {
  if (json.size() > kMaxJsonStateScript || out->size() >= cap)
    return;
  auto parsed = common::ParseJson(json, "JSON state");
  if (!parsed.ok())
    return;
  std::string path;
  Flatten(*parsed, &path, cap, out);
}

}  // namespace leadscan::detect
