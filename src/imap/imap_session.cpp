// The session loop, command framing with literals (RFC 9051 4.3, RFC 7888),
// the state check, the end-of-command updates (RFC 9051 7.5.1) and the
// services handlers share. The commands themselves live in cmd_*.cpp.
#include "imap/imap_session.hpp"

#include <strings.h>

#include <algorithm>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include "imap/commands.hpp"
#include "runtime/auth_throttle.hpp"
#include "store/mailbox_store.hpp"

namespace postino::imap {
namespace asio = boost::asio;

namespace {

bool is_timeout(const boost::system::system_error& e) {
  return e.code() == boost::asio::error::timed_out || e.code() == boost::system::errc::timed_out;
}

// Whether the first line is "<tag> APPEND ...": its literals are messages,
// bounded by the append limit instead of the command size.
bool is_append(std::string_view line) {
  auto space = line.find(' ');
  if (space == std::string_view::npos) return false;
  std::string_view rest = line.substr(space + 1);
  return rest.size() > 7 && ::strncasecmp(rest.data(), "APPEND ", 7) == 0;
}

// Commands whose untagged replies may not include EXPUNGE (RFC 9051 7.5.1):
// the sequence-number forms of FETCH, STORE and SEARCH (and SORT, THREAD).
bool expunges_forbidden(const Command& command) {
  if (command.uid) return false;
  switch (command.kind) {
    case CommandKind::fetch:
    case CommandKind::store:
    case CommandKind::search:
    case CommandKind::sort:
    case CommandKind::thread:
      return true;
    default:
      return false;
  }
}

}  // namespace

ImapSession::ImapSession(runtime::Connection& conn, const std::string& hostname, const ImapSettings& settings,
                         ImapServices& services, UserConnections& user_connections)
    : conn_(conn),
      hostname_(hostname),
      settings_(settings),
      services_(services),
      user_connections_(user_connections),
      reader_(conn.stream, settings.max_line_bytes) {}

ImapSession::~ImapSession() = default;

bool ImapSession::tls_active() const { return conn_.stream.is_tls(); }

// RFC 9051 6.2.3 and 11.1: no password crosses a connection without TLS.
bool ImapSession::logindisabled() const { return !conn_.stream.is_tls(); }

std::vector<std::string> ImapSession::capabilities() const {
  std::vector<std::string> caps{"IMAP4rev1", "IMAP4rev2"};
  // RFC 7888 5: LITERAL+ or LITERAL-, never both.
  const char* literal = settings_.literal_plus ? "LITERAL+" : "LITERAL-";
  if (state_ == SessionState::not_authenticated) {
    if (!tls_active() && conn_.stream.tls_available() && conn_.tls_mode == TlsMode::starttls) caps.push_back("STARTTLS");
    if (logindisabled()) {
      caps.push_back("LOGINDISABLED");
    } else {
      caps.push_back("AUTH=PLAIN");
    }
    for (const char* c : {"SASL-IR", "ID", "ENABLE", literal}) caps.emplace_back(c);
    return caps;
  }
  for (const char* c : {"SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", literal,
                        "CHILDREN", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE",
                        "CONDSTORE", "QRESYNC", "ESEARCH", "SEARCHRES", "QUOTA", "QUOTA=RES-STORAGE",
                        "QUOTA=RES-MESSAGE", "STATUS=SIZE", "SAVEDATE", "MULTIAPPEND", "WITHIN", "UTF8=ACCEPT",
                        "BINARY", "SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES",
                        "COMPRESS=DEFLATE", "OBJECTID"}) {
    caps.emplace_back(c);
  }
  caps.push_back("APPENDLIMIT=" + std::to_string(settings_.max_append_bytes));
  return caps;
}

asio::awaitable<void> ImapSession::flush() {
  if (out_.size() == 0) co_return;
  std::string bytes = out_.take();
  out_.clear();
  co_await conn_.stream.write_all(bytes, settings_.write_timeout);
}

asio::awaitable<void> ImapSession::flush_if_large() {
  if (out_.size() >= 64 * 1024) co_await flush();
}

asio::awaitable<void> ImapSession::write_raw(std::string_view bytes) {
  co_await flush();
  co_await conn_.stream.write_all(bytes, settings_.write_timeout);
}

void ImapSession::tagged(const Command& command, std::string_view condition, std::string_view code,
                         std::string_view text) {
  pending_tagged_ = tagged_status(command.tag, condition, code, text);
}

void ImapSession::store_error(const Command& command, const Error& error) {
  switch (error.code) {
    case Errc::not_found:
      no(command, "NONEXISTENT", "No such mailbox or message");
      return;
    case Errc::already_exists:
      no(command, "ALREADYEXISTS", "Mailbox already exists");
      return;
    case Errc::over_quota:
      no(command, "OVERQUOTA", "Quota exceeded");
      return;
    case Errc::invalid_argument:
      no(command, "CANNOT", error.message);
      return;
    case Errc::permission_denied:
      no(command, "NOPERM", "Permission denied");
      return;
    case Errc::temporary_failure:
      no(command, "UNAVAILABLE", "Temporary failure, try again later");
      return;
    default:
      conn_.log.warn("imap_store_error", {{"error", error.message}});
      no(command, "SERVERBUG", "Internal error, see the server log");
      return;
  }
}

asio::awaitable<runtime::Line> ImapSession::read_line(std::chrono::milliseconds timeout) {
  co_await flush();
  co_return co_await reader_.read_line(timeout);
}

asio::awaitable<void> ImapSession::start_tls() {
  // RFC 9051 6.2.1: input pipelined after STARTTLS is not a command.
  std::size_t discarded = reader_.discard_buffered();
  if (discarded > 0) conn_.log.info("imap_starttls_discarded", {{"bytes", static_cast<std::uint64_t>(discarded)}});
  co_await conn_.start_tls();
  conn_.log.info("imap_tls_started", {{"tls", conn_.stream.tls_description()}});
}

asio::awaitable<bool> ImapSession::authentication_failed(const std::string& user) {
  ++auth_failures_;
  std::string client = conn_.stream.remote_endpoint().address().to_string();
  auto delay = services_.auth_throttle.record_failure(client, user);
  conn_.log.info("imap_login_failed", {{"user", user}, {"failures", static_cast<std::uint64_t>(auth_failures_)}});
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, delay);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return auth_failures_ < settings_.max_auth_failures;
}

