// The outbound SMTP client session. See smtp_client_session.hpp for the
// contract. Straight-line coroutines: open() walks hosts and addresses;
// send() is MAIL -> RCPT* -> DATA|BDAT with the replies read in order (all
// at once after one write when the peer pipelines, RFC 2920 3.1).
// Internally, connection-fatal I/O throws boost::system::system_error (the
// runtime's Stream does) and a malformed reply throws PeerError; both are
// caught once per connection attempt and once per transaction.
#include "smtp_client/smtp_client_session.hpp"

#include <openssl/evp.h>

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/address.hpp"
#include "common/log.hpp"
#include "runtime/line_reader.hpp"
#include "runtime/stream.hpp"
#include "smtp_client/dot_encoder.hpp"
#include "smtp_proto/smtp_reply.hpp"
#include "smtp_proto/xtext.hpp"

namespace postino::smtp_client {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;
using boost::system::system_error;
using std::chrono::milliseconds;

namespace {

// A reply we cannot read (malformed, too long): the connection is unusable.
struct PeerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An attempt failed for a reason that says which enhanced code to report.
struct AttemptFailure {
  std::string enhanced;
  std::string text;
  bool retry_without_tls = false;  // TlsPolicy::may after a failed handshake
};

bool cancelled(const asio::cancellation_state& state) { return state.cancelled() != asio::cancellation_type::none; }

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string default_enhanced(std::uint16_t code) {
  if (code >= 500) return "5.0.0";
  if (code >= 400) return "4.0.0";
  return "2.0.0";
}

asio::awaitable<error_code> connect_with_timeout(tcp::socket& socket, tcp::endpoint endpoint, milliseconds timeout) {
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(timeout);
  auto group = asio::experimental::make_parallel_group(socket.async_connect(endpoint, asio::deferred),
                                                       timer.async_wait(asio::deferred));
  auto result = co_await group.async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  const error_code connect_ec = std::get<1>(result);
  const error_code timer_ec = std::get<2>(result);
  if (!connect_ec) co_return connect_ec;
  const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
  if (outside) throw system_error(asio::error::operation_aborted, "connect cancelled");
  if (connect_ec == asio::error::operation_aborted && !timer_ec) co_return asio::error::timed_out;
  co_return connect_ec;
}

// No CR, LF, NUL or other control octets, no angle brackets: the text goes
// between "<" and ">" on a command line.
bool safe_path(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f || c == '<' || c == '>') return false;
  }
  return true;
}

std::string io_text(const system_error& e) {
  if (e.code() == asio::error::timed_out) return "timed out";
  if (e.code() == asio::error::eof) return "lost connection";
  return e.code().message();
}

}  // namespace

// ---------------------------------------------------------------- session state

struct SmtpClientSession::Impl {
  Impl(const SmtpClientSettings& s, std::shared_ptr<const ClientTlsContexts> t) : settings(s), tls_contexts(std::move(t)) {}

  const SmtpClientSettings& settings;
  std::shared_ptr<const ClientTlsContexts> tls_contexts;
  std::unique_ptr<runtime::Stream> stream;
  std::unique_ptr<runtime::LineReader> reader;
  EhloCapabilities caps;
  std::string host_name;
  asio::ip::address address;
  std::uint16_t port = 25;
  bool usable = false;
  bool tls = false;
  std::size_t messages = 0;

  std::string peer() const { return host_name + "[" + address.to_string() + "]"; }
  std::string relay() const { return peer() + ":" + std::to_string(port); }

