// The session loop, the command table dispatch, and the AUTHORIZATION state:
// CAPA (RFC 2449 5), STLS (RFC 2595 4), USER/PASS (RFC 1939 7), AUTH PLAIN
// (RFC 5034 4, RFC 4616), QUIT (RFC 1939 6). The TRANSACTION commands live
// in pop3_transaction.cpp.
#include "pop3/pop3_session.hpp"

#include <strings.h>

#include <variant>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include "runtime/auth_throttle.hpp"
#include "runtime/blocking_pool.hpp"
#include "sasl/base64.hpp"
#include "sasl/sasl_mechanism.hpp"
#include "store/mailbox_store.hpp"

namespace postino::pop3 {
namespace asio = boost::asio;

namespace {

bool is_timeout(const boost::system::system_error& e) {
  return e.code() == boost::asio::error::timed_out || e.code() == boost::system::errc::timed_out;
}

// A user name as it may appear in a log line: bounded, no control
// characters, no '>' that would end Dovecot's user=<...>.
std::string loggable_user(std::string_view user) {
  std::string out;
  for (char c : user.substr(0, 255)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f || c == '>' ? '?' : c);
  }
  return out;
}

// What begin_transaction reads on the blocking pool: the INBOX (created if
// the account never had mail) and its messages at this moment.
struct MaildropSnapshot {
  MailboxRecord inbox;
  std::vector<MessageRecord> messages;
};

Result<MaildropSnapshot> load_maildrop(MailboxStore& store, AccountId account) {
  auto inbox = store.find_mailbox(account, kInboxName);
  if (!inbox && inbox.error().code == Errc::not_found) {
    auto created = store.create_mailbox(account, kInboxName, "");
    if (created || created.error().code != Errc::already_exists) {
      inbox = std::move(created);
    } else {
      inbox = store.find_mailbox(account, kInboxName);
    }
  }
  if (!inbox) return inbox.take_error();
  auto messages = store.list_messages(inbox->id);
  if (!messages) return messages.take_error();
  return MaildropSnapshot{std::move(*inbox), std::move(*messages)};
}

constexpr const char* kTlsRequired = "-ERR [AUTH] Plaintext authentication disallowed without TLS (use STLS or port 995)";

}  // namespace

Pop3Session::Pop3Session(runtime::Connection& conn, const std::string& hostname, const Pop3Settings& settings,
                         Pop3Services& services, MaildropLocks& locks)
    : conn_(conn),
      hostname_(hostname),
      settings_(settings),
      services_(services),
      locks_(locks),
      reader_(conn.stream, settings.max_line_bytes) {}

// ---- output and input -------------------------------------------------------

void Pop3Session::reply(std::string_view line) {
  out_.append(line);
  out_.append("\r\n");
}

asio::awaitable<void> Pop3Session::flush() {
  if (out_.empty()) co_return;
  std::string bytes = std::move(out_);
  out_.clear();
  co_await conn_.stream.write_all(bytes, settings_.write_timeout);
}

asio::awaitable<void> Pop3Session::flush_if_large() {
  if (out_.size() >= settings_.retrieve_chunk_bytes) co_await flush();
}

std::chrono::milliseconds Pop3Session::read_timeout() const {
  return state_ == Pop3State::authorization ? settings_.login_timeout : settings_.command_timeout;
}

asio::awaitable<runtime::Line> Pop3Session::read_line() {
  co_await flush();
  runtime::Line line = co_await reader_.read_line(read_timeout());
  co_return line;
}

Pop3Session::Next Pop3Session::bad_command(std::string_view reply_line) {
  if (++bad_commands_ >= settings_.max_bad_commands) {
    conn_.log.info("pop3_too_many_bad_commands", {{"count", static_cast<std::uint64_t>(bad_commands_)}});
    reply("-ERR Too many invalid commands, closing connection");
    return Next::close;
  }
  reply(reply_line);
  return Next::proceed;
}

bool Pop3Session::password_allowed() const { return conn_.stream.is_tls(); }

void Pop3Session::log_login_line(std::string_view prefix, const std::string& user, const char* method) const {
  std::string text(prefix);
  text += ": user=<" + loggable_user(user) + ">, method=" + method +
          ", rip=" + conn_.stream.remote_endpoint().address().to_string() +
          ", lip=" + conn_.stream.local_endpoint().address().to_string();
  if (conn_.stream.is_tls()) text += ", TLS";
  text += ", session=<" + conn_.session_id + ">";
  log::line(log::Level::info, "postino/pop3-login", text);
}

