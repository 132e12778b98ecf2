// TuneAllocator: glibc malloc settings for a process that parses pages one after another. Call
// it once, first thing in main, in the product and in any benchmark of its path
// (docs/decisions/malloc-tuning.md).
#pragma once

#include <cstddef>

namespace leadscan::common {

// Memory freed at the top of a heap stays in the process up to this much, instead of going back
// to the kernel after every page (and being faulted in again, page by page, for the next one).
inline constexpr size_t kMallocTrimThreshold = size_t{16} << 20;
// Blocks at least this large come from mmap; smaller ones from the heaps, where they are reused.
inline constexpr size_t kMallocMmapThreshold = size_t{4} << 20;

// Sets both thresholds (mallopt). Returns false when the allocator refused them (a sanitizer's
// allocator, which has its own); the process runs on either way.
bool TuneAllocator();

}  // namespace leadscan::common
