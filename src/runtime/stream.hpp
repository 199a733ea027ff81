// Stream: the byte stream every protocol session uses: plain TCP or TLS,
// with in-place STARTTLS (RFC 3207, RFC 2595, RFC 8314 implicit TLS), a
// deadline on every read, write and handshake, the TLS facts protocols
// report (Received header, tls-exporter channel binding, RFC 9266), and
// DEFLATE compression above TLS (RFC 4978 IMAP COMPRESS).
// TLS is OpenSSL driven directly on the socket (no asio::ssl::stream): an
// idle connection holds no record buffers (see docs/architecture.md).
// Security: endpoints may be replaced only by a PROXY header from a trusted
// peer (the listener checks); inflated input never exceeds the caller's
// buffer (no compression bomb). Threads: all calls on the stream's
// executor; one read and one write may be outstanding at the same time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace postino::runtime {
namespace asio = boost::asio;

class StopSignal;
class TlsContexts;

struct StreamOptions {
  std::shared_ptr<const TlsContexts> tls;  // null: start_tls() unavailable
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(30)};
  StopSignal* stop = nullptr;  // lets try_read_some(..., interruptible) return early
};

// How a bounded read ended without an error.
enum class ReadEnd { data, timeout, stopping };
struct ReadOutcome {
  ReadEnd end = ReadEnd::data;
  std::size_t bytes = 0;
};

class Stream {
 public:
  using Socket = asio::ip::tcp::socket;

  explicit Stream(Socket socket, StreamOptions options = {});
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  asio::any_io_executor get_executor();

  // Endpoints of the TCP connection, or those a trusted PROXY header named.
  const asio::ip::tcp::endpoint& remote_endpoint() const { return remote_; }
  const asio::ip::tcp::endpoint& local_endpoint() const { return local_; }
  void set_proxied_endpoints(asio::ip::tcp::endpoint remote, asio::ip::tcp::endpoint local);
  bool proxied() const { return proxied_; }

  // --- TLS ---
  bool is_tls() const { return tls_ != nullptr; }
  bool tls_available() const { return tls_contexts_ != nullptr; }
  // Server handshake with the options' contexts and handshake timeout, in
  // place over the same socket (implicit TLS or STARTTLS). Before calling it
  // for STARTTLS, discard any plaintext read ahead (LineReader): RFC 3207
  // section 4.2 (CVE-2011-0411 command injection). Throws system_error on
  // failure or timeout; the connection is then unusable.
  asio::awaitable<void> start_tls();
  // Client handshake (outbound SMTP, tests). server_name goes in SNI and, if
  // ctx verifies peers, is checked against the certificate.
  asio::awaitable<void> start_tls_client(asio::ssl::context& ctx, std::string server_name,
                                         std::chrono::milliseconds timeout);

  std::string tls_version() const;      // "TLSv1.3"; "" when plain
  std::string tls_cipher() const;       // "TLS_AES_256_GCM_SHA384"
  // "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)", the shape
  // Postfix puts in Received headers; "" when plain.
  std::string tls_description() const;
  std::string tls_server_name() const;  // the SNI the client sent, or ""
  std::string tls_peer_subject() const; // peer certificate subject, or ""
  // RFC 9266 tls-exporter: 32 bytes exported with label
  // "EXPORTER-Channel-Binding" and no context. Refused on TLS 1.2 without
  // extended master secret (RFC 9266 section 3: not unique there).
  Result<std::vector<std::uint8_t>> tls_exporter() const;

  // --- Compression (RFC 4978 COMPRESS=DEFLATE) ---
  bool is_compressed() const { return deflate_ != nullptr; }
  // From the next byte on, both directions are raw DEFLATE (RFC 1951) above
  // TLS; every write_all ends with a sync flush, so the peer can decode each
  // response as soon as it arrives. read_ahead: bytes the caller already
  // read from this stream past the command (a LineReader's buffer), which
  // are compressed input. Call with no read or write outstanding. Errors:
  // unsupported when already active, io_error when zlib cannot start.
  Status start_compression(std::string_view read_ahead = {});

  // --- I/O. Errors (EOF, reset, TLS) throw boost::system::system_error. ---
  // Reads at least one byte; a timeout throws system_error(timed_out).
  asio::awaitable<std::size_t> read_some(asio::mutable_buffer buffer, std::chrono::milliseconds timeout);
  // Like read_some but reports a timeout as a value, and when interruptible
  // and the server is stopping, returns ReadEnd::stopping instead of waiting.
  asio::awaitable<ReadOutcome> try_read_some(asio::mutable_buffer buffer, std::chrono::milliseconds timeout,
                                             bool interruptible);
  // Waits until input is there to read (on the socket, or already decrypted
  // or inflated), without a buffer: a reader holds none while its session
  // idles. ReadEnd::data (bytes 0) means "read now"; timeout and stopping
  // as try_read_some. A following read may still wait for the rest of a
  // TLS record.
  asio::awaitable<ReadOutcome> wait_readable(std::chrono::milliseconds timeout, bool interruptible);
  // Reads exactly buffer.size() bytes (PROXY header); same errors as read_some.
  asio::awaitable<void> read_exact(asio::mutable_buffer buffer, std::chrono::milliseconds timeout);
  // Writes everything; a timeout throws system_error(timed_out). The bytes
  // must stay alive until the co_await completes.
  asio::awaitable<void> write_all(asio::const_buffer data, std::chrono::milliseconds timeout);
  asio::awaitable<void> write_all(std::string_view data, std::chrono::milliseconds timeout) {
    return write_all(asio::buffer(data.data(), data.size()), timeout);
  }

  // Sends TLS close_notify (waiting at most `timeout` for the peer's), then
  // closes the socket. Never throws.
  asio::awaitable<void> shutdown(std::chrono::milliseconds timeout);
  // Closes at once; pending operations complete with operation_aborted.
  void close();

  Socket& socket();  // the TCP socket under TLS, for options and tests

 private:
  struct Tls;
  struct Deflate;
  asio::awaitable<void> handshake(std::chrono::milliseconds timeout);
  // One read or write of the layer under compression (plain or TLS).
  asio::awaitable<ReadOutcome> raw_read(asio::mutable_buffer buffer, std::chrono::milliseconds timeout,
                                        StopSignal* stop);
  asio::awaitable<void> raw_write(asio::const_buffer data, std::chrono::milliseconds timeout);

  Socket socket_;  // under TLS too: OpenSSL reads and writes its descriptor
  std::unique_ptr<Tls> tls_;
  std::unique_ptr<Deflate> deflate_;
  asio::steady_timer read_timer_;
  asio::steady_timer write_timer_;
  asio::ip::tcp::endpoint remote_;
  asio::ip::tcp::endpoint local_;
  bool proxied_ = false;
  std::shared_ptr<const TlsContexts> tls_contexts_;
  std::chrono::milliseconds handshake_timeout_;
  StopSignal* stop_ = nullptr;
};

}  // namespace postino::runtime
