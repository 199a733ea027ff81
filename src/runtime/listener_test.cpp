// Listener tests with a small line protocol handler over real loopback
// connections: plain, implicit TLS, SNI certificate choice, STARTTLS with
// injected plaintext discarded, tls-exporter agreement, PROXY v2 from a
// trusted and an untrusted peer, per-IP refusal, timeouts, graceful stop.
#include "runtime/listener.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <regex>

#include "runtime/connection.hpp"
#include "runtime/connection_limiter.hpp"
#include "runtime/io_pool.hpp"
#include "runtime/line_reader.hpp"
#include "runtime/test_tls.hpp"
#include "runtime/tls_context.hpp"

using namespace postino;
using namespace postino::runtime;
using namespace std::chrono_literals;
using boost::asio::ip::tcp;
namespace asio = boost::asio;
using test::require;

namespace {

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string endpoint_text(const tcp::endpoint& ep) { return ep.address().to_string() + ":" + std::to_string(ep.port()); }

// A tiny line protocol exercising what real protocols need from Connection.
class TestHandler : public ConnectionHandler {
 public:
  asio::awaitable<void> serve(Connection& conn) override {
    Stream& s = conn.stream;
    if (conn.refused) {
      co_await s.write_all(std::string("BUSY ") + refusal_name(conn.refusal) + "\r\n", 2s);
      co_return;
    }
    LineReader reader(s, 64);
    co_await s.write_all(std::string("HELLO ") + (s.is_tls() ? "tls" : "plain") + "\r\n", 2s);
    for (;;) {
      const Line line = co_await reader.read_command(10s);
      std::string reply;
      if (line.status == LineStatus::stopping) {
        co_await s.write_all(std::string_view("BYE stopping\r\n"), 2s);
        co_return;
      }
      if (line.status == LineStatus::too_long) {
        reply = "ERR too long";
      } else if (line.text == "QUIT") {
        co_await s.write_all(std::string_view("BYE\r\n"), 2s);
        co_return;
      } else if (line.text == "INFO") {
        reply = "INFO client=" + endpoint_text(s.remote_endpoint()) + " proxied=" + (s.proxied() ? "1" : "0") +
                " sni=" + s.tls_server_name() + " tls=" + s.tls_description();
      } else if (line.text == "EXPORTER") {
        auto value = s.tls_exporter();
        reply = value ? hex(*value) : "none";
      } else if (line.text == "STARTTLS") {
        // RFC 3207 4.2: whatever was pipelined after STARTTLS is dropped.
        const std::size_t dropped = reader.discard_buffered();
        co_await s.write_all("GO " + std::to_string(dropped) + "\r\n", 2s);
        co_await conn.start_tls();
        continue;
      } else if (line.text == "SLOW") {
        co_await s.write_all(std::string_view("SLOWING\r\n"), 2s);
        const Line body = co_await reader.read_line(10s);
        reply = "OK " + body.text + (conn.stopping() ? " stopping" : "");
      } else if (line.text == "TIMEOUT") {
        co_await s.write_all(std::string_view("WAITING\r\n"), 2s);
        co_await reader.read_line(50ms);
      } else if (line.text == "HANG") {
        co_await s.write_all(std::string_view("HANGING\r\n"), 2s);
        co_await reader.read_line(60s);
      } else {
        reply = "ECHO " + line.text;
      }
      co_await s.write_all(reply + "\r\n", 2s);
    }
  }
};

// The test's client side: our own Stream in client mode, on a private context.
struct Client {
  std::unique_ptr<Stream> stream;
  std::unique_ptr<LineReader> reader;

