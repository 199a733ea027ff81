// LIST (RFC 9051 6.3.9) with LIST-EXTENDED (RFC 5258: SUBSCRIBED,
// RECURSIVEMATCH, SPECIAL-USE selection; CHILDREN, SUBSCRIBED, SPECIAL-USE
// and STATUS (RFC 5819) return options) and LSUB (RFC 3501 6.3.9).
// Names that exist only as a parent of others are listed \NonExistent
// (\Noselect for plain LIST) when a pattern matches them.
#include <algorithm>
#include <map>
#include <set>

#include "imap/commands.hpp"
#include "imap/imap_session.hpp"
#include "imap/mailbox_names.hpp"
#include "imap/status_response.hpp"
#include "imap_proto/list_pattern.hpp"

namespace postino::imap {
namespace {

struct Entry {
  bool exists = false;
  bool subscribed = false;
  bool has_children = false;
  bool has_subscribed_child = false;
  std::string special_use;
  MailboxId id{};
};

struct Listing {
  std::vector<MailboxRecord> mailboxes;
  std::vector<std::string> subscriptions;
  std::map<MailboxId, MailboxStatus> statuses;
};

Result<Listing> read_listing(MailboxStore& store, AccountId account, bool with_status) {
  Listing listing;
  auto mailboxes = store.list_mailboxes(account);
  if (!mailboxes) return mailboxes.take_error();
  listing.mailboxes = std::move(*mailboxes);
  auto subscriptions = store.subscriptions(account);
  if (!subscriptions) return subscriptions.take_error();
  listing.subscriptions = std::move(*subscriptions);
  if (with_status) {
    for (const auto& m : listing.mailboxes) {
      auto status = store.status(m.id);
      if (status) listing.statuses.emplace(m.id, *status);
    }
  }
  return listing;
}

std::map<std::string, Entry> build_tree(const Listing& listing) {
  std::map<std::string, Entry> tree;
  for (const auto& m : listing.mailboxes) {
    Entry& e = tree[m.name];
    e.exists = true;
    e.special_use = m.special_use;
    e.id = m.id;
  }
  for (const auto& name : listing.subscriptions) tree[name].subscribed = true;
  // Parents: implied entries and the children flags.
  std::vector<std::pair<std::string, bool>> names;
  for (const auto& [name, e] : tree) names.emplace_back(name, e.subscribed);
  for (const auto& [name, subscribed] : names) {
    for (const auto& parent : parents_of(name)) {
      Entry& p = tree[parent];
      if (tree.at(name).exists) p.has_children = true;
      if (subscribed) p.has_subscribed_child = true;
    }
  }
  return tree;
}

}  // namespace

awaitable<void> cmd_list(ImapSession& session, const Command& command) {
  const auto& args = command.args_as<ListArgs>();
  const bool lsub = command.kind == CommandKind::lsub;
  ResponseWriter& out = session.out();
  const char* verb = lsub ? "LSUB" : "LIST";

  // RFC 9051 6.3.9: an empty pattern asks for the hierarchy delimiter.
  if (args.patterns.size() == 1 && args.patterns.front().empty()) {
    out.untagged().raw(verb).raw(" (\\Noselect) \"/\" \"\"").end();
    session.ok(command, std::string(verb) + " completed");
    co_return;
  }
  const bool subscribed_only = lsub || args.selection.subscribed;
  const bool with_status = args.returns.status.has_value();
  MailboxStore& store = session.services().mailboxes;
  AccountId account = session.account().id;
  auto job = [&store, account, with_status] { return read_listing(store, account, with_status); };
  auto listing = co_await session.blocking(std::move(job));
  if (!listing) {
    session.store_error(command, listing.error());
    co_return;
  }
  if (with_status) {
    for (StatusItem item : *args.returns.status) {
      if (item == StatusItem::highestmodseq) session.enabled().condstore = true;
    }
  }
  std::vector<std::string> patterns;
  for (const auto& p : args.patterns) patterns.push_back(list_join_reference(args.reference, p));
  auto matches = [&patterns](const std::string& name) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&name](const std::string& p) { return list_pattern_matches(p, name); });
  };

  const auto tree = build_tree(*listing);
  for (const auto& [name, e] : tree) {
    const bool match = matches(name);
    // RECURSIVEMATCH (RFC 5258 3.5): a parent whose subscribed child matches.
    bool childinfo = false;
    if (subscribed_only && !e.subscribed) {
      if (!match) continue;
      if (lsub) {
        if (!e.has_subscribed_child) continue;  // LSUB shows such parents \Noselect
      } else {
        if (!args.selection.recursive_match || !e.has_subscribed_child) continue;
        childinfo = true;
      }
    }
    if (!match) continue;
    if (!subscribed_only && !e.exists && !e.has_children) continue;  // only a subscription
    if (args.selection.special_use && e.special_use.empty()) continue;

    std::vector<std::string> attrs;
    if (!e.exists) {
      attrs.push_back(args.extended && !lsub ? "\\NonExistent" : "\\Noselect");
    }
    if (subscribed_only && !e.subscribed && lsub) attrs.push_back("\\Noselect");
    if (!lsub) attrs.push_back(e.has_children ? "\\HasChildren" : "\\HasNoChildren");
    if ((e.subscribed && !lsub && (args.returns.subscribed || args.selection.subscribed))) {
      attrs.push_back("\\Subscribed");
    }
    if (!e.special_use.empty() && !lsub) attrs.push_back(e.special_use);
    std::sort(attrs.begin(), attrs.end());
    attrs.erase(std::unique(attrs.begin(), attrs.end()), attrs.end());

    out.untagged().raw(verb).raw(" (");
    for (std::size_t i = 0; i < attrs.size(); ++i) out.raw(i == 0 ? "" : " ").raw(attrs[i]);
    out.raw(") \"/\" ").mailbox(name);
    if (childinfo) out.raw(" (\"CHILDINFO\" (\"SUBSCRIBED\"))");
    out.end();
    if (with_status && e.exists) {
      auto it = listing->statuses.find(e.id);
      if (it != listing->statuses.end()) {
        write_status(out, name, it->second, *args.returns.status, session.settings().max_append_bytes);
      }
    }
    co_await session.flush_if_large();
  }
  session.ok(command, std::string(verb) + " completed");
}

}  // namespace postino::imap
