#include "common/file_read.h"

#include <zlib.h>

#include <memory>

namespace leadscan::common {

Result<std::string> ReadFileInflated(const std::string& path, int64_t max_bytes) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (f == nullptr)  // gzread reads a file that is not gzip unchanged
    return Status::IoError("cannot open " + path);
  std::string out;
  std::string buf(1 << 16, '\0');
  for (;;) {
    const int n = gzread(f.get(), buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0)
      return Status::IoError("cannot read " + path);
    if (n == 0) {
      // A gzip stream that ends before its trailer reads as an end of file: gzerror tells.
      int error = Z_OK;
      gzerror(f.get(), &error);
      if (error == Z_BUF_ERROR)
        return Status::IoError("cannot read " + path + ": the gzip data is cut short");
      break;
    }
    out.append(buf.data(), static_cast<size_t>(n));
    if (static_cast<int64_t>(out.size()) > max_bytes) {
      return Status::InvalidArgument(
          "body_too_large", path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  out.shrink_to_fit();  // the content, not the doubling growth of the buffer
  return out;
}

}  // namespace leadscan::common
