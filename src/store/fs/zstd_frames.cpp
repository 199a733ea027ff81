// zstd frame codec for blob files.
#include "store/fs/zstd_frames.hpp"

#include <zstd.h>

#include <cstdlib>

namespace postino {

void ZstdFrameCompressor::Free::operator()(ZSTD_CCtx_s* ctx) const noexcept { ZSTD_freeCCtx(ctx); }
void ZstdFrameDecompressor::Free::operator()(ZSTD_DCtx_s* ctx) const noexcept { ZSTD_freeDCtx(ctx); }

ZstdFrameCompressor::ZstdFrameCompressor(int level) : ctx_(ZSTD_createCCtx()) {
  if (!ctx_) std::abort();  // out of memory
  ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_contentSizeFlag, 1);
}

Result<std::size_t> ZstdFrameCompressor::compress(std::string_view content, std::string& out) {
  std::size_t start = out.size();
  out.resize(start + ZSTD_compressBound(content.size()));
  std::size_t n = ZSTD_compress2(ctx_.get(), out.data() + start, out.size() - start, content.data(), content.size());
  if (ZSTD_isError(n)) {
    out.resize(start);
    return make_error(Errc::io_error, std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(start + n);
  return n;
}

ZstdFrameDecompressor::ZstdFrameDecompressor() : ctx_(ZSTD_createDCtx()) {
  if (!ctx_) std::abort();  // out of memory
}

Status ZstdFrameDecompressor::decompress(std::string_view frame, std::size_t content_bytes, std::string& out) {
  if (ZSTD_getFrameContentSize(frame.data(), frame.size()) != content_bytes ||
      ZSTD_findFrameCompressedSize(frame.data(), frame.size()) != frame.size()) {
    return make_error(Errc::corrupt_data, "zstd frame does not match the blob's frame table");
  }
  out.resize(content_bytes);
  std::size_t n = ZSTD_decompressDCtx(ctx_.get(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != content_bytes) {
    out.clear();
    return make_error(Errc::corrupt_data,
                      std::string("zstd frame is corrupt: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short"));
  }
  return {};
}

}  // namespace postino
