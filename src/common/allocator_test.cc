#include "common/allocator.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace leadscan::common {
namespace {

#if defined(__SANITIZE_ADDRESS__)
#define LEADSCAN_OWN_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LEADSCAN_OWN_ALLOCATOR 1
#endif
#endif

// Memory freed between two pages stays in the process: a block below the mmap threshold comes
// from the heap, and freeing it gives nothing back to the kernel. glibc's defaults (128 KiB, then
// a dynamic threshold) map and unmap such a block, or trim it off the heap's top, every time.
TEST(TuneAllocatorTest, ABlockOfAPagesSizeIsReusedNotReturnedToTheKernel) {
#ifdef LEADSCAN_OWN_ALLOCATOR
  GTEST_SKIP() << "the sanitizer's allocator has its own settings";
#else
  ASSERT_TRUE(TuneAllocator());
  constexpr size_t kBlock = 3 << 20;  // below kMallocMmapThreshold, above glibc's 128 KiB
  static_assert(kBlock < kMallocMmapThreshold && kBlock < kMallocTrimThreshold);
  const struct mallinfo2 before = mallinfo2();
  auto* block = static_cast<char*>(std::malloc(kBlock));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBlock);
  const struct mallinfo2 held = mallinfo2();
  EXPECT_EQ(held.hblkhd, before.hblkhd) << "the block was mapped, not taken from the heap";
  EXPECT_GE(held.arena, kBlock);
  std::free(block);
  const struct mallinfo2 after = mallinfo2();
  EXPECT_EQ(after.arena, held.arena) << "the heap was trimmed: the next page faults it in again";
  EXPECT_GE(after.fordblks, kBlock);
#endif
}

}  // namespace
}  // namespace leadscan::common
