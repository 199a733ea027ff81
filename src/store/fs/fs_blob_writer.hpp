// FsBlobWriter: streams one new blob into a temporary file under
// <blobs>/tmp/, hashing the content as it goes and compressing it in fixed
// frames when configured. commit() makes it durable and publishes it
// through FsBlobStore::publish (rename, or drop as a duplicate).
// Lifetime: must not outlive its FsBlobStore; used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/blob_store.hpp"
#include "store/fs/blob_file_format.hpp"
#include "store/fs/posix_file.hpp"
#include "store/fs/sha256.hpp"
#include "store/fs/zstd_frames.hpp"

namespace postino {

class FsBlobStore;

class FsBlobWriter final : public BlobWriter {
 public:
  // Plain files are written through a buffer of this size.
  static constexpr std::size_t kPlainBufferBytes = 64 * 1024;

  // `fd` is the temporary file, its header already written.
  FsBlobWriter(FsBlobStore& store, std::string temp_path, posix::UniqueFd fd, blob_format::Format format,
               int zstd_level);
  ~FsBlobWriter() override;  // removes the temporary file unless committed

  Status write(std::string_view bytes) override;
  Result<BlobInfo> commit() override;

 private:
  Status flush_pending();
  Error fail(Error error);  // records a sticky failure and returns it

  FsBlobStore& store_;
  std::string temp_path_;
  posix::UniqueFd fd_;
  blob_format::Format format_;
  std::optional<ZstdFrameCompressor> compressor_;
  Sha256 hash_;
  std::string pending_;     // content not yet written (plain) or compressed (zstd)
  std::string compressed_;  // scratch for one compressed frame
  std::vector<std::uint32_t> frame_sizes_;
  std::uint64_t size_bytes_ = 0;
  std::optional<Error> failed_;  // sticky: after an error, only destruction
  bool committed_ = false;
};

}  // namespace postino
