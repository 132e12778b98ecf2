// Random (version 4) UUIDs in canonical lower-case text form, and validation of UUID text.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace leadscan::common {

// A new random UUID, e.g. "3f2b6c1e-9d2a-4f7e-8a1b-2c3d4e5f6a7b". Uses the OS CSPRNG.
std::string NewUuid();

// True when `text` is a UUID in 8-4-4-4-12 hex form (either case).
bool IsUuid(std::string_view text);

// Lower-cases a valid UUID; returns it unchanged otherwise.
std::string CanonicalUuid(std::string_view text);

// `n` random bytes from the OS CSPRNG as lower-case hex (2n characters).
std::string RandomHex(size_t n);

}  // namespace leadscan::common
