// SqliteMailboxStore: delivery (single, multi-recipient, duplicate keys,
// quota), UID/MODSEQ assignment, reads, and the delete triggers that keep
// blob references and usage right when messages, mailboxes or accounts go.
#include "store/sqlite/sqlite_mailbox_store.hpp"

#include <gtest/gtest.h>

#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_metadata_store.hpp"
#include "store/test_temp_dir.hpp"

namespace postino::sqlite {
namespace {

BlobInfo make_blob(std::uint8_t seed, std::uint64_t size_bytes) {
  BlobInfo blob;
  blob.id.sha256.fill(seed);
  blob.size_bytes = size_bytes;
  return blob;
}

Delivery make_delivery(AccountId account, const BlobInfo& blob, const std::string& key, std::uint64_t quota_bytes = 0) {
  Delivery delivery;
  delivery.account = account;
  delivery.blob = blob;
  delivery.header_prefix = "Return-Path: <a@example.test>\r\n";
  delivery.internal_date = 1700000000;
  delivery.quota_bytes = quota_bytes;
  delivery.delivery_key = key;
  return delivery;
}

template <class T>
Errc code_of(const Result<T>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? Errc::io_error : r.error().code;
}

class MailboxStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteMetadataStore::open(path(), 2);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    metadata_ = std::move(*opened);
    ASSERT_TRUE(metadata_->directory().add_domain("example.test").ok());
  }
  std::string path() const { return dir_.path() + "/postino.sqlite"; }
  MailboxStore& store() { return metadata_->mailboxes(); }
  AccountId add_account(const std::string& local) {
    auto added = metadata_->directory().add_account(NewAccount{local + "@example.test", "{hash}"});
    EXPECT_TRUE(added.ok());
    return added.ok() ? added->id : AccountId{};
  }
  DeliveryOutcome deliver_ok(const Delivery& delivery) {
    auto outcomes = store().deliver({delivery});
    EXPECT_EQ(outcomes.size(), 1u);
    EXPECT_TRUE(outcomes[0].ok()) << outcomes[0].error().message;
    return outcomes[0].ok() ? *outcomes[0] : DeliveryOutcome{};
  }
  // A second write connection for what the store's API does not offer yet
  // (expunge, flag changes, mailbox deletion).
  Connection raw() {
    auto db = Connection::open(path(), OpenMode::read_write_create, 5000);
    EXPECT_TRUE(db.ok());
    EXPECT_TRUE(db->exec("PRAGMA foreign_keys = ON").ok());
    return std::move(*db);
  }

  postino::testing::TempDir dir_;
  std::unique_ptr<SqliteMetadataStore> metadata_;
};

TEST_F(MailboxStoreTest, FirstDeliveryCreatesInboxOnce) {
  AccountId bob = add_account("bob");
  BlobInfo blob = make_blob(1, 1000);
  Delivery first = make_delivery(bob, blob, "Q1/bob");
  DeliveryOutcome one = deliver_ok(first);
  EXPECT_FALSE(one.duplicate);
  EXPECT_EQ(one.uid, Uid{1});
  DeliveryOutcome two = deliver_ok(make_delivery(bob, make_blob(2, 10), "Q2/bob"));
  EXPECT_EQ(two.uid, Uid{2});
  EXPECT_EQ(two.mailbox, one.mailbox);

  auto mailboxes = store().list_mailboxes(bob);
  ASSERT_TRUE(mailboxes.ok());
  ASSERT_EQ(mailboxes->size(), 1u);
  const MailboxRecord& inbox = mailboxes->front();
  EXPECT_EQ(inbox.id, one.mailbox);
  EXPECT_EQ(inbox.account, bob);
  EXPECT_EQ(inbox.name, "INBOX");
  EXPECT_GT(inbox.uid_validity, 1600000000u);
  EXPECT_EQ(inbox.uid_next, 3u);
  EXPECT_EQ(inbox.highest_modseq, 2u);
  EXPECT_EQ(inbox.messages, 2u);
  EXPECT_EQ(inbox.special_use, "");

  auto found = store().find_mailbox(bob, "inbox");  // RFC 9051 5.1: any case
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, inbox.id);
  EXPECT_EQ(code_of(store().find_mailbox(bob, "Sent")), Errc::not_found);

  auto message = store().find_message(inbox.id, Uid{1});
  ASSERT_TRUE(message.ok()) << message.error().message;
  EXPECT_EQ(message->mailbox, inbox.id);
  EXPECT_EQ(message->blob, blob.id);
  EXPECT_EQ(message->header_prefix, first.header_prefix);
  EXPECT_EQ(message->size_bytes, first.header_prefix.size() + 1000);
  EXPECT_EQ(message->internal_date, 1700000000);
  EXPECT_EQ(message->modseq, 1u);
  EXPECT_TRUE(message->flags.empty());
  EXPECT_EQ(code_of(store().find_message(inbox.id, Uid{3})), Errc::not_found);

  auto messages = store().list_messages(inbox.id);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].uid, Uid{1});
  EXPECT_EQ((*messages)[1].uid, Uid{2});

  auto usage = store().usage(bob);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->messages, 2u);
  EXPECT_EQ(usage->bytes, 2 * first.header_prefix.size() + 1010);
  EXPECT_EQ(*metadata_->blobs().ref_count(blob.id), 1u);
}

