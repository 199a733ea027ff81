// SmtpClientSession: one outbound SMTP connection (RFC 5321 3, 4.1; RFC 1869
// EHLO; RFC 3207 STARTTLS; RFC 4954 AUTH PLAIN/LOGIN; RFC 2920 PIPELINING;
// RFC 3030 CHUNKING; RFC 1870 SIZE; RFC 6152 8BITMIME; RFC 6531 SMTPUTF8;
// RFC 3461 DSN parameters). open() connects to the first host and address
// that answers, greets and gets through EHLO/STARTTLS/AUTH; send() runs one
// mail transaction and returns one outcome per recipient; reset() prepares
// the connection for the next message to the same destination.
// Security: the peer is untrusted: every read has a deadline, replies are
// bounded (lines, bytes); credentials only over TLS unless allowed; after
// STARTTLS anything the server sent ahead is discarded (RFC 3207 4.2).
// Threads: one coroutine at a time uses a session.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "smtp_client/client_tls_contexts.hpp"
#include "smtp_client/message_source.hpp"
#include "smtp_client/outbound_types.hpp"
#include "smtp_client/server_reply.hpp"
#include "smtp_client/smtp_client_settings.hpp"

namespace postino::smtp_client {

struct SessionOptions {
  TlsPolicy tls_policy = TlsPolicy::may;
  bool authenticate = false;  // AUTH with settings' relay credentials (relayhost only)
};

class SmtpClientSession {
 public:
  struct Impl;

  // Tries each host's addresses in order: connect (timeouts.connect each),
  // greeting, EHLO (HELO after a 5xx), STARTTLS per policy, EHLO again,
  // AUTH. A host that refuses, times out, greets with 4xx/5xx (Postfix
  // smtp_skip_5xx_greeting) or fails TLS is skipped for the next. Errors:
  // always temporary_failure (retry later), the message starting with an
  // enhanced code as route_resolver's split_status() reads it: "4.4.1
  // connect to mx.example.org[192.0.2.1]:25: Connection refused" for the
  // last attempt. `settings` and `tls` must outlive the session.
  static boost::asio::awaitable<Result<std::unique_ptr<SmtpClientSession>>> open(
      std::vector<MxHost> hosts, SessionOptions options, const SmtpClientSettings& settings,
      std::shared_ptr<const ClientTlsContexts> tls);

  explicit SmtpClientSession(std::unique_ptr<Impl> impl);
  ~SmtpClientSession();
  SmtpClientSession(const SmtpClientSession&) = delete;
  SmtpClientSession& operator=(const SmtpClientSession&) = delete;

  // One transaction: MAIL, RCPT per recipient (pipelined when offered), DATA
  // (dot-stuffed, streamed from `message` in chunks) or BDAT. One outcome per
  // envelope recipient, in order. A lost connection or a timeout defers
  // every recipient not yet decided and leaves the session unusable.
  // message is rewound first.
  boost::asio::awaitable<std::vector<RecipientOutcome>> send(OutboundEnvelope envelope, MessageSource& message);

  // RSET (RFC 5321 4.1.1.5) for the next transaction; false if the
  // connection is no longer usable (then just drop it).
  boost::asio::awaitable<bool> reset();
  // QUIT and close; never throws.
  boost::asio::awaitable<void> quit();

  bool usable() const;
  bool tls() const;
  std::size_t messages_sent() const;  // transactions attempted on this connection
  const EhloCapabilities& capabilities() const;
  std::string relay() const;  // "mx.example.org[192.0.2.1]:25"

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace postino::smtp_client
