// TempDir: a fresh directory under /tmp for one test, removed afterwards.
// Test-only helper.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace postino::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/postino-store-test-XXXXXX";
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace postino::testing
