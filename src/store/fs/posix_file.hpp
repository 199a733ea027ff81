// POSIX file helpers for durable storage: an owned file descriptor, full
// writes and positioned reads that retry on EINTR, directory fsync, and
// directory creation that makes the new entry durable (fsync of the parent).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino::posix {

// errno -> Errc: ENOSPC/EDQUOT are temporary (SMTP 452), ENOENT not_found,
// EACCES/EPERM permission_denied, EEXIST already_exists, else io_error.
Error errno_error(int err, std::string_view context);

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  Status close();  // reports close() errors (NFS reports write-back failures there)

 private:
  int fd_ = -1;
};

Status write_all(int fd, std::string_view bytes, std::string_view context);
// Reads exactly `size` bytes at `offset`, or fails (corrupt_data on EOF).
Status pread_exact(int fd, char* out, std::size_t size, std::uint64_t offset, std::string_view context);
Status fsync_fd(int fd, std::string_view context);
Status fsync_dir(const std::string& path);
// mkdir(path, 0700); if it was created, fsyncs its parent. Existing is fine.
Result<bool> make_dir(const std::string& path);
// make_dir for each missing component of `path` (like mkdir -p).
Status make_dirs(const std::string& path);

}  // namespace postino::posix
