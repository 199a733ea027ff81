// One handler per IMAP command (cmd_<name>.cpp), as Dovecot's cmd-*.c and
// Stalwart's op/<command>.rs. Each runs after the session parsed the
// command and checked its state; it writes untagged data into session.out()
// and sets the tagged reply with session.ok()/no()/bad().
#pragma once

#include <boost/asio/awaitable.hpp>

#include "imap_proto/command_text.hpp"
#include "imap_proto/imap_command.hpp"

namespace postino::imap {

class ImapSession;
using boost::asio::awaitable;

// cmd_any_state.cpp: RFC 9051 6.1 and ID (RFC 2971), ENABLE (RFC 5161), NAMESPACE (RFC 2342)
awaitable<void> cmd_capability(ImapSession& session, const Command& command);
awaitable<void> cmd_noop(ImapSession& session, const Command& command);
awaitable<void> cmd_logout(ImapSession& session, const Command& command);
awaitable<void> cmd_id(ImapSession& session, const Command& command);
awaitable<void> cmd_enable(ImapSession& session, const Command& command);
awaitable<void> cmd_namespace(ImapSession& session, const Command& command);
// cmd_starttls.cpp, cmd_login.cpp, cmd_authenticate.cpp: RFC 9051 6.2
awaitable<void> cmd_starttls(ImapSession& session, const Command& command);
awaitable<void> cmd_login(ImapSession& session, const Command& command);
awaitable<void> cmd_authenticate(ImapSession& session, const Command& command);
// cmd_select.cpp: SELECT, EXAMINE (CONDSTORE, QRESYNC); cmd_close.cpp: CLOSE, UNSELECT
awaitable<void> cmd_select(ImapSession& session, const Command& command);
awaitable<void> cmd_close(ImapSession& session, const Command& command);
// cmd_create.cpp, cmd_delete.cpp, cmd_rename.cpp, cmd_subscribe.cpp
awaitable<void> cmd_create(ImapSession& session, const Command& command);
awaitable<void> cmd_delete(ImapSession& session, const Command& command);
awaitable<void> cmd_rename(ImapSession& session, const Command& command);
awaitable<void> cmd_subscribe(ImapSession& session, const Command& command);
// cmd_list.cpp: LIST (LIST-EXTENDED, LIST-STATUS, SPECIAL-USE) and LSUB
awaitable<void> cmd_list(ImapSession& session, const Command& command);
awaitable<void> cmd_status(ImapSession& session, const Command& command);
awaitable<void> cmd_append(ImapSession& session, const Command& command, CommandText& text);
awaitable<void> cmd_idle(ImapSession& session, const Command& command);
awaitable<void> cmd_expunge(ImapSession& session, const Command& command);
awaitable<void> cmd_fetch(ImapSession& session, const Command& command);
awaitable<void> cmd_store(ImapSession& session, const Command& command);
// cmd_copy.cpp: COPY and MOVE (RFC 6851), COPYUID (RFC 4315)
awaitable<void> cmd_copy(ImapSession& session, const Command& command);
awaitable<void> cmd_search(ImapSession& session, const Command& command);
awaitable<void> cmd_sort(ImapSession& session, const Command& command);
awaitable<void> cmd_thread(ImapSession& session, const Command& command);
// cmd_quota.cpp: GETQUOTA, GETQUOTAROOT, SETQUOTA (RFC 9208)
awaitable<void> cmd_quota(ImapSession& session, const Command& command);
// cmd_compress.cpp: COMPRESS=DEFLATE (RFC 4978)
awaitable<void> cmd_compress(ImapSession& session, const Command& command);

}  // namespace postino::imap
