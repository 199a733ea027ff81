// Stream: every wait races the socket against a deadline timer (and, for
// interruptible reads, the server's stop signal) in an Asio parallel group;
// the loser is cancelled. After a deadline or stop the operation is tried
// once more before reporting it, so data that arrived always wins.
//
// TLS drives OpenSSL directly on the socket: a BIO of our own does
// non-blocking send/recv on the descriptor, and SSL_ERROR_WANT_READ/WRITE
// become `socket.async_wait()`. asio::ssl::stream was replaced on purpose:
// its two 17 KB stream buffers plus the 2 x 17 KB BIO pair held ~70 KB per
// connection for ever; here an idle connection holds the SSL object only
// (SSL_MODE_RELEASE_BUFFERS frees the record buffers between records).
// One read and one write may be pending at once (IMAP IDLE): both run on the
// stream's executor, so OpenSSL is entered by one of them at a time. When a
// call by one side may have unblocked the other (SSL_write reading a
// handshake record, SSL_read flushing), the other side's socket wait is
// cancelled (`kicked`) and it retries its call.
//
// Compression (RFC 4978) sits above TLS: raw DEFLATE (RFC 1951) out with a
// sync flush per write_all, inflate in straight into the caller's buffer.
#include "runtime/stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <zlib.h>

#include <array>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <limits>
#include <optional>
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
using Clock = std::chrono::steady_clock;

