// Detection: one raw match of one pattern (internal to detect), before resolve() sums them
// per technology. Ordered as the reference matcher produces them.
#pragma once

#include <cstdint>
#include <string>

#include "detect/finding.h"
#include "detect/rule_set.h"

namespace leadscan::detect {

struct Detection {
  uint32_t tech = 0;
  uint32_t page = 0;
  Field field = Field::kHtml;
  uint32_t a = 0, b = 0, c = 0;  // order within the field, as the reference iterates it
  int confidence = 100;
  std::string version;
  Evidence evidence;
};

}  // namespace leadscan::detect