  static asio::awaitable<Client> connect(std::uint16_t port) {
    tcp::socket socket(co_await asio::this_coro::executor);
    co_await socket.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
    Client c;
    c.stream = std::make_unique<Stream>(std::move(socket));
    c.reader = std::make_unique<LineReader>(*c.stream, 4096);
    co_return c;
  }
  asio::awaitable<void> send(std::string data) { co_await stream->write_all(data, 2s); }
  asio::awaitable<std::string> line() {
    const Line l = co_await reader->read_line(5s);
    co_return l.text;
  }
  asio::awaitable<bool> closed_by_server() {
    try {
      co_await reader->read_line(5s);
    } catch (const boost::system::system_error& e) {
      co_return e.code() == asio::error::eof || e.code() == asio::error::connection_reset ||
          e.code() == asio::ssl::error::stream_truncated;
    }
    co_return false;
  }
};

std::unique_ptr<asio::ssl::context> client_tls() {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_verify_mode(asio::ssl::verify_none);
  return ctx;
}

class ListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    default_cert_ = test::make_cert(dir_, "default.test", {"default.test"});
    auto exact = test::make_cert(dir_, "mail.example.org", {"mail.example.org"});
    auto wild = test::make_cert(dir_, "*.example.net", {"*.example.net"});
    TlsSettings tls;
    tls.certificate_file = default_cert_.cert_file;
    tls.key_file = default_cert_.key_file;
    tls.sni = {{"MAIL.example.org", exact.cert_file, exact.key_file}, {"*.example.net", wild.cert_file, wild.key_file}};
    auto loaded = TlsContexts::load(tls);
    ASSERT_TRUE(loaded) << loaded.error().message;
    tls_.set(*loaded);
    limits_.shutdown_grace = 10s;
    limits_.proxy_header_timeout = 2s;
    limits_.tls_handshake_timeout = 2s;
    limiter_ = std::make_unique<ConnectionLimiter>(limits_);
    io_.start();
  }

  void TearDown() override {
    std::vector<Listener*> all;
    for (auto& l : listeners_) all.push_back(l.get());
    asio::co_spawn(io_.executor(0), stop_listeners(all, 2s), asio::use_future).get();
    io_.stop();
    io_.join();
  }

  Listener& listen(TlsMode mode, bool proxy = false, std::vector<std::string> trusted = {}) {
    ListenerSettings s;
    s.name = "test";
    s.port = 0;
    s.tls = mode;
    s.proxy_protocol = proxy;
    auto list = CidrList::parse(trusted);
    EXPECT_TRUE(list);
    listeners_.push_back(std::make_unique<Listener>(
        s, handler_, ListenerServices{io_, *limiter_, tls_, limits_, list ? *list : CidrList()}));
    Listener& l = *listeners_.back();
    auto opened = l.open();
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().message);
    l.start();
    return l;
  }

  test::TempDir dir_;
  test::TestCert default_cert_;
  LimitSettings limits_;
  IoPool io_{2};
  std::unique_ptr<ConnectionLimiter> limiter_;
  Snapshot<TlsContexts> tls_;
  TestHandler handler_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

asio::awaitable<void> plain_session(std::uint16_t port) {
  Client c = co_await Client::connect(port);
  require(co_await c.line() == "HELLO plain", "greeting");
  co_await c.send("hello there\r\n");
  require(co_await c.line() == "ECHO hello there", "echo");
  co_await c.send(std::string(100, 'x') + "\r\nINFO\r\n");
  require(co_await c.line() == "ERR too long", "too long");
  const std::string info = co_await c.line();
  require(info.starts_with("INFO client=127.0.0.1:") && info.find("proxied=0") != std::string::npos, info);
  co_await c.send("QUIT\r\n");
  require(co_await c.line() == "BYE", "bye");
  require(co_await c.closed_by_server(), "closed after QUIT");
}

TEST_F(ListenerTest, PlainSession) {
  auto& l = listen(TlsMode::none);
  EXPECT_NE(l.port(), 0);
  test::run(plain_session(l.port()));
}