namespace {

// Whether our own coroutine was cancelled from outside (task group stop), as
// opposed to the parallel group cancelling the loser of a race. Read inline
// with `co_await asio::this_coro::cancellation_state`: awaiting a helper
// coroutine would itself throw once cancelled.
bool cancelled(const asio::cancellation_state& state) { return state.cancelled() != asio::cancellation_type::none; }

milliseconds time_left(Clock::time_point deadline) {
  return std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
}

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

// --- The BIO under OpenSSL: non-blocking send/recv on the Stream's socket ---

// The BIO's view of the connection. The descriptor is looked up at every
// call, so after close() OpenSSL gets EBADF, never a reused descriptor.
struct SocketIo {
  asio::ip::tcp::socket* socket = nullptr;
  int last_errno = 0;  // of the last failed send/recv; 0 if none
  bool eof = false;    // recv returned 0
};

int descriptor(const SocketIo& io) { return io.socket->is_open() ? io.socket->native_handle() : -1; }

int bio_write(BIO* bio, const char* data, std::size_t len, std::size_t* written) {
  auto* io = static_cast<SocketIo*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  ssize_t n = 0;
  do {
    // MSG_NOSIGNAL: a peer that went away is an EPIPE error, not SIGPIPE.
    n = ::send(descriptor(*io), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) {
    *written = static_cast<std::size_t>(n);
    return 1;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    BIO_set_retry_write(bio);
  } else {
    io->last_errno = errno;
  }
  return 0;
}

int bio_read(BIO* bio, char* out, std::size_t len, std::size_t* read) {
  auto* io = static_cast<SocketIo*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  ssize_t n = 0;
  do {
    n = ::recv(descriptor(*io), out, len, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    *read = static_cast<std::size_t>(n);
    return 1;
  }
  if (n == 0) {
    io->eof = true;
  } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
    BIO_set_retry_read(bio);
  } else {
    io->last_errno = errno;
  }
  return 0;
}

long bio_ctrl(BIO* /*bio*/, int cmd, long /*num*/, void* /*ptr*/) {
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;  // nothing buffered here
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// Created once per process, never freed (as OpenSSL's own methods).
const BIO_METHOD* socket_bio_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "postino socket");
    if (m == nullptr) throw std::bad_alloc();
    BIO_meth_set_write_ex(m, bio_write);
    BIO_meth_set_read_ex(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

// Raw DEFLATE output: a 4 KiB window and memLevel 5 cost 32 KiB per
// connection instead of zlib's default 256 KiB; any RFC 1951 inflater
// (which keeps a 32 KiB window) decodes it. Input needs the full window.
constexpr int kDeflateWindowBits = 12;
constexpr int kDeflateMemLevel = 5;
constexpr int kInflateWindowBits = 15;
constexpr std::size_t kCompressedChunkBytes = 4096;
// zlib counts in uInt; larger writes are fed in slices.
constexpr std::size_t kMaxZlibSlice = std::size_t{1} << 30;

error_code bad_message() { return error_code(EBADMSG, boost::system::system_category()); }

}  // namespace

// --- TLS state ---

enum class Want { none, read, write };
enum class WaitEnd { ready, timeout, stopping };

struct Stream::Tls {
  explicit Tls(Socket& socket) { io.socket = &socket; }
  ~Tls() {
    if (ssl != nullptr) SSL_free(ssl);  // frees the BIO too
  }
  Tls(const Tls&) = delete;
  Tls& operator=(const Tls&) = delete;

  // Creates the SSL object and its BIO on the socket; throws on failure.
  void attach(SSL_CTX* ctx, bool server) {
    ssl = SSL_new(ctx);
    BIO* bio = BIO_new(socket_bio_method());
    if (ssl == nullptr || bio == nullptr) {
      BIO_free(bio);
      throw system_error(error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()),
                         "TLS: cannot create connection state");
    }
    BIO_set_data(bio, &io);
    SSL_set_bio(ssl, bio, bio);
    // Retried writes may come from a new buffer after compression; idle
    // connections hold no record buffers.
    SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    // One recv per burst instead of two per record (header, then body); the
    // read buffer is still released once drained.
    SSL_set_read_ahead(ssl, 1);
    if (server) {
      SSL_set_accept_state(ssl);
    } else {
      SSL_set_connect_state(ssl);
    }
  }

  // Before every SSL_* call: a stale error queue would change SSL_get_error.
  void begin_call() {
    ERR_clear_error();
    io.last_errno = 0;
  }

  // After a call by one side: wake the other side if its socket wait may be
  // stale. A writer waiting for input (handshake, key update) may have had
  // its record consumed by SSL_read; a reader waiting on the socket misses
  // records that SSL_write's reading left buffered in OpenSSL.
  void after_call(bool by_reader) {
    const Want other = by_reader ? write_wait : read_wait;
    if (other != Want::read) return;
    if (by_reader || SSL_has_pending(ssl) == 1) {
      // Ends the other side's socket wait (ours is not pending: we run).
      kicked = true;
      error_code ignored;
      io.socket->cancel(ignored);
    }
  }

  // The error of a failed call (SSL_get_error's `err`); the connection is
  // unusable afterwards.
  error_code failure(int err) {
    failed = true;
    error_code ec;
    switch (err) {
      case SSL_ERROR_ZERO_RETURN:  // close_notify
        ec = asio::error::eof;
        break;
      case SSL_ERROR_SYSCALL:
        ec = io.last_errno != 0 ? error_code(io.last_errno, asio::error::get_system_category())
                                : error_code(ssl::error::stream_truncated);
        break;
      default: {
        const unsigned long code = ERR_peek_last_error();
        if (io.eof && io.last_errno == 0) {
          ec = ssl::error::stream_truncated;  // OpenSSL 3: unexpected EOF
        } else if (code != 0) {
          ec = error_code(static_cast<int>(code), asio::error::get_ssl_category());
        } else {
          ec = error_code(asio::error::fault);
        }
      }
    }
    ERR_clear_error();
    return ec;
  }

  // Waits until the socket is ready as OpenSSL asked (or the other side made
  // progress), the deadline passes, or the server stops. `slot` records the
  // wait for after_call(). Throws if the socket failed or was closed, or on
  // outside cancellation.
  asio::awaitable<WaitEnd> wait(Want want, Want& slot, asio::steady_timer& timer, StopSignal* stop) {
    if (stop != nullptr && stop->requested()) co_return WaitEnd::stopping;
    const auto type = want == Want::read ? Socket::wait_read : Socket::wait_write;
    Socket& socket = *io.socket;
    slot = want;
    kicked = false;
    std::size_t first = 0;
    error_code socket_ec;
    if (stop != nullptr) {
      auto group = make_parallel_group(socket.async_wait(type, asio::deferred), timer.async_wait(asio::deferred),
                                       stop->async_wait());
      auto result = co_await group.async_wait(wait_for_one(), asio::use_awaitable);
      first = std::get<0>(result)[0];
      socket_ec = std::get<1>(result);
    } else {
      auto group = make_parallel_group(socket.async_wait(type, asio::deferred), timer.async_wait(asio::deferred));
      auto result = co_await group.async_wait(wait_for_one(), asio::use_awaitable);
      first = std::get<0>(result)[0];
      socket_ec = std::get<1>(result);
    }
    slot = Want::none;
    const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
    if (outside) throw system_error(asio::error::operation_aborted, "TLS I/O cancelled");
    switch (first) {
      case 0:
        if (socket_ec == asio::error::operation_aborted && kicked) {
          kicked = false;
          co_return WaitEnd::ready;  // the other side's call: retry ours
        }
        if (socket_ec) throw system_error(socket_ec, "TLS socket wait");
        co_return WaitEnd::ready;
      case 1:
        co_return WaitEnd::timeout;
      default:
        co_return WaitEnd::stopping;
    }
  }

  SSL* ssl = nullptr;
  SocketIo io;
  // Keeps the servername callback's TlsContexts alive for the handshake.
  std::shared_ptr<const TlsContexts> contexts;
  // after_call() cancelled the socket's waits to wake the other side.
  bool kicked = false;
  Want read_wait = Want::none;   // what the pending read (or handshake) waits for
  Want write_wait = Want::none;  // what the pending write (or shutdown) waits for
  bool failed = false;           // a fatal error: no close_notify
};

// --- Compression state ---

struct Stream::Deflate {
  Deflate() = default;
  ~Deflate() {
    if (in_ready) inflateEnd(&in);
    if (out_ready) deflateEnd(&out);
  }
  Deflate(const Deflate&) = delete;
  Deflate& operator=(const Deflate&) = delete;

