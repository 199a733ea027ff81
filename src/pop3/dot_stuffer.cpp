// RFC 1939 3: "If any line begins with the termination octet, the line is
// byte-stuffed by pre-pending the termination octet to that line."
#include "pop3/dot_stuffer.hpp"

namespace postino::pop3 {

void DotStuffer::feed(std::string_view chunk, std::string& out) {
  if (chunk.empty()) return;
  empty_ = false;
  out.reserve(out.size() + chunk.size() + 16);
  std::size_t begin = 0;
  while (begin < chunk.size()) {
    if (at_line_start_ && chunk[begin] == '.') out.push_back('.');
    std::size_t lf = chunk.find('\n', begin);
    if (lf == std::string_view::npos) {
      out.append(chunk.substr(begin));
      at_line_start_ = false;
      return;
    }
    out.append(chunk.substr(begin, lf + 1 - begin));
    at_line_start_ = true;
    begin = lf + 1;
  }
}

void DotStuffer::finish(std::string& out) {
  // The terminator must start a line: end an unterminated last line first.
  if (!empty_ && !at_line_start_) out.append("\r\n");
  out.append(".\r\n");
}

}  // namespace postino::pop3
