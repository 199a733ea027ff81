// Tests for Stream's TLS (OpenSSL driven on the socket) and its DEFLATE
// layer (RFC 4978), each against an independent peer on its own thread:
// OpenSSL's blocking API for TLS, zlib called directly for DEFLATE, over
// real loopback TCP. Covered: large transfers both ways on TLS 1.2 and 1.3,
// a read and a write pending at once, a key update the peer requests while
// our write is blocked, read deadlines and the stop signal keeping the
// connection usable, EOF with and without close_notify, the client side's
// hostname check and SNI, tls-exporter agreement; compression round trips,
// a compression bomb bounded by the read buffer, corrupt and truncated input.
#include "runtime/stream.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <zlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/system/system_error.hpp>
#include <csignal>
#include <functional>
#include <future>
#include <thread>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/line_reader.hpp"
#include "runtime/runtime_settings.hpp"
#include "runtime/stop_signal.hpp"
#include "runtime/test_tls.hpp"
#include "runtime/tls_context.hpp"

using namespace postino;
using namespace postino::runtime;
using namespace std::chrono_literals;
using boost::asio::ip::tcp;
namespace asio = boost::asio;
using test::require;

namespace {

// The peers write with OpenSSL's socket BIO (write(2)): a peer gone away
// must be an error, not SIGPIPE killing the test.
const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

// Text that compresses like mail: repetitive but not constant.
std::string sample(std::size_t n) {
  std::string out;
  out.reserve(n);
  std::uint32_t x = 12345;
  while (out.size() < n) {
    x = x * 1103515245 + 12345;
    out += "* " + std::to_string(x % 100000) + " FETCH (FLAGS (\\Seen) UID " + std::to_string(x % 977) + ")\r\n";
  }
  out.resize(n);
  return out;
}

// --- The independent TLS peer: OpenSSL's blocking API on a plain descriptor ---

class BlockingTls {
 public:
  // Client: verify_none, optional TLS version cap and SNI.
  static BlockingTls client(int fd, int max_version = 0, const char* sni = nullptr) {
    BlockingTls t(fd, SSL_CTX_new(TLS_client_method()));
    if (max_version != 0) SSL_CTX_set_max_proto_version(t.ctx_, max_version);
    t.ssl_ = SSL_new(t.ctx_);
    SSL_set_fd(t.ssl_, fd);
    if (sni != nullptr) SSL_set_tlsext_host_name(t.ssl_, sni);
    require(SSL_connect(t.ssl_) == 1, "peer SSL_connect");
    return t;
  }
  static BlockingTls server(int fd, const test::TestCert& cert) {
    BlockingTls t(fd, SSL_CTX_new(TLS_server_method()));
    SSL_CTX_use_certificate_chain_file(t.ctx_, cert.cert_file.c_str());
    SSL_CTX_use_PrivateKey_file(t.ctx_, cert.key_file.c_str(), SSL_FILETYPE_PEM);
    t.ssl_ = SSL_new(t.ctx_);
    SSL_set_fd(t.ssl_, fd);
    t.handshake_ok_ = SSL_accept(t.ssl_) == 1;
    return t;
  }
  BlockingTls(BlockingTls&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), ctx_(std::exchange(o.ctx_, nullptr)), ssl_(std::exchange(o.ssl_, nullptr)),
        handshake_ok_(o.handshake_ok_) {}
  ~BlockingTls() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }

  bool handshake_ok() const { return handshake_ok_; }
  SSL* ssl() { return ssl_; }
  void write(std::string_view data) {
    require(SSL_write(ssl_, data.data(), static_cast<int>(data.size())) == static_cast<int>(data.size()),
            "peer SSL_write");
  }
  std::string read_exact(std::size_t n) {
    std::string out(n, '\0');
    std::size_t have = 0;
    while (have < n) {
      const int r = SSL_read(ssl_, out.data() + have, static_cast<int>(n - have));
      require(r > 0, "peer SSL_read");
      have += static_cast<std::size_t>(r);
    }
    return out;
  }
  // Reads until the connection ends; returns the bytes and whether a
  // close_notify ended it.
  std::pair<std::string, bool> read_to_end() {
    std::string out;
    char buf[4096];
    for (;;) {
      const int r = SSL_read(ssl_, buf, sizeof buf);
      if (r > 0) {
        out.append(buf, static_cast<std::size_t>(r));
        continue;
      }
      return {out, SSL_get_error(ssl_, r) == SSL_ERROR_ZERO_RETURN};
    }
  }
  void close_notify() { SSL_shutdown(ssl_); }
  // TCP FIN without close_notify (a close() with the unread session
  // tickets in the receive buffer would send a reset instead).
  void end_tcp_without_close_notify() { ::shutdown(fd_, SHUT_WR); }