asio::awaitable<void> many_sessions(std::uint16_t port) {
  // Enough connections that both SO_REUSEPORT acceptors are likely used.
  for (int i = 0; i < 20; ++i) {
    Client c = co_await Client::connect(port);
    require(co_await c.line() == "HELLO plain", "greeting");
    co_await c.send("QUIT\r\n");
    require(co_await c.line() == "BYE", "bye");
  }
}

TEST_F(ListenerTest, ManySequentialSessions) {
  auto& l = listen(TlsMode::none);
  test::run(many_sessions(l.port()));
}

asio::awaitable<std::string> implicit_tls_session(std::uint16_t port, std::string sni) {
  auto ctx = client_tls();
  Client c = co_await Client::connect(port);
  co_await c.stream->start_tls_client(*ctx, sni, 2s);
  require(co_await c.line() == "HELLO tls", "greeting over TLS");
  co_await c.send("INFO\r\n");
  const std::string info = co_await c.line();
  const std::regex shape(R"(.* tls=TLSv1\.[23] with cipher \S+ \(\d+/\d+ bits\)$)");
  require(std::regex_match(info, shape), info);
  if (!sni.empty()) require(info.find("sni=" + sni + " ") != std::string::npos, info);
  co_await c.send("EXPORTER\r\n");
  const std::string server_exporter = co_await c.line();
  auto mine = c.stream->tls_exporter();
  require(mine.ok() && hex(*mine) == server_exporter && server_exporter.size() == 64, "tls-exporter agrees");
  co_await c.send("QUIT\r\n");
  require(co_await c.line() == "BYE", "bye");
  co_return c.stream->tls_peer_subject();
}

TEST_F(ListenerTest, ImplicitTls) {
  auto& l = listen(TlsMode::implicit);
  EXPECT_EQ(test::run(implicit_tls_session(l.port(), "")), "CN=default.test");
}

TEST_F(ListenerTest, SniPicksCertificate) {
  auto& l = listen(TlsMode::implicit);
  EXPECT_EQ(test::run(implicit_tls_session(l.port(), "mail.example.org")), "CN=mail.example.org");
  EXPECT_EQ(test::run(implicit_tls_session(l.port(), "Mail.Example.ORG")), "CN=mail.example.org");
  EXPECT_EQ(test::run(implicit_tls_session(l.port(), "imap.example.net")), "CN=*.example.net");
  // A wildcard covers one label only; unknown names get the default.
  EXPECT_EQ(test::run(implicit_tls_session(l.port(), "a.b.example.net")), "CN=default.test");
  EXPECT_EQ(test::run(implicit_tls_session(l.port(), "example.net")), "CN=default.test");
  EXPECT_EQ(test::run(implicit_tls_session(l.port(), "other.test")), "CN=default.test");
}

asio::awaitable<void> starttls_session(std::uint16_t port) {
  auto ctx = client_tls();
  Client c = co_await Client::connect(port);
  require(co_await c.line() == "HELLO plain", "greeting");
  // A STARTTLS command injection attempt (CVE-2011-0411): the pipelined
  // plaintext must be discarded, not executed inside the TLS session.
  co_await c.send("STARTTLS\r\nINJECTED\r\n");
  require(co_await c.line() == "GO 10", "discarded injected bytes");
  require(!c.reader->has_buffered(), "client has nothing buffered");
  co_await c.stream->start_tls_client(*ctx, "mail.example.org", 2s);
  co_await c.send("INFO\r\n");
  const std::string info = co_await c.line();
  require(info.find("tls=TLSv1.3") != std::string::npos, info);
  require(c.stream->tls_peer_subject() == "CN=mail.example.org", "SNI after STARTTLS");
  co_await c.send("QUIT\r\n");
  require(co_await c.line() == "BYE", "bye");
}

TEST_F(ListenerTest, StartTlsDiscardsPipelinedPlaintext) {
  auto& l = listen(TlsMode::starttls);
  test::run(starttls_session(l.port()));
}

