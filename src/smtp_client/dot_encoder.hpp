// DotEncoder: the sending side of RFC 5321 4.5.2 transparency: a '.' at the
// start of a line is doubled, bare LF becomes CRLF (RFC 5321 2.3.8: lines end
// in CRLF), and finish() ends the data with CRLF "." CRLF (adding the CRLF a
// message without a final line ending lacks). Incremental: any split of the
// message gives the same output. Module-internal.
#pragma once

#include <string>
#include <string_view>

namespace postino::smtp_client {

class DotEncoder {
 public:
  void feed(std::string_view chunk, std::string& out);
  void finish(std::string& out);

 private:
  bool line_start_ = true;
  bool last_cr_ = false;
};

}  // namespace postino::smtp_client