  asio::awaitable<ServerReply> read_reply(milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ReplyAssembler assembler(settings.max_reply_lines);
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= milliseconds::zero()) throw system_error(asio::error::timed_out, "reply timed out");
      runtime::Line line = co_await reader->read_line(left);
      if (line.status != runtime::LineStatus::ok) throw PeerError("reply line too long");
      auto done = assembler.feed(line.text);
      if (!done) throw PeerError(done.error().message);
      if (*done) co_return assembler.take();
    }
  }

  asio::awaitable<void> write(std::string data, milliseconds timeout) {
    co_await stream->write_all(data, timeout);
  }

  asio::awaitable<ServerReply> command(std::string line, milliseconds timeout) {
    line += "\r\n";
    co_await write(std::move(line), timeout);
    co_return co_await read_reply(timeout);
  }

  // EHLO, or HELO when EHLO gets a 5xx (RFC 5321 4.1.1.1, 3.2).
  asio::awaitable<std::optional<AttemptFailure>> hello() {
    ServerReply ehlo = co_await command("EHLO " + settings.helo_name, settings.timeouts.helo);
    if (ehlo.code == 250) {
      caps = parse_ehlo(ehlo);
      co_return std::nullopt;
    }
    if (ehlo.permanent()) {
      ServerReply helo = co_await command("HELO " + settings.helo_name, settings.timeouts.helo);
      if (helo.code == 250) {
        caps = EhloCapabilities{};
        co_return std::nullopt;
      }
      co_return AttemptFailure{"4.4.0", "host " + peer() + " refused to talk to me: " + helo.text() +
                                            " (in reply to HELO command)"};
    }
    co_return AttemptFailure{"4.4.0", "host " + peer() + " refused to talk to me: " + ehlo.text() +
                                          " (in reply to EHLO command)"};
  }

  asio::awaitable<std::optional<AttemptFailure>> authenticate() {
    const std::string& user = settings.relay_auth_user;
    const std::string& password = settings.relay_auth_password;
    if (!tls && !settings.relay_auth_allow_plaintext) {
      co_return AttemptFailure{"4.7.0", "refusing to send credentials to " + peer() + " without TLS"};
    }
    ServerReply reply;
    if (caps.auth.count("PLAIN") != 0) {
      // RFC 4616: authzid NUL authcid NUL passwd, as the initial response.
      std::string plain;
      plain += '\0';
      plain += user;
      plain += '\0';
      plain += password;
      reply = co_await command("AUTH PLAIN " + base64(plain), settings.timeouts.helo);
    } else if (caps.auth.count("LOGIN") != 0) {
      // draft-murchison-sasl-login: two 334 challenges, user then password.
      reply = co_await command("AUTH LOGIN", settings.timeouts.helo);
      if (reply.code == 334) reply = co_await command(base64(user), settings.timeouts.helo);
      if (reply.code == 334) reply = co_await command(base64(password), settings.timeouts.helo);
    } else {
      co_return AttemptFailure{"4.7.0", "host " + peer() + " offers no supported AUTH mechanism (PLAIN, LOGIN)"};
    }
    if (reply.code == 235) co_return std::nullopt;
    if (reply.code == 334) {
      co_await write("*\r\n", settings.timeouts.helo);  // RFC 4954 4: cancel the exchange
      reply = co_await read_reply(settings.timeouts.helo);
    }
    co_return AttemptFailure{"4.7.0", "SASL authentication failed; server " + peer() + " said: " + reply.text()};
  }

  // One connection attempt to one address; nullopt on success.
  asio::awaitable<std::optional<AttemptFailure>> attempt(const MxHost& host, const asio::ip::address& ip,
                                                         SessionOptions options, bool allow_tls) {
    host_name = host.name;
    address = ip;
    port = host.port;
    tls = false;
    caps = EhloCapabilities{};
    reader.reset();
    stream.reset();
    tcp::socket socket(co_await asio::this_coro::executor);
    const error_code ec = co_await connect_with_timeout(socket, tcp::endpoint(ip, host.port), settings.timeouts.connect);
    if (ec) {
      co_return AttemptFailure{"4.4.1", "connect to " + relay() + ": " +
                                            (ec == asio::error::timed_out ? std::string("Connection timed out")
                                                                          : ec.message())};
    }
    stream = std::make_unique<runtime::Stream>(std::move(socket));
    reader = std::make_unique<runtime::LineReader>(*stream, settings.max_reply_line_bytes);
    const char* stage = "receiving the initial server greeting";
    try {
      ServerReply greeting = co_await read_reply(settings.timeouts.greeting);
      if (greeting.code != 220) {
        // Postfix smtp_skip_5xx_greeting: try the next host either way.
        co_return AttemptFailure{"4.4.0", "host " + peer() + " refused to talk to me: " + greeting.text()};
      }
      stage = "sending EHLO";
      if (auto failure = co_await hello()) co_return failure;

      const bool required = options.tls_policy == TlsPolicy::encrypt || options.tls_policy == TlsPolicy::verify;
      if (options.tls_policy == TlsPolicy::verify && host.name == ip.to_string()) {
        // A next hop given as an IP literal has no name to match the
        // certificate against (Postfix's hostname match fails the same way).
        co_return AttemptFailure{"4.7.5", "cannot verify the certificate of " + peer() +
                                              ": the next hop is an IP address, not a host name"};
      }
      if (options.tls_policy != TlsPolicy::none && allow_tls && caps.starttls) {
        stage = "sending STARTTLS";
        ServerReply starttls = co_await command("STARTTLS", settings.timeouts.helo);
        if (starttls.code == 220) {
          reader->discard_buffered();  // RFC 3207 4.2: nothing read ahead survives the handshake
          stage = "performing the TLS handshake";
          const bool verify = options.tls_policy == TlsPolicy::verify;
          ssl::context& ctx = verify ? tls_contexts->verifying() : tls_contexts->opportunistic();
          try {
            co_await stream->start_tls_client(ctx, host.name, settings.timeouts.tls_handshake);
          } catch (const system_error& e) {
            const bool outside = e.code() == asio::error::operation_aborted;
            if (outside) throw;
            std::string why = "TLS handshake with " + peer() + " failed: " + e.code().message();
            stream->close();
            usable = false;
            co_return AttemptFailure{verify ? "4.7.5" : "4.7.0", why, options.tls_policy == TlsPolicy::may};
          }
          tls = true;
          stage = "sending EHLO after STARTTLS";
          if (auto failure = co_await hello()) co_return failure;
        } else if (required) {
          co_return AttemptFailure{"4.7.4", "TLS is required, but host " + peer() +
                                                " refused to start TLS: " + starttls.text()};
        }
      } else if (required) {
        co_return AttemptFailure{"4.7.4", "TLS is required, but was not offered by host " + peer()};
      }
      if (options.authenticate) {
        stage = "authenticating";
        if (auto failure = co_await authenticate()) co_return failure;
      }
    } catch (const system_error& e) {
      if (e.code() == asio::error::operation_aborted) throw;
      std::string why = e.code() == asio::error::timed_out
                            ? "conversation with " + peer() + " timed out while " + stage
                            : "lost connection with " + peer() + " while " + stage + " (" + io_text(e) + ")";
      co_return AttemptFailure{"4.4.2", why};
    } catch (const PeerError& e) {
      co_return AttemptFailure{"4.5.0", "malformed reply from " + peer() + " while " + stage + ": " + e.what()};
    }
    usable = true;
    co_return std::nullopt;
  }
};

