#include "common/uuid.h"

#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <stdexcept>
#include <vector>

namespace leadscan::common {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void FillRandom(unsigned char* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    // The OS random source failing is not an expected condition we can recover from.
    throw std::runtime_error("RAND_bytes failed");
  }
}

}  // namespace

std::string NewUuid() {
  std::array<unsigned char, 16> b{};
  FillRandom(b.data(), b.size());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36)
    return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-')
        return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

std::string CanonicalUuid(std::string_view text) {
  std::string out(text);
  if (!IsUuid(text))
    return out;
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string RandomHex(size_t n) {
  std::vector<unsigned char> b(n);
  FillRandom(b.data(), n);
  std::string out;
  out.reserve(2 * n);
  for (unsigned char c : b) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0f]);
  }
  return out;
}

}  // namespace leadscan::common