asio::awaitable<void> bad_handshake(std::uint16_t port) {
  Client c = co_await Client::connect(port);
  co_await c.send("EHLO this is not TLS\r\n");
  require(co_await c.closed_by_server(), "closed after a failed handshake");
}

TEST_F(ListenerTest, FailedHandshakeClosesConnection) {
  auto& l = listen(TlsMode::implicit);
  test::run(bad_handshake(l.port()));
}

std::string v2_tcp4(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
  std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
  h += '\x21';
  h += '\x11';
  h += '\0';
  h += '\x0c';
  auto s = asio::ip::make_address_v4(src).to_bytes();
  auto d = asio::ip::make_address_v4(dst).to_bytes();
  h.append(reinterpret_cast<const char*>(s.data()), 4);
  h.append(reinterpret_cast<const char*>(d.data()), 4);
  h += static_cast<char>(sport >> 8);
  h += static_cast<char>(sport & 0xff);
  h += static_cast<char>(dport >> 8);
  h += static_cast<char>(dport & 0xff);
  return h;
}

asio::awaitable<void> proxied_session(std::uint16_t port, bool implicit_tls) {
  Client c = co_await Client::connect(port);
  // Header and the first protocol bytes in one segment, as balancers send.
  std::string first = v2_tcp4("192.0.2.10", 5555, "198.51.100.1", 993);
  co_await c.send(first);
  if (implicit_tls) {
    auto ctx = client_tls();
    co_await c.stream->start_tls_client(*ctx, "", 2s);
    require(co_await c.line() == "HELLO tls", "greeting over TLS after PROXY");
  } else {
    require(co_await c.line() == "HELLO plain", "greeting after PROXY");
  }
  co_await c.send("INFO\r\n");
  const std::string info = co_await c.line();
  require(info.starts_with("INFO client=192.0.2.10:5555 proxied=1"), info);
  co_await c.send("QUIT\r\n");
  require(co_await c.line() == "BYE", "bye");
}

TEST_F(ListenerTest, ProxyV2FromTrustedPeer) {
  auto& l = listen(TlsMode::none, true, {"127.0.0.0/8"});
  test::run(proxied_session(l.port(), false));
}

TEST_F(ListenerTest, ProxyV2BeforeImplicitTls) {
  auto& l = listen(TlsMode::implicit, true, {"127.0.0.1"});
  test::run(proxied_session(l.port(), true));
}

asio::awaitable<void> untrusted_proxy(std::uint16_t port) {
  Client c = co_await Client::connect(port);
  co_await c.send(v2_tcp4("192.0.2.10", 5555, "198.51.100.1", 25));
  require(co_await c.closed_by_server(), "untrusted peer closed without greeting");
}

TEST_F(ListenerTest, ProxyFromUntrustedPeerIsClosed) {
  auto& l = listen(TlsMode::none, true, {"10.0.0.0/8"});
  test::run(untrusted_proxy(l.port()));
}

asio::awaitable<void> garbage_proxy(std::uint16_t port) {
  Client c = co_await Client::connect(port);
  co_await c.send("EHLO no header here\r\n");
  require(co_await c.closed_by_server(), "missing header closes");
}

TEST_F(ListenerTest, ProxyListenerRejectsMissingHeader) {
  auto& l = listen(TlsMode::none, true, {"127.0.0.0/8"});
  test::run(garbage_proxy(l.port()));
}

asio::awaitable<void> over_cap(std::uint16_t port) {
  Client first = co_await Client::connect(port);
  require(co_await first.line() == "HELLO plain", "first served");
  Client second = co_await Client::connect(port);
  require(co_await second.line() == "BUSY per_ip", "second refused");
  require(co_await second.closed_by_server(), "refused closed");
  co_await first.send("QUIT\r\n");
  require(co_await first.line() == "BYE", "bye");
}

TEST_F(ListenerTest, PerIpCapRefuses) {
  limits_.max_connections_per_ip = 1;
  limiter_->update(limits_);
  auto& l = listen(TlsMode::none);
  test::run(over_cap(l.port()));
}