// ---------------------------------------------------------------- open

SmtpClientSession::SmtpClientSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmtpClientSession::~SmtpClientSession() = default;

bool SmtpClientSession::usable() const { return impl_->usable; }
bool SmtpClientSession::tls() const { return impl_->tls; }
std::size_t SmtpClientSession::messages_sent() const { return impl_->messages; }
const EhloCapabilities& SmtpClientSession::capabilities() const { return impl_->caps; }
std::string SmtpClientSession::relay() const { return impl_->relay(); }

asio::awaitable<Result<std::unique_ptr<SmtpClientSession>>> SmtpClientSession::open(
    std::vector<MxHost> hosts, SessionOptions options, const SmtpClientSettings& settings,
    std::shared_ptr<const ClientTlsContexts> tls) {
  auto impl = std::make_unique<Impl>(settings, std::move(tls));
  std::optional<AttemptFailure> last;
  for (const MxHost& host : hosts) {
    for (const asio::ip::address& ip : host.addresses) {
      auto failure = co_await impl->attempt(host, ip, options, true);
      if (failure && failure->retry_without_tls) {
        // Postfix with smtp_tls_security_level=may: a failed handshake is
        // retried in plaintext on the same address.
        log::info("smtp_client_tls_fallback", {{"relay", impl->relay()}, {"reason", failure->text}});
        failure = co_await impl->attempt(host, ip, options, false);
      }
      if (!failure) {
        log::debug("smtp_client_connected", {{"relay", impl->relay()}, {"tls", impl->tls}});
        co_return std::make_unique<SmtpClientSession>(std::move(impl));
      }
      log::info("smtp_client_attempt_failed", {{"relay", impl->relay()}, {"reason", failure->text}});
      if (impl->stream) impl->stream->close();
      last = std::move(failure);
    }
  }
  if (!last) co_return make_error(Errc::temporary_failure, "4.4.4 no address to connect to");
  co_return make_error(Errc::temporary_failure, last->enhanced + " " + last->text);
}

