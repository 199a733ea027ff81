// The SMTP/LMTP session. See smtp_session.hpp for the contract.
#include "smtp/smtp_session.hpp"

#include <boost/system/system_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>

#include "common/address.hpp"
#include "common/log.hpp"
#include "delivery/local_delivery.hpp"
#include "dns/resolver_pool.hpp"
#include "directory/directory.hpp"
#include "runtime/blocking_pool.hpp"
#include "smtp/queue_id.hpp"
#include "smtp_proto/dot_stuffing.hpp"
#include "smtp_proto/hop_counter.hpp"
#include "smtp_proto/received_header.hpp"
#include "store/mailbox_store.hpp"
#include "store/queue_store.hpp"

namespace postino {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using smtp::SmtpReply;
using smtp::Verb;

struct BodyCheck {
  std::uint64_t size_bytes = 0;
  bool over_limit = false;
  std::uint64_t bare_newlines = 0;
  std::uint64_t nul = 0;
  std::uint32_t hops = 0;
};

namespace {

constexpr std::size_t kReadChunkBytes = 64 * 1024;
constexpr auto kWriteTimeout = 5min;

bool is_timeout(const boost::system::system_error& e) { return e.code() == asio::error::timed_out; }

std::string body_type_name(smtp::BodyType body) {
  switch (body) {
    case smtp::BodyType::seven_bit: return "7BIT";
    case smtp::BodyType::eight_bit_mime: return "8BITMIME";
    case smtp::BodyType::binary_mime: return "BINARYMIME";
    case smtp::BodyType::unspecified: return "";
  }
  return "";
}

std::uint8_t notify_bits(const std::optional<smtp::DsnNotify>& notify) {
  if (!notify) return 0;
  std::uint8_t bits = 0;
  if (notify->never) bits |= kNotifyNever;
  if (notify->success) bits |= kNotifySuccess;
  if (notify->failure) bits |= kNotifyFailure;
  if (notify->delay) bits |= kNotifyDelay;
  return bits;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

namespace {

std::string component_for(SmtpMode mode, const std::string& listener_name) {
  switch (mode) {
    case SmtpMode::lmtp: return "postino/lmtpd";
    case SmtpMode::mx: return "postino/smtpd";
    case SmtpMode::submission:
      // As Postfix's master.cf service names: postfix/submission/smtpd.
      return "postino/" + (listener_name.empty() ? std::string("submission") : listener_name) + "/smtpd";
  }
  return "postino/smtpd";
}

}  // namespace

SmtpSession::SmtpSession(runtime::Connection& conn, SmtpMode mode, const std::string& hostname,
                         const SmtpSettings& settings, SmtpServices& services, const SubmissionSettings& submission)
    : conn_(conn),
      mode_(mode),
      hostname_(hostname),
      settings_(settings),
      services_(services),
      // RFC 4954 4: an AUTH line with its initial response may be 12288 octets.
      reader_(conn.stream, mode == SmtpMode::submission
                               ? std::max<std::size_t>(settings.max_line_bytes, smtp::kDefaultMaxAuthLineBytes)
                               : settings.max_line_bytes),
      spool_(services.blobs, services.blocking, settings.memory_spool_bytes),
      log_component_(component_for(mode, conn.listener_name)),
      submission_(submission) {}

std::string SmtpSession::client() const {
  return "unknown[" + conn_.stream.remote_endpoint().address().to_string() + "]";
}

const char* SmtpSession::protocol_name() const {
  if (mode_ == SmtpMode::lmtp) return "LMTP";
  return extended_ ? "ESMTP" : "SMTP";
}

void SmtpSession::reply(const SmtpReply& r) { out_ += r.wire(); }

void SmtpSession::reply(std::uint16_t code, const char* enhanced, const std::string& text) {
  reply(SmtpReply(code, enhanced, text));
}

asio::awaitable<void> SmtpSession::flush() {
  if (out_.empty()) co_return;
  std::string pending = std::move(out_);
  out_.clear();
  co_await conn_.stream.write_all(pending, kWriteTimeout);
}

asio::awaitable<SmtpSession::Next> SmtpSession::client_error(const SmtpReply& r) {
  reply(r);
  if (++errors_ >= settings_.max_errors) {
    reply(421, "4.7.0", hostname_ + " Error: too many errors");
    log::line(log::Level::info, log_component_, "too many errors after " + std::to_string(errors_) + " from " + client());
    co_await flush();
    co_return Next::close;
  }
  co_return Next::proceed;
}

void SmtpSession::log_reject(const char* stage, const SmtpReply& r, const std::string& to, const std::string& from) {
  std::string text = std::string(tx_ && !tx_->queue_id.empty() ? tx_->queue_id : "NOQUEUE") + ": reject: " + stage +
                     " from " + client() + ": " + std::to_string(r.code()) + " " + std::string(r.enhanced()) + " " +
                     (r.lines().empty() ? "" : r.lines().front());
  if (tx_) text += "; from=" + tx_->sender.str();
  else if (!from.empty()) text += "; from=" + from;
  if (!to.empty()) text += " to=<" + to + ">";
  text += " proto=" + std::string(protocol_name()) + " helo=<" + helo_ + ">";
  log::line(log::Level::info, log_component_, text);
}

void SmtpSession::reset_transaction() {
  tx_.reset();
  spool_.discard();
  if (state_ == State::mail || state_ == State::rcpt) state_ = State::hello;
}

asio::awaitable<void> SmtpSession::run() {
  log::line(log::Level::info, log_component_, "connect from " + client());
  if (conn_.refused) {
    reply(421, "4.7.0", hostname_ + " Error: too many connections, try again later");
    co_await flush();
    co_return;
  }
  // Pregreet test (postscreen): a client must wait for the greeting.
  bool early = settings_.greet_pause.count() > 0 ? co_await reader_.wait_for_input(settings_.greet_pause)
                                                 : reader_.has_buffered();
  if (early) {
    log::line(log::Level::info, log_component_, "PREGREET from " + client());
    reply(554, "5.5.1", hostname_ + " Error: SMTP protocol violation: talking before the greeting");
    co_await flush();
    co_return;
  }
  reply(220, "", hostname_ + (mode_ == SmtpMode::lmtp ? " LMTP Postino ready" : " ESMTP Postino"));

  for (;;) {
    if (!reader_.has_buffered()) co_await flush();
    runtime::Line line;
    bool timed_out = false;
    try {
      line = co_await reader_.read_command(settings_.command_timeout);
    } catch (const boost::system::system_error& e) {
      if (!is_timeout(e)) throw;
      timed_out = true;
    }
    if (timed_out) {
      log::line(log::Level::info, log_component_, "timeout after " + std::string(state_ == State::start ? "CONNECT" : "command") +
                                                      " from " + client());
      reply(421, "4.4.2", hostname_ + " Error: timeout exceeded");
      co_await flush();
      co_return;
    }
    if (line.status == runtime::LineStatus::stopping) {
      reply(421, "4.3.2", hostname_ + " Service shutting down, closing transmission channel");
      co_await flush();
      co_return;
    }
    if (line.status == runtime::LineStatus::too_long) {
      if (co_await client_error(reply_for(smtp::line_too_long_error())) == Next::close) co_return;
      continue;
    }
    if (!line.crlf && settings_.reject_bare_newlines) {
      // As Postfix's smtpd_forbid_bare_newline: RFC 5321 2.3.8.
      log::line(log::Level::info, log_component_, "bare <LF> received from " + client());
      reply(521, "5.5.2", hostname_ + " Error: bare <LF> received");
      co_await flush();
      co_return;
    }
    smtp::ParseOptions options;
    options.lmtp = mode_ == SmtpMode::lmtp;
    options.max_line_bytes = settings_.max_line_bytes;
    options.utf8_transaction = tx_ && tx_->params.smtputf8;
    if (!extended_) options.extensions = smtp::SmtpExtensions{false, false, false, false, false, false};
    // AUTH (and MAIL's AUTH=) only on submission, and only under TLS.
    options.extensions.auth = mode_ == SmtpMode::submission && conn_.stream.is_tls() && extended_;
    auto command = smtp::parse_command(line.text, options);
    if (!command) {
      if (co_await client_error(reply_for(command.error())) == Next::close) co_return;
      continue;
    }
    // RFC 2920: a group-ending command must not be followed by more input
    // before its reply, and without PIPELINING nothing may be pipelined.
    const Verb verb = command->verb;
    bool pipelined = reader_.has_buffered() && verb != Verb::bdat && verb != Verb::quit && verb != Verb::starttls;
    bool forbidden = !extended_ || verb == Verb::data || verb == Verb::ehlo || verb == Verb::helo || verb == Verb::lhlo;
    if (pipelined && forbidden) {
      log::line(log::Level::info, log_component_, "improper command pipelining after " +
                                                      std::string(smtp::command_info(verb).name) + " from " + client());
      reply(554, "5.5.0", hostname_ + " Error: SMTP protocol synchronization");
      co_await flush();
      co_return;
    }
    if (co_await dispatch(*command) == Next::close) co_return;
  }
}

asio::awaitable<SmtpSession::Next> SmtpSession::dispatch(const smtp::SmtpCommand& command) {
  switch (command.verb) {
    case Verb::ehlo:
    case Verb::helo:
    case Verb::lhlo:
      co_return co_await on_hello(command);
    case Verb::mail:
      co_return co_await on_mail(command.args_as<smtp::MailArgs>());
    case Verb::rcpt:
      co_return co_await on_rcpt(command.args_as<smtp::RcptArgs>());
    case Verb::data:
      co_return co_await on_data();
    case Verb::bdat:
      co_return co_await on_bdat(command.args_as<smtp::BdatArgs>());
    case Verb::rset:
      reset_transaction();
      reply(250, "2.0.0", "Ok");
      co_return Next::proceed;
    case Verb::noop:
      reply(250, "2.0.0", "Ok");
      co_return Next::proceed;
    case Verb::quit:
      reply(221, "2.0.0", "Bye");
      co_await flush();
      log::line(log::Level::info, log_component_, "disconnect from " + client());
      co_return Next::close;
    case Verb::help:
      reply(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS");
      co_return Next::proceed;
    case Verb::vrfy:
      // RFC 5321 3.5.3: 252, without telling whether the user exists.
      reply(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery");
      co_return Next::proceed;
    case Verb::expn:
      co_return co_await client_error(SmtpReply(502, "5.5.1", "EXPN not available"));
    case Verb::starttls:
      co_return co_await on_starttls();
    case Verb::auth:
      if (mode_ == SmtpMode::submission) co_return co_await on_auth(command.args_as<smtp::AuthArgs>());
      co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: authentication not enabled on this port"));
  }
  co_return Next::proceed;
}

std::vector<std::string> SmtpSession::ehlo_keywords() const {
  std::vector<std::string> keywords{"PIPELINING", "SIZE " + std::to_string(settings_.max_message_bytes)};
  if (!conn_.stream.is_tls() && conn_.stream.tls_available() && conn_.tls_mode == TlsMode::starttls) {
    keywords.push_back("STARTTLS");
  }
  // RFC 4954 4 and Postfix's smtpd_tls_auth_only: AUTH only once encrypted.
  if (mode_ == SmtpMode::submission && conn_.stream.is_tls()) {
    std::string auth = "AUTH";
    for (const auto& mechanism : auth_mechanisms()) auth += " " + mechanism;
    keywords.push_back(std::move(auth));
  }
  keywords.insert(keywords.end(), {"ENHANCEDSTATUSCODES", "8BITMIME", "BINARYMIME", "CHUNKING", "DSN", "SMTPUTF8"});
  return keywords;
}

asio::awaitable<SmtpSession::Next> SmtpSession::on_hello(const smtp::SmtpCommand& command) {
  const auto& args = command.args_as<smtp::HelloArgs>();
  // R-MX4: the HELO name must be a fully qualified domain or an address literal.
  if (mode_ == SmtpMode::mx && args.form == smtp::HeloForm::domain && args.raw.find('.') == std::string::npos) {
    SmtpReply r(504, "5.5.2", "<" + args.raw + ">: Helo command rejected: need fully-qualified hostname");
    log_reject("HELO", r);
    co_return co_await client_error(r);
  }
  if (mode_ == SmtpMode::mx && args.form == smtp::HeloForm::other) {
    SmtpReply r(501, "5.5.2", "<" + args.raw + ">: Helo command rejected: invalid hostname");
    log_reject("HELO", r);
    co_return co_await client_error(r);
  }
  reset_transaction();
  helo_ = args.raw;
  extended_ = command.verb != Verb::helo;
  state_ = State::hello;
  if (!extended_) {
    reply(250, "", hostname_);
  } else {
    auto keywords = ehlo_keywords();
    reply(smtp::ehlo_reply(hostname_, "", keywords));
  }
  co_return Next::proceed;
}

asio::awaitable<SmtpSession::Next> SmtpSession::on_starttls() {
  if (conn_.stream.is_tls()) co_return co_await client_error(SmtpReply(554, "5.5.1", "Error: TLS already active"));
  if (!conn_.stream.tls_available() || conn_.tls_mode != TlsMode::starttls) {
    co_return co_await client_error(SmtpReply(502, "5.5.1", "Error: STARTTLS not offered on this port"));
  }
  // RFC 3207 4.2: anything the client sent after STARTTLS in the clear is
  // discarded, never executed after the handshake (CVE-2011-0411 class).
  std::size_t discarded = reader_.discard_buffered();
  if (discarded > 0) {
    log::line(log::Level::info, log_component_, "discarded " + std::to_string(discarded) +
                                                    " bytes pipelined after STARTTLS from " + client());
  }
  reply(220, "2.0.0", "Ready to start TLS");
  co_await flush();
  co_await conn_.start_tls();
  // RFC 3207 4.2: forget everything learned before TLS.
  reset_transaction();
  state_ = State::start;
  helo_.clear();
  extended_ = false;
  login_.reset();
  conn_.log.info("smtp_tls_started", {{"tls", conn_.stream.tls_description()}});
  co_return Next::proceed;
}

asio::awaitable<SmtpSession::Next> SmtpSession::on_mail(const smtp::MailArgs& args) {
  if (state_ == State::start) co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: send HELO/EHLO first"));
  if (tx_) co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: nested MAIL command"));
  if (args.params.size_bytes && *args.params.size_bytes > settings_.max_message_bytes) {
    SmtpReply r(552, "5.3.4", "Message size exceeds fixed limit");
    log_reject("MAIL", r);
    co_return co_await client_error(r);
  }
  if (args.reverse_path.kind == smtp::PathKind::postmaster) {
    co_return co_await client_error(SmtpReply(501, "5.1.7", "Bad sender address syntax"));
  }
  std::optional<SendingPolicy> policy;
  if (mode_ == SmtpMode::submission) {
    SenderCheck checked = co_await check_submission_sender(args);
    if (checked.refusal) {
      log_reject("MAIL", *checked.refusal, {}, args.reverse_path.str());
      if (checked.refusal->code() / 100 == 4) {
        reply(*checked.refusal);
        co_return Next::proceed;
      }
      co_return co_await client_error(*checked.refusal);
    }
    policy = std::move(checked.policy);
  }
  if (mode_ == SmtpMode::mx && settings_.check_sender_domain && services_.resolvers &&
      args.reverse_path.kind == smtp::PathKind::mailbox) {
    auto refusal = co_await check_sender_domain(args.reverse_path.address.domain);
    if (refusal) {
      log_reject("MAIL", *refusal);
      if (refusal->code() / 100 == 4) {
        reply(*refusal);
        co_return Next::proceed;
      }
      co_return co_await client_error(*refusal);
    }
  }
  tx_.emplace();
  tx_->sender = args.reverse_path;
  tx_->params = args.params;
  tx_->policy = std::move(policy);
  state_ = State::mail;
  reply(250, "2.1.0", "Ok");
  co_return Next::proceed;
}

namespace {

struct RecipientVerdict {
  std::optional<SmtpReply> refusal;
};

// Resolves one recipient against the directory (on the blocking pool) and
// returns the refusal, if any (R-MX4).
struct CheckRecipientJob {
  Directory* directory;
  MailboxStore* mailboxes;
  std::string address;
  SmtpMode mode;
  bool over_quota_is_permanent;
  std::uint64_t announced_size_bytes;  // MAIL SIZE=, 0 when not given

  RecipientVerdict operator()() const {
    const std::string who = "<" + address + ">";
    auto resolved = directory->resolve(address);
    if (!resolved) {
      if (resolved.error().code == Errc::invalid_argument) {
        return {SmtpReply(501, "5.1.3", who + ": Recipient address rejected: bad address syntax")};
      }
      return {SmtpReply(451, "4.3.0", who + ": Recipient address rejected: temporary lookup failure")};
    }
    switch (resolved->kind) {
      case RecipientKind::not_local:
        // RFC 6409 6.1: authenticated users may relay; the queue sends it on.
        if (mode == SmtpMode::submission) return {};
        if (mode == SmtpMode::lmtp) return {SmtpReply(550, "5.1.2", who + ": Recipient address rejected: not a local domain")};
        return {SmtpReply(554, "5.7.1", who + ": Relay access denied")};
      case RecipientKind::unknown_user:
        return {SmtpReply(550, "5.1.1", who + ": Recipient address rejected: User unknown in virtual mailbox table")};
      case RecipientKind::alias:
        return {};
      case RecipientKind::account:
        break;
    }
    const AccountInfo& account = resolved->account;
    if (account.status == AccountStatus::disabled) {
      return {SmtpReply(550, "5.2.1", who + ": Recipient address rejected: mailbox disabled")};
    }
    if (account.quota_bytes > 0) {
      auto usage = mailboxes->usage(account.id);
      if (!usage) return {SmtpReply(451, "4.3.0", who + ": Recipient address rejected: temporary lookup failure")};
      // Full, or too full for the size the client announced (RFC 1870).
      if (usage->bytes >= account.quota_bytes || usage->bytes + announced_size_bytes > account.quota_bytes) {
        if (over_quota_is_permanent) return {SmtpReply(552, "5.2.2", who + ": Recipient address rejected: mailbox full")};
        return {SmtpReply(452, "4.2.2", who + ": Recipient address rejected: mailbox full")};
      }
    }
    return {};
  }
};

}  // namespace

// Like Postfix's reject_unknown_sender_domain: a domain with neither MX nor
// address records cannot take bounces; a null MX (RFC 7505 4.2) says it
// sends no mail; a DNS failure is only "try again later".
asio::awaitable<std::optional<SmtpReply>> SmtpSession::check_sender_domain(const std::string& domain) {
  if (!is_ascii(domain)) co_return std::nullopt;  // U-labels need IDNA first: not checked, not refused
  dns::Resolver& resolver = services_.resolvers->for_executor(co_await asio::this_coro::executor);
  const std::string who = "<" + domain + ">";
  auto temporary = SmtpReply(451, "4.1.8", who + ": Sender address rejected: Domain not found (DNS temporary failure)");
  auto unknown = SmtpReply(550, "5.1.8", who + ": Sender address rejected: Domain not found");
  auto mx = co_await resolver.mx(domain);
  if (mx.ok()) {
    if (mx.null_mx) co_return SmtpReply(550, "5.7.27", who + ": Sender address rejected: Domain does not accept mail");
    co_return std::nullopt;
  }
  if (mx.status == dns::DnsStatus::nxdomain || mx.status == dns::DnsStatus::permanent_error) co_return unknown;
  if (mx.status == dns::DnsStatus::temporary_failure) co_return temporary;
  // No MX: RFC 5321 5.1 implicit MX, the domain's own address records.
  auto a = co_await resolver.a(domain);
  if (a.ok()) co_return std::nullopt;
  auto aaaa = co_await resolver.aaaa(domain);
  if (aaaa.ok()) co_return std::nullopt;
  if (a.status == dns::DnsStatus::temporary_failure || aaaa.status == dns::DnsStatus::temporary_failure) {
    co_return temporary;
  }
  co_return unknown;
}

asio::awaitable<SmtpSession::Next> SmtpSession::on_rcpt(const smtp::RcptArgs& args) {
  if (!tx_) co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: need MAIL command"));
  if (tx_->bdat) co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: RCPT after BDAT"));
  if (tx_->recipients.size() >= settings_.max_recipients) {
    // RFC 5321 4.5.3.1.10: 452 for too many recipients; the client retries the rest.
    SmtpReply r(452, "4.5.3", "Error: too many recipients");
    log_reject("RCPT", r);
    reply(r);
    co_return Next::proceed;
  }
  std::string address;
  if (args.forward_path.kind == smtp::PathKind::postmaster) {
    // RFC 5321 4.5.1: <Postmaster> must be accepted; it is ours.
    auto domain = hostname_.substr(hostname_.find('.') + 1);
    address = "postmaster@" + domain;
  } else {
    address = args.forward_path.address.str();
  }
  CheckRecipientJob job{&services_.directory, &services_.mailboxes, address, mode_, settings_.over_quota_is_permanent,
                        tx_->params.size_bytes.value_or(0)};
  auto verdict = co_await services_.blocking.run(std::move(job));
  if (verdict.refusal) {
    log_reject("RCPT", *verdict.refusal, address);
    if (verdict.refusal->code() / 100 == 4) {
      reply(*verdict.refusal);
      co_return Next::proceed;
    }
    co_return co_await client_error(*verdict.refusal);
  }
  if (mode_ == SmtpMode::submission) {
    std::optional<SmtpReply> refusal = co_await check_recipient_rate();
    if (refusal) {
      log_reject("RCPT", *refusal, address);
      reply(*refusal);
      co_return Next::proceed;
    }
  }
  if (tx_->queue_id.empty()) {
    // As Postfix: a queue id exists from the first accepted recipient on;
    // rejects before it are logged as NOQUEUE.
    tx_->queue_id = new_queue_id();
    std::string text = tx_->queue_id + ": client=" + client();
    if (login_) text += ", sasl_method=" + login_->method + ", sasl_username=" + login_->username;
    log::line(log::Level::info, log_component_, text);
  }
  tx_->recipients.push_back({address, args.params});
  state_ = State::rcpt;
  reply(250, "2.1.5", "Ok");
  co_return Next::proceed;
}

std::string SmtpSession::received_header() const {
  smtp::ReceivedInfo info;
  info.helo = helo_;
  info.client_ip = {};
  std::string ip = conn_.stream.remote_endpoint().address().to_string();
  info.client_ip = ip;
  info.by_host = hostname_;
  info.protocol.lmtp = mode_ == SmtpMode::lmtp;
  info.protocol.extended = extended_;
  info.protocol.tls = conn_.stream.is_tls();
  info.protocol.authenticated = login_.has_value();
  if (login_) info.authenticated_sender = login_->username;
  info.protocol.utf8 = tx_->params.smtputf8;
  info.queue_id = tx_->queue_id;
  if (tx_->recipients.size() == 1) info.for_recipient = tx_->recipients.front().address;
  std::string tls = conn_.stream.is_tls() ? "using " + conn_.stream.tls_description() : "";
  info.tls_details = tls;
  info.time = std::chrono::system_clock::now();
  return smtp::format_received_header(info);
}

asio::awaitable<SmtpSession::Next> SmtpSession::on_data() {
  if (!tx_) co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: need MAIL command"));
  if (tx_->bdat) co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: DATA after BDAT"));
  if (tx_->recipients.empty()) co_return co_await client_error(SmtpReply(554, "5.5.1", "Error: no valid recipients"));
  if (tx_->params.body == smtp::BodyType::binary_mime) {
    co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: BODY=BINARYMIME requires BDAT"));
  }
  reply(354, "", "End data with <CR><LF>.<CR><LF>");
  co_await flush();

  spool_.discard();
  if (mode_ == SmtpMode::submission) {
    tx_->headers.emplace(submission_.max_header_bytes);
  } else {
    spool_.append(received_header());
  }
  smtp::DotDecoder decoder(settings_.max_message_bytes);
  std::string decoded;
  while (!decoder.done()) {
    std::string chunk = co_await reader_.read_up_to(kReadChunkBytes, settings_.data_block_timeout);
    decoded.clear();
    std::size_t used = decoder.feed(chunk, decoded);
    if (!decoder.over_limit()) spool_bytes(decoded);
    // Bytes after CRLF.CRLF are the next commands, which a pipelining
    // client may send with the message (RFC 2920 3.1: Postfix sends QUIT
    // this way): they go back to the reader for the command loop.
    if (used < chunk.size()) reader_.unread(std::string_view(chunk).substr(used));
    if (!decoder.over_limit()) {
      auto spilled = co_await spool_.spill_if_large();
      if (!spilled) {
        spool_.discard();
        reply(451, "4.3.0", "Error: queue file write error");
        log::error("smtp_spool_failed", {{"queue_id", tx_->queue_id}, {"error", spilled.error().message}});
        // Keep reading to the end of DATA so the conversation stays in step.
        while (!decoder.done()) {
          chunk = co_await reader_.read_up_to(kReadChunkBytes, settings_.data_block_timeout);
          decoded.clear();
          decoder.feed(chunk, decoded);
        }
        reset_transaction();
        co_return Next::proceed;
      }
    }
  }
  auto stats = decoder.stats();
  BodyCheck check{stats.message_bytes, decoder.over_limit(), stats.bare_lf + stats.bare_cr, stats.nul,
                  stats.received_headers};
  co_return co_await finish_message(check);
}

asio::awaitable<SmtpSession::Next> SmtpSession::on_bdat(const smtp::BdatArgs& args) {
  // RFC 3030: the chunk follows the command at once; it is always read, even
  // when refused, so the conversation stays in step.
  bool refuse = false;
  SmtpReply refusal(503, "5.5.1", "Error: need MAIL command");
  if (!tx_) {
    refuse = true;
  } else if (tx_->recipients.empty()) {
    refuse = true;
    refusal = SmtpReply(554, "5.5.1", "Error: no valid recipients");
  }
  if (!refuse && !tx_->bdat) {
    tx_->bdat = true;
    spool_.discard();
    if (mode_ == SmtpMode::submission) {
      tx_->headers.emplace(submission_.max_header_bytes);
    } else {
      spool_.append(received_header());
    }
  }
  std::uint64_t remaining = args.size_bytes;
  while (remaining > 0) {
    std::string chunk = co_await reader_.read_up_to(static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kReadChunkBytes)),
                                                    settings_.data_block_timeout);
    remaining -= chunk.size();
    if (refuse || tx_->bdat_failed) continue;
    tx_->bdat_bytes += chunk.size();
    if (tx_->bdat_bytes > settings_.max_message_bytes) {
      tx_->bdat_failed = true;
      spool_.discard();
      continue;
    }
    tx_->bdat_hops.feed(chunk);
    spool_bytes(chunk);
    auto spilled = co_await spool_.spill_if_large();
    if (!spilled) {
      tx_->bdat_failed = true;
      spool_.discard();
      log::error("smtp_spool_failed", {{"queue_id", tx_->queue_id}, {"error", spilled.error().message}});
    }
  }
  if (refuse) co_return co_await client_error(refusal);
  if (!args.last) {
    if (tx_->bdat_failed && tx_->bdat_bytes > settings_.max_message_bytes) {
      reply(552, "5.3.4", "Message size exceeds fixed limit");
    } else if (tx_->bdat_failed) {
      reply(451, "4.3.0", "Error: queue file write error");
    } else {
      reply(250, "2.0.0", std::to_string(args.size_bytes) + " octets received");
    }
    co_return Next::proceed;
  }
  if (tx_->bdat_failed && tx_->bdat_bytes <= settings_.max_message_bytes) {
    reply(451, "4.3.0", "Error: queue file write error");
    reset_transaction();
    co_return Next::proceed;
  }
  // BDAT content is binary-safe (RFC 3030): no dot or line-ending rules.
  BodyCheck check{tx_->bdat_bytes, tx_->bdat_failed, 0, 0, tx_->bdat_hops.received_count()};
  co_return co_await finish_message(check);
}

asio::awaitable<SmtpSession::Next> SmtpSession::finish_message(const BodyCheck& check) {
  std::optional<SmtpReply> refusal;
  if (check.over_limit) {
    refusal = SmtpReply(552, "5.3.4", "Message size exceeds fixed limit");
  } else if (check.bare_newlines > 0 && settings_.reject_bare_newlines) {
    refusal = SmtpReply(550, "5.5.2", "Message rejected: bare <LF> or <CR> in message text (RFC 5321 2.3.8)");
  } else if (check.nul > 0) {
    refusal = SmtpReply(554, "5.6.0", "Message rejected: NUL character in message text");
  } else if (check.hops > settings_.max_hops) {
    refusal = SmtpReply(554, "5.4.6", "Too many hops (mail forwarding loop?)");
  }
  if (!refusal && mode_ == SmtpMode::submission) refusal = co_await check_submitted_message();
  if (refusal) {
    log_reject("END-OF-MESSAGE", *refusal);
    reply(*refusal);
    reset_transaction();
    co_return Next::proceed;
  }
  if (mode_ != SmtpMode::lmtp) {
    co_await enqueue_and_reply();
    reset_transaction();
    co_return Next::proceed;
  }
  auto blob = co_await spool_.commit();
  if (!blob) {
    log::error("smtp_spool_failed", {{"queue_id", tx_->queue_id}, {"error", blob.error().message}});
    reply(451, "4.3.0", "Error: queue file write error");
    reset_transaction();
    co_return Next::proceed;
  }
  co_await deliver_lmtp_and_reply(*blob);
  reset_transaction();
  co_return Next::proceed;
}

namespace {

struct LmtpDeliverJob {
  LocalDelivery* delivery;
  const DeliveryRequest* request;
  std::vector<RecipientOutcome> operator()() const { return delivery->deliver(*request); }
};

}  // namespace

// The message's bytes become a durable blob and its queue entry is committed
// (group commit) in one blocking job; only then the 250.
asio::awaitable<void> SmtpSession::enqueue_and_reply() {
  QueueMessage message;
  message.id = tx_->queue_id;
  message.sender = tx_->sender.kind == smtp::PathKind::null_path ? "" : tx_->sender.address.str();
  message.arrived_at = unix_now();
  message.client_address = conn_.stream.remote_endpoint().address().to_string();
  message.client_helo = helo_;
  message.protocol =
      smtp::received_protocol_keyword({false, extended_, conn_.stream.is_tls(), login_.has_value(), tx_->params.smtputf8});
  message.envid = tx_->params.envid.value_or("");
  message.ret = tx_->params.ret == smtp::DsnReturn::full ? "FULL" : tx_->params.ret == smtp::DsnReturn::headers ? "HDRS" : "";
  message.body_type = body_type_name(tx_->params.body);
  message.smtputf8 = tx_->params.smtputf8;
  for (const auto& r : tx_->recipients) {
    QueueRecipient q;
    q.address = r.address;
    if (r.params.orcpt) q.orcpt = r.params.orcpt->addr_type + ";" + r.params.orcpt->address;
    q.notify = notify_bits(r.params.notify);
    message.recipients.push_back(std::move(q));
  }
  auto committed = co_await spool_.commit_and_enqueue(services_.queue, message);
  if (!committed.blob) {
    log::error("smtp_spool_failed", {{"queue_id", message.id}, {"error", committed.blob.error().message}});
    reply(451, "4.3.0", "Error: queue file write error");
    co_return;
  }
  if (!committed.enqueued) {
    log::error("queue_enqueue_failed", {{"queue_id", message.id}, {"error", committed.enqueued.error().message}});
    reply(451, "4.3.0", "Error: queue file write error");
    co_return;
  }
  log::line(log::Level::info, "postino/qmgr", message.id + ": from=<" + message.sender + ">, size=" +
                                                  std::to_string(message.blob.size_bytes) + ", nrcpt=" +
                                                  std::to_string(message.recipients.size()) + " (queue active)");
  if (services_.queue_wakeup) services_.queue_wakeup();
  reply(250, "2.0.0", "Ok: queued as " + message.id);
}

asio::awaitable<void> SmtpSession::deliver_lmtp_and_reply(const BlobInfo& blob) {
  DeliveryRequest request;
  request.queue_id = tx_->queue_id;
  request.sender = tx_->sender.kind == smtp::PathKind::null_path ? "" : tx_->sender.address.str();
  request.blob = blob;
  request.arrived_at = unix_now();
  for (const auto& r : tx_->recipients) request.recipients.push_back(r.address);
  auto outcomes = co_await services_.blocking.run(LmtpDeliverJob{&services_.local_delivery, &request});
  // RFC 2033 4.2: one reply per accepted recipient, in RCPT order.
  for (const auto& o : outcomes) {
    log::line(log::Level::info, log_component_,
              request.queue_id + ": to=<" + o.recipient + ">, relay=local, dsn=" + o.enhanced + ", status=" +
                  (o.status == DeliveryStatus::delivered ? "sent" : o.status == DeliveryStatus::failed ? "bounced" : "deferred") +
                  " (" + o.text + ")");
    reply(o.code, o.enhanced.c_str(), o.text);
  }
}

}  // namespace postino
