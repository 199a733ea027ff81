// Settings of the SMTP and LMTP servers: limits as named settings with the
// defaults of RFC 5321 4.5.3 and Postfix's smtpd, and the per-phase
// timeouts of RFC 5321 4.5.3.2.
#pragma once

#include <chrono>
#include <cstdint>

namespace postino {

struct SmtpSettings {
  std::uint64_t max_message_bytes = 25ull << 20;  // R-MX7
  std::uint32_t max_recipients = 1000;            // RFC 5321 4.5.3.1.8 asks for at least 100
  std::uint32_t max_line_bytes = 2048;            // Postfix line_length_limit
  std::uint32_t max_errors = 10;                  // then 421 and disconnect
  std::uint32_t max_hops = 50;                    // Received headers, RFC 5321 6.3
  bool reject_bare_newlines = true;               // Postfix smtpd_forbid_bare_newline
  bool over_quota_is_permanent = false;           // 552 5.2.2 instead of 452 4.2.2
  bool check_sender_domain = true;                // Postfix reject_unknown_sender_domain
  // Time to watch for a client speaking before our greeting (postscreen's
  // pregreet test); 0 checks only what already arrived.
  std::chrono::milliseconds greet_pause{0};
  std::chrono::milliseconds command_timeout{std::chrono::minutes(5)};   // 4.5.3.2.7
  std::chrono::milliseconds data_block_timeout{std::chrono::minutes(3)};  // 4.5.3.2.5
  // Spool in memory up to this size, then stream to the blob store.
  std::uint32_t memory_spool_bytes = 1u << 20;
};

}  // namespace postino