asio::awaitable<void> read_timeout(std::uint16_t port) {
  Client c = co_await Client::connect(port);
  require(co_await c.line() == "HELLO plain", "greeting");
  co_await c.send("TIMEOUT\r\n");
  require(co_await c.line() == "WAITING", "waiting");
  require(co_await c.closed_by_server(), "closed on timeout");
}

TEST_F(ListenerTest, ReadTimeoutClosesConnection) {
  auto& l = listen(TlsMode::none);
  test::run(read_timeout(l.port()));
}

asio::awaitable<void> graceful_stop(Listener* listener, asio::any_io_executor server) {
  Client busy = co_await Client::connect(listener->port());
  Client idle = co_await Client::connect(listener->port());
  require(co_await busy.line() == "HELLO plain", "greeting");
  require(co_await idle.line() == "HELLO plain", "greeting");
  co_await busy.send("SLOW\r\n");
  require(co_await busy.line() == "SLOWING", "in flight");

  co_await asio::co_spawn(server, listener->stop_accepting(), asio::use_awaitable);
  // The idle session is told between commands.
  require(co_await idle.line() == "BYE stopping", "idle session said goodbye");
  require(co_await idle.closed_by_server(), "idle closed");
  // The busy one finishes its command, then says goodbye.
  auto drained = asio::co_spawn(server, listener->drain(std::chrono::steady_clock::now() + 30s), asio::use_future);
  co_await busy.send("DONE\r\n");
  require(co_await busy.line() == "OK DONE stopping", "in-flight command completed");
  require(co_await busy.line() == "BYE stopping", "then goodbye");
  require(co_await busy.closed_by_server(), "busy closed");
  drained.get();  // returns once the session ended (well before the grace)
  require(listener->session_count() == 0, "no sessions left");

  // No longer accepting.
  tcp::socket late(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  co_await late.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), listener->port()),
                              asio::redirect_error(asio::use_awaitable, ec));
  require(ec == asio::error::connection_refused, "refused after stop: " + ec.message());
}

TEST_F(ListenerTest, GracefulStopWaitsForInFlightSession) {
  auto& l = listen(TlsMode::none);
  test::run(graceful_stop(&l, io_.executor(0)));
}

asio::awaitable<void> grace_expires(Listener* listener, asio::any_io_executor server) {
  Client c = co_await Client::connect(listener->port());
  require(co_await c.line() == "HELLO plain", "greeting");
  co_await c.send("HANG\r\n");
  require(co_await c.line() == "HANGING", "hanging");
  co_await asio::co_spawn(server, listener->stop_accepting(), asio::use_awaitable);
  co_await asio::co_spawn(server, listener->drain(std::chrono::steady_clock::now() + 100ms), asio::use_awaitable);
  require(listener->session_count() == 0, "cancelled session is gone");
  require(co_await c.closed_by_server(), "cancelled session closed");
}

TEST_F(ListenerTest, GraceExpiryCancelsRemainingSessions) {
  auto& l = listen(TlsMode::none);
  test::run(grace_expires(&l, io_.executor(0)));
}

TEST_F(ListenerTest, BindErrorNamesListenerAndAddress) {
  ListenerSettings s;
  s.name = "clash";
  // A listening socket without SO_REUSEPORT holds the port: EADDRINUSE.
  asio::io_context ctx;
  tcp::acceptor holder(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  s.port = holder.local_endpoint().port();
  Listener clash(s, handler_, ListenerServices{io_, *limiter_, tls_, limits_, CidrList()});
  auto opened = clash.open();
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("listener clash: bind 127.0.0.1:"), std::string::npos)
      << opened.error().message;
  s.address = "not-an-ip";
  Listener bad(s, handler_, ListenerServices{io_, *limiter_, tls_, limits_, CidrList()});
  EXPECT_FALSE(bad.open());
}

}  // namespace