asio::awaitable<bool> ImapSession::begin_authenticated(AccountInfo account) {
  UserConnections::Slot slot;
  if (!user_connections_.acquire(account.id, settings_.max_connections_per_user, slot)) co_return false;
  MailboxStore& store = services_.mailboxes;
  const auto& defaults = settings_.default_mailboxes;
  AccountId id = account.id;
  // First login: INBOX and the special-use folders clients look for.
  auto job = [&store, &defaults, id]() -> Status {
    auto existing = store.list_mailboxes(id);
    if (!existing) return existing.take_error();
    auto has = [&](const std::string& name) {
      return std::any_of(existing->begin(), existing->end(), [&](const MailboxRecord& m) { return m.name == name; });
    };
    if (!has(kInboxName)) {
      auto inbox = store.create_mailbox(id, kInboxName, "");
      if (!inbox && inbox.error().code != Errc::already_exists) return inbox.take_error();
    }
    // Auto-created like Dovecot's `auto = create`: a special-use folder
    // that is missing is made again at the next login.
    for (const auto& [name, use] : defaults) {
      bool use_taken = std::any_of(existing->begin(), existing->end(),
                                   [&](const MailboxRecord& m) { return m.special_use == use; });
      if (has(name) || use_taken) continue;
      auto made = store.create_mailbox(id, name, use);
      if (!made && made.error().code != Errc::already_exists) return made.take_error();
      if (auto s = store.set_subscribed(id, name, true); !s) return s;
    }
    return {};
  };
  auto created = co_await blocking(std::move(job));
  if (!created) {
    conn_.log.warn("imap_default_mailboxes_failed", {{"error", created.error().message}});
  }
  user_slot_ = std::move(slot);
  account_ = std::move(account);
  state_ = SessionState::authenticated;
  conn_.log.info("imap_login", {{"user", account_.address}});
  co_return true;
}

