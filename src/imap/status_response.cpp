#include "imap/status_response.hpp"

#include <algorithm>

#include "store/object_ids.hpp"

namespace postino::imap {

void write_status(ResponseWriter& out, const std::string& mailbox, const MailboxStatus& status,
                  const std::vector<StatusItem>& items, std::uint64_t append_limit_bytes) {
  out.untagged().raw("STATUS ").mailbox(mailbox).raw(" (");
  bool first = true;
  for (StatusItem item : items) {
    if (!first) out.sp();
    first = false;
    out.raw(status_item_name(item)).sp();
    switch (item) {
      case StatusItem::messages: out.number(status.messages); break;
      case StatusItem::uidnext: out.number(status.uid_next); break;
      case StatusItem::uidvalidity: out.number(status.uid_validity); break;
      case StatusItem::unseen: out.number(status.unseen); break;
      case StatusItem::deleted: out.number(status.deleted); break;
      case StatusItem::size: out.number(status.size_bytes); break;
      case StatusItem::highestmodseq: out.number(status.highest_modseq); break;
      case StatusItem::appendlimit: out.number(append_limit_bytes); break;
      case StatusItem::mailboxid:  // RFC 8474 4.3
        out.raw("(").raw(mailbox_object_id(status.mailbox, status.uid_validity)).raw(")");
        break;
      case StatusItem::recent: {
        // Not yet claimed by any session: at most the UIDs above the mark.
        std::uint32_t unclaimed =
            status.uid_next > status.first_recent_uid && status.first_recent_uid != 0
                ? status.uid_next - status.first_recent_uid
                : 0;
        out.number(std::min(unclaimed, status.messages));
        break;
      }
    }
  }
  out.raw(")").end();
}

}  // namespace postino::imap
