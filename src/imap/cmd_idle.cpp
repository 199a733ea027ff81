// IDLE (RFC 2177, RFC 9051 6.3.13): while the client waits, changes to the
// selected mailbox are pushed as soon as a ChangeNotifier wakeup (or the
// periodic re-read) finds them. Two coroutines run side by side on the
// session's executor: one reads the client's DONE, one watches the mailbox;
// the first to end stops the other.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"

namespace postino::imap {
namespace {

using namespace boost::asio::experimental::awaitable_operators;

struct IdleState {
  bool done = false;
};

awaitable<runtime::Line> read_done(ImapSession& session, IdleState& state) {
  runtime::Line line = co_await session.reader().read_command(session.settings().idle_timeout);
  state.done = true;
  if (session.watch() != nullptr) session.watch()->cancel();
  co_return line;
}

awaitable<void> push_changes(ImapSession& session, IdleState& state) {
  for (;;) {
    if (session.selected() == nullptr || session.watch() == nullptr) {
      // Nothing to watch (IDLE in the authenticated state): just wait.
      co_return;
    }
    (void)co_await session.watch()->wait(session.settings().idle_poll);
    auto cancelled = (co_await boost::asio::this_coro::cancellation_state).cancelled();
    if (state.done || cancelled != boost::asio::cancellation_type::none) co_return;
    co_await session.report_changes(true);
    co_await session.flush();
  }
}

}  // namespace

awaitable<void> cmd_idle(ImapSession& session, const Command& command) {
  if (session.selected() != nullptr) {
    if (session.watch() != nullptr) (void)session.watch()->take_pending();
    co_await session.report_changes(true);
  }
  session.out().continuation().raw("idling").end();
  co_await session.flush();
  IdleState state;
  runtime::Line line = co_await (read_done(session, state) && push_changes(session, state));
  if (line.status == runtime::LineStatus::stopping) {
    session.out().untagged().status("BYE", "UNAVAILABLE", "Server shutting down");
    session.end_after_command();
    session.ok(command, "IDLE terminated");
    co_return;
  }
  if (line.status != runtime::LineStatus::ok || !is_idle_done(line.text)) {
    session.bad(command, "Expected DONE");
    co_return;
  }
  session.ok(command, "IDLE terminated");
}

}  // namespace postino::imap