// ---------------------------------------------------------------- transaction

namespace {

const char* body_keyword(smtp::BodyType body) {
  switch (body) {
    case smtp::BodyType::binary_mime: return "BINARYMIME";
    case smtp::BodyType::eight_bit_mime: return "8BITMIME";
    case smtp::BodyType::seven_bit: return "7BIT";
    case smtp::BodyType::unspecified: return "";
  }
  return "";
}

std::string notify_value(const smtp::DsnNotify& n) {
  if (n.never) return "NEVER";
  std::string out;
  auto add = [&out](const char* word) {
    if (!out.empty()) out += ',';
    out += word;
  };
  if (n.success) add("SUCCESS");
  if (n.failure) add("FAILURE");
  if (n.delay) add("DELAY");
  return out;
}

// Whether the message holds an octet >= 0x80 (needs 8BITMIME).
asio::awaitable<Result<bool>> has_8bit(MessageSource& message, std::size_t chunk_bytes) {
  if (auto st = co_await message.rewind(); !st) co_return st.take_error();
  for (;;) {
    auto chunk = co_await message.read(chunk_bytes);
    if (!chunk) co_return chunk.take_error();
    if (chunk->empty()) co_return false;
    for (unsigned char c : *chunk) {
      if (c >= 0x80) co_return true;
    }
  }
}

}  // namespace