  z_stream in{};   // inflate: next_in points into in_buf
  z_stream out{};  // deflate
  bool in_ready = false;
  bool out_ready = false;
  bool in_ended = false;   // the peer ended its DEFLATE stream: nothing may follow
  bool in_failed = false;  // corrupt input seen: every later read fails
  bool in_full = false;    // the last inflate filled its output: zlib may hold more
  // Compressed input not yet inflated; released once consumed, so an idle
  // connection holds none.
  std::vector<unsigned char> in_buf;
};

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

Stream::Socket& Stream::socket() { return socket_; }

void Stream::set_proxied_endpoints(asio::ip::tcp::endpoint remote, asio::ip::tcp::endpoint local) {
  remote_ = remote;
  local_ = local;
  proxied_ = true;
}

asio::awaitable<void> Stream::handshake(milliseconds timeout) {
  read_timer_.expires_after(timeout);
  for (;;) {
    tls_->begin_call();
    const int ret = SSL_do_handshake(tls_->ssl);
    if (ret == 1) co_return;
    const int err = SSL_get_error(tls_->ssl, ret);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      throw system_error(tls_->failure(err), "TLS handshake");
    }
    const Want want = err == SSL_ERROR_WANT_READ ? Want::read : Want::write;
    const WaitEnd end = co_await tls_->wait(want, tls_->read_wait, read_timer_, nullptr);
    if (end == WaitEnd::timeout) {
      tls_->failed = true;
      throw system_error(asio::error::timed_out, "TLS handshake timed out");
    }
  }
}

asio::awaitable<void> Stream::start_tls() {
  if (tls_) throw std::logic_error("start_tls: stream is already TLS");
  if (!tls_contexts_) throw std::logic_error("start_tls: no TLS contexts configured");
  tls_ = std::make_unique<Tls>(socket_);
  tls_->contexts = tls_contexts_;
  tls_->attach(tls_contexts_->default_context().native_handle(), true);
  co_await handshake(handshake_timeout_);
}

asio::awaitable<void> Stream::start_tls_client(ssl::context& ctx, std::string server_name, milliseconds timeout) {
  if (tls_) throw std::logic_error("start_tls_client: stream is already TLS");
  tls_ = std::make_unique<Tls>(socket_);
  tls_->attach(ctx.native_handle(), false);
  if (!server_name.empty()) {
    error_code ec;
    asio::ip::make_address(server_name, ec);
    if (ec) {  // RFC 6066 section 3: no IP literals in SNI
      SSL_set_tlsext_host_name(tls_->ssl, server_name.c_str());
      SSL_set1_host(tls_->ssl, server_name.c_str());  // enforced only when ctx verifies peers
    }
  }
  co_await handshake(timeout);
}

std::string Stream::tls_version() const {
  if (!tls_) return {};
  return SSL_get_version(tls_->ssl);
}

