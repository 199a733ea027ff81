// Stream: every operation races the socket operation against a deadline
// timer (and, for interruptible reads, the server's stop signal) in an Asio
// parallel group; the loser is cancelled. Data that arrived always wins, so
// no byte is lost to a timer that fired in the same turn.
#include "runtime/stream.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

#include "runtime/stop_signal.hpp"
#include "runtime/tls_context.hpp"

namespace postino::runtime {
namespace ssl = asio::ssl;
using asio::experimental::make_parallel_group;
using asio::experimental::wait_for_one;
using boost::system::error_code;
using boost::system::system_error;
using std::chrono::milliseconds;

struct Stream::Tls {
  Tls(Socket socket, ssl::context& ctx) : stream(std::move(socket), ctx) {}
  ssl::stream<Socket> stream;
  // Keeps the servername callback's TlsContexts alive for the handshake.
  std::shared_ptr<const TlsContexts> contexts;
};

namespace {

// Whether our own coroutine was cancelled from outside (task group stop), as
// opposed to the parallel group cancelling the loser of a race. Read inline
// with `co_await asio::this_coro::cancellation_state`: awaiting a helper
// coroutine would itself throw once cancelled.
bool cancelled(const asio::cancellation_state& state) { return state.cancelled() != asio::cancellation_type::none; }

template <class S>
asio::awaitable<ReadOutcome> bounded_read(S& s, asio::steady_timer& timer, StopSignal* stop,
                                          asio::mutable_buffer buffer, milliseconds timeout) {
  timer.expires_after(timeout);
  error_code read_ec;
  error_code timer_ec;
  std::size_t bytes = 0;
  if (stop != nullptr) {
    auto group = make_parallel_group(s.async_read_some(buffer, asio::deferred), timer.async_wait(asio::deferred),
                                     stop->async_wait());
    auto result = co_await group.async_wait(wait_for_one(), asio::use_awaitable);
    read_ec = std::get<1>(result);
    bytes = std::get<2>(result);
    timer_ec = std::get<3>(result);
  } else {
    auto group = make_parallel_group(s.async_read_some(buffer, asio::deferred), timer.async_wait(asio::deferred));
    auto result = co_await group.async_wait(wait_for_one(), asio::use_awaitable);
    read_ec = std::get<1>(result);
    bytes = std::get<2>(result);
    timer_ec = std::get<3>(result);
  }
  if (!read_ec) co_return ReadOutcome{ReadEnd::data, bytes};
  if (read_ec == asio::error::operation_aborted) {
    const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
    if (outside) throw system_error(read_ec, "read cancelled");
    if (!timer_ec) co_return ReadOutcome{ReadEnd::timeout, 0};
    if (stop != nullptr && stop->requested()) co_return ReadOutcome{ReadEnd::stopping, 0};
  }
  throw system_error(read_ec, "read");
}

template <class S>
asio::awaitable<void> bounded_write(S& s, asio::steady_timer& timer, asio::const_buffer data, milliseconds timeout) {
  timer.expires_after(timeout);
  auto group = make_parallel_group(asio::async_write(s, data, asio::deferred), timer.async_wait(asio::deferred));
  auto result = co_await group.async_wait(wait_for_one(), asio::use_awaitable);
  const error_code write_ec = std::get<1>(result);
  const error_code timer_ec = std::get<3>(result);
  if (!write_ec) co_return;
  // co_await kept out of compound conditions: GCC 12 mishandles some.
  const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
  if (write_ec == asio::error::operation_aborted && !timer_ec && !outside) {
    throw system_error(asio::error::timed_out, "write timed out");
  }
  throw system_error(write_ec, "write");
}

}  // namespace

Stream::Stream(Socket socket, StreamOptions options)
    : socket_(std::move(socket)),
      read_timer_(socket_.get_executor()),
      write_timer_(socket_.get_executor()),
      tls_contexts_(std::move(options.tls)),
      handshake_timeout_(options.handshake_timeout),
      stop_(options.stop) {
  error_code ec;
  remote_ = socket_.remote_endpoint(ec);
  local_ = socket_.local_endpoint(ec);
}

Stream::~Stream() = default;

asio::any_io_executor Stream::get_executor() { return read_timer_.get_executor(); }

Stream::Socket& Stream::socket() { return tls_ ? tls_->stream.next_layer() : socket_; }

void Stream::set_proxied_endpoints(asio::ip::tcp::endpoint remote, asio::ip::tcp::endpoint local) {
  remote_ = remote;
  local_ = local;
  proxied_ = true;
}

asio::awaitable<void> Stream::handshake(bool server, milliseconds timeout) {
  read_timer_.expires_after(timeout);
  auto group = make_parallel_group(
      tls_->stream.async_handshake(server ? ssl::stream_base::server : ssl::stream_base::client, asio::deferred),
      read_timer_.async_wait(asio::deferred));
  auto result = co_await group.async_wait(wait_for_one(), asio::use_awaitable);
  const error_code hs_ec = std::get<1>(result);
  const error_code timer_ec = std::get<2>(result);
  if (!hs_ec) co_return;
  const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
  if (hs_ec == asio::error::operation_aborted && !timer_ec && !outside) {
    throw system_error(asio::error::timed_out, "TLS handshake timed out");
  }
  throw system_error(hs_ec, "TLS handshake");
}

asio::awaitable<void> Stream::start_tls() {
  if (tls_) throw std::logic_error("start_tls: stream is already TLS");
  if (!tls_contexts_) throw std::logic_error("start_tls: no TLS contexts configured");
  tls_ = std::make_unique<Tls>(std::move(socket_), tls_contexts_->default_context());
  tls_->contexts = tls_contexts_;
  co_await handshake(true, handshake_timeout_);
}

asio::awaitable<void> Stream::start_tls_client(ssl::context& ctx, std::string server_name, milliseconds timeout) {
  if (tls_) throw std::logic_error("start_tls_client: stream is already TLS");
  tls_ = std::make_unique<Tls>(std::move(socket_), ctx);
  if (!server_name.empty()) {
    error_code ec;
    asio::ip::make_address(server_name, ec);
    if (ec) {  // RFC 6066 section 3: no IP literals in SNI
      SSL* native = tls_->stream.native_handle();
      SSL_set_tlsext_host_name(native, server_name.c_str());
      SSL_set1_host(native, server_name.c_str());  // enforced only when ctx verifies peers
    }
  }
  co_await handshake(false, timeout);
}

std::string Stream::tls_version() const {
  if (!tls_) return {};
  return SSL_get_version(tls_->stream.native_handle());
}

std::string Stream::tls_cipher() const {
  if (!tls_) return {};
  const SSL_CIPHER* cipher = SSL_get_current_cipher(tls_->stream.native_handle());
  return cipher ? SSL_CIPHER_get_name(cipher) : "";
}

std::string Stream::tls_description() const {
  if (!tls_) return {};
  const SSL_CIPHER* cipher = SSL_get_current_cipher(tls_->stream.native_handle());
  if (cipher == nullptr) return {};
  int alg_bits = 0;
  const int bits = SSL_CIPHER_get_bits(cipher, &alg_bits);
  return tls_version() + " with cipher " + SSL_CIPHER_get_name(cipher) + " (" + std::to_string(bits) + "/" +
         std::to_string(alg_bits) + " bits)";
}

std::string Stream::tls_server_name() const {
  if (!tls_) return {};
  const char* name = SSL_get_servername(tls_->stream.native_handle(), TLSEXT_NAMETYPE_host_name);
  return name ? name : "";
}

std::string Stream::tls_peer_subject() const {
  if (!tls_) return {};
  X509* cert = SSL_get1_peer_certificate(tls_->stream.native_handle());
  if (cert == nullptr) return {};
  std::string out;
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    if (len > 0) out.assign(data, static_cast<std::size_t>(len));
    BIO_free(bio);
  }
  X509_free(cert);
  return out;
}

