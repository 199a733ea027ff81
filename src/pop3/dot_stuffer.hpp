// DotStuffer: the byte-stuffing of RFC 1939 3 for multi-line responses
// (RETR, TOP): a line that begins with "." is sent with one more ".". Works
// on a message streamed in chunks of any size, so a line start that falls
// between two chunks is still seen. finish() ends the response: CRLF if the
// last line was not terminated, then ".".
// Line starts are after LF (CRLF or a bare LF, as clients split lines).
#pragma once

#include <string>
#include <string_view>

namespace postino::pop3 {

class DotStuffer {
 public:
  // Appends the stuffed form of `chunk` to `out`.
  void feed(std::string_view chunk, std::string& out);
  // Appends the termination (".\r\n", preceded by CRLF when needed).
  void finish(std::string& out);

 private:
  bool at_line_start_ = true;
  bool empty_ = true;
};

}  // namespace postino::pop3
