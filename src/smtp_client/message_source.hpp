// MessageSource: where the outbound agent reads the message it sends, in
// pieces, so a 25 MB message never sits in memory. The bytes are the message
// as queued (header and body, CRLF line endings, not dot-stuffed).
// Threads: used by one delivery at a time; read() may run blocking I/O on a
// BlockingPool, never on the I/O thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"

namespace postino::runtime {
class BlockingPool;
}

namespace postino::smtp_client {

class MessageSource {
 public:
  virtual ~MessageSource() = default;
  // Total size in octets (for SIZE=).
  virtual std::uint64_t size_bytes() const = 0;
  // Back to the first byte: a message is read again for each destination,
  // and once more when checking it for 8-bit octets.
  virtual boost::asio::awaitable<Status> rewind() = 0;
  // The next 1..max_bytes octets, or an empty string at the end.
  virtual boost::asio::awaitable<Result<std::string>> read(std::size_t max_bytes) = 0;
};

// A message held in memory (tests, small generated messages such as DSNs).
class StringMessageSource final : public MessageSource {
 public:
  explicit StringMessageSource(std::string bytes) : bytes_(std::move(bytes)) {}
  std::uint64_t size_bytes() const override { return bytes_.size(); }
  boost::asio::awaitable<Status> rewind() override;
  boost::asio::awaitable<Result<std::string>> read(std::size_t max_bytes) override;

 private:
  std::string bytes_;
  std::size_t offset_ = 0;
};

// A message in a file, read on the blocking pool.
class FileMessageSource final : public MessageSource {
 public:
  // Opens the file (blocking: call it from the blocking pool or at startup).
  static Result<std::unique_ptr<FileMessageSource>> open(const std::string& path, runtime::BlockingPool& blocking);
  ~FileMessageSource() override;
  std::uint64_t size_bytes() const override { return size_bytes_; }
  boost::asio::awaitable<Status> rewind() override;
  boost::asio::awaitable<Result<std::string>> read(std::size_t max_bytes) override;

  FileMessageSource(int fd, std::uint64_t size_bytes, runtime::BlockingPool& blocking)
      : fd_(fd), size_bytes_(size_bytes), blocking_(blocking) {}

 private:
  int fd_ = -1;
  std::uint64_t size_bytes_ = 0;
  std::uint64_t offset_ = 0;
  runtime::BlockingPool& blocking_;
};

}  // namespace postino::smtp_client
