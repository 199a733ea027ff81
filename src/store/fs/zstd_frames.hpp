// One-shot zstd compression and decompression of independent frames (one
// frame per fixed-size chunk of a blob; see blob_file_format.hpp). Frames
// carry their content size and a checksum, so corruption is detected on read.
// The zstd contexts are per thread and reused by every object on that
// thread (creating one per blob showed in profiles: allocation and memset
// of its tables for each message); an object may move between threads
// between calls, as a blob writer does on the blocking pool.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino {

class ZstdFrameCompressor {
 public:
  explicit ZstdFrameCompressor(int level) : level_(level) {}
  // Appends one complete frame holding `content` to `out`; returns its size.
  Result<std::size_t> compress(std::string_view content, std::string& out);

 private:
  int level_;
};

class ZstdFrameDecompressor {
 public:
  // Decompresses exactly one frame that must hold `content_bytes` bytes.
  Status decompress(std::string_view frame, std::size_t content_bytes, std::string& out);
};

}  // namespace postino
