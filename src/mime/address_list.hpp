// RFC 5322 3.4 address lists as IMAP ENVELOPE wants them (RFC 9051 7.5.2):
// each address is (name adl mailbox host); a group is framed by a start
// marker (NIL NIL "group" NIL) and an end marker (NIL NIL NIL NIL).
// Lenient like Dovecot: obsolete routes, comments, missing parts (a missing
// mailbox or domain becomes MISSING_MAILBOX / MISSING_DOMAIN), 8-bit bytes.
// Security: parses untrusted header values; bounded by kMaxAddresses.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postino::mime {

struct ImapAddress {
  std::optional<std::string> name;     // display name, raw (encoded words kept)
  std::optional<std::string> adl;      // obsolete source route "@a,@b"
  std::optional<std::string> mailbox;  // local part; group name in a group start
  std::optional<std::string> host;     // domain; nullopt in group markers

  bool operator==(const ImapAddress&) const = default;
};

inline constexpr size_t kMaxAddresses = 10000;

// Parses one header value (unfolded or not) into addresses and group markers.
std::vector<ImapAddress> parse_address_list(std::string_view value);

}  // namespace postino::mime