TEST_F(MailboxStoreTest, OneMessageForManyAccountsIsStoredOnceInOneJob) {
  std::vector<AccountId> accounts{add_account("a"), add_account("b"), add_account("c")};
  BlobInfo blob = make_blob(7, 5000);
  std::vector<Delivery> deliveries;
  for (AccountId account : accounts) {
    deliveries.push_back(make_delivery(account, blob, "Q7/" + std::to_string(static_cast<int>(account))));
  }

  auto before = metadata_->writer_stats();
  auto outcomes = store().deliver(deliveries);
  EXPECT_EQ(metadata_->writer_stats().jobs - before.jobs, 1u);
  ASSERT_EQ(outcomes.size(), 3u);
  std::vector<std::uint32_t> validities;
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(outcomes[i].ok()) << outcomes[i].error().message;
    EXPECT_EQ(outcomes[i]->uid, Uid{1});
    auto inbox = store().find_mailbox(accounts[i], kInboxName);
    ASSERT_TRUE(inbox.ok());
    EXPECT_EQ(inbox->id, outcomes[i]->mailbox);
    validities.push_back(inbox->uid_validity);
    EXPECT_EQ(store().usage(accounts[i])->bytes, deliveries[i].header_prefix.size() + 5000);
  }
  EXPECT_NE(validities[0], validities[1]);
  EXPECT_NE(validities[1], validities[2]);
  EXPECT_NE(validities[0], validities[2]);
  EXPECT_EQ(*metadata_->blobs().ref_count(blob.id), 3u);
  EXPECT_EQ(metadata_->blobs().all_ids()->size(), 1u);
}

TEST_F(MailboxStoreTest, RepeatedDeliveryKeyIsANoOpWithTheSameUid) {
  AccountId bob = add_account("bob");
  AccountId carol = add_account("carol");
  BlobInfo blob = make_blob(3, 100);
  DeliveryOutcome first = deliver_ok(make_delivery(bob, blob, "Q3/1"));

  DeliveryOutcome again = deliver_ok(make_delivery(bob, blob, "Q3/1"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.uid, first.uid);
  EXPECT_EQ(again.mailbox, first.mailbox);

  // Twice in one call: the second sees the first.
  auto outcomes = store().deliver({make_delivery(bob, blob, "Q3/2"), make_delivery(bob, blob, "Q3/2")});
  ASSERT_TRUE(outcomes[0].ok() && outcomes[1].ok());
  EXPECT_FALSE(outcomes[0]->duplicate);
  EXPECT_TRUE(outcomes[1]->duplicate);
  EXPECT_EQ(outcomes[1]->uid, outcomes[0]->uid);

  // Keys are per account.
  EXPECT_FALSE(deliver_ok(make_delivery(carol, blob, "Q3/1")).duplicate);
  // An empty key is not deduplicated.
  EXPECT_FALSE(deliver_ok(make_delivery(bob, blob, "")).duplicate);
  EXPECT_FALSE(deliver_ok(make_delivery(bob, blob, "")).duplicate);

  EXPECT_EQ(store().usage(bob)->messages, 4u);
  EXPECT_EQ(store().find_mailbox(bob, kInboxName)->messages, 4u);
  EXPECT_EQ(*metadata_->blobs().ref_count(blob.id), 5u);
  // A duplicate is answered even when the account is now over quota.
  EXPECT_TRUE(deliver_ok(make_delivery(bob, blob, "Q3/1", 1)).duplicate);
}

TEST_F(MailboxStoreTest, OverQuotaFailsOnlyThatDelivery) {
  AccountId a = add_account("a");
  AccountId full = add_account("full");
  AccountId c = add_account("c");
  BlobInfo blob = make_blob(4, 1000);
  const std::uint64_t one = make_delivery(full, blob, "").header_prefix.size() + 1000;
  // Exactly at the quota is allowed.
  deliver_ok(make_delivery(full, make_blob(5, 1000), "Q0/full", one));

  auto outcomes = store().deliver({make_delivery(a, blob, "Q4/a", one),
                                   make_delivery(full, blob, "Q4/full", 2 * one - 1), make_delivery(c, blob, "Q4/c")});
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(outcomes[0].ok());
  ASSERT_FALSE(outcomes[1].ok());
  EXPECT_EQ(outcomes[1].error().code, Errc::over_quota);
  EXPECT_NE(outcomes[1].error().message.find("over quota"), std::string::npos) << outcomes[1].error().message;
  EXPECT_TRUE(outcomes[2].ok());

  EXPECT_EQ(store().usage(full)->messages, 1u);
  EXPECT_EQ(store().usage(full)->bytes, one);
  EXPECT_EQ(store().find_mailbox(full, kInboxName)->uid_next, 2u);
  EXPECT_EQ(*metadata_->blobs().ref_count(blob.id), 2u);
  // The failed key was not recorded: a retry with room succeeds.
  EXPECT_FALSE(deliver_ok(make_delivery(full, blob, "Q4/full", 2 * one)).duplicate);

  // An over-quota first delivery leaves no INBOX behind.
  AccountId tiny = add_account("tiny");
  auto refused = store().deliver({make_delivery(tiny, blob, "Q4/tiny", 10)});
  EXPECT_EQ(code_of(refused[0]), Errc::over_quota);
  EXPECT_TRUE(store().list_mailboxes(tiny)->empty());
}

TEST_F(MailboxStoreTest, UidsIncreaseAndModseqsNeverGoBack) {
  AccountId bob = add_account("bob");
  std::vector<Delivery> batch;
  for (int i = 0; i < 10; ++i) {
    batch.push_back(make_delivery(bob, make_blob(static_cast<std::uint8_t>(i), 10), "B" + std::to_string(i)));
  }
  for (const auto& outcome : store().deliver(batch)) ASSERT_TRUE(outcome.ok());
  for (int i = 0; i < 10; ++i) {
    deliver_ok(make_delivery(bob, make_blob(static_cast<std::uint8_t>(i), 10), "S" + std::to_string(i)));
  }

  auto inbox = store().find_mailbox(bob, kInboxName);
  auto messages = store().list_messages(inbox->id);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 20u);
  for (std::size_t i = 0; i < messages->size(); ++i) {
    EXPECT_EQ((*messages)[i].uid, Uid{static_cast<std::uint32_t>(i + 1)});
    if (i > 0) {
      EXPECT_GT((*messages)[i].modseq, (*messages)[i - 1].modseq);
    }
  }
  EXPECT_EQ(inbox->highest_modseq, messages->back().modseq);
  EXPECT_EQ(inbox->uid_next, 21u);
}