Result<std::vector<std::uint8_t>> Stream::tls_exporter() const {
  if (!tls_) return make_error(Errc::unsupported, "tls-exporter: connection is not TLS");
  SSL* native = tls_->stream.native_handle();
  if (SSL_version(native) < TLS1_3_VERSION && SSL_get_extms_support(native) != 1) {
    return make_error(Errc::unsupported, "tls-exporter: TLS 1.2 without extended master secret");
  }
  static constexpr char kLabel[] = "EXPORTER-Channel-Binding";
  std::vector<std::uint8_t> out(32);
  if (SSL_export_keying_material(native, out.data(), out.size(), kLabel, sizeof kLabel - 1, nullptr, 0, 0) != 1) {
    return make_error(Errc::io_error, "tls-exporter: export failed");
  }
  return out;
}

asio::awaitable<ReadOutcome> Stream::try_read_some(asio::mutable_buffer buffer, milliseconds timeout,
                                                   bool interruptible) {
  StopSignal* stop = interruptible ? stop_ : nullptr;
  if (stop != nullptr && stop->requested()) co_return ReadOutcome{ReadEnd::stopping, 0};
  if (tls_) co_return co_await bounded_read(tls_->stream, read_timer_, stop, buffer, timeout);
  co_return co_await bounded_read(socket_, read_timer_, stop, buffer, timeout);
}

asio::awaitable<std::size_t> Stream::read_some(asio::mutable_buffer buffer, milliseconds timeout) {
  const ReadOutcome outcome = co_await try_read_some(buffer, timeout, false);
  if (outcome.end == ReadEnd::timeout) throw system_error(asio::error::timed_out, "read timed out");
  co_return outcome.bytes;
}

asio::awaitable<void> Stream::read_exact(asio::mutable_buffer buffer, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buffer.size() > 0) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds::zero()) throw system_error(asio::error::timed_out, "read timed out");
    const std::size_t n = co_await read_some(buffer, left);
    buffer += n;
  }
}

asio::awaitable<void> Stream::write_all(asio::const_buffer data, milliseconds timeout) {
  if (tls_) {
    co_await bounded_write(tls_->stream, write_timer_, data, timeout);
  } else {
    co_await bounded_write(socket_, write_timer_, data, timeout);
  }
}

asio::awaitable<void> Stream::shutdown(milliseconds timeout) {
  try {
    const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
    if (tls_ && socket().is_open() && !outside) {
      write_timer_.expires_after(timeout);
      auto group = make_parallel_group(tls_->stream.async_shutdown(asio::deferred),
                                       write_timer_.async_wait(asio::deferred));
      co_await group.async_wait(wait_for_one(), asio::use_awaitable);  // errors ignored: closing anyway
    }
  } catch (const std::exception&) {
    // Cancelled while closing: fall through to the hard close.
  }
  close();
}

void Stream::close() {
  error_code ec;
  Socket& s = socket();
  if (s.is_open()) {
    s.shutdown(Socket::shutdown_both, ec);
    s.close(ec);
  }
}

}  // namespace postino::runtime
