// The submission side of SmtpSession: AUTH (RFC 4954) driving the SASL step
// machines of src/sasl, the sender identity and rate checks at MAIL, RCPT
// and end of data (R-OUT1..3), and the held header section (Message-ID and
// Date added as Postfix's always_add_missing_headers does).
// Security: AUTH is refused before TLS; every failure is answered with the
// same 535 5.7.8 after the AuthThrottle delay, whether the user exists, has
// no SCRAM secrets, is disabled or is throttled; passwords are never logged.
#include <openssl/rand.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cassert>

#include "common/address.hpp"
#include "common/log.hpp"
#include "runtime/auth_throttle.hpp"
#include "runtime/blocking_pool.hpp"
#include "sasl/base64.hpp"
#include "sasl/sasl_mechanism.hpp"
#include "smtp/send_limits.hpp"
#include "smtp/sender_identity.hpp"
#include "smtp/smtp_session.hpp"
#include "smtp_proto/received_header.hpp"
#include "store/rate_limit_store.hpp"

namespace postino {

namespace asio = boost::asio;
using smtp::SmtpReply;

namespace {

constexpr std::int64_t kRateWindowSeconds = 3600;  // "per hour"
constexpr std::size_t kMinFakeSaltSecretBytes = 16;

// Blocking-pool jobs (named structs: no capturing lambdas around co_await).
struct PasswordJob {
  Directory* directory;
  std::string user;
  std::string password;
  Result<AccountInfo> operator()() const { return directory->authenticate(user, password); }
};

struct ScramSecretsJob {
  Directory* directory;
  std::string user;
  Result<std::optional<sasl::ScramSecrets>> operator()() const { return directory->scram_secrets(user); }
};

struct PolicyJob {
  Directory* directory;
  std::string user;
  Result<SendingPolicy> operator()() const { return directory->sending_policy(user); }
};

struct PolicyAndCounts {
  Result<SendingPolicy> policy;
  Result<SendCounts> counts;
};

struct PolicyAndCountsJob {
  Directory* directory;
  RateLimitStore* rate_limits;
  std::string user;
  std::int64_t window_start;
  PolicyAndCounts operator()() const {
    auto policy = directory->sending_policy(user);
    if (!policy) return {std::move(policy), SendCounts{}};
    return {std::move(policy), rate_limits->counts(user, window_start)};
  }
};

struct CountsJob {
  RateLimitStore* rate_limits;
  std::string user;
  std::int64_t window_start;
  Result<SendCounts> operator()() const { return rate_limits->counts(user, window_start); }
};

struct ChargeJob {
  RateLimitStore* rate_limits;
  std::string user;
  std::int64_t window_start;
  SendCounts charge;
  SendLimits limits;
  Result<ChargeOutcome> operator()() const { return rate_limits->charge(user, window_start, charge, limits); }
};

SmtpReply rate_limited() { return SmtpReply(451, "4.7.1", "Error: rate limit exceeded, try again later"); }

// "<random>@host": 128 random bits, so ids never collide across nodes.
std::string new_message_id(const std::string& hostname) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no CSPRNG: nothing is safe
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return "<" + id + "@" + hostname + ">";
}

}  // namespace

std::int64_t SmtpSession::rate_window_start() const {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return now - now % kRateWindowSeconds;
}

SmtpReply SmtpSession::temporary_failure() const { return SmtpReply(451, "4.3.0", "Error: temporary lookup failure"); }

std::vector<std::string> SmtpSession::auth_mechanisms() const {
  std::vector<std::string> out{"PLAIN", "LOGIN"};
  if (services_.scram_fake_salt_secret.size() >= kMinFakeSaltSecretBytes) {
    out.emplace_back("SCRAM-SHA-256");
    // RFC 9266: -PLUS only where tls-exporter is unique (TLS 1.3, or 1.2 with EMS).
    if (conn_.stream.tls_exporter()) out.emplace_back("SCRAM-SHA-256-PLUS");
  }
  return out;
}

