// QUOTA (RFC 9208): one quota root per account, named "User quota", with
// STORAGE (in units of 1024 octets) when the account has a quota. Limits
// are set by the operator (`postino user set-quota`), never by SETQUOTA.
#include "imap/commands.hpp"
#include "imap/imap_session.hpp"

namespace postino::imap {
namespace {

constexpr const char* kRoot = "User quota";

void write_quota(ImapSession& session, const QuotaUsage& usage) {
  std::uint64_t limit_kib = session.account().quota_bytes / 1024;
  session.out().untagged().raw("QUOTA ").string(kRoot).raw(" (STORAGE ").number((usage.bytes + 1023) / 1024).sp()
      .number(limit_kib).raw(")").end();
}

}  // namespace

awaitable<void> cmd_quota(ImapSession& session, const Command& command) {
  if (command.kind == CommandKind::setquota) {
    session.no(command, "NOPERM", "Quotas are set by the administrator");
    co_return;
  }
  const bool has_quota = session.account().quota_bytes > 0;
  MailboxStore& store = session.services().mailboxes;
  AccountId account = session.account().id;
  if (command.kind == CommandKind::getquotaroot) {
    const auto& args = command.args_as<MailboxArgs>();
    std::string name = args.mailbox;
    auto job = [&store, account, name] { return store.find_mailbox(account, name); };
    auto found = co_await session.blocking(std::move(job));
    if (!found) {
      session.store_error(command, found.error());
      co_return;
    }
    ResponseWriter& out = session.out();
    out.untagged().raw("QUOTAROOT ").mailbox(name);
    if (has_quota) out.sp().string(kRoot);
    out.end();
  } else {
    const auto& args = command.args_as<GetQuotaArgs>();
    if (!has_quota || args.quota_root != kRoot) {
      session.no(command, "NONEXISTENT", "No such quota root");
      co_return;
    }
  }
  if (has_quota) {
    auto job2 = [&store, account] { return store.usage(account); };
    auto usage = co_await session.blocking(std::move(job2));
    if (!usage) {
      session.store_error(command, usage.error());
      co_return;
    }
    write_quota(session, *usage);
  }
  session.ok(command, "GETQUOTA completed");
}

}  // namespace postino::imap
