// Protocol-correct refusals: RFC 5321 3.1 (554 instead of 220, or 421 when
// busy), RFC 9051 7.1.5 (BYE), RFC 2449 8.1.2 ([SYS/TEMP], [SYS/PERM]),
// RFC 9110 15.6.4 (503).
#include "server/unavailable_handler.hpp"

#include "runtime/line_reader.hpp"

namespace postino {
namespace {

using namespace std::chrono_literals;

std::string refusal_text(Protocol protocol, const std::string& host, bool busy) {
  switch (protocol) {
    case Protocol::smtp:
    case Protocol::submission:
    case Protocol::lmtp:
      return busy ? "421 4.7.0 " + host + " Too many connections, try again later\r\n"
                  : "554 5.3.2 " + host + " No mail service on this port yet\r\n";
    case Protocol::imap:
      return busy ? "* BYE [UNAVAILABLE] Too many connections, try again later\r\n"
                  : "* BYE [UNAVAILABLE] No IMAP service on this port yet\r\n";
    case Protocol::pop3:
      return busy ? "-ERR [SYS/TEMP] Too many connections, try again later\r\n"
                  : "-ERR [SYS/PERM] No POP3 service on this port yet\r\n";
    case Protocol::managesieve:
      return busy ? "BYE (TRYLATER) \"Too many connections\"\r\n" : "BYE \"No ManageSieve service on this port yet\"\r\n";
    case Protocol::https:
      return std::string(busy ? "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
                              : "HTTP/1.1 503 Service Unavailable\r\n") +
             "Content-Type: text/plain\r\nContent-Length: 20\r\nConnection: close\r\n\r\nservice unavailable\n";
  }
  return {};
}

bool is_smtp_family(Protocol protocol) {
  return protocol == Protocol::smtp || protocol == Protocol::submission || protocol == Protocol::lmtp;
}

std::string verb_of(const std::string& line) {
  std::string verb = line.substr(0, line.find(' '));
  for (auto& c : verb) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return verb;
}

}  // namespace

boost::asio::awaitable<void> UnavailableHandler::serve(runtime::Connection& conn) {
  const bool busy = conn.refused;
  if (busy) conn.log.info("connection_refused", {{"reason", "connection_limit"}});
  co_await conn.stream.write_all(refusal_text(conn.protocol, hostname_, busy), 10s);
  if (busy || !is_smtp_family(conn.protocol)) co_return;

  // RFC 5321 3.1: after a 554 greeting the server waits for QUIT and
  // answers 503 to anything else.
  runtime::LineReader reader(conn.stream, 512);
  for (int commands = 0; commands < 20; ++commands) {
    auto line = co_await reader.read_command(5min);
    if (line.status == runtime::LineStatus::stopping) {
      co_await conn.stream.write_all("421 4.3.2 " + hostname_ + " Service shutting down\r\n", 10s);
      co_return;
    }
    if (line.status == runtime::LineStatus::ok && verb_of(line.text) == "QUIT") {
      co_await conn.stream.write_all("221 2.0.0 Bye\r\n", 10s);
      co_return;
    }
    co_await conn.stream.write_all("503 5.5.1 No mail service on this port yet\r\n", 10s);
  }
  co_await conn.stream.write_all("421 4.7.0 Too many errors\r\n", 10s);
}

}  // namespace postino
