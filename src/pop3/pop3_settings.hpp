// Settings of the POP3 server (RFC 1939, RFC 2449, RFC 2595, RFC 5034):
// limits on what a client may send, the autologout timers (RFC 1939 3: at
// least 10 minutes once logged in; less before), and login throttling.
#pragma once

#include <chrono>
#include <cstdint>

namespace postino {

struct Pop3Settings {
  // RFC 2449 4: commands are at most 255 octets; RFC 5034 4 raises AUTH
  // lines (SASL responses) to 8192. One limit for both, counting CRLF.
  std::uint32_t max_line_bytes = 8192;
  std::uint32_t max_bad_commands = 10;  // unknown, malformed, wrong state: then -ERR and close
  std::uint32_t max_auth_failures = 3;  // per connection, then -ERR and close
  std::chrono::milliseconds login_timeout{std::chrono::minutes(1)};     // AUTHORIZATION state
  std::chrono::milliseconds command_timeout{std::chrono::minutes(10)};  // RFC 1939 3 autologout
  std::chrono::milliseconds write_timeout{std::chrono::minutes(5)};
  // RETR and TOP read the message from the blob store in chunks of this
  // size, so a session never holds a whole message.
  std::uint32_t retrieve_chunk_bytes = 64 * 1024;
};

}  // namespace postino
