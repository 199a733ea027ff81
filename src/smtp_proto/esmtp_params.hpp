// ESMTP parameters of MAIL and RCPT (RFC 5321 4.1.2 Mail-parameters): SIZE
// (RFC 1870), BODY (RFC 6152, RFC 3030 BINARYMIME), SMTPUTF8 (RFC 6531 3.4),
// RET/ENVID/NOTIFY/ORCPT (RFC 3461 4), AUTH (RFC 4954 5).
// Security: untrusted input; parameter count, digit counts and xtext lengths are bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtp_proto/command_error.hpp"

namespace postino::smtp {

inline constexpr std::size_t kMaxEsmtpParameters = 16;
inline constexpr std::size_t kMaxEnvidBytes = 100;  // RFC 3461 4.4
inline constexpr std::size_t kMaxOrcptBytes = 500;  // RFC 3461 4.2 (encoded)

// The extensions the server advertised in its EHLO/LHLO reply. A parameter of
// an extension not advertised is unrecognised (555 5.5.4); after HELO the
// server passes all false (RFC 5321 4.1.1.1: no ESMTP parameters).
struct SmtpExtensions {
  bool size = true;            // RFC 1870
  bool eight_bit_mime = true;  // RFC 6152 BODY=7BIT|8BITMIME
  bool binary_mime = true;     // RFC 3030 BODY=BINARYMIME
  bool smtputf8 = true;        // RFC 6531
  bool dsn = true;             // RFC 3461 RET ENVID NOTIFY ORCPT
  bool auth = true;            // RFC 4954 AUTH=
};

enum class BodyType : std::uint8_t { unspecified, seven_bit, eight_bit_mime, binary_mime };
enum class DsnReturn : std::uint8_t { unspecified, full, headers };

struct MailParams {
  std::optional<std::uint64_t> size_bytes;
  BodyType body = BodyType::unspecified;
  bool smtputf8 = false;
  DsnReturn ret = DsnReturn::unspecified;
  std::optional<std::string> envid;  // xtext-decoded
  std::optional<std::string> auth;   // xtext-decoded mailbox; "<>" kept as "<>"
  bool operator==(const MailParams&) const = default;
};

// RFC 3461 4.1: NEVER alone, or any of SUCCESS, FAILURE, DELAY.
struct DsnNotify {
  bool never = false;
  bool success = false;
  bool failure = false;
  bool delay = false;
  bool operator==(const DsnNotify&) const = default;
};

// RFC 3461 4.2 ORCPT=addr-type;xtext. The address is xtext-decoded; for the
// "utf-8" type (RFC 6533) the \x{...} unitext escapes are left as they are.
struct OriginalRecipient {
  std::string addr_type;  // lower-cased: "rfc822", "utf-8", ...
  std::string address;
  bool operator==(const OriginalRecipient&) const = default;
};

struct RcptParams {
  std::optional<DsnNotify> notify;
  std::optional<OriginalRecipient> orcpt;
  bool operator==(const RcptParams&) const = default;
};

// text: the parameters after the path, separated by spaces; may be empty.
// Keywords are case-insensitive, as are the BODY, RET and NOTIFY values.
// Faults: unknown or unadvertised keyword -> unrecognized_parameter (555 5.5.4);
// bad value, missing or extra value, duplicate, too many -> bad_arguments (501 5.5.4).
// MAIL values are ASCII. utf8_allowed (the transaction uses SMTPUTF8) lets
// ORCPT=utf-8;... carry UTF-8 (RFC 6533 utf-8-addr-unitext).
CommandResult<MailParams> parse_mail_params(std::string_view text, const SmtpExtensions& extensions);
CommandResult<RcptParams> parse_rcpt_params(std::string_view text, const SmtpExtensions& extensions, bool utf8_allowed);

}  // namespace postino::smtp
