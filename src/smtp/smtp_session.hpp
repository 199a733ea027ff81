// SmtpSession: one SMTP (RFC 5321) or LMTP (RFC 2033) conversation, read as
// the RFC's state diagram: greet -> (bounded read -> pure parse -> dispatch
// -> reply)* -> goodbye. ESMTP: PIPELINING (2920), SIZE (1870), 8BITMIME
// (6152), SMTPUTF8 (6531), ENHANCEDSTATUSCODES (2034), STARTTLS (3207),
// CHUNKING (3030), DSN (3461).
// Security: all input is untrusted. Lines, messages, recipients and errors
// are bounded; only CRLF.CRLF ends DATA (smuggling); bare LF/CR rejected;
// input pipelined after STARTTLS is discarded; a client talking out of turn
// is disconnected. Pre-queue policy: unknown users, relaying, disabled
// accounts and full mailboxes are refused in RCPT, never bounced later.
// Submission (RFC 6409, RFC 8314): AUTH (RFC 4954) only under TLS, and
// MAIL only once authenticated; the sender and the From: addresses must be
// the user's; rate limits per user; Message-ID and Date added when missing.
// Failed logins are delayed and counted per client and per user
// (runtime::AuthThrottle) and answered alike whether the user exists or not.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/connection.hpp"
#include "runtime/line_reader.hpp"
#include "directory/directory.hpp"
#include "smtp/header_section.hpp"
#include "smtp/message_spool.hpp"
#include "smtp/smtp_server.hpp"
#include "smtp_proto/hop_counter.hpp"
#include "smtp_proto/smtp_command.hpp"
#include "smtp_proto/smtp_reply.hpp"

namespace postino {

class SmtpSession {
 public:
  SmtpSession(runtime::Connection& conn, SmtpMode mode, const std::string& hostname, const SmtpSettings& settings,
              SmtpServices& services, const SubmissionSettings& submission = {});
  boost::asio::awaitable<void> run();

 private:
  enum class State { start, hello, mail, rcpt };  // rcpt: at least one recipient accepted
  enum class Next { proceed, close };

  struct Recipient {
    std::string address;  // as given, without <>
    smtp::RcptParams params;
  };

  struct Transaction {
    std::string queue_id;
    smtp::Path sender;
    smtp::MailParams params;
    std::vector<Recipient> recipients;
    std::uint64_t bdat_bytes = 0;  // received so far in BDAT chunks
    bool bdat = false;             // CHUNKING in progress (DATA now refused)
    bool bdat_failed = false;      // a chunk was refused: discard until LAST
    smtp::HopCounter bdat_hops;    // Received headers seen in BDAT chunks
    // Submission: the sender's policy as read at MAIL, and the header
    // section held until it is complete (From: check, added fields).
    std::optional<SendingPolicy> policy;
    std::optional<HeaderSection> headers;
    bool headers_spooled = false;
  };

  // The authenticated user of a submission session.
  struct Login {
    std::string username;  // canonical account address
    std::string method;    // SASL mechanism name
  };

  boost::asio::awaitable<Next> dispatch(const smtp::SmtpCommand& command);
  boost::asio::awaitable<Next> on_hello(const smtp::SmtpCommand& command);
  boost::asio::awaitable<Next> on_mail(const smtp::MailArgs& args);
  boost::asio::awaitable<Next> on_rcpt(const smtp::RcptArgs& args);
  // R-MX4: the sender's domain must be able to receive replies.
  boost::asio::awaitable<std::optional<smtp::SmtpReply>> check_sender_domain(const std::string& domain);
  boost::asio::awaitable<Next> on_data();
  boost::asio::awaitable<Next> on_bdat(const smtp::BdatArgs& args);
  boost::asio::awaitable<Next> on_starttls();
  // Submission: AUTH (smtp_session_auth.cpp).
  boost::asio::awaitable<Next> on_auth(const smtp::AuthArgs& args);
  boost::asio::awaitable<Next> auth_failure(const std::string& mechanism, const std::string& user,
                                            const std::string& reason);
  std::vector<std::string> auth_mechanisms() const;
  // Submission: MAIL checks (TLS, login, suspension, ownership, rate): the
  // refusal, or the sender's policy for the transaction.
  struct SenderCheck {
    std::optional<smtp::SmtpReply> refusal;
    std::optional<SendingPolicy> policy;
  };
  boost::asio::awaitable<SenderCheck> check_submission_sender(const smtp::MailArgs& args);
  boost::asio::awaitable<std::optional<smtp::SmtpReply>> check_recipient_rate();
  // Submission, after the last byte: From: ownership and the rate charge.
  boost::asio::awaitable<std::optional<smtp::SmtpReply>> check_submitted_message();
  // Message bytes (decoded) into the spool; on submission through the held header section.
  void spool_bytes(std::string_view bytes);
  void spool_header_section();
  std::int64_t rate_window_start() const;
  smtp::SmtpReply temporary_failure() const;
  // After the last byte of a message: checks, durable spool, queue or LMTP
  // delivery, and the reply (one per recipient for LMTP).
  boost::asio::awaitable<Next> finish_message(const struct BodyCheck& check);
  boost::asio::awaitable<void> enqueue_and_reply();
  boost::asio::awaitable<void> deliver_lmtp_and_reply(const BlobInfo& blob);

  std::string received_header() const;
  std::vector<std::string> ehlo_keywords() const;

  void reply(const smtp::SmtpReply& reply);
  void reply(std::uint16_t code, const char* enhanced, const std::string& text);
  boost::asio::awaitable<void> flush();
  // Counts a client error; past max_errors says goodbye and closes.
  boost::asio::awaitable<Next> client_error(const smtp::SmtpReply& reply);
  void reset_transaction();
  // `from` names the sender when no transaction holds it yet (MAIL rejects).
  void log_reject(const char* stage, const smtp::SmtpReply& reply, const std::string& to = {},
                  const std::string& from = {});
  std::string client() const;  // "unknown[192.0.2.1]"
  const char* protocol_name() const;

  runtime::Connection& conn_;
  SmtpMode mode_;
  const std::string& hostname_;
  const SmtpSettings& settings_;
  SmtpServices& services_;
  runtime::LineReader reader_;
  MessageSpool spool_;
  std::string out_;  // replies waiting to be flushed (pipelining)

  State state_ = State::start;
  std::string helo_;
  bool extended_ = false;  // EHLO/LHLO: ESMTP and PIPELINING
  std::uint32_t errors_ = 0;
  std::optional<Transaction> tx_;
  std::string log_component_;
  const SubmissionSettings& submission_;
  std::optional<Login> login_;
  std::uint32_t auth_failures_ = 0;
};

}  // namespace postino
