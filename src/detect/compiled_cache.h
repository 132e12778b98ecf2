// CompiledCache: Vectorscan databases kept on disk between runs, each with everything its
// compile read (the library version, the target platform, the expressions as the patterns
// expand, fragments included, their flags and ids), so a later start with the same inputs
// deserializes what an earlier one compiled (docs/decisions/compiled-rules-cache.md). Best effort:
// a missing, foreign or damaged file is a miss and the caller compiles; a file that cannot be
// written is skipped. Thread-safe.
#pragma once

#include <hs/hs.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscan::detect {

class CompiledCache {
 public:
  // Files kept in one folder at most; past this the least recently used go.
  static constexpr uint64_t kMaxFolderBytes = uint64_t{256} << 20;
  // A file larger than this is not read (a database of ours is a few MiB).
  static constexpr uint64_t kMaxFileBytes = uint64_t{128} << 20;

  // One compile's inputs, fed in order. Every part is length-prefixed, so two different input
  // lists never make the same key. A file holds its whole key and is used only when that
  // equals the caller's; the file name is a hash of it.
  class Key {
   public:
    Key();

    void Add(std::string_view part);
    void Add(uint64_t number);
    void AddPlatform(const hs_platform_info_t* platform);

    const std::string& bytes() const { return bytes_; }

    // The file name's stem: 16 hex digits of a hash of the key.
    std::string Name() const;

   private:
    std::string bytes_;
  };

  // What one compile produced: the indices its caller sent back to PCRE2 (in the caller's
  // order) and the databases (owned by the caller after Find).
  struct Entry {
    std::vector<uint32_t> fallback;
    std::vector<hs_database_t*> dbs;
  };

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t stored = 0;
    uint64_t rejected = 0;  // present but unreadable, damaged or for another library
    uint64_t unwritable = 0;
  };

  // dir: the folder (created on first store).
  explicit CompiledCache(std::string dir);

  // The databases stored under key, deserialized; nullopt on a miss.
  std::optional<Entry> Find(const Key& key);
  // Stores dbs and fallback under key (written to a temporary file, then renamed).
  // Call Prune once the stores of a load are done.
  void Store(const Key& key, const std::vector<uint32_t>& fallback,
             const std::vector<hs_database_t*>& dbs);

  const std::string& dir() const { return dir_; }

  // Holds the folder under kMaxFolderBytes (least recently used files go); nothing when this
  // cache stored nothing.
  void Prune();

  Stats stats() const;

 private:
  std::string dir_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, stored_{0}, rejected_{0}, unwritable_{0};
};

}  // namespace leadscan::detect
