// The values the outbound agent takes and returns: the envelope of one
// message (RFC 5321 MAIL/RCPT with RFC 3461 DSN, RFC 6152 BODY, RFC 6531
// SMTPUTF8 parameters), the MX hosts of a destination, and one outcome per
// recipient (delivered / deferred / failed, with the reply text for DSNs and
// for the Postfix-shaped "status=" log line).
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smtp_proto/esmtp_params.hpp"

namespace postino::smtp_client {

struct OutboundRecipient {
  std::string address;                    // envelope RCPT TO, "local@domain"
  std::optional<smtp::DsnNotify> notify;  // RFC 3461 NOTIFY, sent when the peer offers DSN
  std::string orcpt;                      // decoded "rfc822;user@example.org", or empty
};

struct OutboundEnvelope {
  std::string sender;  // reverse-path, empty for the null sender <>
  std::vector<OutboundRecipient> recipients;
  // BODY= of the original MAIL FROM. eight_bit_mime/binary_mime towards a peer
  // without 8BITMIME: the message is sent as-is if it holds no 8-bit octet
  // (checked by reading it once), otherwise failed 5.6.3 (no downgrade to
  // quoted-printable: RFC 6152 allows either; we keep it simple).
  smtp::BodyType body = smtp::BodyType::unspecified;
  // RFC 6531: the transaction needs SMTPUTF8; a peer without it fails 5.6.7.
  bool smtputf8 = false;
  smtp::DsnReturn ret = smtp::DsnReturn::unspecified;  // RFC 3461 RET, when the peer offers DSN
  std::string envid;                                   // RFC 3461 ENVID (decoded), or empty
};

// One SMTP server of a destination, in the order to try.
struct MxHost {
  std::string name;  // host name (lower-case) or IP literal; TLS verify checks it
  std::uint16_t preference = 0;
  std::uint16_t port = 25;
  std::vector<boost::asio::ip::address> addresses;  // IPv6 first, then IPv4
};

enum class OutcomeKind : std::uint8_t {
  delivered,  // 2xx after the final dot / BDAT LAST
  deferred,   // 4xx, connection or DNS trouble: retry later
  failed,     // 5xx or a permanent local reason: bounce
};

const char* outcome_kind_name(OutcomeKind kind);  // "sent", "deferred", "bounced" (Postfix status=)

struct RecipientOutcome {
  std::string recipient;
  OutcomeKind kind = OutcomeKind::deferred;
  std::uint16_t code = 0;  // the server's reply code; 0 when we decided locally (DNS, connect, policy)
  std::string enhanced;    // "2.0.0", "4.4.1", "5.1.1": RFC 3463, the server's or ours
  // Human text, Postfix-shaped: "host mx.example.org[192.0.2.1] said: 550
  // 5.1.1 <u@example.org>: unknown user (in reply to RCPT TO command)", or
  // "250 2.0.0 Ok: queued as ABC", or our own reason.
  std::string text;
  std::string relay;  // "mx.example.org[192.0.2.1]:25", or "none"
  bool tls = false;   // the transaction ran over TLS
  // The peer's reply itself ("550 5.1.1 <u@example.org>: unknown user",
  // sanitised), for a DSN's Diagnostic-Code; empty when decided locally.
  std::string reply;
  // The peer offered DSN (RFC 3461), so NOTIFY/ORCPT/RET/ENVID went with the
  // message and success notices are the next hop's to send.
  bool dsn_passed = false;
};

}  // namespace postino::smtp_client
