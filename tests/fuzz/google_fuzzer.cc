// Fuzz target: Google's web-search answer as a domain search reads it
// (search_answer_fuzz.h). Input: the answer body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "search/search_responses.h"
#include "search_answer_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return leadscan::fuzz::FuzzSearchAnswer(
      std::string_view(reinterpret_cast<const char*>(data), size),
      [](std::string_view body) { return leadscan::search::ParseGoogleBody(body); });
}
