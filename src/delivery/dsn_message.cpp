// DSN rendering. See dsn_message.hpp. The wording of the human-readable
// part is ours; the machine-readable part follows RFC 3464 2.2 and 2.3.
#include "delivery/dsn_message.hpp"

#include <array>
#include <ctime>
#include <random>

#include "store/queue_store.hpp"

namespace postino {
namespace {

constexpr std::size_t kMaxFieldValueBytes = 900;  // under RFC 5322's 998 per line

// One printable-ASCII line: controls become spaces, 8-bit octets '?'.
std::string one_line(std::string_view text, std::size_t max_bytes = kMaxFieldValueBytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (char c : text) {
    if (out.size() >= max_bytes) break;
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : (u >= 0x80 ? '?' : c);
  }
  return out;
}

bool is_ascii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// RFC 6533 3: a UTF-8 address as "utf-8; " with non-ASCII code points as
// \x{HEX}; an ASCII one as "rfc822; ". Malformed UTF-8 octets become '?'.
std::string typed_address(std::string_view address) {
  if (is_ascii(address)) return "rfc822; " + one_line(address);
  std::string out = "utf-8; ";
  for (std::size_t i = 0; i < address.size() && out.size() < kMaxFieldValueBytes;) {
    const auto c = static_cast<unsigned char>(address[i]);
    if (c < 0x80) {
      out += (c < 0x20 || c == 0x7f || c == '\\') ? (c == '\\' ? std::string("\\x{5C}") : std::string(" "))
                                                  : std::string(1, static_cast<char>(c));
      ++i;
      continue;
    }
    const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    std::uint32_t cp = length == 4 ? (c & 0x07u) : length == 3 ? (c & 0x0Fu) : (c & 0x1Fu);
    bool ok = length != 0 && i + length <= address.size();
    for (std::size_t k = 1; ok && k < length; ++k) {
      const auto cc = static_cast<unsigned char>(address[i + k]);
      ok = (cc & 0xC0u) == 0x80u;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (!ok) {
      out += '?';
      ++i;
      continue;
    }
    char hex[16];
    std::snprintf(hex, sizeof hex, "\\x{%X}", cp);
    out += hex;
    i += length;
  }
  return out;
}

// A stored ORCPT "type;address" as the field wants it.
std::string original_recipient(const std::string& orcpt) {
  const auto semi = orcpt.find(';');
  if (semi == std::string::npos) return typed_address(orcpt);
  const std::string type = one_line(orcpt.substr(0, semi), 64);
  const std::string address = orcpt.substr(semi + 1);
  if (type == "utf-8" || !is_ascii(address)) return typed_address(address);
  return type + "; " + one_line(address);
}

std::string random_token() {
  std::random_device device;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08X%08X%08X%08X", device(), device(), device(), device());
  return buffer;
}

bool has_8bit(std::string_view bytes) { return !is_ascii(bytes); }

const char* subject_of(DsnAction action) {
  switch (action) {
    case DsnAction::failed: return "Undelivered Mail Returned to Sender";
    case DsnAction::delayed: return "Delayed Mail (still being retried)";
    case DsnAction::delivered:
    case DsnAction::relayed: return "Successful Mail Delivery Report";
  }
  return "Delivery Status Notification";
}

std::string human_part(const DsnReport& report, DsnAction action) {
  std::string text = "This is the mail system at host " + one_line(report.reporting_mta) + ".\r\n\r\n";
  switch (action) {
    case DsnAction::failed:
      text +=
          "Your message could not be delivered to one or more recipients.\r\n"
          "The reasons are listed below; the delivery report and your message\r\n"
          "(or its header) are attached.\r\n";
      break;
    case DsnAction::delayed:
      text +=
          "Your message has not been delivered yet to the recipients below.\r\n"
          "This is only a warning: delivery will be retried until " +
          rfc5322_date(report.recipients.empty() ? report.now : report.recipients.front().will_retry_until) +
          ",\r\nyou need not send the message again.\r\n";
      break;
    case DsnAction::delivered:
    case DsnAction::relayed:
      text +=
          "Your message was delivered to the recipients below, as you asked\r\n"
          "(\"relayed\": handed to a server that sends no further notices).\r\n";
      break;
  }
  text += "\r\nIf you need help, write to postmaster@" + one_line(report.reporting_mta) +
          " and include this report.\r\n\r\n";
  for (const auto& r : report.recipients) {
    text += "<" + one_line(r.address) + ">: " + dsn_action_name(r.action);
    if (!r.diagnostic.empty()) text += ": " + one_line(r.diagnostic);
    text += "\r\n";
  }
  return text;
}

// The original as CRLF text ending with a line break.
std::string with_final_crlf(std::string_view bytes) {
  std::string out(bytes);
  if (!out.empty() && out.back() != '\n') out += "\r\n";
  return out;
}

}  // namespace

const char* dsn_action_name(DsnAction action) {
  switch (action) {
    case DsnAction::failed: return "failed";
    case DsnAction::delayed: return "delayed";
    case DsnAction::delivered: return "delivered";
    case DsnAction::relayed: return "relayed";
  }
  return "failed";
}

bool dsn_wanted(std::uint8_t notify_bits, DsnAction action) {
  if (notify_bits == 0) return action == DsnAction::failed || action == DsnAction::delayed;
  if (notify_bits & kNotifyNever) return false;
  switch (action) {
    case DsnAction::failed: return (notify_bits & kNotifyFailure) != 0;
    case DsnAction::delayed: return (notify_bits & kNotifyDelay) != 0;
    case DsnAction::delivered:
    case DsnAction::relayed: return (notify_bits & kNotifySuccess) != 0;
  }
  return false;
}

std::string rfc5322_date(std::int64_t unix_seconds) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string_view header_block_of(std::string_view message) {
  std::size_t end = std::string_view::npos;
  const auto crlf = message.find("\r\n\r\n");
  const auto lf = message.find("\n\n");
  if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf + 1 <= lf)) {
    end = crlf + 4;
  } else if (lf != std::string_view::npos) {
    end = lf + 2;
  }
  if (end != std::string_view::npos) return message.substr(0, end);
  const auto last = message.rfind('\n');
  return last == std::string_view::npos ? std::string_view() : message.substr(0, last + 1);
}