asio::awaitable<SmtpSession::Next> SmtpSession::on_auth(const smtp::AuthArgs& args) {
  assert(services_.auth_throttle != nullptr && services_.rate_limits != nullptr);
  if (!conn_.stream.is_tls()) {
    // RFC 4954 4 / RFC 3207: no credentials in the clear.
    SmtpReply r(530, "5.7.0", "Must issue a STARTTLS command first");
    log_reject("AUTH", r);
    co_return co_await client_error(r);
  }
  if (state_ == State::start || !extended_) co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: send EHLO first"));
  if (login_) co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: already authenticated"));
  if (tx_) co_return co_await client_error(SmtpReply(503, "5.5.1", "Error: MAIL transaction in progress"));
  const auto offered = auth_mechanisms();
  if (std::find(offered.begin(), offered.end(), args.mechanism) == offered.end()) {
    co_return co_await client_error(SmtpReply(504, "5.5.4", "Error: unsupported authentication mechanism"));
  }
  std::optional<std::string> initial;
  if (args.initial_response) {
    // RFC 4954 4: "=" is an empty initial response.
    if (*args.initial_response == "=") {
      initial = std::string();
    } else {
      auto decoded = sasl::base64_decode(*args.initial_response);
      if (!decoded) co_return co_await client_error(SmtpReply(501, "5.5.2", "Error: cannot decode AUTH initial response"));
      initial = std::move(*decoded);
    }
  }

  std::unique_ptr<sasl::SaslServerMechanism> mechanism;
  if (args.mechanism == "PLAIN") {
    mechanism = sasl::make_plain_server();
  } else if (args.mechanism == "LOGIN") {
    mechanism = sasl::make_login_server();
  } else {
    sasl::ScramServerOptions options;
    options.fake_salt_secret = services_.scram_fake_salt_secret;
    sasl::ChannelBindingData binding;
    if (auto exporter = conn_.stream.tls_exporter(); exporter) {
      binding.tls_exporter = std::string(exporter->begin(), exporter->end());
      binding.plus_offered = true;
    }
    mechanism = args.mechanism == "SCRAM-SHA-256-PLUS" ? sasl::make_scram_sha256_plus_server(options, binding)
                                                       : sasl::make_scram_sha256_server(options, binding);
  }

  const std::string client_ip = conn_.stream.remote_endpoint().address().to_string();
  std::string user;  // the authcid once the mechanism has it: throttle key and logs
  bool cancelled = false;
  sasl::SaslStep step = initial ? mechanism->start(std::string_view(*initial)) : mechanism->start(std::nullopt);
  for (;;) {
    if (auto* check = std::get_if<sasl::SaslNeedPasswordCheck>(&step)) {
      user = check->authcid;
      bool ok = false;
      // A throttled client or user is answered as for a wrong password, unchecked.
      if (!services_.auth_throttle->refused(client_ip, ascii_lower(user))) {
        // Jobs are named locals: GCC 12 mishandles temporaries holding
        // strings inside a co_await expression (double destruction).
        PasswordJob job{&services_.directory, check->authcid, check->password};
        runtime::BlockingPool& pool = services_.passwords ? *services_.passwords : services_.blocking;
        auto account = co_await pool.run(std::move(job));
        if (!account && account.error().code != Errc::permission_denied && account.error().code != Errc::disabled) {
          log::error("smtp_auth_lookup_failed", {{"error", account.error().message}});
          reply(454, "4.7.0", "Temporary authentication failure");
          co_return Next::proceed;
        }
        ok = account.ok();
      }
      step = mechanism->password_checked(ok);
    } else if (auto* need = std::get_if<sasl::SaslNeedScramCredentials>(&step)) {
      user = need->authcid;
      std::optional<sasl::ScramSecrets> secrets;
      if (!services_.auth_throttle->refused(client_ip, ascii_lower(user))) {
        ScramSecretsJob job{&services_.directory, need->authcid};
        auto found = co_await services_.blocking.run(std::move(job));
        if (!found) {
          log::error("smtp_auth_lookup_failed", {{"error", found.error().message}});
          reply(454, "4.7.0", "Temporary authentication failure");
          co_return Next::proceed;
        }
        secrets = std::move(*found);
      }
      // No secrets (unknown, none stored, disabled, throttled): the mechanism
      // goes on with a fake salt and fails at the proof, like a wrong password.
      step = mechanism->scram_credentials_found(std::move(secrets));
    } else if (auto* challenge = std::get_if<sasl::SaslChallenge>(&step)) {
      out_ += "334 " + sasl::base64_encode(challenge->data) + "\r\n";
      co_await flush();
      runtime::Line line = co_await reader_.read_line(settings_.command_timeout);
      if (line.status != runtime::LineStatus::ok) {
        step = sasl::SaslFailure{sasl::SaslFailureKind::malformed, "response too long"};
      } else if (line.text == "*") {
        cancelled = true;
        step = mechanism->cancel();
      } else {
        auto decoded = sasl::base64_decode(line.text);
        if (!decoded) co_return co_await client_error(SmtpReply(501, "5.5.2", "Error: cannot decode response"));
        step = mechanism->step(*decoded);
      }
    } else if (auto* success = std::get_if<sasl::SaslSuccess>(&step)) {
      if (success->server_final) {
        // RFC 4954 4: additional data with success goes in a 334 challenge,
        // answered by an empty line, then 235.
        out_ += "334 " + sasl::base64_encode(*success->server_final) + "\r\n";
        co_await flush();
        runtime::Line line = co_await reader_.read_line(settings_.command_timeout);
        if (line.status == runtime::LineStatus::ok && line.text == "*") {
          cancelled = true;
          step = sasl::SaslFailure{sasl::SaslFailureKind::malformed, "cancelled by client"};
          continue;
        }
        if (line.status != runtime::LineStatus::ok || !line.text.empty()) {
          step = sasl::SaslFailure{sasl::SaslFailureKind::malformed, "data after server-final-message"};
          continue;
        }
      }
      const std::string identity = success->authzid.empty() ? success->authcid : success->authzid;
      PolicyJob job{&services_.directory, identity};
      auto policy = co_await services_.blocking.run(std::move(job));
      if (!policy) {
        if (policy.error().code != Errc::not_found) {
          log::error("smtp_auth_lookup_failed", {{"error", policy.error().message}});
          reply(454, "4.7.0", "Temporary authentication failure");
          co_return Next::proceed;
        }
        step = sasl::SaslFailure{sasl::SaslFailureKind::bad_credentials, "account vanished"};
        continue;
      }
      services_.auth_throttle->record_success(ascii_lower(user));
      login_ = Login{policy->account.address, std::string(mechanism->name())};
      conn_.log.info("smtp_auth", {{"sasl_method", login_->method}, {"sasl_username", login_->username}});
      reply(235, "2.7.0", "Authentication successful");
      co_return Next::proceed;
    } else {
      const auto& failure = std::get<sasl::SaslFailure>(step);
      if (cancelled) {
        log::line(log::Level::info, log_component_,
                  "warning: " + client() + ": SASL " + args.mechanism + " authentication aborted");
        co_return co_await client_error(SmtpReply(501, "5.0.0", "Error: authentication aborted"));
      }
      co_return co_await auth_failure(args.mechanism, user, failure.reason);
    }
  }
}

