// Settings of the storage layer: where data lives and which engines hold it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace postino {

enum class MetadataEngine { sqlite };
enum class BlobCompression { none, zstd };

struct StoreSettings {
  std::string data_dir;  // absolute; metadata and blobs live below it
  MetadataEngine metadata = MetadataEngine::sqlite;
  BlobCompression blob_compression = BlobCompression::zstd;
  int zstd_level = 3;
  std::uint32_t sqlite_readers = 4;  // reader connections in the pool
  // Unreferenced blobs are collected every gc_interval once older than
  // gc_min_age (longer than any gap between a blob's fsync and the commit
  // that references it).
  std::chrono::milliseconds gc_interval{std::chrono::hours(1)};
  std::chrono::milliseconds gc_min_age{std::chrono::hours(1)};
};

}  // namespace postino