DsnMessage render_dsn(const DsnReport& report, std::string_view original, std::uint64_t original_size_bytes) {
  const DsnAction action = report.recipients.empty() ? DsnAction::failed : report.recipients.front().action;
  const std::string boundary =
      report.boundary.empty() ? one_line(report.queue_id, 32) + "." + random_token() + "/" + one_line(report.reporting_mta)
                              : report.boundary;
  const std::string message_id =
      report.message_id.empty() ? random_token() + "." + one_line(report.queue_id, 32) + "@" + one_line(report.reporting_mta)
                                : report.message_id;
  const bool full = report.return_full && original_size_bytes <= report.return_limit_bytes &&
                    original.size() >= original_size_bytes;
  const std::string returned = with_final_crlf(full ? original : header_block_of(original));
  DsnMessage out;
  out.eight_bit = has_8bit(returned);

  std::string& m = out.bytes;
  m += "From: MAILER-DAEMON@" + one_line(report.reporting_mta) + " (Mail Delivery System)\r\n";
  m += "To: <" + one_line(report.to) + ">\r\n";
  m += std::string("Subject: ") + subject_of(action) + "\r\n";
  m += "Date: " + rfc5322_date(report.now) + "\r\n";
  m += "Message-ID: <" + message_id + ">\r\n";
  m += "Auto-Submitted: auto-replied\r\n";  // RFC 3834 5
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n";
  m += std::string("Content-Transfer-Encoding: ") + (out.eight_bit ? "8bit" : "7bit") + "\r\n";
  m += "\r\nThis is a MIME-encapsulated message.\r\n\r\n";

  m += "--" + boundary + "\r\n";
  m += "Content-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
  m += human_part(report, action) + "\r\n";

  // RFC 3464 2.2: per-message fields, a blank line, then one block per recipient.
  m += "--" + boundary + "\r\n";
  m += "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n";
  m += "Reporting-MTA: dns; " + one_line(report.reporting_mta) + "\r\n";
  m += "X-Postino-Queue-ID: " + one_line(report.queue_id, 64) + "\r\n";
  if (!report.envid.empty()) m += "Original-Envelope-Id: " + one_line(report.envid) + "\r\n";
  m += "Arrival-Date: " + rfc5322_date(report.arrived_at) + "\r\n";
  for (const auto& r : report.recipients) {
    m += "\r\n";
    m += "Final-Recipient: " + typed_address(r.address) + "\r\n";
    if (!r.original.empty()) m += "Original-Recipient: " + original_recipient(r.original) + "\r\n";
    m += std::string("Action: ") + dsn_action_name(r.action) + "\r\n";
    m += "Status: " + one_line(r.status, 16) + "\r\n";
    if (!r.remote_mta.empty()) m += "Remote-MTA: dns; " + one_line(r.remote_mta, 255) + "\r\n";
    if (!r.diagnostic.empty()) m += "Diagnostic-Code: " + one_line(r.diagnostic) + "\r\n";
    m += "Last-Attempt-Date: " + rfc5322_date(r.last_attempt_at ? r.last_attempt_at : report.now) + "\r\n";
    if (r.action == DsnAction::delayed && r.will_retry_until) {
      m += "Will-Retry-Until: " + rfc5322_date(r.will_retry_until) + "\r\n";
    }
  }
  m += "\r\n";

  m += "--" + boundary + "\r\n";
  if (full) {
    m += "Content-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\n";
  } else {
    m += "Content-Description: Message Headers\r\nContent-Type: text/rfc822-headers\r\n";
  }
  if (out.eight_bit) m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "\r\n";
  m += returned;
  m += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace postino
