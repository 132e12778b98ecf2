// Test helpers for detect: writing rule files to a scratch folder.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace leadscan::detect::testing_util {

// A fresh folder under the test temp dir, named after the running test.
inline std::string TestDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "leadscan_detect" /
                              (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline std::string WriteFile(const std::string& dir, const std::string& name,
                             const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// Categories used by the tests (ids as in the Wappalyzer data).
inline constexpr const char* kCategories = R"({
  "1": {"name": "CMS", "priority": 1},
  "6": {"name": "Ecommerce", "priority": 1},
  "41": {"name": "Payment processors", "priority": 8},
  "59": {"name": "JavaScript libraries", "priority": 9}
})";

}  // namespace leadscan::detect::testing_util
