// SqliteQueueStore: every method with its errors, scheduling order, state
// changes, durability across reopen, and group commit under many threads.
#include "store/sqlite/sqlite_queue_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <cstdio>
#include <thread>

#include "store/metadata_store.hpp"
#include "store/test_temp_dir.hpp"
#include "store/unix_time.hpp"

namespace postino::sqlite {
namespace {

BlobInfo make_blob(std::uint8_t seed) {
  BlobInfo blob;
  blob.id.sha256.fill(seed);
  blob.size_bytes = 1000 + seed;
  return blob;
}

QueueMessage make_message(const std::string& id, std::int64_t arrived_at, std::vector<std::string> recipients,
                          std::uint8_t blob_seed = 1) {
  QueueMessage message;
  message.id = id;
  message.sender = "sender@example.test";
  message.blob = make_blob(blob_seed);
  message.arrived_at = arrived_at;
  message.client_address = "192.0.2.1";
  message.client_helo = "client.example.test";
  message.protocol = "ESMTPS";
  for (auto& address : recipients) message.recipients.push_back(QueueRecipient{.address = std::move(address)});
  return message;
}

template <class T>
Errc code_of(const Result<T>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? Errc::io_error : r.error().code;
}

std::vector<std::string> ids_of(const std::vector<QueueMessage>& messages) {
  std::vector<std::string> ids;
  for (const auto& message : messages) ids.push_back(message.id);
  return ids;
}

class QueueStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    queue_.reset();
    auto opened = SqliteQueueStore::open(dir_.path() + "/queue.sqlite", 2);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    queue_ = std::move(*opened);
  }
  void enqueue(const QueueMessage& message) {
    auto s = queue_->enqueue(message);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  // Far enough ahead that everything enqueued "now" is due.
  static std::int64_t later() { return unix_now_seconds() + 10; }

  postino::testing::TempDir dir_;
  std::unique_ptr<SqliteQueueStore> queue_;
};

TEST_F(QueueStoreTest, EnqueueStoresEverythingAndFindReadsItBack) {
  QueueMessage message = make_message("0A1B2C", 1700000000, {"x@remote.test", "y@remote.test"}, 5);
  message.sender = "";
  message.envid = "env-1";
  message.ret = "HDRS";
  message.body_type = "8BITMIME";
  message.smtputf8 = true;
  message.recipients[0].orcpt = "rfc822;X@remote.test";
  message.recipients[0].notify = kNotifyFailure | kNotifyDelay;
  // Caller-supplied state is ignored: a new recipient is pending and due now.
  message.recipients[1].state = RecipientState::failed;
  message.recipients[1].attempts = 9;
  enqueue(message);

  auto found = queue_->find("0A1B2C");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->sender, "");
  EXPECT_EQ(found->blob.id, message.blob.id);
  EXPECT_EQ(found->blob.size_bytes, message.blob.size_bytes);
  EXPECT_EQ(found->arrived_at, 1700000000);
  EXPECT_EQ(found->client_address, "192.0.2.1");
  EXPECT_EQ(found->client_helo, "client.example.test");
  EXPECT_EQ(found->protocol, "ESMTPS");
  EXPECT_EQ(found->envid, "env-1");
  EXPECT_EQ(found->ret, "HDRS");
  EXPECT_EQ(found->body_type, "8BITMIME");
  EXPECT_TRUE(found->smtputf8);
  EXPECT_FALSE(found->held);
  ASSERT_EQ(found->recipients.size(), 2u);
  const QueueRecipient& x = found->recipients[0];
  EXPECT_EQ(x.address, "x@remote.test");
  EXPECT_EQ(x.orcpt, "rfc822;X@remote.test");
  EXPECT_EQ(x.notify, kNotifyFailure | kNotifyDelay);
  EXPECT_EQ(x.state, RecipientState::pending);
  EXPECT_EQ(x.attempts, 0u);
  EXPECT_LE(x.next_attempt_at, unix_now_seconds());
  EXPECT_GT(x.next_attempt_at, 0);
  EXPECT_EQ(x.last_reply, "");
  EXPECT_EQ(found->recipients[1].state, RecipientState::pending);
  EXPECT_EQ(found->recipients[1].attempts, 0u);
  EXPECT_LT(static_cast<std::int64_t>(x.id), static_cast<std::int64_t>(found->recipients[1].id));