asio::awaitable<SmtpSession::Next> SmtpSession::auth_failure(const std::string& mechanism, const std::string& user,
                                                            const std::string& reason) {
  const std::string client_ip = conn_.stream.remote_endpoint().address().to_string();
  auto delay = services_.auth_throttle->record_failure(client_ip, ascii_lower(user));
  // Postfix's shape, which fail2ban's postfix-sasl filter matches; the
  // reason (which may say "unknown user") goes only to the structured log.
  log::line(log::Level::warn, log_component_,
            "warning: " + client() + ": SASL " + mechanism + " authentication failed: authentication failure" +
                (user.empty() ? "" : ", sasl_username=" + user));
  conn_.log.info("smtp_auth_failed", {{"sasl_method", mechanism}, {"reason", reason}, {"delay_ms", delay.count()}});
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(delay);
  co_await timer.async_wait(asio::use_awaitable);
  reply(535, "5.7.8", "Error: authentication failed");
  if (++auth_failures_ >= submission_.max_auth_failures) {
    reply(421, "4.7.0", hostname_ + " Error: too many authentication failures");
    log::line(log::Level::info, log_component_,
              "too many authentication failures (" + std::to_string(auth_failures_) + ") from " + client());
    co_await flush();
    co_return Next::close;
  }
  co_return Next::proceed;
}

asio::awaitable<SmtpSession::SenderCheck> SmtpSession::check_submission_sender(const smtp::MailArgs& args) {
  if (!conn_.stream.is_tls()) co_return SenderCheck{SmtpReply(530, "5.7.0", "Must issue a STARTTLS command first"), {}};
  if (!login_) co_return SenderCheck{SmtpReply(530, "5.7.0", "Authentication required"), {}};
  const std::string sender = args.reverse_path.kind == smtp::PathKind::null_path ? "" : args.reverse_path.address.str();
  auto not_owned = SmtpReply(553, "5.7.1", "<" + sender + ">: Sender address rejected: not owned by user " + login_->username);
  // Bounces come from the MTA, never from a user.
  if (args.reverse_path.kind == smtp::PathKind::null_path) co_return SenderCheck{not_owned, {}};
  PolicyAndCountsJob job{&services_.directory, services_.rate_limits, login_->username, rate_window_start()};
  auto found = co_await services_.blocking.run(std::move(job));
  if (!found.policy) {
    log::error("smtp_policy_lookup_failed", {{"user", login_->username}, {"error", found.policy.error().message}});
    co_return SenderCheck{temporary_failure(), {}};
  }
  if (found.policy->suspended) co_return SenderCheck{SmtpReply(550, "5.7.1", "sending suspended for this account"), {}};
  if (!sender_owned(*found.policy, sender)) co_return SenderCheck{not_owned, {}};
  if (!found.counts) {
    log::error("smtp_rate_lookup_failed", {{"user", login_->username}, {"error", found.counts.error().message}});
    co_return SenderCheck{temporary_failure(), {}};
  }
  if (!within_send_limits(*found.counts, SendCounts{1, 0}, send_limits_for(*found.policy, submission_))) {
    co_return SenderCheck{rate_limited(), {}};
  }
  co_return SenderCheck{std::nullopt, std::move(*found.policy)};
}

