// IMAP rendering of a MessageStructure: ENVELOPE, BODY and BODYSTRUCTURE
// (RFC 9051 7.5.2, RFC 3501 7.4.2), plus the string quoting they use.
// Output follows Dovecot's choices where the RFC leaves room (parameter
// order, "7bit" default, text/plain default charset, sizes with CRLF line
// ends, whitespace of subjects and display names collapsed).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mime/message_structure.hpp"

namespace postino::mime {

// Appends an IMAP string: a quoted string when the value allows one (no CR,
// LF, NUL or 8-bit byte, at most kMaxQuotedBytes, few quoted-specials),
// otherwise a literal {n}\r\n<bytes>.
inline constexpr size_t kMaxQuotedBytes = 1024;
void append_imap_string(std::string& out, std::string_view value);
// nstring: NIL when absent.
void append_imap_nstring(std::string& out, const std::optional<std::string>& value);

// "(date subject from sender reply-to to cc bcc in-reply-to message-id)"
// without the outer parentheses: the caller writes "ENVELOPE (" ... ")".
// Sender and Reply-To default to From (RFC 9051 7.5.2).
std::string render_envelope(const Envelope& envelope);

// The body structure of the message's root part, with its parentheses:
// "(\"text\" \"plain\" ...)". extended: BODYSTRUCTURE (md5, disposition,
// language, location and multipart parameters); otherwise BODY.
std::string render_body_structure(const MessageStructure& structure, bool extended);
std::string render_part_structure(const Part& part, bool extended);

}  // namespace postino::mime
