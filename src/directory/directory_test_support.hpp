// Test support: a real SQLite metadata store in a fresh temporary directory,
// removed afterwards, with a DirectoryAdmin to populate it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "directory/directory_admin.hpp"
#include "directory/directory_settings.hpp"
#include "store/metadata_store.hpp"

namespace postino::testing {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "postino-directory-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    data_dir_ = pattern;
    StoreSettings settings;
    settings.data_dir = data_dir_;
    auto opened = open_metadata_store(settings);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    metadata_ = std::move(*opened);
    admin_ = std::make_unique<DirectoryAdmin>(store(), settings_);
  }

  void TearDown() override {
    admin_.reset();
    metadata_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }

  DirectoryStore& store() { return metadata_->directory(); }
  DirectoryAdmin& admin() { return *admin_; }

  // Asserts success and returns the message.
  template <class T>
  static T ok(Result<T> result) {
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? std::move(result).value() : T{};
  }

  DirectorySettings settings_;
  std::string data_dir_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<DirectoryAdmin> admin_;
};

}  // namespace postino::testing
