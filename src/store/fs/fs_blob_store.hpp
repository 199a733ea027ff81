// FsBlobStore: BlobStore on a local filesystem. Layout under <data_dir>/blobs:
//   ab/<64 hex>     blob files, one fan-out level by the first byte of the
//                   id; the 256 directories are made (and made durable) when
//                   the store opens, so writing a blob never creates one.
//                   Format in blob_file_format.hpp.
//   ab/cd/<64 hex>  the earlier two-level layout: still read, deduplicated
//                   against, listed and removed, never written.
//   tmp/            blobs being written; published by rename
// Durability: file fsync before rename, directory fsync after. Dedup: a
// blob whose file exists is dropped and the existing file's mtime refreshed,
// which GC reads as "recently written" (remove_if_older).
#pragma once

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

  // Creates <root>, <root>/tmp and the 256 fan-out directories if needed;
  // `root` is <data_dir>/blobs.
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

  // Where a new blob goes (ab/<hex>), and where the two-level layout put it.
  std::string path_of(const BlobId& id) const;
  std::string legacy_path_of(const BlobId& id) const;

 private:
  // The blob's file: path_of if present, else legacy_path_of if present
  // (errno of that stat in `err` otherwise).
  std::string existing_path(const BlobId& id, int& err) const;
  Status make_fan_out();
  Status remove_stale_temps();

  std::string root_;
  std::string tmp_;
  BlobCompression compression_;
  int zstd_level_;
  // Serialises "does the blob exist? then touch : rename" in publish against
  // "is it old? then unlink" in remove_if_older, so GC never deletes a file
  // that a writer has just deduplicated against.
  std::mutex publish_mutex_;
};

}  // namespace postino
