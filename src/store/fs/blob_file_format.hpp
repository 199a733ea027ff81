// On-disk format of one blob file (<data_dir>/blobs/ab/<64 hex>). All
// integers are little-endian. Every file starts with a 16-byte header that is
// a zstd skippable frame, so plain and compressed files are told apart
// without guessing from content, and `zstd -dc FILE` decodes a compressed one:
//
//   header   u32 0x184D2A50  zstd skippable-frame magic
//            u32 8           payload length
//            "PSTB"          Postino blob magic
//            u8  1           format version
//            u8  format      0 = plain, 1 = zstd frames
//            u16 0           reserved
//
//   plain:   header, then the content bytes as they are.
//
//   zstd:    header, then frames F0..Fn-1: independent zstd frames, each
//            holding exactly frame_bytes (256 KiB) of content except the last
//            (none for an empty blob); then the frame table, another skippable
//            frame, so a reader jumps straight to the frames a range needs:
//            u32 0x184D2A5E, u32 payload length (4n + 20),
//            n x u32 compressed size of Fi,
//            u64 content bytes, u32 frame_bytes, u32 n, "PSTT" (trailer magic).
//            Total file size = 16 + sum(sizes) + 8 + 4n + 20 (checked on open).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace postino::blob_format {

enum class Format : std::uint8_t { plain = 0, zstd = 1 };

inline constexpr std::size_t kHeaderBytes = 16;
inline constexpr std::uint32_t kFrameBytes = 256 * 1024;  // content per zstd frame
inline constexpr std::size_t kTrailerBytes = 20;          // fixed tail of the frame table
inline constexpr std::size_t kTableOverheadBytes = 8 + kTrailerBytes;
// Sanity bound on frame_bytes read from disk, so a corrupt file cannot make
// a reader allocate without limit.
inline constexpr std::uint32_t kMaxFrameBytes = 16 * 1024 * 1024;

std::string encode_header(Format format);
Result<Format> decode_header(std::string_view bytes);  // exactly kHeaderBytes

// The frame table (skippable frame) for the given compressed frame sizes.
std::string encode_frame_table(const std::vector<std::uint32_t>& frame_sizes, std::uint64_t content_bytes);

struct Trailer {
  std::uint64_t content_bytes = 0;
  std::uint32_t frame_bytes = 0;
  std::uint32_t frame_count = 0;
};
Result<Trailer> decode_trailer(std::string_view bytes);  // exactly kTrailerBytes

// Reads the n compressed sizes that precede the trailer.
std::vector<std::uint32_t> decode_frame_sizes(std::string_view bytes, std::uint32_t count);

}  // namespace postino::blob_format