std::string Stream::tls_cipher() const {
  if (!tls_) return {};
  const SSL_CIPHER* cipher = SSL_get_current_cipher(tls_->ssl);
  return cipher ? SSL_CIPHER_get_name(cipher) : "";
}

std::string Stream::tls_description() const {
  if (!tls_) return {};
  const SSL_CIPHER* cipher = SSL_get_current_cipher(tls_->ssl);
  if (cipher == nullptr) return {};
  int alg_bits = 0;
  const int bits = SSL_CIPHER_get_bits(cipher, &alg_bits);
  return tls_version() + " with cipher " + SSL_CIPHER_get_name(cipher) + " (" + std::to_string(bits) + "/" +
         std::to_string(alg_bits) + " bits)";
}

std::string Stream::tls_server_name() const {
  if (!tls_) return {};
  const char* name = SSL_get_servername(tls_->ssl, TLSEXT_NAMETYPE_host_name);
  return name ? name : "";
}

std::string Stream::tls_peer_subject() const {
  if (!tls_) return {};
  X509* cert = SSL_get1_peer_certificate(tls_->ssl);
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
  SSL* native = tls_->ssl;
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

asio::awaitable<ReadOutcome> Stream::raw_read(asio::mutable_buffer buffer, milliseconds timeout, StopSignal* stop) {
  if (!tls_) co_return co_await bounded_read(socket_, read_timer_, stop, buffer, timeout);
  read_timer_.expires_after(timeout);
  std::optional<ReadEnd> ending;  // deadline or stop seen: one more try, then report it
  for (;;) {
    std::size_t n = 0;
    tls_->begin_call();
    const int ret = SSL_read_ex(tls_->ssl, buffer.data(), buffer.size(), &n);
    const int err = ret == 1 ? SSL_ERROR_NONE : SSL_get_error(tls_->ssl, ret);
    tls_->after_call(true);
    if (ret == 1) co_return ReadOutcome{ReadEnd::data, n};
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) throw system_error(tls_->failure(err), "read");
    if (ending) co_return ReadOutcome{*ending, 0};
    const Want want = err == SSL_ERROR_WANT_READ ? Want::read : Want::write;
    const WaitEnd end = co_await tls_->wait(want, tls_->read_wait, read_timer_, stop);
    if (end == WaitEnd::timeout) ending = ReadEnd::timeout;
    if (end == WaitEnd::stopping) ending = ReadEnd::stopping;
  }
}

asio::awaitable<void> Stream::raw_write(asio::const_buffer data, milliseconds timeout) {
  if (!tls_) {
    co_await bounded_write(socket_, write_timer_, data, timeout);
    co_return;
  }
  write_timer_.expires_after(timeout);
  bool expired = false;
  while (data.size() > 0) {
    std::size_t n = 0;
    tls_->begin_call();
    const int ret = SSL_write_ex(tls_->ssl, data.data(), data.size(), &n);
    const int err = ret == 1 ? SSL_ERROR_NONE : SSL_get_error(tls_->ssl, ret);
    tls_->after_call(false);
    if (ret == 1) {
      data += n;
      continue;
    }
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) throw system_error(tls_->failure(err), "write");
    if (expired) {
      tls_->failed = true;  // a record may be half sent
      throw system_error(asio::error::timed_out, "write timed out");
    }
    const Want want = err == SSL_ERROR_WANT_READ ? Want::read : Want::write;
    const WaitEnd end = co_await tls_->wait(want, tls_->write_wait, write_timer_, nullptr);
    if (end == WaitEnd::timeout) expired = true;
  }
}

