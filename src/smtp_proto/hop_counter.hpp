// Counts "Received:" fields in a message's header section, fed incrementally:
// the hop count for mail-loop detection (RFC 5321 6.3). Works on DATA output
// and on BDAT chunks alike.
// Security: untrusted input; constant state, no buffering, saturating counts.
#pragma once

#include <cstdint>
#include <string_view>

namespace postino::smtp {

class HopCounter {
 public:
  // Feeds message bytes in order; ignored once the header section has ended
  // (the first empty line). LF ends a line with or without CR: counting more
  // lines than a strict parser would errs on the side of stopping loops.
  void feed(std::string_view bytes);

  bool in_headers() const { return state_ != State::body; }
  std::uint32_t received_count() const { return count_; }

 private:
  enum class State : std::uint8_t { line_start, line_start_cr, name, before_colon, skip_line, body };

  void end_or_skip(char c);

  State state_ = State::line_start;
  std::uint8_t matched_ = 0;  // octets of "received" matched so far
  std::uint32_t count_ = 0;
};

}  // namespace postino::smtp
