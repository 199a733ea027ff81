// POSIX helpers: see posix_file.hpp.
#include "store/fs/posix_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace postino::posix {

Error errno_error(int err, std::string_view context) {
  Errc code = Errc::io_error;
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      code = Errc::temporary_failure;
      break;
    case ENOENT:
      code = Errc::not_found;
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      code = Errc::permission_denied;
      break;
    case EEXIST:
      code = Errc::already_exists;
      break;
    default:
      break;
  }
  return make_error(code, std::string(context) + ": " + std::strerror(err));
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

Status UniqueFd::close() {
  int fd = release();
  if (fd >= 0 && ::close(fd) != 0 && errno != EINTR) return errno_error(errno, "close");
  return {};
}

Status write_all(int fd, std::string_view bytes, std::string_view context) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, context);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Status pread_exact(int fd, char* out, std::size_t size, std::uint64_t offset, std::string_view context) {
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, context);
    }
    if (n == 0) return make_error(Errc::corrupt_data, std::string(context) + ": unexpected end of file");
    out += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

Status fsync_fd(int fd, std::string_view context) {
  if (::fsync(fd) != 0) return errno_error(errno, context);
  return {};
}

Status fsync_dir(const std::string& path) {
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return errno_error(errno, "open directory " + path);
  return fsync_fd(dir.get(), "fsync directory " + path);
}

Result<bool> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) {
    if (errno == EEXIST) return false;
    return errno_error(errno, "mkdir " + path);
  }
  auto slash = path.find_last_of('/');
  std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (auto s = fsync_dir(parent); !s) return s.take_error();
  return true;
}

Status make_dirs(const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (auto made = make_dir(prefix); !made) return made.take_error();
    if (slash == std::string::npos) return {};
  }
}

}  // namespace postino::posix
