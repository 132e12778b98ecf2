// Gzip helpers for the fake internet (zlib): compress, inflate, and the hostile gzip bodies.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leadscan::fakenet {

// A gzip member holding `data`.
std::string GzipCompress(std::string_view data);

// The inflated content of a gzip stream; nullopt when it is corrupt, truncated, or inflates to
// more than max_bytes.
std::optional<std::string> GzipInflate(std::string_view gz, int64_t max_bytes);

// A valid gzip stream that inflates to `inflated_bytes` zero bytes (a multiple of 1 MiB),
// about a thousandth of that size on the wire.
std::string GzipOfZeros(int64_t inflated_bytes);

}  // namespace leadscan::fakenet