 private:
  BlockingTls(int fd, SSL_CTX* ctx) : fd_(fd), ctx_(ctx) {}
  int fd_;
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  bool handshake_ok_ = false;
};

// A loopback pair: `stream` is ours (on ctx), `peer_fd` is a blocking
// descriptor for the peer thread.
struct Fixture {
  test::TempDir dir;
  test::TestCert cert = test::make_cert(dir, "mail.example.test", {"mail.example.test"});
  asio::io_context ctx;
  StopSignal stop{ctx.get_executor()};
  std::unique_ptr<Stream> stream;
  int peer_fd = -1;

  explicit Fixture(bool with_tls = true) {
    std::shared_ptr<const TlsContexts> tls;
    if (with_tls) {
      TlsSettings settings;
      settings.certificate_file = cert.cert_file;
      settings.key_file = cert.key_file;
      auto loaded = TlsContexts::load(settings);
      require(loaded.ok(), "TLS contexts");
      tls = *loaded;
    }
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(ctx);
    client.connect(acceptor.local_endpoint());
    stream = std::make_unique<Stream>(acceptor.accept(), StreamOptions{tls, 5s, &stop});
    peer_fd = client.release();
  }
  ~Fixture() {
    if (peer_fd >= 0) ::close(peer_fd);
  }
  // The peer takes the descriptor.
  int take_peer() { return std::exchange(peer_fd, -1); }

  // Runs our coroutine and the peer's function to completion; rethrows
  // either's failure.
  template <class T>
  T run(asio::awaitable<T> task, std::function<void()> peer) {
    auto peer_done = std::async(std::launch::async, std::move(peer));
    auto future = asio::co_spawn(ctx, std::move(task), asio::use_future);
    ctx.run();
    peer_done.get();
    return future.get();
  }
};

asio::awaitable<std::string> read_n(Stream& s, std::size_t n, std::size_t chunk = 16384) {
  std::string out;
  std::vector<char> buf(chunk);
  while (out.size() < n) {
    const std::size_t got = co_await s.read_some(asio::buffer(buf.data(), std::min(chunk, n - out.size())), 5s);
    out.append(buf.data(), got);
  }
  co_return out;
}

// --- TLS ---

asio::awaitable<void> echo_large(Stream& s, std::string data) {
  co_await s.start_tls();
  require(s.is_tls(), "is_tls");
  const std::string got = co_await read_n(s, data.size());
  require(got == data, "large upload arrived intact");
  co_await s.write_all(got, 5s);
  co_await s.shutdown(2s);
}

void large_transfer(int max_version, const std::string& expected_version) {
  Fixture f;
  const std::string data = sample(3 * 1024 * 1024 + 17);
  std::string version;
  f.run(echo_large(*f.stream, data), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd, max_version);
    version = SSL_get_version(peer.ssl());
    // Upload and download at once: a writer that waited for the whole
    // upload before reading could deadlock on full socket buffers.
    auto reader = std::async(std::launch::async, [&] { return peer.read_to_end(); });
    peer.write(data);
    const auto [echoed, clean] = reader.get();
    require(echoed == data, "echo intact");
    require(clean, "close_notify at the end");
  });
  EXPECT_EQ(version, expected_version);
}

TEST(StreamTls, LargeTransferBothWaysTls13) { large_transfer(0, "TLSv1.3"); }
TEST(StreamTls, LargeTransferBothWaysTls12) { large_transfer(TLS1_2_VERSION, "TLSv1.2"); }

asio::awaitable<std::string> facts(Stream& s) {
  co_await s.start_tls();
  auto exporter = s.tls_exporter();
  require(exporter.ok(), "tls_exporter");
  std::string out = s.tls_version() + "|" + s.tls_cipher() + "|" + s.tls_server_name() + "|" +
                    std::string(exporter->begin(), exporter->end()) + "|" + s.tls_description();
  co_await s.write_all(std::string_view("ok"), 2s);
  co_return out;
}