asio::awaitable<std::vector<RecipientOutcome>> SmtpClientSession::send(OutboundEnvelope envelope,
                                                                        MessageSource& message) {
  Impl& s = *impl_;
  const SmtpClientSettings& settings = s.settings;
  const std::size_t n = envelope.recipients.size();
  std::vector<RecipientOutcome> out(n);
  std::vector<bool> decided(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    out[i].recipient = envelope.recipients[i].address;
    out[i].relay = s.relay();
    out[i].tls = s.tls;
    out[i].dsn_passed = s.caps.dsn;
  }
  auto decide = [&](std::size_t i, OutcomeKind kind, std::uint16_t code, std::string enhanced, std::string text) {
    out[i].kind = kind;
    out[i].code = code;
    out[i].enhanced = std::move(enhanced);
    out[i].text = std::move(text);
    decided[i] = true;
  };
  auto decide_all = [&](OutcomeKind kind, const std::string& enhanced, const std::string& text) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!decided[i]) decide(i, kind, 0, enhanced, text);
    }
  };
  auto from_reply = [&](std::size_t i, const ServerReply& reply, const char* in_reply_to) {
    const OutcomeKind kind = reply.positive() ? OutcomeKind::delivered
                             : reply.permanent() ? OutcomeKind::failed
                                                 : OutcomeKind::deferred;
    // The peer's text goes into DSNs and logs: controls and 8-bit octets out.
    const std::string said = smtp::sanitize_reply_text(reply.text());
    std::string text = reply.positive() ? said
                                        : "host " + s.peer() + " said: " + said + " (in reply to " + in_reply_to +
                                              " command)";
    decide(i, kind, reply.code, reply.enhanced.empty() ? default_enhanced(reply.code) : reply.enhanced,
           std::move(text));
    out[i].reply = said;
  };

  if (!s.usable) {
    decide_all(OutcomeKind::deferred, "4.4.2", "connection to " + s.peer() + " is not usable");
    co_return out;
  }
  ++s.messages;

  // Addresses come from our queue, parsed on the way in; still, nothing
  // that could end or extend a command line reaches the wire.
  if (!safe_path(envelope.sender)) {
    decide_all(OutcomeKind::failed, "5.1.7", "invalid sender address for SMTP");
    co_return out;
  }
  std::vector<std::size_t> sendable;  // indexes of the recipients that go into RCPT
  for (std::size_t i = 0; i < n; ++i) {
    const OutboundRecipient& r = envelope.recipients[i];
    if (r.address.empty() || !safe_path(r.address) || !safe_path(r.orcpt)) {
      decide(i, OutcomeKind::failed, 0, "5.1.3", "invalid recipient address for SMTP");
    } else {
      sendable.push_back(i);
    }
  }
  if (sendable.empty()) co_return out;

  // RFC 6531 3.2: no SMTPUTF8 at the peer: the message cannot go there.
  if (envelope.smtputf8 && !s.caps.smtputf8) {
    decide_all(OutcomeKind::failed, "5.6.7", "SMTPUTF8 is required, but was not offered by host " + s.peer());
    co_return out;
  }
  const std::uint64_t size = message.size_bytes();
  if (s.caps.size && s.caps.size_limit_bytes != 0 && size > s.caps.size_limit_bytes) {
    decide_all(OutcomeKind::failed, "5.3.4",
               "message size " + std::to_string(size) + " exceeds size limit " +
                   std::to_string(s.caps.size_limit_bytes) + " of server " + s.peer());
    co_return out;
  }
  smtp::BodyType body = envelope.body;
  const bool eight_bit = body == smtp::BodyType::eight_bit_mime || body == smtp::BodyType::binary_mime;
  const bool use_bdat = s.caps.chunking && settings.use_chunking;
  if (body == smtp::BodyType::binary_mime && !(s.caps.binary_mime && use_bdat)) body = smtp::BodyType::eight_bit_mime;
  if (eight_bit && !s.caps.eight_bit_mime) {
    // RFC 6152 3: no 8-bit data to a server that did not offer 8BITMIME.
    // A message declared 8BITMIME but 7-bit clean goes as it is.
    auto needs = co_await has_8bit(message, settings.data_chunk_bytes);
    if (!needs) {
      decide_all(OutcomeKind::deferred, "4.3.0", "cannot read the queued message: " + needs.error().message);
      co_return out;
    }
    if (*needs) {
      decide_all(OutcomeKind::failed, "5.6.3",
                 "message needs 8BITMIME, which host " + s.peer() + " does not offer");
      co_return out;
    }
    body = smtp::BodyType::unspecified;
  }

  // MAIL FROM and RCPT TO lines (RFC 5321 4.1.1.2, 4.1.1.3 with RFC 1870,
  // 6152, 6531 and 3461 parameters where the peer offers them).
  std::string mail = "MAIL FROM:<" + envelope.sender + ">";
  if (s.caps.size) mail += " SIZE=" + std::to_string(size);
  if (s.caps.eight_bit_mime && body != smtp::BodyType::unspecified) mail += std::string(" BODY=") + body_keyword(body);
  if (envelope.smtputf8) mail += " SMTPUTF8";
  if (s.caps.dsn) {
    if (envelope.ret == smtp::DsnReturn::full) mail += " RET=FULL";
    if (envelope.ret == smtp::DsnReturn::headers) mail += " RET=HDRS";
    if (!envelope.envid.empty()) mail += " ENVID=" + smtp::encode_xtext(envelope.envid);
  }
  std::vector<std::string> rcpts;
  rcpts.reserve(sendable.size());
  for (std::size_t i : sendable) {
    const OutboundRecipient& r = envelope.recipients[i];
    std::string line = "RCPT TO:<" + r.address + ">";
    if (s.caps.dsn) {
      if (r.notify) line += " NOTIFY=" + notify_value(*r.notify);
      const std::size_t semi = r.orcpt.find(';');
      // RFC 3461 4.2: addr-type is an atom; anything else is left out.
      const bool atom = semi != std::string::npos && semi > 0 &&
                        std::all_of(r.orcpt.begin(), r.orcpt.begin() + static_cast<std::ptrdiff_t>(semi),
                                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
      if (atom) {
        line += " ORCPT=" + r.orcpt.substr(0, semi) + ";" + smtp::encode_xtext(r.orcpt.substr(semi + 1));
      }
    }
    rcpts.push_back(std::move(line));
  }

  const bool pipelining = s.caps.pipelining && settings.use_pipelining;
  const char* stage = "MAIL FROM";
  try {
    std::optional<ServerReply> data_reply;
    ServerReply mail_reply;
    std::vector<std::size_t> accepted;
    if (pipelining) {
      // RFC 2920 3.1: MAIL and RCPT may be grouped, DATA ends the group.
      std::string batch = mail + "\r\n";
      for (const std::string& r : rcpts) batch += r + "\r\n";
      if (!use_bdat) batch += "DATA\r\n";
      co_await s.write(std::move(batch), settings.timeouts.mail);
      mail_reply = co_await s.read_reply(settings.timeouts.mail);
      stage = "RCPT TO";
      for (std::size_t i : sendable) {
        ServerReply reply = co_await s.read_reply(settings.timeouts.rcpt);
        if (!mail_reply.positive()) continue;  // the MAIL reply decides
        from_reply(i, reply, "RCPT TO");
        if (reply.positive()) accepted.push_back(i);
      }
      if (!use_bdat) {
        stage = "DATA";
        data_reply = co_await s.read_reply(settings.timeouts.data_init);
      }
    } else {
      mail_reply = co_await s.command(mail, settings.timeouts.mail);
      if (mail_reply.positive()) {
        stage = "RCPT TO";
        for (std::size_t k = 0; k < sendable.size(); ++k) {
          const std::size_t i = sendable[k];
          ServerReply reply = co_await s.command(rcpts[k], settings.timeouts.rcpt);
          from_reply(i, reply, "RCPT TO");
          if (reply.positive()) accepted.push_back(i);
        }
      }
    }
    if (!mail_reply.positive()) {
      for (std::size_t i : sendable) from_reply(i, mail_reply, "MAIL FROM");
      accepted.clear();
    }
    if (accepted.empty()) {
      // A server that still said 354 to a pipelined DATA gets an empty message.
      if (data_reply && data_reply->code == 354) {
        stage = "end of DATA";
        co_await s.write(".\r\n", settings.timeouts.data_block);
        (void)co_await s.read_reply(settings.timeouts.data_done);
      }
      co_return out;
    }
    // Until the final reply, the accepted recipients are undecided again.
    for (std::size_t i : accepted) decided[i] = false;

    if (auto st = co_await message.rewind(); !st) throw std::runtime_error(st.error().message);
    ServerReply final_reply;
    const char* final_command = "end of DATA";
    if (use_bdat) {
      // RFC 3030 2: BDAT chunks, no dot-stuffing; the last one says LAST.
      stage = "BDAT";
      final_command = "BDAT";
      auto current = co_await message.read(settings.data_chunk_bytes);
      if (!current) throw std::runtime_error(current.error().message);
      for (;;) {
        Result<std::string> next = std::string{};
        if (!current->empty()) next = co_await message.read(settings.data_chunk_bytes);
        if (!next) throw std::runtime_error(next.error().message);
        const bool last = next->empty();
        std::string chunk = "BDAT " + std::to_string(current->size()) + (last ? " LAST\r\n" : "\r\n");
        chunk += *current;
        co_await s.write(std::move(chunk), settings.timeouts.data_block);
        ServerReply reply = co_await s.read_reply(last ? settings.timeouts.data_done : settings.timeouts.data_block);
        if (last || !reply.positive()) {
          final_reply = std::move(reply);
          break;
        }
        current = std::move(next);
      }
    } else {
      if (!data_reply) {
        stage = "DATA";
        data_reply = co_await s.command("DATA", settings.timeouts.data_init);
      }
      if (data_reply->code != 354) {
        for (std::size_t i : accepted) from_reply(i, *data_reply, "DATA");
        co_return out;
      }
      stage = "message content";
      DotEncoder encoder;
      for (;;) {
        auto chunk = co_await message.read(settings.data_chunk_bytes);
        if (!chunk) throw std::runtime_error(chunk.error().message);
        std::string wire;
        if (chunk->empty()) {
          encoder.finish(wire);
        } else {
          encoder.feed(*chunk, wire);
        }
        co_await s.write(std::move(wire), settings.timeouts.data_block);
        if (chunk->empty()) break;
      }
      stage = "end of DATA";
      final_reply = co_await s.read_reply(settings.timeouts.data_done);
    }
    // RFC 5321 4.1.1.4: the reply to the end of data applies to every
    // recipient RCPT accepted.
    for (std::size_t i : accepted) from_reply(i, final_reply, final_command);
  } catch (const system_error& e) {
    if (e.code() == asio::error::operation_aborted) throw;
    s.usable = false;
    s.stream->close();
    decide_all(OutcomeKind::deferred, "4.4.2",
               e.code() == asio::error::timed_out
                   ? "conversation with " + s.peer() + " timed out while sending " + stage
                   : "lost connection with " + s.peer() + " while sending " + stage + " (" + io_text(e) + ")");
  } catch (const PeerError& e) {
    s.usable = false;
    s.stream->close();
    decide_all(OutcomeKind::deferred, "4.5.0",
               "malformed reply from " + s.peer() + " after " + stage + ": " + e.what());
  } catch (const std::runtime_error& e) {
    // The queued message could not be read mid-transaction: the peer has a
    // partial message, so the connection cannot continue.
    s.usable = false;
    s.stream->close();
    decide_all(OutcomeKind::deferred, "4.3.0", std::string("cannot read the queued message: ") + e.what());
  }
  co_return out;
}

asio::awaitable<bool> SmtpClientSession::reset() {
  Impl& s = *impl_;
  if (!s.usable) co_return false;
  try {
    ServerReply reply = co_await s.command("RSET", s.settings.timeouts.helo);
    if (reply.code == 250) co_return true;
  } catch (const system_error& e) {
    if (e.code() == asio::error::operation_aborted) throw;
  } catch (const PeerError&) {
  }
  s.usable = false;
  s.stream->close();
  co_return false;
}

asio::awaitable<void> SmtpClientSession::quit() {
  Impl& s = *impl_;
  if (!s.stream) co_return;
  if (s.usable) {
    s.usable = false;
    try {
      (void)co_await s.command("QUIT", s.settings.timeouts.quit);
    } catch (const std::exception&) {
      // Closing anyway.
    }
  }
  co_await s.stream->shutdown(std::chrono::seconds(1));
}

}  // namespace postino::smtp_client
