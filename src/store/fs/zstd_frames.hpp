// One-shot zstd compression and decompression of independent frames (one
// frame per fixed-size chunk of a blob; see blob_file_format.hpp). Frames
// carry their content size and a checksum, so corruption is detected on read.
// Each object reuses its zstd context; use one per thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace postino {

class ZstdFrameCompressor {
 public:
  explicit ZstdFrameCompressor(int level);
  // Appends one complete frame holding `content` to `out`; returns its size.
  Result<std::size_t> compress(std::string_view content, std::string& out);

 private:
  struct Free {
    void operator()(ZSTD_CCtx_s* ctx) const noexcept;
  };
  std::unique_ptr<ZSTD_CCtx_s, Free> ctx_;
};

class ZstdFrameDecompressor {
 public:
  ZstdFrameDecompressor();
  // Decompresses exactly one frame that must hold `content_bytes` bytes.
  Status decompress(std::string_view frame, std::size_t content_bytes, std::string& out);

 private:
  struct Free {
    void operator()(ZSTD_DCtx_s* ctx) const noexcept;
  };
  std::unique_ptr<ZSTD_DCtx_s, Free> ctx_;
};

}  // namespace postino
