// The Received: trace field (RFC 5321 4.4, RFC 5322 3.6.7) in Postfix's layout:
// RFC 3848 / RFC 6531 3.7.3 protocol keywords, folded below 78 columns, RFC 5322 3.3 date.
// Security: HELO and rDNS come from the client; they are reduced to a safe
// character set and truncated so they cannot inject fields or break comments.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace postino::smtp {

inline constexpr std::size_t kFoldColumns = 78;  // lines stay below this (tab = 8 columns)

struct ReceivedProtocol {
  bool lmtp = false;
  bool extended = true;        // EHLO/LHLO rather than HELO
  bool tls = false;            // RFC 3848 "S"
  bool authenticated = false;  // RFC 3848 "A"
  bool utf8 = false;           // SMTPUTF8 transaction: RFC 6531 3.7.3 "UTF8SMTP"...
};

// "SMTP", "ESMTP", "ESMTPA", "ESMTPS", "ESMTPSA", "LMTP", "LMTPSA",
// "UTF8SMTPS", "UTF8LMTPA", ... TLS, AUTH and SMTPUTF8 imply EHLO.
std::string received_protocol_keyword(const ReceivedProtocol& protocol);

struct ReceivedInfo {
  std::string_view helo;         // the client's HELO/EHLO/LHLO argument ("" if none)
  std::string_view client_rdns;  // verified reverse name, "" when unknown
  std::string_view client_ip;    // "192.0.2.1" or "2001:db8::1"
  std::string_view by_host;      // our host name
  ReceivedProtocol protocol;
  std::string_view queue_id;
  std::string_view for_recipient;  // address without <>; "" omits "for" (several recipients)
  std::string_view tls_details;    // "using TLSv1.3 with cipher ..." or ""; our own text
  // The SASL login on submission, as Postfix's smtpd_sasl_authenticated_header
  // writes it: "(Authenticated sender: user)"; "" omits the clause.
  std::string_view authenticated_sender;
  std::chrono::system_clock::time_point time;
  std::chrono::minutes utc_offset{0};  // within +-23:59
};

// "Received: from helo (rdns [ip])\r\n\t(tls)\r\n\t(Authenticated sender: u)\r\n\tby host (Postino) with
// ESMTPS id Q\r\n\tfor <rcpt>; date\r\n", each clause on its own line and
// words wrapped within it.
std::string format_received_header(const ReceivedInfo& info);

// RFC 5322 3.3 date-time: "Mon, 1 Jan 2024 12:00:00 +0000".
std::string format_rfc5322_date(std::chrono::system_clock::time_point time, std::chrono::minutes utc_offset);

}  // namespace postino::smtp