  EXPECT_EQ(code_of(queue_->enqueue(message)), Errc::already_exists);
  EXPECT_EQ(code_of(queue_->find("FFFF")), Errc::not_found);
}

// A crash between the last outcome and remove_if_done leaves a message with
// no pending recipient; the sweep removes exactly those.
TEST_F(QueueStoreTest, RemoveAllDoneSweepsFinishedMessagesOnly) {
  enqueue(make_message("DONE1", 1, {"a@remote.test", "b@remote.test"}));
  enqueue(make_message("BUSY", 2, {"c@remote.test", "d@remote.test"}));
  enqueue(make_message("DONE2", 3, {"e@remote.test"}));
  auto done1 = *queue_->find("DONE1");
  ASSERT_TRUE(queue_->mark_delivered(done1.recipients[0].id, "250").ok());
  ASSERT_TRUE(queue_->mark_failed(done1.recipients[1].id, "550").ok());
  auto busy = *queue_->find("BUSY");
  ASSERT_TRUE(queue_->mark_delivered(busy.recipients[0].id, "250").ok());
  ASSERT_TRUE(queue_->mark_delivered(queue_->find("DONE2")->recipients[0].id, "250").ok());

  auto removed = queue_->remove_all_done();
  ASSERT_TRUE(removed.ok());
  std::sort(removed->begin(), removed->end());
  EXPECT_EQ(*removed, (std::vector<std::string>{"DONE1", "DONE2"}));
  EXPECT_TRUE(queue_->find("BUSY").ok());
  EXPECT_EQ(code_of(queue_->find("DONE1")), Errc::not_found);
  EXPECT_TRUE(queue_->remove_all_done()->empty());
}

TEST_F(QueueStoreTest, RecordAppliesABatchAndRemovesFinishedMessages) {
  enqueue(make_message("B1", 1, {"a@remote.test", "b@remote.test"}));
  enqueue(make_message("B2", 2, {"c@remote.test"}));
  auto b1 = *queue_->find("B1");
  auto b2 = *queue_->find("B2");
  std::vector<RecipientUpdate> updates{
      {b1.recipients[0].id, RecipientState::delivered, 0, "250 ok"},
      {b1.recipients[1].id, RecipientState::pending, 500, "452 full"},
      {b2.recipients[0].id, RecipientState::failed, 0, "550 no"},
  };
  auto removed = queue_->record(updates);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, std::vector<std::string>{"B2"});
  auto after = *queue_->find("B1");
  EXPECT_EQ(after.recipients[0].state, RecipientState::delivered);
  EXPECT_EQ(after.recipients[1].state, RecipientState::pending);
  EXPECT_EQ(after.recipients[1].next_attempt_at, 500);
  EXPECT_EQ(after.recipients[1].attempts, 1u);
  EXPECT_EQ(after.recipients[1].last_reply, "452 full");
  // Replaying the batch skips recipients no longer pending; a still-pending
  // (deferred) one is simply deferred again.
  removed = queue_->record(updates);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed->empty());
  EXPECT_EQ(queue_->find("B1")->recipients[0].attempts, 1u);
  EXPECT_EQ(queue_->find("B1")->recipients[1].attempts, 2u);
  ASSERT_TRUE(queue_->record({{after.recipients[1].id, RecipientState::delivered, 0, "250"}}).ok());
  EXPECT_EQ(code_of(queue_->find("B1")), Errc::not_found);
}

