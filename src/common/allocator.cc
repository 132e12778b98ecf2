#include "common/allocator.h"

#include <malloc.h>

namespace leadscan::common {

bool TuneAllocator() {
  // Setting either threshold also ends glibc's dynamic mmap threshold, which otherwise climbs
  // to the size of the largest block freed and makes the trim threshold twice that.
  const bool trim = mallopt(M_TRIM_THRESHOLD, static_cast<int>(kMallocTrimThreshold)) == 1;
  const bool mmap = mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMallocMmapThreshold)) == 1;
  return trim && mmap;
}

}  // namespace leadscan::common
