// Mailbox names: modified UTF-7 (the wire form for IMAP4rev1 clients) to and
// from UTF-8 (our internal form), INBOX normalisation, and validation of a
// name a client wants to create or rename to.
// RFC 9051 5.1, 5.1.1 (hierarchy), 5.1.3 / RFC 3501 5.1.3 (mUTF-7); RFC 6855 3.
// Security: invalid encodings are rejected (not repaired) so a name has one
// spelling; no control characters, bounded length, no "." or ".." levels.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace postino::imap {

inline constexpr char kHierarchySeparator = '/';
inline constexpr std::size_t kDefaultMaxMailboxNameBytes = 512;
inline constexpr std::size_t kDefaultMaxMailboxLevels = 32;

// Modified UTF-7 -> UTF-8 ("&-" is "&"). Rejected (Errc::invalid_argument):
// bytes outside 0x20..0x7e, "&" not closed by "-", base64 outside the
// modified alphabet, non-zero padding bits, UTF-16 that is not valid
// (lone surrogates), encoded printable ASCII that must be written directly,
// and adjacent encoded runs ("&AGE-&AGI-" must be one run).
Result<std::string> decode_mutf7(std::string_view wire);

// UTF-8 -> modified UTF-7. Invalid UTF-8 (overlong, surrogates, > U+10FFFF,
// truncated) -> Errc::invalid_argument.
Result<std::string> encode_mutf7(std::string_view utf8);

// Whether `utf8` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool is_valid_utf8(std::string_view utf8);

// "INBOX" in any case, alone or as the first level ("inbox/Sent"), becomes
// "INBOX" (RFC 9051 5.1: INBOX is case-insensitive); other names unchanged.
std::string normalize_inbox(std::string_view name);

struct MailboxNameLimits {
  std::size_t max_bytes = kDefaultMaxMailboxNameBytes;  // UTF-8 bytes
  std::size_t max_levels = kDefaultMaxMailboxLevels;
};

// For names a client creates or renames to (UTF-8, after decoding): not
// empty; valid UTF-8; no control characters (C0, DEL, C1); no leading or
// trailing '/', no empty level ("a//b"); no "." or ".." level; no '*' or
// '%' (such names could never be listed unambiguously); within limits.
// Errors are Errc::invalid_argument with a human message.
Status validate_mailbox_name(std::string_view utf8_name, const MailboxNameLimits& limits = {});

}  // namespace postino::imap
