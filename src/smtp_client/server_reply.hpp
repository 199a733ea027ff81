// Replies as the SMTP client reads them (RFC 5321 4.2: "250-..." lines then
// "250 ..."), with the enhanced status code (RFC 3463, RFC 2034) when the
// server sent one, and the capabilities of an EHLO reply (RFC 5321 4.1.1.1;
// SIZE RFC 1870, PIPELINING RFC 2920, 8BITMIME RFC 6152, SMTPUTF8 RFC 6531,
// STARTTLS RFC 3207, CHUNKING RFC 3030, DSN RFC 3461, AUTH RFC 4954).
// Security: server replies are untrusted; line count and length are bounded
// by the reader, the parser never asserts on input.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace postino::smtp_client {

struct ServerReply {
  std::uint16_t code = 0;           // 200..599
  std::string enhanced;             // "2.1.5" or empty
  std::vector<std::string> lines;   // text after "ddd-"/"ddd " (enhanced code kept)

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // "550 5.1.1 <u@x>: unknown user" with continuation lines joined by a space.
  std::string text() const;
};

// Assembles a reply from lines. Errors (corrupt_data): a line not starting
// with three digits in 200..599 and a separator, a code that changes between
// lines, too many lines.
class ReplyAssembler {
 public:
  explicit ReplyAssembler(std::size_t max_lines = 100) : max_lines_(max_lines) {}
  // Result: true when the reply is complete (the "ddd " line came).
  Result<bool> feed(std::string_view line);
  ServerReply take();

 private:
  std::size_t max_lines_;
  ServerReply reply_;
};

struct EhloCapabilities {
  bool esmtp = false;  // answered EHLO (false after a HELO fallback: no extension)
  bool pipelining = false;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool starttls = false;
  bool chunking = false;
  bool binary_mime = false;
  bool dsn = false;
  bool enhanced_status_codes = false;
  bool size = false;
  std::uint64_t size_limit_bytes = 0;  // SIZE n; 0: none announced
  std::set<std::string> auth;          // upper-case mechanism names
};

// Reads the keyword lines (all but the first) of a 250 EHLO reply.
// Keywords are case-insensitive; unknown ones are ignored.
EhloCapabilities parse_ehlo(const ServerReply& reply);

}  // namespace postino::smtp_client