TEST_F(MailboxStoreTest, OtherMailboxesAndErrors) {
  AccountId bob = add_account("bob");
  BlobInfo blob = make_blob(6, 10);
  Delivery junk = make_delivery(bob, blob, "J1");
  junk.mailbox = "Junk";
  DeliveryOutcome in_junk = deliver_ok(junk);
  deliver_ok(make_delivery(bob, blob, "I1"));
  auto mailboxes = store().list_mailboxes(bob);
  ASSERT_TRUE(mailboxes.ok());
  ASSERT_EQ(mailboxes->size(), 2u);
  EXPECT_EQ((*mailboxes)[0].name, "INBOX");
  EXPECT_EQ((*mailboxes)[1].name, "Junk");
  EXPECT_EQ((*mailboxes)[1].id, in_junk.mailbox);
  EXPECT_LT((*mailboxes)[1].uid_validity, (*mailboxes)[0].uid_validity);  // created first

  AccountId nobody{9999};
  EXPECT_EQ(code_of(store().deliver({make_delivery(nobody, blob, "N1")})[0]), Errc::not_found);
  EXPECT_EQ(code_of(store().list_mailboxes(nobody)), Errc::not_found);
  EXPECT_EQ(code_of(store().usage(nobody)), Errc::not_found);
  EXPECT_EQ(code_of(store().list_messages(MailboxId{9999})), Errc::not_found);
  Delivery unnamed = make_delivery(bob, blob, "U1");
  unnamed.mailbox = "";
  EXPECT_EQ(code_of(store().deliver({unnamed})[0]), Errc::invalid_argument);
  EXPECT_TRUE(store().deliver({}).empty());

  AccountId carol = add_account("carol");
  auto usage = store().usage(carol);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->bytes + usage->messages, 0u);
  EXPECT_TRUE(store().list_mailboxes(carol)->empty());
}

