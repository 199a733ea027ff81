// FsBlobReader: header and frame-table parsing, ranged reads.
#include "store/fs/fs_blob_reader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace postino {

using blob_format::Format;

Result<std::unique_ptr<FsBlobReader>> FsBlobReader::open(posix::UniqueFd fd, std::string path) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return posix::errno_error(errno, "stat " + path);
  auto file_bytes = static_cast<std::uint64_t>(st.st_size);
  if (file_bytes < blob_format::kHeaderBytes) return make_error(Errc::corrupt_data, path + ": truncated blob file");
  std::string header(blob_format::kHeaderBytes, '\0');
  if (auto s = posix::pread_exact(fd.get(), header.data(), header.size(), 0, path); !s) return s.take_error();
  auto format = blob_format::decode_header(header);
  if (!format) return make_error(format.error().code, path + ": " + format.error().message);
  if (*format == Format::plain) {
    return std::make_unique<FsBlobReader>(std::move(fd), std::move(path), *format,
                                          file_bytes - blob_format::kHeaderBytes, 0, std::vector<std::uint64_t>{});
  }
  if (file_bytes < blob_format::kHeaderBytes + blob_format::kTableOverheadBytes) {
    return make_error(Errc::corrupt_data, path + ": truncated blob file");
  }
  std::string trailer_bytes(blob_format::kTrailerBytes, '\0');
  if (auto s = posix::pread_exact(fd.get(), trailer_bytes.data(), trailer_bytes.size(),
                                  file_bytes - blob_format::kTrailerBytes, path);
      !s) {
    return s.take_error();
  }
  auto trailer = blob_format::decode_trailer(trailer_bytes);
  if (!trailer) return make_error(trailer.error().code, path + ": " + trailer.error().message);
  std::uint64_t table_bytes = 4 * std::uint64_t{trailer->frame_count};
  if (blob_format::kHeaderBytes + blob_format::kTableOverheadBytes + table_bytes > file_bytes) {
    return make_error(Errc::corrupt_data, path + ": frame table larger than the file");
  }
  std::string sizes_bytes(table_bytes, '\0');
  if (auto s = posix::pread_exact(fd.get(), sizes_bytes.data(), sizes_bytes.size(),
                                  file_bytes - blob_format::kTrailerBytes - table_bytes, path);
      !s) {
    return s.take_error();
  }
  auto sizes = blob_format::decode_frame_sizes(sizes_bytes, trailer->frame_count);
  std::vector<std::uint64_t> offsets{blob_format::kHeaderBytes};
  for (std::uint32_t size : sizes) offsets.push_back(offsets.back() + size);
  if (offsets.back() + blob_format::kTableOverheadBytes + table_bytes != file_bytes) {
    return make_error(Errc::corrupt_data, path + ": frame sizes do not add up to the file size");
  }
  return std::make_unique<FsBlobReader>(std::move(fd), std::move(path), *format, trailer->content_bytes,
                                        trailer->frame_bytes, std::move(offsets));
}

FsBlobReader::FsBlobReader(posix::UniqueFd fd, std::string path, Format format, std::uint64_t size_bytes,
                           std::uint32_t frame_bytes, std::vector<std::uint64_t> frame_offsets)
    : fd_(std::move(fd)),
      path_(std::move(path)),
      format_(format),
      size_bytes_(size_bytes),
      frame_bytes_(frame_bytes),
      frame_offsets_(std::move(frame_offsets)) {
  if (format_ == Format::zstd) decompressor_.emplace();
}

Status FsBlobReader::load_frame(std::size_t index) {
  if (index == frame_index_) return {};
  frame_index_ = SIZE_MAX;
  std::uint64_t start = frame_offsets_[index];
  compressed_.resize(frame_offsets_[index + 1] - start);
  if (auto s = posix::pread_exact(fd_.get(), compressed_.data(), compressed_.size(), start, path_); !s) return s;
  std::uint64_t first_byte = std::uint64_t{index} * frame_bytes_;
  auto content_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(frame_bytes_, size_bytes_ - first_byte));
  if (auto s = decompressor_->decompress(compressed_, content_bytes, frame_); !s) {
    return make_error(s.error().code, path_ + ": frame " + std::to_string(index) + ": " + s.error().message);
  }
  frame_index_ = index;
  return {};
}

Result<std::string> FsBlobReader::read(std::uint64_t offset, std::size_t length) {
  if (offset >= size_bytes_ || length == 0) return std::string{};
  auto n = static_cast<std::size_t>(std::min<std::uint64_t>(length, size_bytes_ - offset));
  std::string out;
  if (format_ == Format::plain) {
    out.resize(n);
    if (auto s = posix::pread_exact(fd_.get(), out.data(), n, blob_format::kHeaderBytes + offset, path_); !s) {
      return s.take_error();
    }
    return out;
  }
  out.reserve(n);
  while (out.size() < n) {
    std::uint64_t position = offset + out.size();
    auto index = static_cast<std::size_t>(position / frame_bytes_);
    if (auto s = load_frame(index); !s) return s.take_error();
    std::size_t within = static_cast<std::size_t>(position - std::uint64_t{index} * frame_bytes_);
    std::size_t take = std::min(n - out.size(), frame_.size() - within);
    out.append(frame_, within, take);
  }
  return out;
}

}  // namespace postino
