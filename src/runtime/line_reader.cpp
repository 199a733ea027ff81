// LineReader: one buffer, [begin_, end_) unread. The LF search resumes where
// the previous pass stopped, so a long line costs linear time.
#include "runtime/line_reader.hpp"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <cstring>

#include "runtime/stream.hpp"

namespace postino::runtime {
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {
constexpr std::size_t kMinBuffer = 4096;

milliseconds left_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  if (left <= milliseconds::zero()) throw boost::system::system_error(boost::asio::error::timed_out, "read timed out");
  return left;
}
}  // namespace

LineReader::LineReader(Stream& stream, std::size_t max_line_bytes)
    : stream_(stream), max_line_bytes_(std::max<std::size_t>(max_line_bytes, 2)) {}

void LineReader::set_max_line_bytes(std::size_t max_line_bytes) { max_line_bytes_ = std::max<std::size_t>(max_line_bytes, 2); }

std::size_t LineReader::capacity_limit() const { return std::max(max_line_bytes_, kMinBuffer); }

std::size_t LineReader::discard_buffered() {
  const std::size_t n = end_ - begin_;
  begin_ = end_ = 0;
  return n;
}

asio::awaitable<bool> LineReader::fill(Clock::time_point deadline, bool interruptible) {
  if (begin_ == end_) {
    begin_ = end_ = 0;
    // Nothing buffered: give the buffer back before waiting, so that
    // thousands of idle sessions hold none (and a long line's growth, up to
    // max_line_bytes, is not kept either).
    std::vector<char>().swap(buf_);
    const auto ready = co_await stream_.wait_readable(left_until(deadline), interruptible);
    if (ready.end == ReadEnd::timeout) {
      throw boost::system::system_error(boost::asio::error::timed_out, "read timed out");
    }
    if (ready.end == ReadEnd::stopping) co_return false;
  }
  if (end_ == buf_.size()) {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    } else {
      const std::size_t limit = std::max(capacity_limit(), buf_.size());
      buf_.resize(std::min(limit, std::max(kMinBuffer, buf_.size() * 2)));
    }
  }
  const auto outcome =
      co_await stream_.try_read_some(asio::buffer(buf_.data() + end_, buf_.size() - end_), left_until(deadline),
                                     interruptible);
  if (outcome.end == ReadEnd::timeout) {
    throw boost::system::system_error(boost::asio::error::timed_out, "read timed out");
  }
  if (outcome.end == ReadEnd::stopping) co_return false;
  end_ += outcome.bytes;
  co_return true;
}

asio::awaitable<void> LineReader::discard_through_lf(Clock::time_point deadline) {
  for (;;) {
    begin_ = end_ = 0;
    co_await fill(deadline, false);
    const char* data = buf_.data();
    if (const void* lf = std::memchr(data, '\n', end_)) {
      begin_ = static_cast<std::size_t>(static_cast<const char*>(lf) - data) + 1;
      co_return;
    }
  }
}

asio::awaitable<Line> LineReader::read_line_impl(milliseconds timeout, bool interruptible) {
  const auto deadline = Clock::now() + timeout;
  std::size_t scanned = 0;  // bytes after begin_ known to hold no LF
  for (;;) {
    const char* start = buf_.data() + begin_;
    const std::size_t avail = end_ - begin_;
    const void* hit = avail > scanned ? std::memchr(start + scanned, '\n', avail - scanned) : nullptr;
    if (hit != nullptr) {
      const std::size_t len = static_cast<std::size_t>(static_cast<const char*>(hit) - start) + 1;
      Line line;
      if (len > max_line_bytes_) {
        line.status = LineStatus::too_long;
      } else {
        line.crlf = len >= 2 && start[len - 2] == '\r';
        line.text.assign(start, len - (line.crlf ? 2 : 1));
      }
      begin_ += len;
      co_return line;
    }
    scanned = avail;
    if (scanned >= max_line_bytes_) {
      co_await discard_through_lf(deadline);
      co_return Line{LineStatus::too_long, {}, false};
    }
    // Only an idle session (no partial command) is interrupted by a stop.
    const bool may_stop = interruptible && begin_ == end_;
    const bool got = co_await fill(deadline, may_stop);
    if (!got) co_return Line{LineStatus::stopping, {}, false};
  }
}

asio::awaitable<Line> LineReader::read_line(milliseconds timeout) { return read_line_impl(timeout, false); }

asio::awaitable<Line> LineReader::read_command(milliseconds timeout) { return read_line_impl(timeout, true); }

asio::awaitable<std::string> LineReader::read_exact(std::size_t n, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string out;
  out.resize(n);
  std::size_t got = std::min(n, end_ - begin_);
  std::memcpy(out.data(), buf_.data() + begin_, got);
  begin_ += got;
  while (got < n) {
    const std::size_t want = n - got;
    if (want < capacity_limit()) {
      // Small remainder: read through the buffer so pipelined input that
      // follows is kept for the next read_line.
      co_await fill(deadline, false);
      const std::size_t take = std::min(want, end_ - begin_);
      std::memcpy(out.data() + got, buf_.data() + begin_, take);
      begin_ += take;
      got += take;
    } else {
      got += co_await stream_.read_some(asio::buffer(out.data() + got, want), left_until(deadline));
    }
  }
  co_return out;
}

asio::awaitable<std::string> LineReader::read_up_to(std::size_t max, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string out;
  if (max == 0) co_return out;
  if (begin_ == end_) {
    if (max >= capacity_limit()) {
      out.resize(max);
      out.resize(co_await stream_.read_some(asio::buffer(out.data(), max), left_until(deadline)));
      co_return out;
    }
    co_await fill(deadline, false);
  }
  const std::size_t take = std::min(max, end_ - begin_);
  out.assign(buf_.data() + begin_, take);
  begin_ += take;
  co_return out;
}

void LineReader::unread(std::string_view bytes) {
  if (bytes.empty()) return;
  if (begin_ >= bytes.size()) {
    begin_ -= bytes.size();
    std::copy(bytes.begin(), bytes.end(), buf_.begin() + static_cast<std::ptrdiff_t>(begin_));
    return;
  }
  std::vector<char> joined;
  joined.reserve(std::max(bytes.size() + (end_ - begin_), kMinBuffer));
  joined.insert(joined.end(), bytes.begin(), bytes.end());
  joined.insert(joined.end(), buf_.begin() + static_cast<std::ptrdiff_t>(begin_),
                buf_.begin() + static_cast<std::ptrdiff_t>(end_));
  end_ = joined.size();
  begin_ = 0;
  joined.resize(std::max(joined.size(), kMinBuffer));
  buf_ = std::move(joined);
}

asio::awaitable<bool> LineReader::wait_for_input(milliseconds timeout) {
  if (has_buffered()) co_return true;
  begin_ = end_ = 0;
  if (buf_.empty()) buf_.resize(kMinBuffer);
  const auto outcome = co_await stream_.try_read_some(asio::buffer(buf_.data(), buf_.size()), timeout, false);
  if (outcome.end != ReadEnd::data) co_return false;
  end_ = outcome.bytes;
  co_return true;
}

}  // namespace postino::runtime
