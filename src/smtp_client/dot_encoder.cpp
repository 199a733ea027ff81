// DotEncoder. See dot_encoder.hpp.
#include "smtp_client/dot_encoder.hpp"

namespace postino::smtp_client {

void DotEncoder::feed(std::string_view chunk, std::string& out) {
  out.reserve(out.size() + chunk.size() + chunk.size() / 64 + 2);
  for (char c : chunk) {
    if (line_start_ && c == '.') out += '.';  // RFC 5321 4.5.2: stuff a leading dot
    if (c == '\n' && !last_cr_) out += '\r';
    out += c;
    last_cr_ = c == '\r';
    line_start_ = c == '\n';
  }
}

void DotEncoder::finish(std::string& out) {
  if (!line_start_) out += last_cr_ ? "\n" : "\r\n";
  out += ".\r\n";
  line_start_ = true;
  last_cr_ = false;
}

}  // namespace postino::smtp_client