TEST(StreamTls, ReportsVersionCipherSniAndExporter) {
  Fixture f;
  std::string peer_exporter;
  std::string peer_cipher;
  const std::string got = f.run(facts(*f.stream), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd, 0, "mail.example.test");
    unsigned char out[32];
    static constexpr char kLabel[] = "EXPORTER-Channel-Binding";
    require(SSL_export_keying_material(peer.ssl(), out, 32, kLabel, sizeof kLabel - 1, nullptr, 0, 0) == 1,
            "peer exporter");
    peer_exporter.assign(reinterpret_cast<char*>(out), 32);
    peer_cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(peer.ssl()));
    require(peer.read_exact(2) == "ok", "ok");
  });
  EXPECT_EQ(got.substr(0, got.find('|')), "TLSv1.3");
  EXPECT_NE(got.find("|" + peer_cipher + "|mail.example.test|" + peer_exporter + "|TLSv1.3 with cipher " + peer_cipher),
            std::string::npos);
}

// IMAP IDLE's shape: one coroutine waits for input while another writes.
// The writer's data exceeds every socket buffer, so it blocks until the peer
// reads, and the peer only reads after our reader answered it.
// A write on its own coroutine; the test waits for its end (a timer that
// never expires, cancelled as the signal) and rethrows its failure.
struct BackgroundWrite {
  explicit BackgroundWrite(asio::any_io_executor ex) : signal(ex, asio::steady_timer::time_point::max()) {}
  asio::awaitable<void> wait() {
    if (!done) {
      boost::system::error_code ec;
      co_await signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (failure) std::rethrow_exception(failure);
  }
  asio::steady_timer signal;
  std::exception_ptr failure;
  bool done = false;
};

asio::awaitable<void> background_write(Stream& s, std::string data, BackgroundWrite* w) {
  try {
    co_await s.write_all(data, 20s);
  } catch (...) {
    w->failure = std::current_exception();
  }
  w->done = true;
  w->signal.cancel();
}

asio::awaitable<void> read_while_writing(Stream& s, std::string big, std::string* order) {
  co_await s.start_tls();
  auto ex = co_await asio::this_coro::executor;
  BackgroundWrite writer(ex);
  asio::co_spawn(ex, background_write(s, big, &writer), asio::detached);
  char buf[64];
  const std::size_t n = co_await s.read_some(asio::buffer(buf), 20s);
  *order += std::string(buf, n);
  *order += writer.done ? "|write had finished" : "|write pending";
  co_await writer.wait();  // our reply goes after the big write
  co_await s.write_all(std::string_view("\r\nREAD-DONE"), 10s);
}

TEST(StreamTls, ReadAndWritePendingAtOnce) {
  Fixture f;
  const std::string big = sample(16 * 1024 * 1024);
  std::string order;
  f.run(read_while_writing(*f.stream, big, &order), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd);
    peer.write("DONE");  // our reader is waiting while our writer is blocked
    std::string got = peer.read_exact(big.size() + 11);
    require(got.substr(0, big.size()) == big, "big write intact");
    require(got.substr(big.size()) == "\r\nREAD-DONE", "reader's reply after the big write");
  });
  EXPECT_EQ(order.substr(0, 4), "DONE");
}

// TLS 1.3 key update requested by the peer while our write is blocked on a
// full socket: our SSL_read must answer with a KeyUpdate of its own (a write
// inside a read) and the blocked write must still complete.
asio::awaitable<void> key_update_server(Stream& s, std::string big) {
  co_await s.start_tls();
  auto ex = co_await asio::this_coro::executor;
  BackgroundWrite writer(ex);
  asio::co_spawn(ex, background_write(s, big, &writer), asio::detached);
  std::string got = co_await read_n(s, 5, 5);
  require(got == "after", "data after the key update");
  co_await writer.wait();
  co_await s.write_all(std::string_view("END"), 5s);
}

TEST(StreamTls, PeerKeyUpdateWhileWriteBlocked) {
  Fixture f;
  const std::string big = sample(16 * 1024 * 1024);
  f.run(key_update_server(*f.stream, big), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd);
    require(SSL_key_update(peer.ssl(), SSL_KEY_UPDATE_REQUESTED) == 1, "key update");
    peer.write("after");
    require(peer.read_exact(big.size()) == big, "big write intact");
    require(peer.read_exact(3) == "END", "END");
  });
}