TEST_F(QueueStoreTest, InvalidInputIsRefused) {
  for (const std::string& id :
       std::vector<std::string>{"", "abc", "A-B", "A B", std::string(33, 'A'), std::string("A\0B", 3)}) {
    EXPECT_EQ(code_of(queue_->enqueue(make_message(id, 1, {"x@remote.test"}))), Errc::invalid_argument) << id;
    EXPECT_EQ(code_of(queue_->find(id)), Errc::invalid_argument);
    EXPECT_EQ(code_of(queue_->remove(id)), Errc::invalid_argument);
    EXPECT_EQ(code_of(queue_->remove_if_done(id)), Errc::invalid_argument);
    EXPECT_EQ(code_of(queue_->set_held(id, true)), Errc::invalid_argument);
  }
  EXPECT_TRUE(queue_->enqueue(make_message(std::string(32, 'Z'), 1, {"x@remote.test"})).ok());
  EXPECT_EQ(code_of(queue_->enqueue(make_message("NORCPT", 1, {}))), Errc::invalid_argument);
  EXPECT_EQ(code_of(queue_->enqueue(make_message("EMPTYRCPT", 1, {""}))), Errc::invalid_argument);
  QueueMessage bad_notify = make_message("NOTIFY", 1, {"x@remote.test"});
  bad_notify.recipients[0].notify = 16;
  EXPECT_EQ(code_of(queue_->enqueue(bad_notify)), Errc::invalid_argument);
  EXPECT_EQ(queue_->list()->size(), 1u);
}

