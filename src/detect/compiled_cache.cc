#include "detect/compiled_cache.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace leadscan::detect {

namespace fs = std::filesystem;

namespace {

// The file: magic, the key (its size as u64, then its bytes), fallback count and indices (u32),
// database count, then per database its size (u64) and bytes; last the CRC-32 of everything
// before it (u32). Integers in the machine's order, as the databases themselves (they only load
// on the platform that wrote them).
constexpr std::string_view kMagic = "LSHSDB1\n";
constexpr size_t kDigestBytes = sizeof(uint32_t);
constexpr std::string_view kSuffix = ".hsdb";

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads a T at *pos when it fits before end.
template <typename T>
bool Get(const std::string& in, size_t end, size_t* pos, T* v) {
  if (end - *pos < sizeof(T))
    return false;
  std::memcpy(v, in.data() + *pos, sizeof(T));
  *pos += sizeof(T);
  return true;
}

uint32_t Crc32(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!data.empty()) {  // zlib takes a uInt length
    const uInt n = static_cast<uInt>(std::min<size_t>(data.size(), 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), n);
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

void FreeAll(std::vector<hs_database_t*>* dbs) {
  for (hs_database_t* db : *dbs)
    hs_free_database(db);
  dbs->clear();
}

}  // namespace

CompiledCache::Key::Key() {
  Add(kMagic);
  Add(std::string_view(hs_version()));
}

void CompiledCache::Key::Add(std::string_view part) {
  Add(static_cast<uint64_t>(part.size()));
  bytes_.append(part);
}

void CompiledCache::Key::Add(uint64_t number) {
  Put(&bytes_, number);
}

void CompiledCache::Key::AddPlatform(const hs_platform_info_t* platform) {
  if (platform == nullptr) {
    Add(std::string_view("native"));
    return;
  }
  Add(static_cast<uint64_t>(platform->tune));
  Add(static_cast<uint64_t>(platform->cpu_features));
}

std::string CompiledCache::Key::Name() const {
  char name[17];
  std::snprintf(name, sizeof name, "%016llx",
                static_cast<unsigned long long>(std::hash<std::string_view>()(bytes_)));
  return name;
}

CompiledCache::CompiledCache(std::string dir) : dir_(std::move(dir)) {}

CompiledCache::Stats CompiledCache::stats() const {
  return Stats{hits_.load(), misses_.load(), stored_.load(), rejected_.load(), unwritable_.load()};
}

std::optional<CompiledCache::Entry> CompiledCache::Find(const Key& key) {
  const std::string& want = key.bytes();
  const fs::path path = fs::path(dir_) / (key.Name() + std::string(kSuffix));
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    ++misses_;
    return std::nullopt;
  }
  auto reject = [&](Entry* partial) -> std::optional<Entry> {
    if (partial != nullptr)
      FreeAll(&partial->dbs);
    ++rejected_;
    fs::remove(path, ec);  // it would be rejected again; the caller's store replaces it
    return std::nullopt;
  };
  if (size > kMaxFileBytes || size < kMagic.size() + sizeof(uint64_t) + kDigestBytes)
    return reject(nullptr);
  std::string data(size, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    if (!in.read(data.data(), static_cast<std::streamsize>(size)))
      return reject(nullptr);
  }
  const size_t end = data.size() - kDigestBytes;
  uint32_t crc = 0;
  std::memcpy(&crc, data.data() + end, sizeof crc);
  size_t pos = kMagic.size();
  uint64_t key_size = 0;
  // Whole, ours, and written for this key (not another key's file under a name they share).
  if (Crc32(std::string_view(data).substr(0, end)) != crc ||
      std::string_view(data).substr(0, kMagic.size()) != kMagic ||
      !Get(data, end, &pos, &key_size) || key_size != want.size() ||
      std::string_view(data).substr(pos, want.size()) != want) {
    return reject(nullptr);
  }
  pos += want.size();
  Entry entry;
  uint32_t n = 0;
  if (!Get(data, end, &pos, &n) || n > (end - pos) / sizeof(uint32_t))
    return reject(nullptr);
  entry.fallback.resize(n);
  for (uint32_t& f : entry.fallback)
    Get(data, end, &pos, &f);
  if (!Get(data, end, &pos, &n))
    return reject(nullptr);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    if (!Get(data, end, &pos, &len) || len > end - pos)
      return reject(&entry);
    hs_database_t* db = nullptr;
    if (hs_deserialize_database(data.data() + pos, static_cast<size_t>(len), &db) != HS_SUCCESS)
      return reject(&entry);
    entry.dbs.push_back(db);
    pos += len;
  }
  if (pos != end)
    return reject(&entry);
  ++hits_;
  fs::last_write_time(path, fs::file_time_type::clock::now(), ec);  // recently used
  return entry;
}

void CompiledCache::Store(const Key& key, const std::vector<uint32_t>& fallback,
                          const std::vector<hs_database_t*>& dbs) {
  const std::string name = key.Name() + std::string(kSuffix);
  std::string data(kMagic);
  Put(&data, static_cast<uint64_t>(key.bytes().size()));
  data += key.bytes();
  Put(&data, static_cast<uint32_t>(fallback.size()));
  for (uint32_t f : fallback)
    Put(&data, f);
  Put(&data, static_cast<uint32_t>(dbs.size()));
  for (const hs_database_t* db : dbs) {
    char* bytes = nullptr;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS) {
      ++unwritable_;
      return;
    }
    Put(&data, static_cast<uint64_t>(len));
    data.append(bytes, len);
    free(bytes);  // NOLINT: allocated by Vectorscan with malloc
  }
  Put(&data, Crc32(data));

  std::error_code ec;
  fs::create_directories(dir_, ec);
  // A name no other writer uses; the rename makes the file appear whole or not at all.
  std::random_device rd;
  const fs::path tmp = fs::path(dir_) / ("." + name + "." + std::to_string(getpid()) + "." +
                                         std::to_string(rd()) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      ++unwritable_;
      return;
    }
  }
  fs::rename(tmp, fs::path(dir_) / name, ec);
  if (ec) {
    fs::remove(tmp, ec);
    ++unwritable_;
    return;
  }
  ++stored_;
}

void CompiledCache::Prune() {
  if (stored_.load() == 0)
    return;

  struct File {
    fs::path path;
    fs::file_time_type used;
    uintmax_t bytes;
  };

  std::vector<File> files;
  uint64_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (name.size() <= kSuffix.size() ||
        name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0 ||
        name[0] == '.') {
      continue;
    }
    std::error_code fe;
    File f{p, fs::last_write_time(p, fe), fs::file_size(p, fe)};
    if (fe)
      continue;
    total += f.bytes;
    files.push_back(std::move(f));
  }
  if (total <= kMaxFolderBytes)
    return;
  std::sort(files.begin(), files.end(),
            [](const File& a, const File& b) { return a.used < b.used; });
  for (const File& f : files) {
    if (total <= kMaxFolderBytes)
      break;
    fs::remove(f.path, ec);
    total -= f.bytes;
  }
}

}  // namespace leadscan::detect
