// Encoding and decoding of blob file headers and frame tables; the format
// itself is documented in blob_file_format.hpp.
#include "store/fs/blob_file_format.hpp"

#include <cassert>

namespace postino::blob_format {
namespace {

constexpr std::uint32_t kSkippableHeaderMagic = 0x184D2A50;
constexpr std::uint32_t kSkippableTableMagic = 0x184D2A5E;
constexpr std::string_view kBlobMagic = "PSTB";
constexpr std::string_view kTrailerMagic = "PSTT";
constexpr std::uint8_t kVersion = 1;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint32_t get_u32(std::string_view bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

std::uint64_t get_u64(std::string_view bytes, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

}  // namespace

std::string encode_header(Format format) {
  std::string out;
  put_u32(out, kSkippableHeaderMagic);
  put_u32(out, 8);
  out += kBlobMagic;
  out += static_cast<char>(kVersion);
  out += static_cast<char>(format);
  out += std::string(2, '\0');
  assert(out.size() == kHeaderBytes);
  return out;
}

Result<Format> decode_header(std::string_view bytes) {
  assert(bytes.size() == kHeaderBytes);
  if (get_u32(bytes, 0) != kSkippableHeaderMagic || get_u32(bytes, 4) != 8 || bytes.substr(8, 4) != kBlobMagic) {
    return make_error(Errc::corrupt_data, "not a Postino blob file");
  }
  if (static_cast<std::uint8_t>(bytes[12]) != kVersion) {
    return make_error(Errc::unsupported, "blob file format version " + std::to_string(static_cast<std::uint8_t>(bytes[12])));
  }
  auto format = static_cast<std::uint8_t>(bytes[13]);
  if (format > static_cast<std::uint8_t>(Format::zstd)) return make_error(Errc::unsupported, "unknown blob encoding");
  return static_cast<Format>(format);
}

std::string encode_frame_table(const std::vector<std::uint32_t>& frame_sizes, std::uint64_t content_bytes) {
  std::string out;
  put_u32(out, kSkippableTableMagic);
  put_u32(out, static_cast<std::uint32_t>(4 * frame_sizes.size() + kTrailerBytes));
  for (std::uint32_t size : frame_sizes) put_u32(out, size);
  put_u64(out, content_bytes);
  put_u32(out, kFrameBytes);
  put_u32(out, static_cast<std::uint32_t>(frame_sizes.size()));
  out += kTrailerMagic;
  return out;
}

Result<Trailer> decode_trailer(std::string_view bytes) {
  assert(bytes.size() == kTrailerBytes);
  if (bytes.substr(16, 4) != kTrailerMagic) return make_error(Errc::corrupt_data, "blob frame table is missing");
  Trailer t{get_u64(bytes, 0), get_u32(bytes, 8), get_u32(bytes, 12)};
  // count <= 2^32 and frame_bytes <= 2^24: these products cannot overflow.
  std::uint64_t full = std::uint64_t{t.frame_count} * t.frame_bytes;
  bool consistent = t.frame_count == 0 ? t.content_bytes == 0
                                       : t.content_bytes > full - t.frame_bytes && t.content_bytes <= full;
  if (t.frame_bytes == 0 || t.frame_bytes > kMaxFrameBytes || !consistent) {
    return make_error(Errc::corrupt_data, "blob frame table is inconsistent");
  }
  return t;
}

std::vector<std::uint32_t> decode_frame_sizes(std::string_view bytes, std::uint32_t count) {
  assert(bytes.size() == 4 * std::size_t{count});
  std::vector<std::uint32_t> sizes(count);
  for (std::uint32_t i = 0; i < count; ++i) sizes[i] = get_u32(bytes, 4 * std::size_t{i});
  return sizes;
}

}  // namespace postino::blob_format
