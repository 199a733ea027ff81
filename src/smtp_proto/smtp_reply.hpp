// SMTP replies: code, enhanced status code (RFC 3463, RFC 2034) and text,
// single or multi-line ("250-..." / "250 ..."; RFC 5321 4.2.1), EHLO/LHLO lists.
// Security: text may carry client-supplied bytes; it is sanitised (no CR/LF
// injection, ASCII only) and wrapped so no line exceeds 512 octets (RFC 5321 4.5.3.1.5).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtp_proto/command_error.hpp"

namespace postino::smtp {

inline constexpr std::size_t kMaxReplyLineBytes = 512;  // including code and CRLF
inline constexpr std::size_t kMaxReplyLines = 64;       // further text is dropped

class SmtpReply {
 public:
  // code in 200..599 and enhanced empty or "class.subject.detail" with the
  // code's class are programmer contracts (asserted). Empty text adds no line.
  SmtpReply(std::uint16_t code, std::string_view enhanced, std::string_view text = {});

  // Appends text as one or more lines: sanitised, then wrapped at spaces (or
  // cut) to fit kMaxReplyLineBytes with the code and enhanced code prefixed.
  SmtpReply& add_line(std::string_view text);

  std::uint16_t code() const { return code_; }
  std::string_view enhanced() const { return enhanced_; }
  const std::vector<std::string>& lines() const { return lines_; }  // text only, no prefixes

  // The bytes to send: every line but the last as "250-", the last "250 ",
  // the enhanced code repeated on each line (RFC 2034 3), CRLF-terminated.
  std::string wire() const;

 private:
  std::size_t text_budget() const;

  std::uint16_t code_;
  std::string enhanced_;
  std::vector<std::string> lines_;
};

// The reply for a parse failure.
SmtpReply reply_for(const CommandError& error);

// RFC 5321 4.1.1.1 ehlo-ok-rsp: "250-domain greeting" then one keyword line
// each ("SIZE 52428800", "AUTH PLAIN LOGIN"); no enhanced codes. Also LHLO.
SmtpReply ehlo_reply(std::string_view domain, std::string_view greeting, std::span<const std::string> keywords);

// RFC 3463 2: class "." subject "." detail, class matching the reply's first digit.
bool is_valid_enhanced_status(std::uint16_t code, std::string_view enhanced);

// Replaces CR and LF with SP and other controls and non-ASCII octets with '?'
// (RFC 5321 4.2 textstring = 1*(%d09 / %d32-126)).
std::string sanitize_reply_text(std::string_view text);

}  // namespace postino::smtp
