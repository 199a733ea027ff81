// SMTP/LMTP command lines: one line (CRLF removed) -> a typed SmtpCommand, or
// a CommandError carrying the reply to send. The command table with pipelining flags.
// RFC 5321 4.1.1-4.1.4, 4.5.3.1; RFC 2033 LHLO, 2920, 3030 BDAT, 3207, 4954 AUTH.
// Security: untrusted input, never asserted on; all lengths bounded; no I/O.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "smtp_proto/command_error.hpp"
#include "smtp_proto/esmtp_params.hpp"
#include "smtp_proto/smtp_path.hpp"

namespace postino::smtp {

// Postfix's line_length_limit; RFC 5321 4.5.3.1.4's 512 grows with every
// extension's parameters (RFC 3461 alone adds ~600), so we take the larger.
inline constexpr std::size_t kDefaultMaxLineBytes = 2048;
// RFC 4954 4: an AUTH line with its initial response may reach 12288 octets.
inline constexpr std::size_t kDefaultMaxAuthLineBytes = 12288;
inline constexpr std::size_t kMaxAuthMechanismBytes = 20;  // RFC 4422 3.1

enum class Verb : std::uint8_t {
  ehlo, helo, lhlo, mail, rcpt, data, bdat, rset, noop, quit, help, vrfy, expn, starttls, auth,
};

// One row of the command table (Postfix smtpd.c's cmd_table shape).
struct CommandInfo {
  Verb verb;
  std::string_view name;
  bool ends_pipeline_group;  // RFC 2920 3.1: must be last in a group (BDAT: only with LAST)
  bool smtp;                 // valid in SMTP
  bool lmtp;                 // valid in LMTP (RFC 2033: LHLO replaces HELO/EHLO)
};

std::span<const CommandInfo> command_table();
const CommandInfo& command_info(Verb verb);

enum class HeloForm : std::uint8_t {
  domain,        // syntactically valid LDH domain (single label allowed)
  ipv4_literal,  // [192.0.2.1]
  ipv6_literal,  // [IPv6:2001:db8::1]
  other,         // anything else; accepted, policy is the server's
};

struct HelloArgs {  // EHLO, HELO, LHLO
  std::string raw;  // as sent, spaces trimmed
  HeloForm form = HeloForm::other;
};
struct MailArgs {
  Path reverse_path;
  MailParams params;
};
struct RcptArgs {
  Path forward_path;
  RcptParams params;
};
struct BdatArgs {
  std::uint64_t size_bytes = 0;
  bool last = false;
};
struct AuthArgs {
  std::string mechanism;  // upper-cased
  std::optional<std::string> initial_response;  // base64 as sent; "=" is the empty response
};
struct TextArgs {  // NOOP, HELP (may be empty); VRFY, EXPN (never empty)
  std::string text;
};
struct NoArgs {};  // DATA, RSET, QUIT, STARTTLS

struct SmtpCommand {
  template <class Args>
  SmtpCommand(Verb v, Args&& a) : verb(v), args(std::forward<Args>(a)) {}

  Verb verb;
  std::variant<NoArgs, HelloArgs, MailArgs, RcptArgs, BdatArgs, AuthArgs, TextArgs> args;

  template <class T>
  const T& args_as() const {
    const T* p = std::get_if<T>(&args);
    assert(p != nullptr && "args type does not match verb");
    return *p;
  }
};

// True when the command must be the last of a pipelined group (RFC 2920 3.1),
// including BDAT ... LAST.
bool ends_pipeline_group(const SmtpCommand& command);

struct ParseOptions {
  bool lmtp = false;
  SmtpExtensions extensions;      // as advertised; all false after HELO
  bool utf8_transaction = false;  // MAIL carried SMTPUTF8: RCPT may be non-ASCII
  std::size_t max_line_bytes = kDefaultMaxLineBytes;
  std::size_t max_auth_line_bytes = kDefaultMaxAuthLineBytes;
};

// Parses one command line without its CRLF. Verbs are case-insensitive;
// runs of spaces between tokens, a space after "FROM:"/"TO:" and trailing
// spaces are tolerated (as Postfix does). Errors, by kind:
//   unknown verb, or LHLO in SMTP / HELO, EHLO in LMTP -> unknown_command 500 5.5.1
//   over max_line_bytes (max_auth_line_bytes for AUTH) -> line_too_long 500 5.5.2
//   empty line, control characters                    -> bad_syntax 500 5.5.2
//   wrong arguments                                    -> bad_arguments 501 5.5.4
//   bad path                                           -> 501 5.1.7 (MAIL) / 501 5.1.3 (RCPT)
//   unknown or unadvertised parameter                  -> unrecognized_parameter 555 5.5.4
//   non-ASCII path without SMTPUTF8                    -> utf8_not_permitted 553 5.6.7
CommandResult<SmtpCommand> parse_command(std::string_view line, const ParseOptions& options = {});

// For the server's line reader when a line overflows before its CRLF.
CommandError line_too_long_error();

}  // namespace postino::smtp
