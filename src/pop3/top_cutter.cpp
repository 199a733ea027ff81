// TOP (RFC 1939 7): "the server sends the headers of the message, the blank
// line separating the headers from the body, and then the number of lines of
// the indicated message's body". Lines end at LF (CRLF in stored messages).
#include "pop3/top_cutter.hpp"

namespace postino::pop3 {

std::string_view TopCutter::feed(std::string_view chunk) {
  if (done_) return {};
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    char c = chunk[i];
    if (c != '\n') {
      line_is_cr_ = line_bytes_ == 0 && c == '\r';
      ++line_bytes_;
      continue;
    }
    const bool blank = line_bytes_ == 0 || (line_bytes_ == 1 && line_is_cr_);
    line_bytes_ = 0;
    line_is_cr_ = false;
    if (in_header_) {
      if (blank) in_header_ = false;  // the separator line is part of the answer
      if (!in_header_ && body_lines_left_ == 0) {
        done_ = true;
        return chunk.substr(0, i + 1);
      }
      continue;
    }
    if (--body_lines_left_ == 0) {
      done_ = true;
      return chunk.substr(0, i + 1);
    }
  }
  return chunk;
}

}  // namespace postino::pop3