asio::awaitable<std::string> timeout_then_read(Stream& s, std::promise<void>* timed_out) {
  co_await s.start_tls();
  char buf[16];
  const ReadOutcome first = co_await s.try_read_some(asio::buffer(buf), 50ms, true);
  require(first.end == ReadEnd::timeout, "deadline reported as a value");
  timed_out->set_value();
  const std::size_t n = co_await s.read_some(asio::buffer(buf), 5s);
  co_return std::string(buf, n);
}

TEST(StreamTls, ReadTimeoutKeepsConnectionUsable) {
  Fixture f;
  std::promise<void> timed_out;
  const std::string got = f.run(timeout_then_read(*f.stream, &timed_out), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd);
    timed_out.get_future().wait();
    peer.write("late");
  });
  EXPECT_EQ(got, "late");
}

asio::awaitable<void> request_stop(StopSignal* stop) {
  // co_spawn starts us inline: let the read reach its wait first.
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  stop->request();
  co_return;
}

asio::awaitable<std::string> stop_then_read(Stream& s, StopSignal* stop, std::promise<void>* stopped) {
  co_await s.start_tls();
  char buf[16];
  asio::co_spawn(co_await asio::this_coro::executor, request_stop(stop), asio::detached);
  const ReadOutcome interrupted = co_await s.try_read_some(asio::buffer(buf), 30s, true);
  require(interrupted.end == ReadEnd::stopping, "stop interrupts an interruptible read");
  stopped->set_value();
  const std::size_t n = co_await s.read_some(asio::buffer(buf), 5s);  // not interruptible
  co_return std::string(buf, n);
}

TEST(StreamTls, StopInterruptsReadWithoutLosingData) {
  Fixture f;
  std::promise<void> stopped;
  const std::string got = f.run(stop_then_read(*f.stream, &f.stop, &stopped), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd);
    stopped.get_future().wait();
    peer.write("bye");
  });
  EXPECT_EQ(got, "bye");
}

asio::awaitable<boost::system::error_code> read_until_error(Stream& s) {
  co_await s.start_tls();
  char buf[64];
  try {
    for (;;) co_await s.read_some(asio::buffer(buf), 5s);
  } catch (const boost::system::system_error& e) {
    co_return e.code();
  }
}

TEST(StreamTls, CloseNotifyIsEof) {
  Fixture f;
  const auto ec = f.run(read_until_error(*f.stream), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd);
    peer.write("x");
    peer.close_notify();
  });
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
}

TEST(StreamTls, TcpCloseWithoutCloseNotifyIsTruncation) {
  Fixture f;
  const auto ec = f.run(read_until_error(*f.stream), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd);
    peer.write("x");
    peer.end_tcp_without_close_notify();
  });
  EXPECT_EQ(ec, asio::ssl::error::stream_truncated) << ec.message();
}

asio::awaitable<std::string> handshake_error(Stream& s) {
  std::string category = "no error";
  try {
    co_await s.start_tls();
  } catch (const boost::system::system_error& e) {
    category = e.code().category().name();
  }
  co_await s.shutdown(1s);  // no close_notify after a failed handshake: closes at once
  co_return category;
}

TEST(StreamTls, GarbageInsteadOfHandshakeFails) {
  Fixture f;
  const std::string category = f.run(handshake_error(*f.stream), [fd = f.take_peer()] {
    const char junk[] = "EHLO this is not TLS\r\n";
    require(::write(fd, junk, sizeof junk - 1) > 0, "write junk");
    char buf[256];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    ::close(fd);
  });
  EXPECT_EQ(category, "asio.ssl");
}

asio::awaitable<std::string> close_while_reading(Stream& s) {
  co_await s.start_tls();
  auto ex = co_await asio::this_coro::executor;
  auto reader = asio::co_spawn(ex, read_n(s, 10), asio::use_awaitable);
  asio::post(ex, [&s] { s.close(); });
  try {
    co_await std::move(reader);
  } catch (const boost::system::system_error& e) {
    co_return e.code().message();
  }
  co_return "no error";
}

TEST(StreamTls, CloseEndsPendingRead) {
  Fixture f;
  const std::string got = f.run(close_while_reading(*f.stream), [fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd);
    peer.read_to_end();
  });
  EXPECT_NE(got, "no error");
}

