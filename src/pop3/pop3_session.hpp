// Pop3Session: one POP3 conversation (RFC 1939) read as the RFC's state
// diagram: greeting -> AUTHORIZATION (CAPA RFC 2449, STLS RFC 2595, USER/PASS,
// AUTH PLAIN RFC 5034) -> TRANSACTION (STAT, LIST, UIDL, TOP, RETR, DELE,
// RSET, NOOP) -> QUIT -> UPDATE (marked messages expunged) -> close. Replies
// carry the RFC 2449/3206 response codes ([AUTH], [SYS/TEMP], [SYS/PERM],
// [IN-USE]).
// Security: all input is untrusted. Lines are bounded (Line too long), bad
// commands and failed logins are counted and end the connection past a
// limit; no password is accepted before TLS (RFC 2595: USER/PASS/AUTH answer
// -ERR [AUTH] on the plain port until STLS); plaintext pipelined after STLS
// is discarded before the handshake; failed logins are delayed and counted
// across connections (AuthThrottle); every read has a deadline; messages are
// streamed from the blob store in chunks, never held whole.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "directory/directory.hpp"
#include "pop3/maildrop.hpp"
#include "pop3/maildrop_locks.hpp"
#include "pop3/pop3_command.hpp"
#include "pop3/pop3_server.hpp"
#include "runtime/line_reader.hpp"

namespace postino::pop3 {

class Pop3Session {
 public:
  Pop3Session(runtime::Connection& conn, const std::string& hostname, const Pop3Settings& settings,
              Pop3Services& services, MaildropLocks& locks);
  boost::asio::awaitable<void> run();

 private:
  enum class Next { proceed, close };

  boost::asio::awaitable<void> run_commands();
  boost::asio::awaitable<Next> dispatch(const Command& command);

  // AUTHORIZATION state (pop3_session.cpp).
  boost::asio::awaitable<Next> cmd_capa();
  boost::asio::awaitable<Next> cmd_stls();
  boost::asio::awaitable<Next> cmd_user(const Command& command);
  boost::asio::awaitable<Next> cmd_pass(const Command& command);
  boost::asio::awaitable<Next> cmd_auth(const Command& command);
  // The password check shared by PASS and AUTH PLAIN: throttle, directory on
  // the blocking pool. nullopt: wrong password, unknown user or throttled.
  boost::asio::awaitable<std::optional<AccountInfo>> check_password(const std::string& user, std::string password);
  // After a right password: disabled account, maildrop lock, INBOX snapshot,
  // then TRANSACTION with +OK, or the -ERR.
  boost::asio::awaitable<void> begin_transaction(AccountInfo account, const char* method);
  // -ERR [AUTH] after the throttle's delay; close once too many failed.
  boost::asio::awaitable<Next> login_failed(const std::string& user);
  bool password_allowed() const;  // RFC 2595: only under TLS

  // TRANSACTION and UPDATE states (pop3_transaction.cpp).
  boost::asio::awaitable<Next> cmd_stat();
  boost::asio::awaitable<Next> cmd_list(const Command& command, bool uidl);
  boost::asio::awaitable<Next> cmd_retr(const Command& command, bool top);
  boost::asio::awaitable<Next> cmd_dele(const Command& command);
  boost::asio::awaitable<Next> cmd_rset();
  boost::asio::awaitable<Next> cmd_quit();
  // Whether message `number` exists and is not deleted; if not, queues the
  // -ERR reply.
  bool message_usable(std::uint32_t number);
  // Streams message `number` (or its TOP cut), byte-stuffed, after "+OK".
  // A blob that cannot be opened is answered -ERR; a read failure after the
  // +OK leaves no way to answer but closing.
  boost::asio::awaitable<Next> send_message(std::uint32_t number, std::optional<std::uint32_t> top_lines);

  // Output: replies are queued and flushed before the next read that would
  // wait (so pipelined commands get one write, RFC 2449 6.6).
  void reply(std::string_view line);  // appends CRLF
  boost::asio::awaitable<void> flush();
  boost::asio::awaitable<void> flush_if_large();
  boost::asio::awaitable<runtime::Line> read_line();
  std::chrono::milliseconds read_timeout() const;
  // Answers a bad command; past max_bad_commands the connection closes.
  Next bad_command(std::string_view reply_line);
  // Dovecot-shaped login log lines (fail2ban's dovecot filter reads them).
  void log_login_line(std::string_view prefix, const std::string& user, const char* method) const;

  runtime::Connection& conn_;
  const std::string& hostname_;
  const Pop3Settings& settings_;
  Pop3Services& services_;
  MaildropLocks& locks_;
  runtime::LineReader reader_;
  std::string out_;
  Pop3State state_ = Pop3State::authorization;
  std::optional<std::string> pending_user_;  // after USER, for PASS
  AccountInfo account_;
  MaildropLocks::Lock lock_;
  Maildrop maildrop_;
  std::uint32_t bad_commands_ = 0;
  std::uint32_t auth_failures_ = 0;
  // Counters for the logout line (Dovecot's top=, retr=, del=).
  std::uint32_t retrieved_ = 0;
  std::uint64_t retrieved_bytes_ = 0;
};

}  // namespace postino::pop3
