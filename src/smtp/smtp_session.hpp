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
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/connection.hpp"
#include "runtime/line_reader.hpp"
#include "smtp/message_spool.hpp"
#include "smtp/smtp_server.hpp"
#include "smtp_proto/hop_counter.hpp"
#include "smtp_proto/smtp_command.hpp"
#include "smtp_proto/smtp_reply.hpp"

namespace postino {

class SmtpSession {
 public:
  SmtpSession(runtime::Connection& conn, SmtpMode mode, const std::string& hostname, const SmtpSettings& settings,
              SmtpServices& services);
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
  // After the last byte of a message: checks, durable spool, queue or LMTP
  // delivery, and the reply (one per recipient for LMTP).
  boost::asio::awaitable<Next> finish_message(const struct BodyCheck& check);
  boost::asio::awaitable<void> enqueue_and_reply(const BlobInfo& blob);
  boost::asio::awaitable<void> deliver_lmtp_and_reply(const BlobInfo& blob);

  std::string received_header() const;
  std::vector<std::string> ehlo_keywords() const;

  void reply(const smtp::SmtpReply& reply);
  void reply(std::uint16_t code, const char* enhanced, const std::string& text);
  boost::asio::awaitable<void> flush();
  // Counts a client error; past max_errors says goodbye and closes.
  boost::asio::awaitable<Next> client_error(const smtp::SmtpReply& reply);
  void reset_transaction();
  void log_reject(const char* stage, const smtp::SmtpReply& reply, const std::string& to = {});
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
  const char* log_component_;
};

}  // namespace postino
