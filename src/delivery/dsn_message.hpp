// DSN messages: RFC 3464 delivery status notifications in an RFC 6522
// multipart/report, honouring RFC 3461 RET (headers or the whole message),
// ENVID and ORCPT. Pure: builds bytes from values; the queue runner decides
// who gets one (NOTIFY, never to the null sender) and enqueues it.
// Security: every value that comes from a peer or a client (diagnostics,
// addresses, ENVID) is reduced to printable ASCII on one line before it is
// written into a header field, so nothing can add fields or parts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postino {

enum class DsnAction { failed, delayed, delivered, relayed };
const char* dsn_action_name(DsnAction action);  // RFC 3464 2.3.3 keywords

// RFC 3461 4.1 NOTIFY as stored in the queue (NotifyBits); 0: absent, which
// we treat as Postfix does: FAILURE and DELAY.
bool dsn_wanted(std::uint8_t notify_bits, DsnAction action);

struct DsnRecipient {
  std::string address;           // envelope recipient as queued
  std::string original;          // ORCPT as stored ("rfc822;user@example.org"), or empty
  DsnAction action = DsnAction::failed;
  std::string status;            // RFC 3463 "5.1.1"; a 4.x.x kept for an expired message
  std::string remote_mta;        // host name of the last peer, or empty
  std::string diagnostic;        // "smtp; 550 5.1.1 ..." or empty
  std::int64_t last_attempt_at = 0;
  std::int64_t will_retry_until = 0;  // Action delayed: when the message expires
};

struct DsnReport {
  std::string reporting_mta;   // our host name: Reporting-MTA, From: MAILER-DAEMON@
  std::string to;              // the original envelope sender
  std::string queue_id;        // of the original message
  std::string envid;           // RFC 3461 ENVID of the original, or empty
  std::int64_t arrived_at = 0;
  std::int64_t now = 0;        // Date:, Last-Attempt-Date defaults
  std::vector<DsnRecipient> recipients;
  // RFC 3461 4.3: RET=FULL asks for the whole message; otherwise (HDRS or
  // absent) the header. A message above return_limit_bytes is returned as
  // its header only (Postfix bounce_size_limit).
  bool return_full = false;
  std::uint64_t return_limit_bytes = 50000;
  std::string boundary;        // unique per report; generated when empty
  std::string message_id;      // without <>; generated when empty
};

struct DsnMessage {
  std::string bytes;      // header and body, CRLF line ends
  bool eight_bit = false; // the returned content has 8-bit octets (BODY=8BITMIME)
};

// `original` holds the start of the queued message: at least its header
// block, or all of it when return_full and it fits return_limit_bytes;
// `original_size_bytes` is its whole size.
DsnMessage render_dsn(const DsnReport& report, std::string_view original, std::uint64_t original_size_bytes);

// The header block of `message` (up to and including the blank line, or
// the last whole line when there is no blank line in it).
std::string_view header_block_of(std::string_view message);

// RFC 5322 date-time in UTC: "Tue, 02 Jan 2024 10:00:00 +0000".
std::string rfc5322_date(std::int64_t unix_seconds);

}  // namespace postino
