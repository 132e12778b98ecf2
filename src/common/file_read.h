// Reading a whole file that may be gzip-compressed (saved pages, corpora): a gzip file is
// inflated, any other file is read as it is. Bounded: a file whose content (inflated) passes
// max_bytes is refused. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace leadscan::common {

// The content of `path`, inflated when it is gzip. IoError when it cannot be opened or read,
// or is corrupt or cut-short gzip; InvalidArgument ("body_too_large") when the content passes
// max_bytes.
Result<std::string> ReadFileInflated(const std::string& path, int64_t max_bytes);

}  // namespace leadscan::common
