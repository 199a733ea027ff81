// TopCutter: what TOP msg n (RFC 1939 7) sends of a message: the header,
// the blank line that ends it, then at most n lines of the body. Works on a
// message streamed in chunks; done() says when the rest need not be read.
// A message without a blank line is all header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace postino::pop3 {

class TopCutter {
 public:
  explicit TopCutter(std::uint32_t body_lines) : body_lines_left_(body_lines) {}
  // Returns the prefix of `chunk` that belongs to the answer.
  std::string_view feed(std::string_view chunk);
  bool done() const { return done_; }

 private:
  bool in_header_ = true;
  std::uint64_t line_bytes_ = 0;  // bytes of the current line before LF
  bool line_is_cr_ = false;       // the current line so far is just "\r"
  std::uint32_t body_lines_left_;
  bool done_ = false;
};

}  // namespace postino::pop3
