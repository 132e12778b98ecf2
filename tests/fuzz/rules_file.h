// Rule files for the detect fuzz targets: RuleSet::Load reads files, so the targets write
// their text to a private scratch folder (removed at exit).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace leadscan::fuzz {

class ScratchDir {
 public:
  ScratchDir() {
    path_ =
        (std::filesystem::temp_directory_path() / ("leadscan-fuzz-" + std::to_string(::getpid())))
            .string();
    std::filesystem::create_directories(path_);
  }

  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  // Writes `text` to NAME in the folder and returns its path.
  std::string Write(const std::string& name, std::string_view text) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        .write(text.data(), static_cast<std::streamsize>(text.size()));
    return file;
  }

 private:
  std::string path_;
};

}  // namespace leadscan::fuzz