// An idle reader holds no buffer: LineReader releases it and waits with
// Stream::wait_readable, then reads into a fresh 4 KiB.
asio::awaitable<void> note_idle_buffer(LineReader* reader, std::size_t* idle_bytes, std::promise<void>* noted) {
  // co_spawn starts us inline: let the reader reach its wait first.
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  *idle_bytes = reader->buffer_bytes();
  noted->set_value();
  co_return;
}

asio::awaitable<std::string> two_lines(Stream& s, std::size_t* idle_bytes, std::size_t* after_bytes,
                                       std::promise<void>* noted) {
  co_await s.start_tls();
  LineReader reader(s, 1000);
  const Line first = co_await reader.read_line(5s);
  // Runs once the next read_line waits.
  asio::co_spawn(co_await asio::this_coro::executor, note_idle_buffer(&reader, idle_bytes, noted), asio::detached);
  const Line second = co_await reader.read_line(5s);
  *after_bytes = reader.buffer_bytes();
  co_return first.text + "|" + second.text;
}

TEST(StreamTls, IdleLineReaderHoldsNoBuffer) {
  Fixture f;
  std::size_t idle_bytes = 99;
  std::size_t after_bytes = 0;
  std::promise<void> noted;
  const std::string got = f.run(two_lines(*f.stream, &idle_bytes, &after_bytes, &noted), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd);
    peer.write("one\r\n");
    noted.get_future().wait();
    peer.write("two\r\n");
  });
  EXPECT_EQ(got, "one|two");
  EXPECT_EQ(idle_bytes, 0u);
  EXPECT_EQ(after_bytes, 4096u);
}

// --- Client side ---

asio::awaitable<std::string> client_handshake(Stream& s, asio::ssl::context& ctx, std::string name) {
  co_await s.start_tls_client(ctx, name, 5s);
  co_await s.write_all(std::string_view("hi"), 2s);
  co_return s.tls_peer_subject();
}

struct ClientCase {
  std::string name;
  bool verify_ok;
  std::string server_saw_sni;
};

ClientCase client_case(const std::string& name) {
  Fixture f(false);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(f.cert.cert_file);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ClientCase out{name, false, ""};
  auto peer = std::async(std::launch::async, [&, fd = f.take_peer()] {
    auto server = BlockingTls::server(fd, f.cert);
    const char* sni = SSL_get_servername(server.ssl(), TLSEXT_NAMETYPE_host_name);
    out.server_saw_sni = sni ? sni : "";
    if (server.handshake_ok()) require(server.read_exact(2) == "hi", "client data");
  });
  auto future = asio::co_spawn(f.ctx, client_handshake(*f.stream, ctx, name), asio::use_future);
  f.ctx.run();
  try {
    const std::string subject = future.get();
    out.verify_ok = subject == "CN=mail.example.test";
  } catch (const boost::system::system_error&) {
    out.verify_ok = false;
  }
  f.stream->close();
  peer.get();
  return out;
}

TEST(StreamTlsClient, VerifiesHostnameAndSendsSni) {
  const ClientCase good = client_case("mail.example.test");
  EXPECT_TRUE(good.verify_ok);
  EXPECT_EQ(good.server_saw_sni, "mail.example.test");
  const ClientCase bad = client_case("other.example.test");
  EXPECT_FALSE(bad.verify_ok);
  EXPECT_EQ(bad.server_saw_sni, "other.example.test");
}

// --- Compression (RFC 4978) against zlib used directly ---

