// Settings of the IMAP server: limits on what a client may send (lines,
// literals, command size), the timeouts of RFC 9051 5.4 and RFC 2177, login
// throttling, and the mailboxes every account gets (RFC 6154 SPECIAL-USE).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace postino {

// RFC 7888 5 (and RFC 9051, which includes LITERAL-): the largest
// non-synchronising literal a LITERAL- server accepts.
inline constexpr std::uint64_t kLiteralMinusMaxBytes = 4096;

struct ImapSettings {
  std::uint32_t max_line_bytes = 65536;            // Dovecot imap_max_line_length
  std::uint64_t max_command_bytes = 1u << 20;      // all lines and non-APPEND literals of one command
  std::uint64_t max_append_bytes = 25ull << 20;    // APPENDLIMIT; one message literal
  // RFC 7888: which non-synchronising literal extension is advertised (a
  // server must not advertise both, section 5). LITERAL+ (true): {N+} of any
  // size up to the command or append limit. LITERAL- (false): {N+} of at
  // most kLiteralMinusMaxBytes, a larger one ends the session with
  // BYE [TOOBIG] (its bytes are already on the way).
  bool literal_plus = true;
  std::uint32_t max_bad_commands = 20;             // then BYE
  std::uint32_t max_auth_failures = 3;             // per connection, then BYE
  std::uint32_t max_connections_per_user = 50;     // Dovecot mail_max_userip_connections-like
  // RFC 9051 5.4: an autologout timer of at least 30 minutes once
  // authenticated; before login a client has less time.
  std::chrono::milliseconds login_timeout{std::chrono::minutes(1)};
  std::chrono::milliseconds command_timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(31)};  // RFC 2177: clients re-IDLE every 29 min
  std::chrono::milliseconds literal_timeout{std::chrono::minutes(5)};  // for each literal's bytes
  std::chrono::milliseconds write_timeout{std::chrono::minutes(5)};
  // While idling, the store is re-read this often even without a
  // notification (changes made by another process).
  std::chrono::milliseconds idle_poll{std::chrono::seconds(30)};
  // Created at first login: name and SPECIAL-USE attribute.
  std::vector<std::pair<std::string, std::string>> default_mailboxes{
      {"Drafts", "\\Drafts"}, {"Sent", "\\Sent"}, {"Trash", "\\Trash"}, {"Junk", "\\Junk"}, {"Archive", "\\Archive"}};
};

}  // namespace postino
