// SMTP paths (RFC 5321 4.1.2 Reverse-path / Forward-path, 4.1.1.3
// Postmaster, 4.1.2 source routes; RFC 6531 3.3 UTF-8 mailboxes).
// Security: parses untrusted input; mailbox validation is common/address.hpp's,
// bounded there (RFC 5321 4.5.3.1); error texts never echo client bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/address.hpp"
#include "smtp_proto/command_error.hpp"

namespace postino::smtp {

enum class PathKind : std::uint8_t {
  mailbox,     // <local@domain>
  null_path,   // <> (MAIL only): bounces, DSNs
  postmaster,  // <Postmaster> without domain (RCPT only), any case
};

enum class PathRole : std::uint8_t { reverse, forward };

struct Path {
  PathKind kind = PathKind::mailbox;
  // mailbox: as parsed by parse_address. postmaster: local as given, domain
  // empty. null_path: empty.
  Address address;
  bool utf8 = false;  // carries non-ASCII octets, so the transaction needs SMTPUTF8

  std::string str() const;  // "<...>" for logs and headers
  bool operator==(const Path&) const = default;
};

// Finds the end of a bracketed path at the start of text ("<...>" with quoted
// strings honoured). Returns the offset just past '>', or npos.
std::size_t find_path_end(std::string_view text);

// Parses one bracketed path, "<...>" included. Source routes ("<@a,@b:u@d>")
// are checked and dropped (RFC 5321 4.1.2: receivers SHOULD ignore them).
// Non-ASCII octets without utf8_allowed give utf8_not_permitted (553 5.6.7);
// other faults give bad_sender_address (501 5.1.7) or bad_recipient_address
// (501 5.1.3) by role. Address literals as the mailbox domain are refused,
// as common/address.hpp does.
CommandResult<Path> parse_path(std::string_view bracketed, PathRole role, bool utf8_allowed);

}  // namespace postino::smtp
