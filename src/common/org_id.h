// OrgId: the organisation an org-scoped query or object belongs to. It can never be empty:
// the only way to make one is Parse, which refuses empty text, and there is no default
// constructor and no move (a moved-from string would be empty; moving copies). Value type.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace leadscan::common {

class OrgId {
 public:
  // nullopt for empty text; any other text is taken as it is (ids are made by the store).
  static std::optional<OrgId> Parse(std::string_view text) {
    if (text.empty())
      return std::nullopt;
    return OrgId(std::string(text));
  }

  OrgId(const OrgId&) = default;
  OrgId& operator=(const OrgId&) = default;

  const std::string& str() const { return value_; }

  friend bool operator==(const OrgId& a, const OrgId& b) { return a.value_ == b.value_; }

  // Comparing with an id read back as text (Job::org_id, ...) is fine; constructing is not.
  friend bool operator==(const OrgId& a, std::string_view b) { return a.value_ == b; }

  friend std::ostream& operator<<(std::ostream& out, const OrgId& id) { return out << id.value_; }

 private:
  explicit OrgId(std::string value) : value_(std::move(value)) {}

  std::string value_;
};

}  // namespace leadscan::common
