// COMPRESS (RFC 4978): raw DEFLATE in both directions for the rest of the
// session, above TLS. The tagged OK goes out uncompressed; our compression
// starts right after it, the client's right after the CRLF of its command,
// so bytes the reader already holds past the command are compressed input.
// Security: inflated input never exceeds the reader's buffer (Stream), so a
// compression bomb cannot grow memory; line and literal limits apply to the
// inflated bytes as before.
#include <boost/system/system_error.hpp>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"

namespace postino::imap {

awaitable<void> cmd_compress(ImapSession& session, const Command& command) {
  runtime::Connection& conn = session.connection();
  if (command.args_as<CompressArgs>().mechanism != "DEFLATE") {
    session.bad(command, "Unknown compression mechanism");
    co_return;
  }
  if (conn.stream.is_compressed()) {
    // RFC 4978 3: say which layer compresses.
    session.no(command, "COMPRESSIONACTIVE", "DEFLATE is already active on this connection");
    co_return;
  }
  session.out().tagged(command.tag).status("OK", "", "DEFLATE active");
  co_await session.flush();
  runtime::LineReader& reader = session.reader();
  std::string read_ahead;
  if (reader.has_buffered()) {
    // Takes the buffered bytes only: no read happens.
    read_ahead = co_await reader.read_up_to(reader.buffered_bytes(), session.settings().write_timeout);
  }
  const Status started = conn.stream.start_compression(read_ahead);
  if (!started) {
    // The OK is out: the client compresses now, we cannot follow.
    conn.log.warn("imap_compress_failed", {{"error", started.error().message}});
    throw boost::system::system_error(boost::asio::error::no_memory, "COMPRESS: " + started.error().message);
  }
  conn.log.info("imap_compress_started", {{"mechanism", "DEFLATE"}});
}

}  // namespace postino::imap