Status Stream::start_compression(std::string_view read_ahead) {
  if (deflate_) return make_error(Errc::unsupported, "compression is already active");
  if (read_ahead.size() > kMaxZlibSlice) return make_error(Errc::invalid_argument, "compression: read-ahead too large");
  auto d = std::make_unique<Deflate>();
  if (inflateInit2(&d->in, -kInflateWindowBits) != Z_OK) return make_error(Errc::io_error, "inflateInit2 failed");
  d->in_ready = true;
  if (deflateInit2(&d->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -kDeflateWindowBits, kDeflateMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return make_error(Errc::io_error, "deflateInit2 failed");
  }
  d->out_ready = true;
  if (!read_ahead.empty()) {
    d->in_buf.assign(read_ahead.begin(), read_ahead.end());
    d->in.next_in = d->in_buf.data();
    d->in.avail_in = static_cast<uInt>(d->in_buf.size());
  }
  deflate_ = std::move(d);
  return {};
}

asio::awaitable<ReadOutcome> Stream::try_read_some(asio::mutable_buffer buffer, milliseconds timeout,
                                                   bool interruptible) {
  StopSignal* stop = interruptible ? stop_ : nullptr;
  if (stop != nullptr && stop->requested()) co_return ReadOutcome{ReadEnd::stopping, 0};
  if (buffer.size() == 0) co_return ReadOutcome{ReadEnd::data, 0};
  if (!deflate_) co_return co_await raw_read(buffer, timeout, stop);

  // Inflate straight into the caller's buffer: never more than it asked
  // for, whatever the compression ratio.
  const auto deadline = Clock::now() + timeout;
  Deflate& d = *deflate_;
  const std::size_t want = std::min(buffer.size(), kMaxZlibSlice);
  for (;;) {
    if (d.in_ended) throw system_error(bad_message(), "inflate: data after the end of the DEFLATE stream");
    if (d.in_failed) throw system_error(bad_message(), "inflate: corrupt DEFLATE data");
    z_stream& z = d.in;
    const uInt in_before = z.avail_in;
    z.next_out = static_cast<Bytef*>(buffer.data());
    z.avail_out = static_cast<uInt>(want);
    const int rc = inflate(&z, Z_SYNC_FLUSH);
    const std::size_t produced = want - z.avail_out;
    d.in_full = z.avail_out == 0;
    if (z.avail_in == 0) {
      std::vector<unsigned char>().swap(d.in_buf);
      z.next_in = nullptr;
    }
    if (rc == Z_STREAM_END) {
      d.in_ended = true;
      if (produced > 0) co_return ReadOutcome{ReadEnd::data, produced};
      continue;  // throws above
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) d.in_failed = true;
    // Bytes decoded before an error are delivered first; the next read fails.
    if (produced > 0) co_return ReadOutcome{ReadEnd::data, produced};
    if (d.in_failed) throw system_error(bad_message(), "inflate: corrupt DEFLATE data");
    if (z.avail_in > 0) {
      if (z.avail_in < in_before) continue;  // consumed block headers only
      throw system_error(bad_message(), "inflate: no progress");
    }
    const milliseconds left = time_left(deadline);
    if (left <= milliseconds::zero()) co_return ReadOutcome{ReadEnd::timeout, 0};
    d.in_buf.resize(kCompressedChunkBytes);
    const ReadOutcome raw = co_await raw_read(asio::buffer(d.in_buf), left, stop);
    if (raw.end != ReadEnd::data) {
      std::vector<unsigned char>().swap(d.in_buf);
      co_return raw;
    }
    z.next_in = d.in_buf.data();
    z.avail_in = static_cast<uInt>(raw.bytes);
  }
}

asio::awaitable<ReadOutcome> Stream::wait_readable(milliseconds timeout, bool interruptible) {
  StopSignal* stop = interruptible ? stop_ : nullptr;
  if (stop != nullptr && stop->requested()) co_return ReadOutcome{ReadEnd::stopping, 0};
  constexpr ReadOutcome kReady{ReadEnd::data, 0};
  if (deflate_) {
    const Deflate& d = *deflate_;
    if (d.in.avail_in > 0 || d.in_full || d.in_ended || d.in_failed) co_return kReady;
  }
  error_code ec;
  if (tls_) {
    if (SSL_pending(tls_->ssl) > 0 || SSL_has_pending(tls_->ssl) == 1) co_return kReady;
    read_timer_.expires_after(timeout);
    const WaitEnd end = co_await tls_->wait(Want::read, tls_->read_wait, read_timer_, stop);
    if (end == WaitEnd::ready || socket_.available(ec) > 0) co_return kReady;  // data wins a tie
    co_return ReadOutcome{end == WaitEnd::timeout ? ReadEnd::timeout : ReadEnd::stopping, 0};
  }
  read_timer_.expires_after(timeout);
  std::size_t first = 0;
  error_code socket_ec;
  if (stop != nullptr) {
    auto group = make_parallel_group(socket_.async_wait(Socket::wait_read, asio::deferred),
                                     read_timer_.async_wait(asio::deferred), stop->async_wait());
    auto result = co_await group.async_wait(wait_for_one(), asio::use_awaitable);
    first = std::get<0>(result)[0];
    socket_ec = std::get<1>(result);
  } else {
    auto group = make_parallel_group(socket_.async_wait(Socket::wait_read, asio::deferred),
                                     read_timer_.async_wait(asio::deferred));
    auto result = co_await group.async_wait(wait_for_one(), asio::use_awaitable);
    first = std::get<0>(result)[0];
    socket_ec = std::get<1>(result);
  }
  const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
  if (outside) throw system_error(asio::error::operation_aborted, "read cancelled");
  if (first == 0) {
    if (socket_ec) throw system_error(socket_ec, "read");
    co_return kReady;
  }
  if (socket_.available(ec) > 0) co_return kReady;  // data wins a tie
  co_return ReadOutcome{first == 1 ? ReadEnd::timeout : ReadEnd::stopping, 0};
}

asio::awaitable<std::size_t> Stream::read_some(asio::mutable_buffer buffer, milliseconds timeout) {
  const ReadOutcome outcome = co_await try_read_some(buffer, timeout, false);
  if (outcome.end == ReadEnd::timeout) throw system_error(asio::error::timed_out, "read timed out");
  co_return outcome.bytes;
}

asio::awaitable<void> Stream::read_exact(asio::mutable_buffer buffer, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (buffer.size() > 0) {
    const auto left = time_left(deadline);
    if (left <= milliseconds::zero()) throw system_error(asio::error::timed_out, "read timed out");
    const std::size_t n = co_await read_some(buffer, left);
    buffer += n;
  }
}

asio::awaitable<void> Stream::write_all(asio::const_buffer data, milliseconds timeout) {
  if (!deflate_) {
    co_await raw_write(data, timeout);
    co_return;
  }
  if (data.size() == 0) co_return;
  // Each chunk is written before the next is made; a sync flush at the end
  // lets the peer decode the whole response now (RFC 4978 section 4).
  const auto deadline = Clock::now() + timeout;
  std::vector<unsigned char> chunk(kCompressedChunkBytes * 2);
  z_stream& z = deflate_->out;
  while (data.size() > 0) {
    const std::size_t slice = std::min(data.size(), kMaxZlibSlice);
    const bool last = slice == data.size();
    z.next_in = static_cast<Bytef*>(const_cast<void*>(data.data()));  // zlib's API is not const
    z.avail_in = static_cast<uInt>(slice);
    do {
      z.next_out = chunk.data();
      z.avail_out = static_cast<uInt>(chunk.size());
      const int rc = deflate(&z, last ? Z_SYNC_FLUSH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) throw system_error(bad_message(), "deflate failed");
      const std::size_t have = chunk.size() - z.avail_out;
      if (have > 0) {
        const milliseconds left = time_left(deadline);
        if (left <= milliseconds::zero()) throw system_error(asio::error::timed_out, "write timed out");
        co_await raw_write(asio::buffer(chunk.data(), have), left);
      }
    } while (z.avail_out == 0 || z.avail_in > 0);
    data += slice;
  }
}

asio::awaitable<void> Stream::shutdown(milliseconds timeout) {
  try {
    const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
    if (tls_ && !tls_->failed && socket_.is_open() && !outside) {
      write_timer_.expires_after(timeout);
      // Bounded: each pass either finishes or waits on the socket.
      for (int pass = 0; pass < 16; ++pass) {
        tls_->begin_call();
        const int ret = SSL_shutdown(tls_->ssl);
        if (ret == 1) break;  // both close_notify exchanged
        Want want = Want::read;  // 0: ours sent; wait for the peer's
        if (ret < 0) {
          const int err = SSL_get_error(tls_->ssl, ret);
          if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) break;
          want = err == SSL_ERROR_WANT_READ ? Want::read : Want::write;
        }
        const WaitEnd end = co_await tls_->wait(want, tls_->write_wait, write_timer_, nullptr);
        if (end == WaitEnd::timeout) break;
      }
      ERR_clear_error();
    }
  } catch (const std::exception&) {
    // Cancelled or failed while closing: fall through to the hard close.
  }
  close();
}

void Stream::close() {
  error_code ec;
  if (socket_.is_open()) {
    socket_.shutdown(Socket::shutdown_both, ec);
    socket_.close(ec);
  }
}

}  // namespace postino::runtime
