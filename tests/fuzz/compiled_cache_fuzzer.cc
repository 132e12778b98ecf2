// Fuzz target: the compiled-rules cache reader (detect::CompiledCache::Find) on a file of the
// caller's key. Input: the file after its key (fallback count and indices, database count, each
// database's size and bytes). The target frames it as the writer does (magic, key) and appends
// the CRC-32 of it all, so the reader's bounds checks are reached, not only its checksum. A
// found entry's databases must scan a fixed text.
#include <hs/hs.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include "detect/compiled_cache.h"
#include "fuzz_check.h"
#include "rules_file.h"

namespace {

namespace detect = leadscan::detect;

const detect::CompiledCache::Key& FuzzKey() {
  static const detect::CompiledCache::Key key = [] {
    detect::CompiledCache::Key k;
    k.Add("fuzz");
    k.Add(uint64_t{2});
    k.Add("kassa\\d+");
    return k;
  }();
  return key;
}

template <typename T>
void Put(std::string* out, T value) {
  out->append(reinterpret_cast<const char*>(&value), sizeof value);
}

int OnMatch(unsigned int, unsigned long long, unsigned long long, unsigned int, void*) {
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static leadscan::fuzz::ScratchDir dir;
  const detect::CompiledCache::Key& key = FuzzKey();
  std::string file = "LSHSDB1\n";  // as CompiledCache::Store writes it
  Put(&file, uint64_t{key.bytes().size()});
  file += key.bytes();
  file.append(reinterpret_cast<const char*>(data), size);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(file.data()), static_cast<uInt>(file.size()));
  Put(&file, static_cast<uint32_t>(crc));
  const std::string path = dir.Write(key.Name() + ".hsdb", file);
  FUZZ_CHECK(!path.empty());

  detect::CompiledCache cache(path.substr(0, path.rfind('/')));
  std::optional<detect::CompiledCache::Entry> entry = cache.Find(key);
  const detect::CompiledCache::Stats stats = cache.stats();
  FUZZ_CHECK(stats.hits + stats.rejected == 1);
  if (!entry)
    return 0;
  constexpr std::string_view kText = "Till kassan: kassa42, shop";
  for (hs_database_t* db : entry->dbs) {
    hs_scratch_t* scratch = nullptr;
    if (hs_alloc_scratch(db, &scratch) == HS_SUCCESS) {
      hs_scan(db, kText.data(), static_cast<unsigned>(kText.size()), 0, scratch, OnMatch, nullptr);
      hs_free_scratch(scratch);
    }
    hs_free_database(db);
  }
  return 0;
}
