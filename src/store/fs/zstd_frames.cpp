// zstd frame codec for blob files.
#include "store/fs/zstd_frames.hpp"

#include <zstd.h>

#include <cstdlib>
#include <memory>

namespace postino {
namespace {

struct FreeCCtx {
  void operator()(ZSTD_CCtx* ctx) const noexcept { ZSTD_freeCCtx(ctx); }
};
struct FreeDCtx {
  void operator()(ZSTD_DCtx* ctx) const noexcept { ZSTD_freeDCtx(ctx); }
};

ZSTD_CCtx* thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, FreeCCtx> ctx(ZSTD_createCCtx());
  if (!ctx) std::abort();  // out of memory
  return ctx.get();
}

ZSTD_DCtx* thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, FreeDCtx> ctx(ZSTD_createDCtx());
  if (!ctx) std::abort();  // out of memory
  return ctx.get();
}

}  // namespace

Result<std::size_t> ZstdFrameCompressor::compress(std::string_view content, std::string& out) {
  ZSTD_CCtx* ctx = thread_cctx();
  // Every parameter this codec uses, set on each call: the context is shared
  // by every compressor on this thread. ZSTD_compress2 starts a new frame.
  ZSTD_CCtx_reset(ctx, ZSTD_reset_session_only);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level_);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 1);
  std::size_t start = out.size();
  out.resize(start + ZSTD_compressBound(content.size()));
  std::size_t n = ZSTD_compress2(ctx, out.data() + start, out.size() - start, content.data(), content.size());
  if (ZSTD_isError(n)) {
    out.resize(start);
    return make_error(Errc::io_error, std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(start + n);
  return n;
}

Status ZstdFrameDecompressor::decompress(std::string_view frame, std::size_t content_bytes, std::string& out) {
  if (ZSTD_getFrameContentSize(frame.data(), frame.size()) != content_bytes ||
      ZSTD_findFrameCompressedSize(frame.data(), frame.size()) != frame.size()) {
    return make_error(Errc::corrupt_data, "zstd frame does not match the blob's frame table");
  }
  out.resize(content_bytes);
  std::size_t n = ZSTD_decompressDCtx(thread_dctx(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != content_bytes) {
    out.clear();
    return make_error(Errc::corrupt_data,
                      std::string("zstd frame is corrupt: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short"));
  }
  return {};
}

}  // namespace postino