// ---- the loop -------------------------------------------------------------------

asio::awaitable<void> Pop3Session::run() {
  if (conn_.refused) {
    reply("-ERR [SYS/TEMP] Too many connections, try again later");
    co_await flush();
    co_return;
  }
  conn_.log.info("pop3_connect", {{"tls", conn_.stream.is_tls()}});
  // No APOP timestamp: APOP needs the plaintext password stored (RFC 1939 7).
  reply("+OK Postino POP3 ready.");
  bool timed_out = false;
  try {
    co_await run_commands();
  } catch (const boost::system::system_error& e) {
    if (!is_timeout(e)) {
      // RFC 1939 6: no QUIT, no UPDATE; the marked messages stay. The lock
      // goes before the log line, so whoever reads the line may log in.
      lock_.release();
      if (state_ == Pop3State::transaction) {
        conn_.log.info("pop3_disconnected", {{"user", account_.address}, {"reason", e.code().message()},
                                             {"deleted_kept", static_cast<std::uint64_t>(maildrop_.deleted_count())}});
      }
      throw;
    }
    timed_out = true;
  }
  if (timed_out) {
    // RFC 1939 3: an autologout timer closes without entering UPDATE.
    lock_.release();
    conn_.log.info("pop3_autologout", {{"state", state_ == Pop3State::transaction ? "transaction" : "authorization"}});
    reply("-ERR Disconnected for inactivity");
  }
  co_await flush();
}

asio::awaitable<void> Pop3Session::run_commands() {
  for (;;) {
    if (!reader_.has_buffered()) co_await flush();
    runtime::Line line = co_await reader_.read_command(read_timeout());
    if (line.status == runtime::LineStatus::stopping) {
      reply("-ERR [SYS/TEMP] Server shutting down");
      co_return;
    }
    if (line.status == runtime::LineStatus::too_long) {
      if (bad_command("-ERR Line too long") == Next::close) co_return;
      continue;
    }
    ParseResult parsed = parse_command(line.text);
    if (!parsed.command) {
      const char* why = parsed.error == ParseError::bad_arguments ? "-ERR Syntax error in arguments"
                                                                  : "-ERR Unknown command";
      conn_.log.debug("pop3_bad_command", {{"command", parsed.keyword}});
      if (bad_command(why) == Next::close) co_return;
      continue;
    }
    const Command& command = *parsed.command;
    if (!allowed_in(*command.info, state_)) {
      const char* why = state_ == Pop3State::authorization ? "-ERR Not logged in"
                                                           : "-ERR Command not allowed in the TRANSACTION state";
      if (bad_command(why) == Next::close) co_return;
      continue;
    }
    // GCC 12: no co_await inside a condition (it miscompiles some).
    const Next next = co_await dispatch(command);
    if (next == Next::close) co_return;
  }
}

asio::awaitable<Pop3Session::Next> Pop3Session::dispatch(const Command& command) {
  Next next = Next::proceed;
  switch (command.info->kind) {
    case CommandKind::capa: next = co_await cmd_capa(); break;
    case CommandKind::stls: next = co_await cmd_stls(); break;
    case CommandKind::auth: next = co_await cmd_auth(command); break;
    case CommandKind::user: next = co_await cmd_user(command); break;
    case CommandKind::pass: next = co_await cmd_pass(command); break;
    case CommandKind::quit: next = co_await cmd_quit(); break;
    case CommandKind::stat: next = co_await cmd_stat(); break;
    case CommandKind::list: next = co_await cmd_list(command, false); break;
    case CommandKind::uidl: next = co_await cmd_list(command, true); break;
    case CommandKind::retr: next = co_await cmd_retr(command, false); break;
    case CommandKind::top: next = co_await cmd_retr(command, true); break;
    case CommandKind::dele: next = co_await cmd_dele(command); break;
    case CommandKind::rset: next = co_await cmd_rset(); break;
    case CommandKind::noop: reply("+OK"); break;
  }
  co_return next;
}