// The peer's side of raw DEFLATE (zlib's default window, as clients use).
class PeerZlib {
 public:
  PeerZlib() {
    require(deflateInit2(&out_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK, "deflate");
    require(inflateInit2(&in_, -15) == Z_OK, "inflate");
  }
  ~PeerZlib() {
    deflateEnd(&out_);
    inflateEnd(&in_);
  }
  std::string compress(std::string_view data, int flush = Z_SYNC_FLUSH) {
    std::string out;
    out_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    out_.avail_in = static_cast<uInt>(data.size());
    char buf[16384];
    do {
      out_.next_out = reinterpret_cast<Bytef*>(buf);
      out_.avail_out = sizeof buf;
      deflate(&out_, flush);
      out.append(buf, sizeof buf - out_.avail_out);
    } while (out_.avail_out == 0);
    return out;
  }
  // Inflates all of `data`; appends to `plain`.
  void decompress(std::string_view data, std::string& plain) {
    in_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    in_.avail_in = static_cast<uInt>(data.size());
    char buf[16384];
    do {
      in_.next_out = reinterpret_cast<Bytef*>(buf);
      in_.avail_out = sizeof buf;
      const int rc = inflate(&in_, Z_SYNC_FLUSH);
      require(rc == Z_OK || rc == Z_BUF_ERROR, "peer inflate");
      plain.append(buf, sizeof buf - in_.avail_out);
    } while (in_.avail_out == 0 || in_.avail_in > 0);
  }

 private:
  z_stream out_{};
  z_stream in_{};
};

void write_fd(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    require(n > 0, "peer write");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads compressed bytes until `n` plain bytes decoded.
std::string read_plain_fd(int fd, PeerZlib& z, std::size_t n) {
  std::string plain;
  char buf[16384];
  while (plain.size() < n) {
    const ssize_t got = ::read(fd, buf, sizeof buf);
    require(got > 0, "peer read");
    z.decompress(std::string_view(buf, static_cast<std::size_t>(got)), plain);
  }
  return plain;
}

asio::awaitable<void> compressed_echo(Stream& s, std::size_t n, std::string read_ahead) {
  require(s.start_compression(read_ahead).ok(), "start_compression");
  require(s.is_compressed(), "is_compressed");
  require(!s.start_compression().ok(), "second start_compression refused");
  const std::string got = co_await read_n(s, n, 1000);
  // Echo in pieces: each write_all is flushed on its own.
  for (std::size_t at = 0; at < got.size(); at += 70000) {
    co_await s.write_all(std::string_view(got).substr(at, 70000), 5s);
  }
}

TEST(StreamCompression, RoundTripWithReadAheadAndSyncFlush) {
  Fixture f(false);
  const std::string data = sample(1024 * 1024);
  PeerZlib peer_z;
  // The first compressed bytes as if a LineReader had read them past the
  // COMPRESS command.
  const std::string head = peer_z.compress(std::string_view(data).substr(0, 5000));
  std::size_t compressed_total = 0;
  auto peer = [&, fd = f.take_peer()] {
    const std::string rest = peer_z.compress(std::string_view(data).substr(5000));
    write_fd(fd, rest);
    const std::string echoed = read_plain_fd(fd, peer_z, data.size());
    require(echoed == data, "echo intact");
    ::close(fd);
  };
  compressed_total = head.size();
  f.run(compressed_echo(*f.stream, data.size(), head), peer);
  EXPECT_LT(compressed_total, 5000u);
}

asio::awaitable<void> compressed_over_tls(Stream& s, std::string data) {
  co_await s.start_tls();
  char buf[64];
  const std::size_t n = co_await s.read_some(asio::buffer(buf), 5s);
  require(std::string_view(buf, n) == "COMPRESS", "plain command first");
  co_await s.write_all(std::string_view("OK"), 5s);
  require(s.start_compression().ok(), "start_compression");
  const std::string got = co_await read_n(s, data.size());
  require(got == data, "inflated over TLS");
  co_await s.write_all(got, 5s);
}

TEST(StreamCompression, AboveTls) {
  Fixture f;
  const std::string data = sample(300000);
  f.run(compressed_over_tls(*f.stream, data), [&, fd = f.take_peer()] {
    auto peer = BlockingTls::client(fd);
    peer.write("COMPRESS");
    require(peer.read_exact(2) == "OK", "OK before compression");
    PeerZlib z;
    peer.write(z.compress(data));
    std::string plain;
    char buf[16384];
    while (plain.size() < data.size()) {
      const int r = SSL_read(peer.ssl(), buf, sizeof buf);
      require(r > 0, "peer read");
      z.decompress(std::string_view(buf, static_cast<std::size_t>(r)), plain);
    }
    require(plain == data, "deflated over TLS");
  });
}

// Many lines in one compressed burst: after the reader consumed what one
// 4 KiB read inflated, zlib still holds input; wait_readable must say so
// instead of waiting on a socket that has nothing more.
asio::awaitable<std::size_t> count_lines(Stream& s, std::size_t n) {
  require(s.start_compression().ok(), "start_compression");
  LineReader reader(s, 1000);
  std::size_t good = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Line line = co_await reader.read_line(5s);
    if (line.text == "line " + std::to_string(i) + std::string(90, '.')) ++good;
  }
  co_await s.write_all(std::string_view("done"), 5s);
  co_return good;
}

TEST(StreamCompression, LineReaderDrainsInflatedBurst) {
  Fixture f(false);
  const std::size_t n = 500;
  const std::size_t good = f.run(count_lines(*f.stream, n), [&, fd = f.take_peer()] {
    PeerZlib z;
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text += "line " + std::to_string(i) + std::string(90, '.') + "\r\n";
    write_fd(fd, z.compress(text));
    require(read_plain_fd(fd, z, 4) == "done", "done");
    ::close(fd);
  });
  EXPECT_EQ(good, n);
}

// 16 MiB of zeros compress to ~16 KiB; every read must stay within its
// 4 KiB buffer, so memory does not follow the inflated size.
asio::awaitable<std::size_t> read_bomb(Stream& s, std::size_t total) {
  require(s.start_compression().ok(), "start_compression");
  std::vector<char> buf(4096);
  std::size_t seen = 0;
  std::size_t largest = 0;
  while (seen < total) {
    const std::size_t n = co_await s.read_some(asio::buffer(buf), 5s);
    largest = std::max(largest, n);
    for (std::size_t i = 0; i < n; ++i) require(buf[i] == 0, "zeros");
    seen += n;
  }
  require(seen == total, "exact total");
  co_return largest;
}

TEST(StreamCompression, BombIsBoundedByTheReadBuffer) {
  Fixture f(false);
  const std::size_t total = 16u << 20;
  std::size_t compressed = 0;
  const std::size_t largest = f.run(read_bomb(*f.stream, total), [&, fd = f.take_peer()] {
    PeerZlib z;
    const std::string zeros(1 << 20, '\0');
    for (std::size_t i = 0; i < total / zeros.size(); ++i) {
      const std::string part = z.compress(zeros, i + 1 == total / zeros.size() ? Z_SYNC_FLUSH : Z_NO_FLUSH);
      compressed += part.size();
      write_fd(fd, part);
    }
    ::close(fd);
  });
  EXPECT_EQ(largest, 4096u);
  EXPECT_LT(compressed, total / 500);
}

asio::awaitable<std::string> read_compressed_until_error(Stream& s) {
  require(s.start_compression().ok(), "start_compression");
  char buf[256];
  std::string got;
  std::string reason = "none";
  try {
    for (;;) {
      const std::size_t n = co_await s.read_some(asio::buffer(buf), 5s);
      got.append(buf, n);
    }
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::eof) {
      reason = "eof";
    } else if (e.code() == boost::system::errc::bad_message) {
      reason = "bad";
    } else {
      reason = e.code().message();
    }
  }
  s.close();  // the peer waits for our end
  co_return got + "|" + reason;
}

