// LineReader: bounded reads of protocol lines and counted octets (SMTP
// BDAT, IMAP literals) over a Stream. A line longer than the limit is
// discarded through its LF and reported as too_long: input never grows the
// buffer beyond max(max_line_bytes, 4 KiB). Once everything buffered has been
// consumed the buffer is released before waiting for more (Stream::
// wait_readable), so an idle session holds none; reads use 4 KiB. Each
// call's timeout bounds the whole call, so a client trickling one byte at a
// time cannot hold it open.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace postino::runtime {
namespace asio = boost::asio;

class Stream;

enum class LineStatus {
  ok,
  too_long,  // over max_line_bytes; discarded through the next LF; text empty
  stopping,  // read_command only: server stopping and no command pending
};

struct Line {
  LineStatus status = LineStatus::ok;
  std::string text;   // without the line ending
  bool crlf = false;  // ended in CRLF; false: a bare LF (RFC 5321 2.3.8 forbids it)
};

class LineReader {
 public:
  static constexpr std::size_t kDefaultMaxLineBytes = 8192;

  // max_line_bytes counts the line ending (RFC 5321 4.5.3.1.4: 512 octets
  // including CRLF for SMTP commands). The stream must outlive the reader.
  explicit LineReader(Stream& stream, std::size_t max_line_bytes = kDefaultMaxLineBytes);

  void set_max_line_bytes(std::size_t max_line_bytes);
  std::size_t max_line_bytes() const { return max_line_bytes_; }

  // One line. EOF, reset and timeout throw boost::system::system_error.
  asio::awaitable<Line> read_line(std::chrono::milliseconds timeout);
  // The same for the start of a command: returns LineStatus::stopping when
  // the server is stopping and no byte of a command is pending, so the
  // session can say goodbye between commands.
  asio::awaitable<Line> read_command(std::chrono::milliseconds timeout);
  // Exactly n octets. The caller bounds n (message size, literal limit)
  // before calling: this allocates n bytes.
  asio::awaitable<std::string> read_exact(std::size_t n, std::chrono::milliseconds timeout);
  // Between 1 and max octets: buffered ones first, else one read. To stream
  // a large literal to disk without holding it in memory.
  asio::awaitable<std::string> read_up_to(std::size_t max, std::chrono::milliseconds timeout);
  // True once input is buffered; false if none came within timeout (SMTP
  // pregreet / early-talker test). EOF throws.
  asio::awaitable<bool> wait_for_input(std::chrono::milliseconds timeout);

  // Bytes read from the socket and not yet consumed: pipelined commands, or
  // plaintext sent after STARTTLS that must be discarded (RFC 3207 4.2).
  bool has_buffered() const { return end_ > begin_; }
  std::size_t buffered_bytes() const { return end_ - begin_; }
  std::size_t discard_buffered();
  // Bytes of buffer held (tests): 4 KiB after a read, 0 while waiting idle.
  std::size_t buffer_bytes() const { return buf_.size(); }
  // Puts bytes back in front of the buffered input, e.g. commands a client
  // pipelined after the CRLF.CRLF that ended DATA (RFC 2920 3.1), which
  // read_up_to() handed over with the message's last bytes.
  void unread(std::string_view bytes);

 private:
  asio::awaitable<Line> read_line_impl(std::chrono::milliseconds timeout, bool interruptible);
  asio::awaitable<void> discard_through_lf(std::chrono::steady_clock::time_point deadline);
  // Reads once into the free tail of buf_ (growing or compacting first).
  asio::awaitable<bool> fill(std::chrono::steady_clock::time_point deadline, bool interruptible);
  std::size_t capacity_limit() const;

  Stream& stream_;
  std::size_t max_line_bytes_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace postino::runtime
