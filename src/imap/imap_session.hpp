// ImapSession: one IMAP conversation (RFC 9051 and RFC 3501 clients), read
// as the RFC's state diagram: greeting -> (bounded command read with
// literals -> pure parse (imap_proto) -> state check -> one handler per
// command in cmd_*.cpp -> untagged updates -> tagged reply)* -> BYE.
// Security: all input is untrusted. Lines, literals and whole commands are
// bounded before any byte is buffered; no password is accepted before TLS
// (LOGINDISABLED); failed logins are delayed and counted (AuthThrottle);
// bad commands past a limit end the connection.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "directory/directory.hpp"
#include "imap/imap_server.hpp"
#include "imap/selected_mailbox.hpp"
#include "imap/user_connections.hpp"
#include "imap_proto/imap_command.hpp"
#include "imap_proto/response_writer.hpp"
#include "runtime/blocking_pool.hpp"
#include "runtime/change_notifier.hpp"
#include "runtime/line_reader.hpp"

namespace postino::imap {

// Extensions a client turned on with ENABLE (RFC 5161) or implicitly.
struct Enabled {
  bool imap4rev2 = false;  // RFC 9051: no \Recent, UTF-8 names, ESEARCH replies
  bool utf8_accept = false;
  bool condstore = false;  // also turned on by any CONDSTORE-using command (RFC 7162 3.1)
  bool qresync = false;
};

class ImapSession {
 public:
  ImapSession(runtime::Connection& conn, const std::string& hostname, const ImapSettings& settings,
              ImapServices& services, UserConnections& user_connections);
  ~ImapSession();
  boost::asio::awaitable<void> run();

  // ---- What command handlers (cmd_*.cpp) use ----
  const ImapSettings& settings() const { return settings_; }
  ImapServices& services() { return services_; }
  runtime::Connection& connection() { return conn_; }
  log::Context& log() { return conn_.log; }
  const std::string& hostname() const { return hostname_; }

  SessionState state() const { return state_; }
  const AccountInfo& account() const { return account_; }
  Enabled& enabled() { return enabled_; }
  bool utf8() const { return enabled_.imap4rev2 || enabled_.utf8_accept; }
  ParseContext parse_context() const { return ParseContext{utf8(), enabled_.qresync}; }

  // Output: handlers append to out() and the session flushes at the end of
  // each command; long responses flush on their own (flush_if_large).
  ResponseWriter& out() { return out_; }
  boost::asio::awaitable<void> flush();
  boost::asio::awaitable<void> flush_if_large();
  // Writes bytes straight to the client (after flushing out()): literals
  // streamed in chunks.
  boost::asio::awaitable<void> write_raw(std::string_view bytes);
  void tagged(const Command& command, std::string_view condition, std::string_view code, std::string_view text);
  void ok(const Command& command, std::string_view text = "completed") { tagged(command, "OK", "", text); }
  void no(const Command& command, std::string_view code, std::string_view text) {
    tagged(command, "NO", code, text);
  }
  void bad(const Command& command, std::string_view text) { tagged(command, "BAD", "", text); }
  // The tagged reply for a store error (RFC 5530 codes: NONEXISTENT,
  // ALREADYEXISTS, OVERQUOTA, SERVERBUG...).
  void store_error(const Command& command, const Error& error);

  // Runs f on the blocking pool (store, directory, blob reads).
  template <class F>
  auto blocking(F f) {
    return services_.blocking.run(std::move(f));
  }

  // Reads one client line (AUTHENTICATE answers, IDLE's DONE).
  boost::asio::awaitable<runtime::Line> read_line(std::chrono::milliseconds timeout);
  runtime::LineReader& reader() { return reader_; }

  // ---- State changes ----
  // Login finished: loads the account's mailboxes (default ones created).
  boost::asio::awaitable<bool> begin_authenticated(AccountInfo account);
  void select(std::unique_ptr<SelectedMailbox> mailbox);
  void unselect();
  SelectedMailbox* selected() { return selected_.get(); }
  runtime::ChangeNotifier::Watch* watch() { return watch_.get(); }
  // Reads the store's changes to the selected mailbox and writes the
  // untagged responses (RFC 9051 7.5.1: expunges only when allowed).
  boost::asio::awaitable<void> report_changes(bool allow_expunges);
  // Untagged "* n FETCH (FLAGS ...)" for messages whose flags changed.
  void write_flags_fetch(std::uint32_t seq, bool with_uid);

  // The saved SEARCH result (RFC 5182 "$"), as UIDs.
  std::vector<Uid>& saved_search() { return saved_search_; }

  // STARTTLS and COMPRESS need the raw stream and reader.
  boost::asio::awaitable<void> start_tls();
  bool tls_active() const;
  bool logindisabled() const;  // no password may cross this connection now

  // The client asked to close (LOGOUT): the loop ends after this command.
  void end_after_command() { closing_ = true; }
  // Counts a failed authentication; returns false once the session must end.
  boost::asio::awaitable<bool> authentication_failed(const std::string& user);

  std::vector<std::string> capabilities() const;

 private:
  enum class ReadOutcome { command, rejected, too_long, closed, stopping };
  boost::asio::awaitable<ReadOutcome> read_command(CommandText& text);
  boost::asio::awaitable<void> dispatch(Command& command, CommandText& text);
  boost::asio::awaitable<void> run_commands();
  bool command_allowed(const CommandInfo& info) const;

  runtime::Connection& conn_;
  const std::string& hostname_;
  const ImapSettings& settings_;
  ImapServices& services_;
  UserConnections& user_connections_;
  runtime::LineReader reader_;
  ResponseWriter out_;
  SessionState state_ = SessionState::not_authenticated;
  AccountInfo account_;
  UserConnections::Slot user_slot_;
  Enabled enabled_;
  std::unique_ptr<SelectedMailbox> selected_;
  std::unique_ptr<runtime::ChangeNotifier::Watch> watch_;
  std::vector<Uid> saved_search_;
  std::string pending_tagged_;  // the tagged reply, sent after untagged updates
  std::uint32_t bad_commands_ = 0;
  std::uint32_t auth_failures_ = 0;
  bool closing_ = false;
};

}  // namespace postino::imap
