#include "pop3/maildrop.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "pop3/maildrop_locks.hpp"

namespace postino::pop3 {
namespace {

MessageRecord message(std::uint32_t uid, std::uint64_t size) {
  MessageRecord m;
  m.uid = Uid{uid};
  m.size_bytes = size;
  return m;
}

Maildrop sample() { return Maildrop(MailboxId{7}, 1700000000, {message(3, 100), message(5, 20), message(9, 3)}); }

TEST(Maildrop, NumbersStatAndUidl) {
  Maildrop drop = sample();
  EXPECT_EQ(drop.size(), 3u);
  EXPECT_EQ(drop.live_count(), 3u);
  EXPECT_EQ(drop.live_bytes(), 123u);
  EXPECT_EQ(drop.lookup(0), Maildrop::Lookup::no_such_message);
  EXPECT_EQ(drop.lookup(4), Maildrop::Lookup::no_such_message);
  EXPECT_EQ(drop.lookup(2), Maildrop::Lookup::ok);
  EXPECT_EQ(drop.unique_id(1), "1700000000.3");
  EXPECT_EQ(drop.unique_id(3), "1700000000.9");
}

TEST(Maildrop, DeleteResetAndUpdateSets) {
  Maildrop drop = sample();
  drop.mark_retrieved(1);
  drop.mark_retrieved(2);
  drop.mark_deleted(2);
  EXPECT_EQ(drop.lookup(2), Maildrop::Lookup::deleted);
  EXPECT_EQ(drop.live_count(), 2u);
  EXPECT_EQ(drop.live_bytes(), 103u);
  EXPECT_EQ(drop.deleted_count(), 1u);
  EXPECT_EQ(drop.deleted_uids(), std::vector<Uid>{Uid{5}});
  EXPECT_EQ(drop.retrieved_kept_uids(), std::vector<Uid>{Uid{3}});
  drop.reset();
  EXPECT_EQ(drop.lookup(2), Maildrop::Lookup::ok);
  EXPECT_TRUE(drop.deleted_uids().empty());
  EXPECT_EQ(drop.retrieved_kept_uids(), (std::vector<Uid>{Uid{3}, Uid{5}}));  // RSET keeps \Seen (Dovecot too)
  EXPECT_EQ(drop.live_bytes(), 123u);
}

TEST(MaildropLocks, OneHolderPerAccountReleasedOnDestruction) {
  MaildropLocks locks;
  {
    MaildropLocks::Lock first = locks.try_lock(AccountId{1});
    EXPECT_TRUE(first.held());
    EXPECT_FALSE(locks.try_lock(AccountId{1}).held());
    EXPECT_TRUE(locks.try_lock(AccountId{2}).held());  // released at once: a temporary
    EXPECT_FALSE(locks.locked(AccountId{2}));
    MaildropLocks::Lock moved = std::move(first);
    EXPECT_FALSE(first.held());
    EXPECT_TRUE(moved.held());
    EXPECT_TRUE(locks.locked(AccountId{1}));
  }
  EXPECT_FALSE(locks.locked(AccountId{1}));
  MaildropLocks::Lock again = locks.try_lock(AccountId{1});
  EXPECT_TRUE(again.held());
  again.release();
  EXPECT_FALSE(locks.locked(AccountId{1}));
}

TEST(MaildropLocks, ExactlyOneOfManyThreadsWins) {
  MaildropLocks locks;
  std::vector<MaildropLocks::Lock> held(8);
  std::vector<std::thread> threads;
  for (auto& slot : held) threads.emplace_back([&locks, &slot] { slot = locks.try_lock(AccountId{42}); });
  for (auto& t : threads) t.join();
  int winners = 0;
  for (auto& slot : held) winners += slot.held() ? 1 : 0;
  EXPECT_EQ(winners, 1);
}

}  // namespace
}  // namespace postino::pop3
