// The view is a vector in UID order, so sequence number n is index n-1 and
// a UID is found by binary search.
#include "imap/selected_mailbox.hpp"

#include <algorithm>

namespace postino::imap {
namespace {

bool before(const ViewMessage& m, Uid uid) { return m.uid < uid; }

}  // namespace

SelectedMailbox::SelectedMailbox(MailboxRecord record, bool read_only, std::vector<MessageFlags> messages,
                                 RecentClaim recent)
    : record_(std::move(record)),
      read_only_(read_only),
      uid_next_(record_.uid_next),
      highest_modseq_(record_.highest_modseq) {
  messages_.reserve(messages.size());
  for (MessageFlags& m : messages) {
    messages_.push_back(ViewMessage{m.uid, m.modseq, std::move(m.flags), false});
    uid_next_ = std::max(uid_next_, static_cast<std::uint32_t>(m.uid) + 1);
    highest_modseq_ = std::max(highest_modseq_, m.modseq);
  }
  if (recent.first < recent.end) recent_.push_back(recent);
}

bool SelectedMailbox::is_recent(Uid uid) const {
  for (const RecentClaim& claim : recent_) {
    if (claim.first <= uid && uid < claim.end) return true;
  }
  return false;
}

std::uint32_t SelectedMailbox::recent_count() const {
  std::uint32_t count = 0;
  for (const RecentClaim& claim : recent_) {
    auto first = std::lower_bound(messages_.begin(), messages_.end(), claim.first, before);
    auto last = std::lower_bound(messages_.begin(), messages_.end(), claim.end, before);
    count += static_cast<std::uint32_t>(last - first);
  }
  return count;
}

std::optional<std::uint32_t> SelectedMailbox::seq_of(Uid uid) const {
  auto it = std::lower_bound(messages_.begin(), messages_.end(), uid, before);
  if (it == messages_.end() || it->uid != uid) return std::nullopt;
  return static_cast<std::uint32_t>(it - messages_.begin()) + 1;
}

std::uint32_t SelectedMailbox::first_unseen() const {
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    if (std::find(messages_[i].flags.begin(), messages_[i].flags.end(), "\\Seen") == messages_[i].flags.end()) {
      return static_cast<std::uint32_t>(i) + 1;
    }
  }
  return 0;
}

std::vector<std::uint32_t> SelectedMailbox::resolve(const SequenceSet& set, bool uid_mode) const {
  std::vector<std::uint32_t> seqs;
  if (messages_.empty()) return seqs;
  if (!uid_mode) {
    for (const auto& interval : set.resolve(exists())) {
      for (std::uint32_t n = interval.first; n <= interval.last && n != 0; ++n) seqs.push_back(n);
    }
    return seqs;
  }
  // UIDs: walk the intervals against the sorted view; the cost follows the
  // messages named, not the width of "1:4294967295".
  for (const auto& interval : set.resolve(static_cast<std::uint32_t>(last_uid()))) {
    auto it = std::lower_bound(messages_.begin(), messages_.end(), Uid{interval.first}, before);
    for (; it != messages_.end() && static_cast<std::uint32_t>(it->uid) <= interval.last; ++it) {
      seqs.push_back(static_cast<std::uint32_t>(it - messages_.begin()) + 1);
    }
  }
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  return seqs;
}

std::vector<Uid> SelectedMailbox::uids_of(const std::vector<std::uint32_t>& seqs) const {
  std::vector<Uid> uids;
  uids.reserve(seqs.size());
  for (std::uint32_t seq : seqs) uids.push_back(at(seq).uid);
  return uids;
}

ViewUpdate SelectedMailbox::flush_expunges() {
  ViewUpdate update;
  if (pending_expunges_ == 0) return update;
  for (std::size_t i = messages_.size(); i-- > 0;) {
    if (!messages_[i].expunged) continue;
    update.expunged_seqs.push_back(static_cast<std::uint32_t>(i) + 1);
    update.expunged_uids.push_back(messages_[i].uid);
  }
  std::reverse(update.expunged_uids.begin(), update.expunged_uids.end());
  std::erase_if(messages_, [](const ViewMessage& m) { return m.expunged; });
  pending_expunges_ = 0;
  return update;
}

ViewUpdate SelectedMailbox::apply(const MailboxChanges& changes, bool allow_expunges,
                                  std::optional<RecentClaim> recent) {
  const std::uint32_t exists_before = exists();
  const std::uint32_t recent_before = recent_count();
  if (recent && recent->first < recent->end) recent_.push_back(*recent);

  for (Uid uid : changes.expunged) {
    auto it = std::lower_bound(messages_.begin(), messages_.end(), uid, before);
    if (it != messages_.end() && it->uid == uid && !it->expunged) {
      it->expunged = true;
      ++pending_expunges_;
    }
  }
  std::vector<Uid> changed_uids;
  for (const MessageFlags& change : changes.changed) {
    if (static_cast<std::uint32_t>(change.uid) >= uid_next_) {
      // New since we last looked (ascending, so appending keeps UID order).
      messages_.push_back(ViewMessage{change.uid, change.modseq, change.flags, false});
      uid_next_ = static_cast<std::uint32_t>(change.uid) + 1;
      continue;
    }
    auto it = std::lower_bound(messages_.begin(), messages_.end(), change.uid, before);
    if (it == messages_.end() || it->uid != change.uid || it->expunged) continue;
    if (it->modseq >= change.modseq) continue;  // already reported (our own STORE)
    bool flags_differ = it->flags != change.flags;
    it->modseq = change.modseq;
    it->flags = change.flags;
    if (flags_differ) changed_uids.push_back(change.uid);
  }
  uid_next_ = std::max(uid_next_, changes.uid_next);
  highest_modseq_ = std::max(highest_modseq_, changes.highest_modseq);

  ViewUpdate update = allow_expunges ? flush_expunges() : ViewUpdate{};
  // The client lowers its count by one per EXPUNGE it reads; anything else
  // (new messages) needs an EXISTS.
  const std::uint32_t client_count = exists_before - static_cast<std::uint32_t>(update.expunged_seqs.size());
  if (exists() != client_count) update.exists = exists();
  std::uint32_t recent_now = recent_count();
  if (recent_now != recent_before) update.recent = recent_now;
  for (Uid uid : changed_uids) {
    if (auto seq = seq_of(uid)) update.flag_changes.push_back(*seq);
  }
  std::sort(update.flag_changes.begin(), update.flag_changes.end());
  return update;
}

std::vector<std::uint32_t> SelectedMailbox::record_flags(const std::vector<MessageFlags>& changed) {
  std::vector<std::uint32_t> seqs;
  for (const MessageFlags& change : changed) {
    auto seq = seq_of(change.uid);
    if (!seq) continue;
    ViewMessage& m = at(*seq);
    m.flags = change.flags;
    // Only the message's modseq: highest_modseq_ moves in apply(), which
    // alone has read every change up to it.
    m.modseq = std::max(m.modseq, change.modseq);
    seqs.push_back(*seq);
  }
  return seqs;
}

}  // namespace postino::imap
