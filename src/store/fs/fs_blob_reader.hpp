// FsBlobReader: ranged reads of one blob file. Plain files are read with
// pread at the content offset; zstd files through the frame table, reading
// and decompressing only the frames a range covers (the last decompressed
// frame is kept, so sequential small reads decompress each frame once).
// Memory per read: the range plus one frame. Used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/blob_store.hpp"
#include "store/fs/blob_file_format.hpp"
#include "store/fs/posix_file.hpp"
#include "store/fs/zstd_frames.hpp"

namespace postino {

class FsBlobReader final : public BlobReader {
 public:
  // Reads the header (and frame table) of an open blob file.
  static Result<std::unique_ptr<FsBlobReader>> open(posix::UniqueFd fd, std::string path);

  FsBlobReader(posix::UniqueFd fd, std::string path, blob_format::Format format, std::uint64_t size_bytes,
               std::uint32_t frame_bytes, std::vector<std::uint64_t> frame_offsets);

  std::uint64_t size_bytes() const override { return size_bytes_; }
  Result<std::string> read(std::uint64_t offset, std::size_t length) override;

 private:
  Status load_frame(std::size_t index);

  posix::UniqueFd fd_;
  std::string path_;
  blob_format::Format format_;
  std::uint64_t size_bytes_;
  std::uint32_t frame_bytes_;
  // zstd: file offset of frame i, plus one past the last frame (n + 1 entries).
  std::vector<std::uint64_t> frame_offsets_;
  std::optional<ZstdFrameDecompressor> decompressor_;
  std::string compressed_;  // scratch
  std::string frame_;       // content of frame frame_index_
  std::size_t frame_index_ = SIZE_MAX;
};

}  // namespace postino
