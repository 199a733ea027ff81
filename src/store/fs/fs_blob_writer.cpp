// FsBlobWriter: temp file -> hash/compress -> fsync -> publish.
#include "store/fs/fs_blob_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cassert>

#include "store/fs/fs_blob_store.hpp"

namespace postino {

using blob_format::Format;

FsBlobWriter::FsBlobWriter(FsBlobStore& store, std::string temp_path, posix::UniqueFd fd, Format format,
                           int zstd_level)
    : store_(store), temp_path_(std::move(temp_path)), fd_(std::move(fd)), format_(format) {
  if (format_ == Format::zstd) compressor_.emplace(zstd_level);
}

FsBlobWriter::~FsBlobWriter() {
  if (!committed_) ::unlink(temp_path_.c_str());
}

Error FsBlobWriter::fail(Error error) {
  failed_ = error;
  return error;
}

Status FsBlobWriter::write(std::string_view bytes) {
  assert(!committed_);
  if (failed_) return *failed_;
  hash_.update(bytes);
  size_bytes_ += bytes.size();
  if (format_ == Format::plain) {
    pending_.append(bytes);
    if (pending_.size() >= kPlainBufferBytes) return flush_pending();
    return {};
  }
  // zstd: cut the content into frames of exactly kFrameBytes.
  while (!bytes.empty()) {
    std::size_t take = std::min<std::size_t>(bytes.size(), blob_format::kFrameBytes - pending_.size());
    pending_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (pending_.size() == blob_format::kFrameBytes) {
      if (auto s = flush_pending(); !s) return s;
    }
  }
  return {};
}

// Plain: writes the buffer. zstd: compresses the buffer as one frame.
Status FsBlobWriter::flush_pending() {
  if (format_ == Format::plain) {
    if (auto s = posix::write_all(fd_.get(), pending_, temp_path_); !s) return fail(s.take_error());
    pending_.clear();
    return {};
  }
  if (pending_.empty()) return {};
  compressed_.clear();
  auto size = compressor_->compress(pending_, compressed_);
  if (!size) return fail(size.take_error());
  if (auto s = posix::write_all(fd_.get(), compressed_, temp_path_); !s) return fail(s.take_error());
  frame_sizes_.push_back(static_cast<std::uint32_t>(*size));
  pending_.clear();
  return {};
}

Result<BlobInfo> FsBlobWriter::commit() {
  assert(!committed_);
  if (failed_) return *failed_;
  if (auto s = flush_pending(); !s) return s.take_error();
  if (format_ == Format::zstd) {
    std::string table = blob_format::encode_frame_table(frame_sizes_, size_bytes_);
    if (auto s = posix::write_all(fd_.get(), table, temp_path_); !s) return fail(s.take_error());
  }
  if (auto s = posix::fsync_fd(fd_.get(), "fsync " + temp_path_); !s) return fail(s.take_error());
  if (auto s = fd_.close(); !s) return fail(s.take_error());
  BlobInfo info{BlobId{hash_.finish()}, size_bytes_};
  if (auto s = store_.publish(temp_path_, info.id); !s) return fail(s.take_error());
  committed_ = true;  // the temp file is renamed away or already removed
  return info;
}

}  // namespace postino
