// CAPABILITY, NOOP/CHECK, LOGOUT (RFC 9051 6.1, 6.4.1), ID (RFC 2971),
// ENABLE (RFC 5161, RFC 9051 6.3.1), NAMESPACE (RFC 2342, RFC 9051 6.3.10).
#include <strings.h>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"

namespace postino::imap {

awaitable<void> cmd_capability(ImapSession& session, const Command& command) {
  ResponseWriter& out = session.out();
  out.untagged().raw("CAPABILITY");
  for (const auto& c : session.capabilities()) out.sp().raw(c);
  out.end();
  session.ok(command, "CAPABILITY completed");
  co_return;
}

// RFC 9051 6.1.2: NOOP reports what changed, expunges included; CHECK is
// NOOP since every write is already durable.
awaitable<void> cmd_noop(ImapSession& session, const Command& command) {
  if (session.selected() != nullptr) {
    if (session.watch() != nullptr) (void)session.watch()->take_pending();
    co_await session.report_changes(true);
  }
  session.ok(command, command.kind == CommandKind::check ? "CHECK completed" : "NOOP completed");
}

awaitable<void> cmd_logout(ImapSession& session, const Command& command) {
  session.out().untagged().status("BYE", "", "Logging out");
  session.ok(command, "LOGOUT completed");
  session.end_after_command();
  co_return;
}

awaitable<void> cmd_id(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<IdArgs>();
  if (!args.fields.empty()) {
    std::string client;
    for (const auto& [key, value] : args.fields) {
      if (client.size() > 200) break;
      client += key + "=" + value.value_or("NIL") + " ";
    }
    session.log().info("imap_client_id", {{"id", client}});
  }
  session.out().untagged().raw("ID (\"name\" \"Postino\" \"vendor\" \"Postino\")").end();
  session.ok(command, "ID completed");
  co_return;
}

awaitable<void> cmd_enable(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<EnableArgs>();
  Enabled& enabled = session.enabled();
  std::string turned_on;
  auto turn_on = [&turned_on](bool& flag, const char* name) {
    if (flag) return;
    flag = true;
    turned_on += std::string(" ") + name;
  };
  for (const auto& cap : args.capabilities) {
    if (cap == "IMAP4REV2") {
      turn_on(enabled.imap4rev2, "IMAP4rev2");
    } else if (cap == "UTF8=ACCEPT") {
      turn_on(enabled.utf8_accept, "UTF8=ACCEPT");
    } else if (cap == "CONDSTORE") {
      turn_on(enabled.condstore, "CONDSTORE");
    } else if (cap == "QRESYNC") {
      // RFC 7162 3.2.3: QRESYNC implies CONDSTORE.
      enabled.condstore = true;
      turn_on(enabled.qresync, "QRESYNC");
    }
  }
  // RFC 6855 3 and RFC 9051 5.1: once UTF8=ACCEPT or IMAP4rev2 is on,
  // mailbox names (LIST, STATUS, ...) and strings are sent as UTF-8, not
  // modified UTF-7; the writer keeps this for the rest of the session.
  session.out().set_utf8(session.utf8());
  session.out().untagged().raw("ENABLED").raw(turned_on).end();
  session.ok(command, "ENABLE completed");
  co_return;
}

awaitable<void> cmd_namespace(ImapSession& session, const Command& command) {
  // One personal namespace, no prefix, '/' as the separator; no shared ones.
  session.out().untagged().raw("NAMESPACE ((\"\" \"/\")) NIL NIL").end();
  session.ok(command, "NAMESPACE completed");
  co_return;
}

}  // namespace postino::imap