TEST_F(QueueStoreTest, DueReturnsOldestFirstWithOnlyDueRecipients) {
  enqueue(make_message("C", 300, {"c@remote.test"}));
  enqueue(make_message("A", 100, {"a1@remote.test", "a2@remote.test"}));
  enqueue(make_message("B", 200, {"b@remote.test"}));
  QueueMessage held = make_message("H", 50, {"h@remote.test"});
  held.held = true;
  enqueue(held);

  auto due = queue_->due(later(), 10);
  ASSERT_TRUE(due.ok()) << due.error().message;
  EXPECT_EQ(ids_of(*due), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ((*due)[0].recipients.size(), 2u);
  EXPECT_EQ(ids_of(*queue_->due(later(), 2)), (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(queue_->due(later(), 0)->empty());
  EXPECT_TRUE(queue_->due(0, 10)->empty());  // recipients are due from their enqueue time on

  // One of A's recipients deferred: A comes with the other only.
  RecipientRowId a1 = (*due)[0].recipients[0].id;
  RecipientRowId a2 = (*due)[0].recipients[1].id;
  ASSERT_TRUE(queue_->defer(a1, later() + 3600, "451 4.3.0 try later").ok());
  due = queue_->due(later(), 10);
  ASSERT_EQ(due->size(), 3u);
  ASSERT_EQ((*due)[0].recipients.size(), 1u);
  EXPECT_EQ((*due)[0].recipients[0].id, a2);
  // Done recipients are not due either.
  ASSERT_TRUE(queue_->mark_delivered(a2, "250 2.0.0 ok").ok());
  EXPECT_EQ(ids_of(*queue_->due(later(), 10)), (std::vector<std::string>{"B", "C"}));
  // At the deferred time A is due again.
  EXPECT_EQ(ids_of(*queue_->due(later() + 3600, 10)), (std::vector<std::string>{"A", "B", "C"}));
}

TEST_F(QueueStoreTest, NextDueSkipsHeldMessagesAndDoneRecipients) {
  EXPECT_EQ(*queue_->next_due(), std::nullopt);
  QueueMessage held = make_message("H", 1, {"h@remote.test"});
  held.held = true;
  enqueue(held);
  EXPECT_EQ(*queue_->next_due(), std::nullopt);
  enqueue(make_message("M", 2, {"m@remote.test"}));
  RecipientRowId m = queue_->find("M")->recipients[0].id;
  ASSERT_TRUE(queue_->defer(m, 5000000000, "421 busy").ok());
  EXPECT_EQ(*queue_->next_due(), std::optional<std::int64_t>(5000000000));
  ASSERT_TRUE(queue_->mark_failed(m, "550 5.1.1 no such user").ok());
  EXPECT_EQ(*queue_->next_due(), std::nullopt);
  ASSERT_TRUE(queue_->set_held("H", false).ok());
  EXPECT_LE(queue_->next_due()->value_or(0), unix_now_seconds());
  EXPECT_GT(queue_->next_due()->value_or(0), 0);
}

TEST_F(QueueStoreTest, MarkAndDeferCountAttemptsAndOnlyApplyToPendingRecipients) {
  enqueue(make_message("M", 1, {"a@remote.test", "b@remote.test", "c@remote.test"}));
  auto message = queue_->find("M");
  RecipientRowId a = message->recipients[0].id;
  RecipientRowId b = message->recipients[1].id;
  RecipientRowId c = message->recipients[2].id;
  ASSERT_TRUE(queue_->defer(a, 1000, "451 first").ok());
  ASSERT_TRUE(queue_->defer(a, 2000, "451 second").ok());
  ASSERT_TRUE(queue_->mark_delivered(a, "250 ok").ok());
  ASSERT_TRUE(queue_->mark_failed(b, "550 no").ok());
  message = queue_->find("M");
  EXPECT_EQ(message->recipients[0].state, RecipientState::delivered);
  EXPECT_EQ(message->recipients[0].attempts, 3u);
  EXPECT_EQ(message->recipients[0].last_reply, "250 ok");
  EXPECT_EQ(message->recipients[0].next_attempt_at, 2000);
  EXPECT_EQ(message->recipients[1].state, RecipientState::failed);
  EXPECT_EQ(message->recipients[1].attempts, 1u);
  EXPECT_EQ(message->recipients[1].last_reply, "550 no");
  EXPECT_EQ(message->recipients[2].state, RecipientState::pending);
  EXPECT_EQ(message->recipients[2].attempts, 0u);

  EXPECT_EQ(code_of(queue_->mark_failed(a, "550")), Errc::invalid_argument);
  EXPECT_EQ(code_of(queue_->defer(b, 1, "451")), Errc::invalid_argument);
  EXPECT_EQ(code_of(queue_->mark_delivered(RecipientRowId{999}, "250")), Errc::not_found);

  // c still pending: the message stays.
  auto done = queue_->remove_if_done("M");
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(*done, std::nullopt);
  ASSERT_TRUE(queue_->mark_delivered(c, "250 ok").ok());
  done = queue_->remove_if_done("M");
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(done->has_value());
  EXPECT_EQ((*done)->id, make_blob(1).id);
  EXPECT_EQ((*done)->size_bytes, make_blob(1).size_bytes);
  EXPECT_EQ(code_of(queue_->find("M")), Errc::not_found);
  EXPECT_EQ(code_of(queue_->remove_if_done("M")), Errc::not_found);
  // Its recipients went with it; their ids are not given out again.
  EXPECT_EQ(code_of(queue_->mark_delivered(c, "250")), Errc::not_found);
  enqueue(make_message("N", 2, {"n@remote.test"}));
  EXPECT_GT(static_cast<std::int64_t>(queue_->find("N")->recipients[0].id), static_cast<std::int64_t>(c));
}

TEST_F(QueueStoreTest, AdministrationVerbs) {
  enqueue(make_message("B", 200, {"b1@remote.test", "b2@remote.test"}, 2));
  enqueue(make_message("A", 100, {"a@remote.test"}, 1));
  enqueue(make_message("C", 300, {"c@remote.test"}, 2));  // same blob as B

  auto all = queue_->list();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(ids_of(*all), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ((*all)[1].recipients.size(), 2u);

  auto blobs = queue_->referenced_blobs();
  ASSERT_TRUE(blobs.ok());
  EXPECT_EQ(*blobs, (std::vector<BlobId>{make_blob(1).id, make_blob(2).id}));

  // hold / release
  ASSERT_TRUE(queue_->set_held("A", true).ok());
  EXPECT_TRUE(queue_->find("A")->held);
  EXPECT_EQ(ids_of(*queue_->due(later(), 10)), (std::vector<std::string>{"B", "C"}));
  ASSERT_TRUE(queue_->set_held("A", false).ok());
  EXPECT_EQ(ids_of(*queue_->due(later(), 10)), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(code_of(queue_->set_held("Z", true)), Errc::not_found);

  // flush: every pending recipient due now, done ones untouched.
  auto b = queue_->find("B");
  ASSERT_TRUE(queue_->defer(b->recipients[0].id, later() + 86400, "451").ok());
  ASSERT_TRUE(queue_->mark_delivered(b->recipients[1].id, "250").ok());
  EXPECT_EQ(queue_->due(unix_now_seconds(), 10)->size(), 2u);
  auto flushed = queue_->flush();
  ASSERT_TRUE(flushed.ok());
  EXPECT_EQ(*flushed, 3u);  // A, B's first, C
  EXPECT_EQ(ids_of(*queue_->due(unix_now_seconds(), 10)), (std::vector<std::string>{"A", "B", "C"}));

  // remove
  auto removed = queue_->remove("B");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->id, make_blob(2).id);
  EXPECT_EQ(code_of(queue_->remove("B")), Errc::not_found);
  EXPECT_EQ(*queue_->referenced_blobs(), (std::vector<BlobId>{make_blob(1).id, make_blob(2).id}));  // C keeps it
  ASSERT_TRUE(queue_->remove("C").ok());
  EXPECT_EQ(*queue_->referenced_blobs(), std::vector<BlobId>{make_blob(1).id});
  EXPECT_EQ(ids_of(*queue_->list()), std::vector<std::string>{"A"});
}

TEST_F(QueueStoreTest, EverythingIsDurableAcrossReopen) {
  QueueMessage held = make_message("H", 1, {"h@remote.test"});
  held.held = true;
  enqueue(held);
  enqueue(make_message("M", 2, {"a@remote.test", "b@remote.test"}));
  auto m = queue_->find("M");
  ASSERT_TRUE(queue_->defer(m->recipients[0].id, 4000000000, "451 later").ok());
  ASSERT_TRUE(queue_->mark_delivered(m->recipients[1].id, "250 ok").ok());

  reopen();
  EXPECT_EQ(queue_->schema_version(), 2);
  EXPECT_EQ(ids_of(*queue_->list()), (std::vector<std::string>{"H", "M"}));
  EXPECT_TRUE(queue_->find("H")->held);
  auto again = queue_->find("M");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->recipients[0].next_attempt_at, 4000000000);
  EXPECT_EQ(again->recipients[0].last_reply, "451 later");
  EXPECT_EQ(again->recipients[0].attempts, 1u);
  EXPECT_EQ(again->recipients[1].state, RecipientState::delivered);
  EXPECT_EQ(*queue_->next_due(), std::optional<std::int64_t>(4000000000));
}

TEST(QueueStore, OpenQueueStoreCreatesItsFolder) {
  postino::testing::TempDir dir;
  StoreSettings settings{.data_dir = dir.path() + "/data"};
  {
    auto queue = open_queue_store(settings);
    ASSERT_TRUE(queue.ok()) << queue.error().message;
    ASSERT_TRUE((*queue)->enqueue(make_message("Q1", 1, {"x@remote.test"})).ok());
  }
  auto queue = open_queue_store(settings);
  ASSERT_TRUE(queue.ok()) << queue.error().message;
  EXPECT_TRUE((*queue)->find("Q1").ok());
  EXPECT_EQ(code_of(open_queue_store(StoreSettings{})), Errc::invalid_argument);
}

TEST_F(QueueStoreTest, GroupCommitUnderManyThreads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "T%dN%d", t, i);
        auto message = make_message(id, i, {"a@remote.test", "b@remote.test"}, static_cast<std::uint8_t>(t));
        if (!queue_->enqueue(message).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto stats = queue_->writer_stats();
  EXPECT_EQ(stats.jobs, std::uint64_t{kThreads * kPerThread});
  EXPECT_LE(stats.commits, stats.jobs);
  std::printf("queue group commit: %llu enqueues in %llu commits (largest batch %llu)\n",
              static_cast<unsigned long long>(stats.jobs), static_cast<unsigned long long>(stats.commits),
              static_cast<unsigned long long>(stats.largest_batch));

  reopen();
  auto all = queue_->list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), std::size_t{kThreads * kPerThread});
  for (const auto& message : *all) EXPECT_EQ(message.recipients.size(), 2u);
  EXPECT_EQ(queue_->referenced_blobs()->size(), std::size_t{kThreads});
}

// The batch form of record(): last-attempt fields, forwarded recipients
// added to the same message, notices enqueued only when what they report
// applied, and one delay warning per message.
TEST_F(QueueStoreTest, BatchRecordsForwardsAndNotices) {
  enqueue(make_message("AA01", 1700000000, {"alias@local.test", "far@remote.test"}));
  auto due = queue_->due(later(), 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  const RecipientRowId alias = due->front().recipients[0].id;
  const RecipientRowId far = due->front().recipients[1].id;

  QueueBatch batch;
  RecipientUpdate forwarded{alias, RecipientState::delivered, 0, "250 2.0.0 forwarded", "2.0.0", "local", ""};
  forwarded.forward.push_back(QueueRecipient{.address = "out@elsewhere.test", .orcpt = "rfc822;alias@local.test",
                                             .notify = kNotifyFailure});
  batch.updates.push_back(forwarded);
  batch.updates.push_back(RecipientUpdate{far, RecipientState::pending, later() + 600, "451 4.4.1 refused", "4.4.1",
                                          "mx.remote.test[127.0.0.2]:25", "X-Postino; connect refused"});
  QueueNotice warning;
  warning.message = make_message("BB01", 1700000100, {"sender@example.test"}, 2);
  warning.message.sender = "";
  warning.about = {far};
  warning.delay_warning = true;
  warning.about_message = "AA01";
  batch.notices.push_back(warning);
  QueueNotice unrelated;  // about a recipient this batch does not update: dropped
  unrelated.message = make_message("CC01", 1700000100, {"sender@example.test"}, 3);
  unrelated.about = {RecipientRowId{999999}};
  batch.notices.push_back(unrelated);
  auto result = queue_->record(batch);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->removed.empty());
  EXPECT_EQ(result->enqueued, std::vector<std::string>{"BB01"});

  auto message = queue_->find("AA01");
  ASSERT_TRUE(message.ok());
  EXPECT_TRUE(message->delay_warned);
  ASSERT_EQ(message->recipients.size(), 3u);
  EXPECT_EQ(message->recipients[1].last_status, "4.4.1");
  EXPECT_EQ(message->recipients[1].last_relay, "mx.remote.test[127.0.0.2]:25");
  EXPECT_EQ(message->recipients[1].last_diagnostic, "X-Postino; connect refused");
  EXPECT_EQ(message->recipients[2].address, "out@elsewhere.test");
  EXPECT_EQ(message->recipients[2].orcpt, "rfc822;alias@local.test");
  EXPECT_EQ(message->recipients[2].notify, kNotifyFailure);
  EXPECT_EQ(message->recipients[2].state, RecipientState::pending);
  EXPECT_EQ(code_of(queue_->find("CC01")), Errc::not_found);

  // A second warning for the same message is not enqueued; a repeated
  // update (already recorded) neither adds forwards again.
  QueueBatch again;
  again.updates.push_back(forwarded);
  again.updates.push_back(RecipientUpdate{far, RecipientState::failed, 0, "550 5.1.1 no", "5.1.1", "", ""});
  QueueNotice second = warning;
  second.message.id = "BB02";
  again.notices.push_back(second);
  QueueNotice bounce;
  bounce.message = make_message("DD01", 1700000100, {"sender@example.test"}, 4);
  bounce.about = {far};
  again.notices.push_back(bounce);
  result = queue_->record(again);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->enqueued, std::vector<std::string>{"DD01"});
  message = queue_->find("AA01");
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->recipients.size(), 3u);
  EXPECT_TRUE(queue_->find("DD01").ok());
}

}  // namespace
}  // namespace postino::sqlite
