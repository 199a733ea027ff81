// FsBlobStore: BlobStore on a local filesystem. Layout under <data_dir>/blobs:
//   ab/cd/<64 hex>  blob files (two fan-out levels: at most 256 entries per
//                   directory above the files), format in blob_file_format.hpp
//   tmp/            blobs being written; published by rename
// Durability: file fsync before rename, directory fsync after; a fan-out
// directory's entry is fsynced (in its parent) before first use by this
// process. Dedup: a blob whose file exists is dropped and the existing file's
// mtime refreshed, which GC reads as "recently written" (remove_if_older).
#pragma once

#include <bitset>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/blob_store.hpp"
#include "store/store_settings.hpp"

namespace postino {

class FsBlobStore final : public BlobStore {
 public:
  // Temporary files older than this are leftovers of a crash; open() removes them.
  static constexpr std::chrono::hours kStaleTempAge{24};

  // Creates <root>, <root>/tmp if needed; `root` is <data_dir>/blobs.
  static Result<std::unique_ptr<FsBlobStore>> open_root(std::string root, BlobCompression compression, int zstd_level);

  FsBlobStore(std::string root, BlobCompression compression, int zstd_level);

  Result<std::unique_ptr<BlobWriter>> create() override;
  Result<std::unique_ptr<BlobReader>> open(const BlobId& id) override;
  bool exists(const BlobId& id) override;
  Status remove(const BlobId& id) override;
  Result<bool> remove_if_older(const BlobId& id, std::chrono::seconds min_age) override;
  Result<std::vector<BlobId>> list() override;

  // For FsBlobWriter::commit: moves a complete, fsynced temporary file to the
  // blob's path, or drops it if that blob exists already; then fsyncs the
  // destination directory.
  Status publish(const std::string& temp_path, const BlobId& id);

  std::string path_of(const BlobId& id) const;

 private:
  // mkdir of ab/ and ab/cd/ with parent fsync, once per process per directory.
  Status ensure_fan_out(const BlobId& id);
  Status remove_stale_temps();

  std::string root_;
  std::string tmp_;
  BlobCompression compression_;
  int zstd_level_;
  // Serialises "does the blob exist? then touch : rename" in publish against
  // "is it old? then unlink" in remove_if_older, so GC never deletes a file
  // that a writer has just deduplicated against.
  std::mutex publish_mutex_;
  std::mutex dirs_mutex_;
  std::bitset<256> top_ready_;        // ab/ known durable
  std::vector<bool> leaf_ready_ = std::vector<bool>(65536);  // ab/cd/ known durable
};

}  // namespace postino