TEST_F(MailboxStoreTest, FlagsAndKeywordsAreRead) {
  AccountId bob = add_account("bob");
  DeliveryOutcome one = deliver_ok(make_delivery(bob, make_blob(1, 10), "K1"));
  DeliveryOutcome two = deliver_ok(make_delivery(bob, make_blob(2, 10), "K2"));
  Connection db = raw();
  auto mailbox = std::to_string(static_cast<std::int64_t>(one.mailbox));
  ASSERT_TRUE(db.exec("UPDATE messages SET system_flags = 5 WHERE uid = 2 AND mailbox_id = " + mailbox).ok());
  ASSERT_TRUE(
      db.exec("INSERT INTO message_keywords VALUES (" + mailbox + ", 2, '$Junk'), (" + mailbox + ", 2, '$Forwarded')")
          .ok());

  auto message = store().find_message(two.mailbox, two.uid);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->flags, (std::vector<std::string>{"\\Seen", "\\Flagged", "$Forwarded", "$Junk"}));
  auto messages = store().list_messages(one.mailbox);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_TRUE((*messages)[0].flags.empty());
  EXPECT_EQ((*messages)[1].flags, message->flags);
}

TEST_F(MailboxStoreTest, DeletingMessagesMailboxesAndAccountsReleasesBlobsAndUsage) {
  AccountId a = add_account("a");
  AccountId b = add_account("b");
  BlobInfo shared = make_blob(8, 100);
  BlobInfo own = make_blob(9, 50);
  for (const auto& outcome : store().deliver({make_delivery(a, shared, "D1"), make_delivery(b, shared, "D1")})) {
    ASSERT_TRUE(outcome.ok());
  }
  DeliveryOutcome second = deliver_ok(make_delivery(b, own, "D2"));
  Delivery archived = make_delivery(b, own, "D3");
  archived.mailbox = "Archive";
  DeliveryOutcome in_archive = deliver_ok(archived);
  const std::uint64_t prefix = archived.header_prefix.size();
  EXPECT_EQ(*metadata_->blobs().ref_count(own.id), 2u);

  Connection db = raw();
  // An expunge: the message row goes, its counters follow.
  ASSERT_TRUE(db.exec("DELETE FROM messages WHERE mailbox_id = " +
                      std::to_string(static_cast<std::int64_t>(second.mailbox)) + " AND uid = 2")
                  .ok());
  EXPECT_EQ(*metadata_->blobs().ref_count(own.id), 1u);
  EXPECT_EQ(store().usage(b)->messages, 2u);
  EXPECT_EQ(store().usage(b)->bytes, 2 * prefix + 150);
  auto inbox = store().find_mailbox(b, kInboxName);
  EXPECT_EQ(inbox->messages, 1u);
  EXPECT_EQ(inbox->uid_next, 3u);  // UIDs are never reused

  // A mailbox deletion cascades to its messages.
  ASSERT_TRUE(
      db.exec("DELETE FROM mailboxes WHERE id = " + std::to_string(static_cast<std::int64_t>(in_archive.mailbox)))
          .ok());
  EXPECT_EQ(*metadata_->blobs().ref_count(own.id), 0u);
  EXPECT_EQ(store().usage(b)->messages, 1u);
  EXPECT_EQ(store().usage(b)->bytes, prefix + 100);
  auto unreferenced = metadata_->blobs().unreferenced(0);
  ASSERT_TRUE(unreferenced.ok());
  EXPECT_EQ(*unreferenced, std::vector<BlobId>{own.id});

  // An account deletion cascades to everything of it.
  ASSERT_TRUE(metadata_->directory().delete_account("a@example.test").ok());
  EXPECT_EQ(*metadata_->blobs().ref_count(shared.id), 1u);
  ASSERT_TRUE(metadata_->directory().delete_account("b@example.test").ok());
  EXPECT_EQ(*metadata_->blobs().ref_count(shared.id), 0u);
  for (const char* table : {"mailboxes", "messages", "account_usage", "deliveries"}) {
    auto q = db.prepare(std::string("SELECT count(*) FROM ") + table);
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE(*q->step());
    EXPECT_EQ(q->column_int64(0), 0) << table;
  }
}

TEST_F(MailboxStoreTest, SchemaSurvivesReopen) {
  AccountId bob = add_account("bob");
  DeliveryOutcome first = deliver_ok(make_delivery(bob, make_blob(1, 10), "R1"));
  metadata_.reset();
  auto reopened = SqliteMetadataStore::open(path(), 1);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  metadata_ = std::move(*reopened);
  EXPECT_EQ(metadata_->schema_version(), static_cast<int>(builtin_migrations().size()));
  EXPECT_TRUE(deliver_ok(make_delivery(bob, make_blob(1, 10), "R1")).duplicate);
  EXPECT_EQ(deliver_ok(make_delivery(bob, make_blob(1, 10), "R2")).uid, Uid{2});
  EXPECT_EQ(store().find_message(first.mailbox, first.uid)->size_bytes,
            make_delivery(bob, make_blob(1, 10), "").header_prefix.size() + 10);
}

}  // namespace
}  // namespace postino::sqlite