// ---- AUTHORIZATION --------------------------------------------------------------

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_capa() {
  // RFC 2449 5; RFC 2595 4: no USER or SASL mechanism is announced where
  // they would be refused, and STLS only where it can be used.
  reply("+OK Capability list follows");
  reply("TOP");
  reply("UIDL");
  reply("RESP-CODES");
  reply("AUTH-RESP-CODE");
  reply("PIPELINING");
  if (state_ == Pop3State::authorization) {
    if (password_allowed()) {
      reply("USER");
      reply("SASL PLAIN");
    } else if (conn_.stream.tls_available() && conn_.tls_mode == TlsMode::starttls) {
      reply("STLS");
    }
  }
  reply("IMPLEMENTATION Postino");
  reply(".");
  co_return Next::proceed;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_stls() {
  if (conn_.stream.is_tls()) co_return bad_command("-ERR TLS is already active");
  if (!conn_.stream.tls_available() || conn_.tls_mode != TlsMode::starttls) {
    co_return bad_command("-ERR STLS is not offered on this port");
  }
  reply("+OK Begin TLS negotiation");
  co_await flush();
  // RFC 2595 4 / RFC 3207 4.2: anything pipelined after STLS was sent in
  // the clear and is not a command.
  std::size_t discarded = reader_.discard_buffered();
  if (discarded > 0) conn_.log.info("pop3_stls_discarded", {{"bytes", static_cast<std::uint64_t>(discarded)}});
  co_await conn_.start_tls();
  pending_user_.reset();
  conn_.log.info("pop3_tls_started", {{"tls", conn_.stream.tls_description()}});
  co_return Next::proceed;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_user(const Command& command) {
  if (!password_allowed()) {
    reply(kTlsRequired);  // a policy refusal, not a client error: not counted
    co_return Next::proceed;
  }
  if (command.args[0].size() > sasl::kMaxSaslFieldBytes) co_return bad_command("-ERR User name too long");
  pending_user_ = command.args[0];
  reply("+OK");
  co_return Next::proceed;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_pass(const Command& command) {
  if (!password_allowed()) {
    reply(kTlsRequired);  // a policy refusal, not a client error: not counted
    co_return Next::proceed;
  }
  if (!pending_user_) co_return bad_command("-ERR USER first");
  std::string user = std::move(*pending_user_);
  pending_user_.reset();
  auto account = co_await check_password(user, command.args[0]);
  if (!account) {
    log_login_line("Aborted login (auth failed, " + std::to_string(auth_failures_ + 1) + " attempts)", user,
                   "PLAIN");
    const Next next = co_await login_failed(user);
    co_return next;
  }
  co_await begin_transaction(std::move(*account), "PLAIN");
  co_return Next::proceed;
}

asio::awaitable<Pop3Session::Next> Pop3Session::cmd_auth(const Command& command) {
  if (!password_allowed()) {
    reply(kTlsRequired);  // a policy refusal, not a client error: not counted
    co_return Next::proceed;
  }
  if (command.args.empty()) {
    // Not in RFC 5034, but clients still send a bare AUTH to list mechanisms.
    reply("+OK Mechanisms follow");
    reply("PLAIN");
    reply(".");
    co_return Next::proceed;
  }
  if (::strcasecmp(command.args[0].c_str(), "PLAIN") != 0) {
    co_return bad_command("-ERR Unsupported authentication mechanism");
  }
  std::optional<std::string> initial;
  if (command.args.size() == 2) {
    if (command.args[1] == "=") {
      initial = std::string();  // RFC 5034 4: "=" is an empty initial response
    } else {
      auto decoded = sasl::base64_decode(command.args[1]);
      if (!decoded) co_return bad_command("-ERR Invalid base64 in the initial response");
      initial = std::move(*decoded);
    }
  }
  auto mechanism = sasl::make_plain_server();
  sasl::SaslStep step = mechanism->start(initial);
  std::optional<AccountInfo> account;
  std::string user;
  for (;;) {
    if (auto* challenge = std::get_if<sasl::SaslChallenge>(&step)) {
      reply("+ " + sasl::base64_encode(challenge->data));
      runtime::Line line = co_await read_line();
      if (line.status != runtime::LineStatus::ok) co_return bad_command("-ERR Line too long");
      if (line.text == "*") {
        reply("-ERR Authentication cancelled");  // RFC 5034 4
        co_return Next::proceed;
      }
      auto decoded = sasl::base64_decode(line.text);
      if (!decoded) co_return bad_command("-ERR Invalid base64 in the authentication exchange");
      step = mechanism->step(*decoded);
    } else if (auto* check = std::get_if<sasl::SaslNeedPasswordCheck>(&step)) {
      user = check->authcid;
      account = co_await check_password(check->authcid, std::move(check->password));
      step = mechanism->password_checked(account.has_value());
    } else if (std::get_if<sasl::SaslSuccess>(&step) != nullptr && account) {
      co_await begin_transaction(std::move(*account), "PLAIN");
      co_return Next::proceed;
    } else if (auto* failure = std::get_if<sasl::SaslFailure>(&step);
               failure != nullptr && failure->kind == sasl::SaslFailureKind::malformed) {
      co_return bad_command("-ERR Malformed authentication exchange");
    } else {
      log_login_line("Aborted login (auth failed, " + std::to_string(auth_failures_ + 1) + " attempts)", user,
                     "PLAIN");
      const Next next = co_await login_failed(user);
      co_return next;
    }
  }
}

asio::awaitable<std::optional<AccountInfo>> Pop3Session::check_password(const std::string& user,
                                                                        std::string password) {
  std::string client = conn_.stream.remote_endpoint().address().to_string();
  if (services_.auth_throttle.refused(client, user)) {
    // Answered exactly as a wrong password: reveals nothing about the account.
    conn_.log.info("pop3_login_throttled", {{"user", loggable_user(user)}});
    co_return std::nullopt;
  }
  Directory& directory = services_.directory;
  // GCC 12: blocking jobs are named locals, never lambda temporaries in a co_await.
  auto job = [&directory, user, password = std::move(password)] { return directory.authenticate(user, password); };
  auto result = co_await services_.passwords.run(std::move(job));
  if (result) {
    services_.auth_throttle.record_success(user);
    co_return std::move(*result);
  }
  if (result.error().code == Errc::disabled) {
    // The password was right: say why, as for IMAP.
    AccountInfo disabled;
    disabled.address = user;
    disabled.status = AccountStatus::disabled;
    co_return disabled;
  }
  if (result.error().code != Errc::permission_denied) {
    conn_.log.warn("pop3_auth_error", {{"user", loggable_user(user)}, {"error", result.error().message}});
  }
  co_return std::nullopt;
}

asio::awaitable<Pop3Session::Next> Pop3Session::login_failed(const std::string& user) {
  ++auth_failures_;
  std::string client = conn_.stream.remote_endpoint().address().to_string();
  auto delay = services_.auth_throttle.record_failure(client, user);
  conn_.log.info("pop3_login_failed",
                 {{"user", loggable_user(user)}, {"failures", static_cast<std::uint64_t>(auth_failures_)}});
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, delay);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  reply("-ERR [AUTH] Authentication failed.");
  if (auth_failures_ >= settings_.max_auth_failures) {
    conn_.log.info("pop3_too_many_auth_failures", {{"failures", static_cast<std::uint64_t>(auth_failures_)}});
    co_return Next::close;
  }
  co_return Next::proceed;
}

asio::awaitable<void> Pop3Session::begin_transaction(AccountInfo account, const char* method) {
  if (account.status != AccountStatus::active) {
    conn_.log.info("pop3_login_disabled", {{"user", loggable_user(account.address)}});
    reply("-ERR [AUTH] Account is disabled");
    co_return;
  }
  // RFC 1939 8 / RFC 2449 8.1.1: one session at a time per maildrop.
  MaildropLocks::Lock lock = locks_.try_lock(account.id);
  if (!lock.held()) {
    conn_.log.info("pop3_maildrop_locked", {{"user", account.address}});
    reply("-ERR [IN-USE] Mailbox is locked by another POP3 session");
    co_return;
  }
  MailboxStore& store = services_.mailboxes;
  AccountId id = account.id;
  auto job = [&store, id] { return load_maildrop(store, id); };
  auto snapshot = co_await services_.blocking.run(std::move(job));
  if (!snapshot) {
    conn_.log.warn("pop3_maildrop_failed", {{"user", account.address}, {"error", snapshot.error().message}});
    reply("-ERR [SYS/TEMP] Cannot open the maildrop, try again later");
    co_return;
  }
  maildrop_ = Maildrop(snapshot->inbox.id, snapshot->inbox.uid_validity, std::move(snapshot->messages));
  lock_ = std::move(lock);
  account_ = std::move(account);
  state_ = Pop3State::transaction;
  log_login_line("Login", account_.address, method);
  conn_.log.info("pop3_login", {{"user", account_.address},
                                {"messages", static_cast<std::uint64_t>(maildrop_.size())},
                                {"tls", conn_.stream.is_tls()}});
  reply("+OK Logged in, maildrop has " + std::to_string(maildrop_.live_count()) + " messages (" +
        std::to_string(maildrop_.live_bytes()) + " octets)");
}

}  // namespace postino::pop3