TEST(StreamCompression, CorruptInputIsAnError) {
  Fixture f(false);
  const std::string got = f.run(read_compressed_until_error(*f.stream), [fd = f.take_peer()] {
    PeerZlib z;
    std::string good = z.compress("A001 NOOP\r\n");
    // Block type 3 is reserved in RFC 1951: invalid.
    write_fd(fd, good + std::string("\xff\xff\xff\xff garbage", 12));
    char buf[16];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    ::close(fd);
  });
  EXPECT_EQ(got, "A001 NOOP\r\n|bad");
}

TEST(StreamCompression, TruncatedInputIsEof) {
  Fixture f(false);
  const std::string data = sample(100000);
  const std::string got = f.run(read_compressed_until_error(*f.stream), [&, fd = f.take_peer()] {
    PeerZlib z;
    const std::string all = z.compress(data);
    write_fd(fd, all.substr(0, all.size() / 2));  // cut inside a block
    ::close(fd);
  });
  const auto bar = got.rfind('|');
  ASSERT_NE(bar, std::string::npos);
  EXPECT_EQ(got.substr(bar), "|eof");
  EXPECT_EQ(got.substr(0, bar), data.substr(0, bar));  // a prefix of the data, nothing invented
}

TEST(StreamCompression, EndOfDeflateStreamThenDataIsAnError) {
  Fixture f(false);
  const std::string got = f.run(read_compressed_until_error(*f.stream), [fd = f.take_peer()] {
    PeerZlib z;
    write_fd(fd, z.compress("last", Z_FINISH) + "more");
    char buf[16];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    ::close(fd);
  });
  EXPECT_EQ(got, "last|bad");
}

}  // namespace