asio::awaitable<std::optional<SmtpReply>> SmtpSession::check_recipient_rate() {
  SendLimits limits = send_limits_for(*tx_->policy, submission_);
  if (limits.recipients == 0) co_return std::nullopt;
  CountsJob job{services_.rate_limits, login_->username, rate_window_start()};
  auto counts = co_await services_.blocking.run(std::move(job));
  if (!counts) co_return temporary_failure();
  // This recipient with those already accepted in the transaction.
  SendCounts charge{0, tx_->recipients.size() + 1};
  if (!within_send_limits(*counts, charge, SendLimits{0, limits.recipients})) co_return rate_limited();
  co_return std::nullopt;
}

void SmtpSession::spool_bytes(std::string_view bytes) {
  if (!tx_ || !tx_->headers) {
    spool_.append(bytes);
    return;
  }
  HeaderSection& headers = *tx_->headers;
  if (headers.complete()) {
    if (!headers.over_limit()) spool_.append(bytes);
    return;
  }
  std::string body;
  headers.feed(bytes, body);
  if (headers.complete() && !tx_->headers_spooled) spool_header_section();
  if (!body.empty() && !headers.over_limit()) spool_.append(body);
}

void SmtpSession::spool_header_section() {
  tx_->headers_spooled = true;
  const HeaderSection& headers = *tx_->headers;
  if (headers.over_limit()) return;  // refused at the end of the message
  std::string head = received_header();
  head += headers.headers();
  if (!head.empty() && head.back() != '\n') head += "\r\n";
  if (submission_.add_missing_headers) {
    // As Postfix's cleanup with always_add_missing_headers: at the end of
    // the header section (RFC 5322 3.6: Date and From are required, and
    // Message-ID is expected).
    if (!headers.has_field("Message-ID")) head += "Message-ID: " + new_message_id(hostname_) + "\r\n";
    if (!headers.has_field("Date")) {
      head += "Date: " + smtp::format_rfc5322_date(std::chrono::system_clock::now(), std::chrono::minutes(0)) + "\r\n";
    }
    if (!headers.has_field("From")) head += "From: " + tx_->sender.str() + "\r\n";
  }
  if (headers.has_separator()) head += "\r\n";
  spool_.append(head);
}

asio::awaitable<std::optional<SmtpReply>> SmtpSession::check_submitted_message() {
  HeaderSection& headers = *tx_->headers;
  headers.finish();
  if (!tx_->headers_spooled) spool_header_section();
  if (headers.over_limit()) co_return SmtpReply(552, "5.3.4", "Message header size exceeds limit");
  // R-OUT2: every From: address must be the user's too.
  auto from = headers.fields("From");
  if (from.size() > 1) co_return SmtpReply(550, "5.6.0", "Message rejected: more than one From: header field");
  if (from.size() == 1) {
    auto addresses = parse_from_addresses(from.front());
    if (!addresses) co_return SmtpReply(550, "5.6.0", "Message rejected: malformed From: header field");
    for (const auto& address : *addresses) {
      if (!sender_owned(*tx_->policy, address)) {
        co_return SmtpReply(550, "5.7.1",
                            "<" + address + ">: From: address rejected: not owned by user " + login_->username);
      }
    }
  }
  // R-OUT3: charged once the message is otherwise acceptable, in one
  // transaction that every submission node sees.
  SendCounts charge{1, tx_->recipients.size()};
  ChargeJob job{services_.rate_limits, login_->username, rate_window_start(), charge,
                send_limits_for(*tx_->policy, submission_)};
  auto charged = co_await services_.blocking.run(std::move(job));
  if (!charged) {
    log::error("smtp_rate_charge_failed", {{"user", login_->username}, {"error", charged.error().message}});
    co_return temporary_failure();
  }
  if (!charged->charged) co_return rate_limited();
  co_return std::nullopt;
}

}  // namespace postino
