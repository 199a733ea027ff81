// Tests for SelectedMailbox: sequence numbers across expunges, deferred
// expunges (RFC 9051 7.5.1), EXISTS/RECENT counts, flag changes reported
// once, UID set resolution.
#include "imap/selected_mailbox.hpp"

#include <gtest/gtest.h>

using namespace postino;
using namespace postino::imap;

namespace {

MessageFlags message(std::uint32_t uid, std::uint64_t modseq, std::vector<std::string> flags = {}) {
  return MessageFlags{Uid{uid}, modseq, std::move(flags)};
}

SelectedMailbox view_of(std::vector<MessageFlags> messages, RecentClaim recent = {}) {
  MailboxRecord record;
  record.id = MailboxId{1};
  record.uid_validity = 7;
  record.uid_next = messages.empty() ? 1 : static_cast<std::uint32_t>(messages.back().uid) + 1;
  record.highest_modseq = 10;
  return SelectedMailbox(record, false, std::move(messages), recent);
}

}  // namespace

TEST(SelectedMailbox, ResolvesSequenceAndUidSets) {
  auto view = view_of({message(3, 1), message(5, 2), message(9, 3)});
  EXPECT_EQ(view.resolve(*SequenceSet::parse("2:*", 100), false), (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(view.resolve(*SequenceSet::parse("4:9", 100), true), (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(view.resolve(*SequenceSet::parse("100:*", 100), true), (std::vector<std::uint32_t>{3}));
  EXPECT_EQ(view.resolve(*SequenceSet::parse("1:2", 100), true), (std::vector<std::uint32_t>{}));
  EXPECT_EQ(view.seq_of(Uid{5}), 2u);
  EXPECT_FALSE(view.seq_of(Uid{4}));
}

TEST(SelectedMailbox, ExpungesAreReportedDescendingAndNewMessagesCounted) {
  auto view = view_of({message(1, 1), message(2, 2), message(3, 3), message(4, 4)});
  MailboxChanges changes;
  changes.highest_modseq = 12;
  changes.uid_next = 6;
  changes.expunged = {Uid{2}, Uid{4}};
  changes.changed = {MessageFlags{Uid{5}, 12, {}}};
  ViewUpdate update = view.apply(changes, true, std::nullopt);
  EXPECT_EQ(update.expunged_seqs, (std::vector<std::uint32_t>{4, 2}));
  ASSERT_TRUE(update.exists);
  EXPECT_EQ(*update.exists, 3u);  // 4 - 2 expunged + 1 new
  EXPECT_EQ(view.at(1).uid, Uid{1});
  EXPECT_EQ(view.at(2).uid, Uid{3});
  EXPECT_EQ(view.at(3).uid, Uid{5});
  EXPECT_EQ(view.highest_modseq(), 12u);
}

TEST(SelectedMailbox, ExpungesWaitWhileForbidden) {
  auto view = view_of({message(1, 1), message(2, 2)});
  MailboxChanges changes;
  changes.highest_modseq = 11;
  changes.uid_next = 3;
  changes.expunged = {Uid{1}};
  ViewUpdate update = view.apply(changes, false, std::nullopt);
  EXPECT_TRUE(update.expunged_seqs.empty());
  EXPECT_EQ(view.exists(), 2u);  // sequence numbers unchanged meanwhile
  EXPECT_TRUE(view.has_pending_expunges());
  MailboxChanges nothing;
  nothing.highest_modseq = 11;
  nothing.uid_next = 3;
  update = view.apply(nothing, true, std::nullopt);
  EXPECT_EQ(update.expunged_seqs, (std::vector<std::uint32_t>{1}));
  EXPECT_FALSE(update.exists);  // the client counts EXPUNGEs itself
  EXPECT_EQ(view.exists(), 1u);
}

TEST(SelectedMailbox, FlagChangesOfOthersAreReportedOnce) {
  auto view = view_of({message(1, 1), message(2, 2)});
  MailboxChanges changes;
  changes.highest_modseq = 11;
  changes.uid_next = 3;
  changes.changed = {MessageFlags{Uid{2}, 11, {"\\Seen"}}};
  ViewUpdate update = view.apply(changes, true, std::nullopt);
  EXPECT_EQ(update.flag_changes, (std::vector<std::uint32_t>{2}));
  update = view.apply(changes, true, std::nullopt);  // the same change again
  EXPECT_TRUE(update.flag_changes.empty());
  // Our own STORE: recorded, not reported again by the next poll.
  view.record_flags({MessageFlags{Uid{1}, 12, {"\\Flagged"}}});
  MailboxChanges own;
  own.highest_modseq = 12;
  own.uid_next = 3;
  own.changed = {MessageFlags{Uid{1}, 12, {"\\Flagged"}}};
  update = view.apply(own, true, std::nullopt);
  EXPECT_TRUE(update.flag_changes.empty());
}

TEST(SelectedMailbox, RecentCountsClaimedRanges) {
  auto view = view_of({message(1, 1), message(2, 2), message(3, 3)}, RecentClaim{Uid{2}, Uid{4}});
  EXPECT_EQ(view.recent_count(), 2u);
  EXPECT_FALSE(view.is_recent(Uid{1}));
  MailboxChanges changes;
  changes.highest_modseq = 11;
  changes.uid_next = 5;
  changes.changed = {MessageFlags{Uid{4}, 11, {}}};
  ViewUpdate update = view.apply(changes, true, RecentClaim{Uid{4}, Uid{5}});
  ASSERT_TRUE(update.recent);
  EXPECT_EQ(*update.recent, 3u);
  EXPECT_EQ(view.first_unseen(), 1u);
}
