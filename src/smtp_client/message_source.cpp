// In-memory and file message sources. See message_source.hpp.
#include "smtp_client/message_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/blocking_pool.hpp"

namespace postino::smtp_client {

namespace asio = boost::asio;

asio::awaitable<Status> StringMessageSource::rewind() {
  offset_ = 0;
  co_return Status{};
}

asio::awaitable<Result<std::string>> StringMessageSource::read(std::size_t max_bytes) {
  const std::size_t take = std::min(max_bytes, bytes_.size() - offset_);
  std::string out = bytes_.substr(offset_, take);
  offset_ += take;
  co_return out;
}

Result<std::unique_ptr<FileMessageSource>> FileMessageSource::open(const std::string& path,
                                                                   runtime::BlockingPool& blocking) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io_error, "open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return make_error(Errc::io_error, "stat " + path + ": " + std::strerror(err));
  }
  return std::make_unique<FileMessageSource>(fd, static_cast<std::uint64_t>(st.st_size), blocking);
}

FileMessageSource::~FileMessageSource() {
  if (fd_ >= 0) ::close(fd_);
}

asio::awaitable<Status> FileMessageSource::rewind() {
  offset_ = 0;
  co_return Status{};
}

namespace {
struct PreadJob {
  int fd;
  std::uint64_t offset;
  std::size_t max_bytes;
  Result<std::string> operator()() const {
    std::string buffer(max_bytes, '\0');
    for (;;) {
      const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
      if (n >= 0) {
        buffer.resize(static_cast<std::size_t>(n));
        return buffer;
      }
      if (errno != EINTR) return make_error(Errc::io_error, std::string("read message: ") + std::strerror(errno));
    }
  }
};
}  // namespace

asio::awaitable<Result<std::string>> FileMessageSource::read(std::size_t max_bytes) {
  if (offset_ >= size_bytes_ || max_bytes == 0) co_return std::string{};
  Result<std::string> chunk = co_await blocking_.run(PreadJob{fd_, offset_, max_bytes});
  if (chunk) offset_ += chunk->size();
  co_return chunk;
}

}  // namespace postino::smtp_client