void ImapSession::select(std::unique_ptr<SelectedMailbox> mailbox) {
  watch_.reset();
  selected_ = std::move(mailbox);
  watch_ = std::make_unique<runtime::ChangeNotifier::Watch>(
      services_.changes, static_cast<std::int64_t>(selected_->id()), conn_.stream.get_executor());
  state_ = SessionState::selected;
  saved_search_.clear();
}

void ImapSession::unselect() {
  watch_.reset();
  selected_.reset();
  saved_search_.clear();
  if (state_ == SessionState::selected) state_ = SessionState::authenticated;
}

void ImapSession::write_flags_fetch(std::uint32_t seq, bool with_uid) {
  const ViewMessage& m = selected_->at(seq);
  out_.untagged().number(seq).raw(" FETCH (");
  if (with_uid || enabled_.qresync) out_.raw("UID ").number(static_cast<std::uint32_t>(m.uid)).sp();
  std::vector<std::string> flags = m.flags;
  if (!enabled_.imap4rev2 && selected_->is_recent(m.uid)) flags.emplace_back("\\Recent");
  out_.raw("FLAGS ").flag_list(flags);
  if (enabled_.condstore) out_.raw(" MODSEQ (").number(m.modseq).raw(")");
  out_.raw(")").end();
}

asio::awaitable<void> ImapSession::report_changes(bool allow_expunges) {
  if (!selected_) co_return;
  MailboxStore& store = services_.mailboxes;
  MailboxId id = selected_->id();
  std::uint64_t since = selected_->highest_modseq();
  auto job2 = [&store, id, since] { return store.changes_since(id, since); };
  auto changes = co_await blocking(std::move(job2));
  if (!changes) {
    if (changes.error().code == Errc::not_found) {
      // Deleted or renamed away by another session: nothing valid to say.
      out_.untagged().status("BYE", "", "Selected mailbox was deleted, have to disconnect");
      closing_ = true;
      co_return;
    }
    conn_.log.warn("imap_changes_failed", {{"error", changes.error().message}});
    co_return;
  }
  std::optional<RecentClaim> claim;
  if (changes->uid_next > selected_->uid_next() && !selected_->read_only()) {
    auto job3 = [&store, id] { return store.claim_recent(id); };
    auto claimed = co_await blocking(std::move(job3));
    if (claimed) claim = *claimed;
  }
  ViewUpdate update = selected_->apply(*changes, allow_expunges, claim);
  if (!update.expunged_uids.empty() && enabled_.qresync) {
    std::vector<std::uint32_t> uids;
    for (Uid uid : update.expunged_uids) uids.push_back(static_cast<std::uint32_t>(uid));
    out_.untagged().raw("VANISHED ").raw(SequenceSet::format(uids)).end();
  } else {
    for (std::uint32_t seq : update.expunged_seqs) out_.untagged().number(seq).raw(" EXPUNGE").end();
  }
  if (update.exists) out_.untagged().number(*update.exists).raw(" EXISTS").end();
  if (update.recent && !enabled_.imap4rev2) out_.untagged().number(*update.recent).raw(" RECENT").end();
  for (std::uint32_t seq : update.flag_changes) write_flags_fetch(seq, false);
}

asio::awaitable<ImapSession::ReadOutcome> ImapSession::read_command(CommandText& text) {
  const auto timeout = state_ == SessionState::not_authenticated ? settings_.login_timeout : settings_.command_timeout;
  runtime::Line line = co_await reader_.read_command(timeout);
  if (line.status == runtime::LineStatus::stopping) co_return ReadOutcome::stopping;
  if (line.status == runtime::LineStatus::too_long) co_return ReadOutcome::too_long;
  const bool append = is_append(line.text);
  std::string tag(peek_tag(line.text).value_or("*"));
  text.add_line(std::move(line.text));
  for (;;) {
    const std::string& last = text.segments().back().bytes;
    auto literal = literal_at_end(last);
    if (!literal) co_return ReadOutcome::command;
    const std::uint64_t limit = append ? settings_.max_append_bytes
                                       : settings_.max_command_bytes - std::min<std::uint64_t>(
                                                                           settings_.max_command_bytes,
                                                                           text.total_bytes());
    // RFC 7888 5: under LITERAL- a non-synchronising literal above 4096
    // bytes is refused like one above the limit (its bytes are on the way).
    const bool too_big = literal->size_bytes > limit ||
                         (!literal->synchronizing && !settings_.literal_plus &&
                          literal->size_bytes > kLiteralMinusMaxBytes);
    if (too_big) {
      // RFC 7888 4 / RFC 9051 7.1: refuse before the client sends the bytes;
      // a non-synchronising literal is already on its way: end the session
      // (RFC 7888 4, choice 2; BYE with TOOBIG as section 5 asks).
      if (literal->synchronizing) {
        out_.tagged(tag).status("NO", "TOOBIG", "Literal too large");
        co_return ReadOutcome::rejected;
      }
      out_.untagged().status("BYE", "TOOBIG", "Literal too large");
      co_return ReadOutcome::closed;
    }
    if (literal->synchronizing) {
      out_.continuation().raw("Ready for literal data").end();
      co_await flush();
    }
    std::string bytes = co_await reader_.read_exact(static_cast<std::size_t>(literal->size_bytes),
                                                    settings_.literal_timeout);
    text.add_literal(std::move(bytes));
    runtime::Line next = co_await reader_.read_line(timeout);
    if (next.status == runtime::LineStatus::too_long) co_return ReadOutcome::too_long;
    text.add_line(std::move(next.text));
  }
}

bool ImapSession::command_allowed(const CommandInfo& info) const {
  if (allowed_in(info, state_)) return true;
  // Commands of the authenticated state stay valid when a mailbox is selected.
  return state_ == SessionState::selected && allowed_in(info, SessionState::authenticated);
}

asio::awaitable<void> ImapSession::dispatch(Command& command, CommandText& text) {
  switch (command.kind) {
    case CommandKind::capability: co_await cmd_capability(*this, command); break;
    case CommandKind::noop: co_await cmd_noop(*this, command); break;
    case CommandKind::check: co_await cmd_noop(*this, command); break;
    case CommandKind::logout: co_await cmd_logout(*this, command); break;
    case CommandKind::id: co_await cmd_id(*this, command); break;
    case CommandKind::starttls: co_await cmd_starttls(*this, command); break;
    case CommandKind::login: co_await cmd_login(*this, command); break;
    case CommandKind::authenticate: co_await cmd_authenticate(*this, command); break;
    case CommandKind::enable: co_await cmd_enable(*this, command); break;
    case CommandKind::namespace_: co_await cmd_namespace(*this, command); break;
    case CommandKind::select:
    case CommandKind::examine: co_await cmd_select(*this, command); break;
    case CommandKind::close:
    case CommandKind::unselect: co_await cmd_close(*this, command); break;
    case CommandKind::create: co_await cmd_create(*this, command); break;
    case CommandKind::delete_: co_await cmd_delete(*this, command); break;
    case CommandKind::rename: co_await cmd_rename(*this, command); break;
    case CommandKind::subscribe:
    case CommandKind::unsubscribe: co_await cmd_subscribe(*this, command); break;
    case CommandKind::list:
    case CommandKind::lsub: co_await cmd_list(*this, command); break;
    case CommandKind::status: co_await cmd_status(*this, command); break;
    case CommandKind::append: co_await cmd_append(*this, command, text); break;
    case CommandKind::idle: co_await cmd_idle(*this, command); break;
    case CommandKind::expunge: co_await cmd_expunge(*this, command); break;
    case CommandKind::fetch: co_await cmd_fetch(*this, command); break;
    case CommandKind::store: co_await cmd_store(*this, command); break;
    case CommandKind::copy:
    case CommandKind::move: co_await cmd_copy(*this, command); break;
    case CommandKind::search: co_await cmd_search(*this, command); break;
    case CommandKind::sort: co_await cmd_sort(*this, command); break;
    case CommandKind::thread: co_await cmd_thread(*this, command); break;
    case CommandKind::getquota:
    case CommandKind::getquotaroot:
    case CommandKind::setquota: co_await cmd_quota(*this, command); break;
    case CommandKind::compress: co_await cmd_compress(*this, command); break;
  }
}

asio::awaitable<void> ImapSession::run_commands() {
  for (;;) {
    if (!reader_.has_buffered()) co_await flush();
    CommandText text;
    ReadOutcome outcome = co_await read_command(text);
    switch (outcome) {
      case ReadOutcome::stopping:
        out_.untagged().status("BYE", "UNAVAILABLE", "Server shutting down");
        co_return;
      case ReadOutcome::closed:
        co_return;
      case ReadOutcome::too_long:
        out_.untagged().status("BAD", "TOOBIG", "Line too long");
        if (++bad_commands_ >= settings_.max_bad_commands) co_return;
        continue;
      case ReadOutcome::rejected:
        if (++bad_commands_ >= settings_.max_bad_commands) co_return;
        continue;
      case ReadOutcome::command:
        break;
    }
    ParseLimits limits;
    limits.max_command_bytes = settings_.max_command_bytes;
    auto parsed = parse_command(text, limits, parse_context());
    if (!parsed) {
      const ParseError& e = parsed.error();
      if (e.tag.empty()) {
        out_.untagged().status("BAD", e.code, e.message);
      } else {
        out_.tagged(e.tag).status(e.bad ? "BAD" : "NO", e.code, e.message);
      }
      if (e.bad && ++bad_commands_ >= settings_.max_bad_commands) {
        out_.untagged().status("BYE", "", "Too many invalid commands");
        co_return;
      }
      continue;
    }
    Command& command = *parsed;
    const CommandInfo& info = command_info(command.kind);
    if (!command_allowed(info)) {
      const char* why = state_ == SessionState::not_authenticated ? "Not logged in"
                        : state_ == SessionState::authenticated ? "No mailbox selected"
                                                                : "Not allowed in this state";
      out_.tagged(command.tag).status("BAD", state_ == SessionState::not_authenticated ? "" : "CLIENTBUG", why);
      if (++bad_commands_ >= settings_.max_bad_commands) co_return;
      continue;
    }
    pending_tagged_.clear();
    co_await dispatch(command, text);
    // Changes others made are reported before the tagged reply; a command
    // that already read them (NOOP, IDLE, SELECT) leaves nothing pending.
    if (selected_ && !closing_ && watch_ && watch_->take_pending()) {
      co_await report_changes(!expunges_forbidden(command));
    }
    out_.raw(pending_tagged_);
    pending_tagged_.clear();
    if (closing_) co_return;
  }
}

asio::awaitable<void> ImapSession::run() {
  if (conn_.refused) {
    out_.untagged().status("BYE", "UNAVAILABLE", "Too many connections, try again later");
    co_await flush();
    co_return;
  }
  conn_.log.info("imap_connect", {{"tls", conn_.stream.is_tls()}});
  std::string caps;
  for (const auto& c : capabilities()) caps += (caps.empty() ? "" : " ") + c;
  out_.untagged().status("OK", "CAPABILITY " + caps, "Postino ready.");
  bool timed_out = false;
  try {
    co_await run_commands();
  } catch (const boost::system::system_error& e) {
    if (!is_timeout(e)) throw;
    timed_out = true;
  }
  if (timed_out) out_.untagged().status("BYE", "", "Autologout; idle for too long");
  co_await flush();
  if (state_ != SessionState::not_authenticated) conn_.log.info("imap_logout", {{"user", account_.address}});
}

}  // namespace postino::imap
