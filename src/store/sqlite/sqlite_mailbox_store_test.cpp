// SqliteMailboxStore: delivery (single, multi-recipient, duplicate keys,
// quota, APPEND flags), UID/MODSEQ assignment, reads, the delete triggers
// that keep blob references and usage right when messages, mailboxes or
// accounts go, and the IMAP operations: mailbox create/delete/rename,
// subscriptions, STATUS, \Recent claims, STORE with UNCHANGEDSINCE,
// EXPUNGE and its log, COPY/MOVE with quota, and the change stream.
#include "store/sqlite/sqlite_mailbox_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "store/object_ids.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_metadata_store.hpp"
#include "store/test_temp_dir.hpp"
#include "store/unix_time.hpp"

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
  // A second write connection, to reach the tables behind the API.
  Connection raw() {
    auto db = Connection::open(path(), OpenMode::read_write_create, 5000);
    EXPECT_TRUE(db.ok());
    EXPECT_TRUE(db->exec("PRAGMA foreign_keys = ON").ok());
    return std::move(*db);
  }

  // Delivers a message with `flags` (and a structure) to `mailbox`.
  DeliveryOutcome put(AccountId account, const std::string& mailbox, std::uint8_t seed,
                      std::vector<std::string> flags = {}, std::uint64_t size_bytes = 100) {
    Delivery delivery = make_delivery(account, make_blob(seed, size_bytes), "");
    delivery.mailbox = mailbox;
    delivery.flags = std::move(flags);
    delivery.mime_structure = "structure-" + std::to_string(seed);
    return deliver_ok(delivery);
  }
  std::int64_t count_rows(const std::string& sql) {
    Connection db = raw();
    auto q = db.prepare(sql);
    EXPECT_TRUE(q.ok());
    EXPECT_TRUE(*q->step());
    return q->column_int64(0);
  }
  std::uint64_t refs(std::uint8_t seed) { return *metadata_->blobs().ref_count(make_blob(seed, 0).id); }
  std::uint64_t highest(MailboxId mailbox) { return store().status(mailbox)->highest_modseq; }
  std::vector<std::string> flags_of(MailboxId mailbox, Uid uid) {
    auto message = store().find_message(mailbox, uid);
    EXPECT_TRUE(message.ok());
    return message.ok() ? message->flags : std::vector<std::string>{};
  }
  std::vector<std::string> names(AccountId account) {
    std::vector<std::string> out;
    auto mailboxes = store().list_mailboxes(account);
    EXPECT_TRUE(mailboxes.ok());
    for (const MailboxRecord& m : *mailboxes) out.push_back(m.name);
    return out;
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
  EXPECT_EQ(inbox.highest_modseq, 3u);
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
  EXPECT_EQ(message->modseq, 2u);
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

// --- IMAP operations

const std::uint64_t kPrefix = make_delivery(AccountId{}, BlobInfo{}, "").header_prefix.size();

std::vector<Uid> uids(std::initializer_list<std::uint32_t> values) {
  std::vector<Uid> out;
  for (std::uint32_t v : values) out.push_back(Uid{v});
  return out;
}

TEST_F(MailboxStoreTest, CreateMailboxMakesParentsAndValidatesNames) {
  AccountId bob = add_account("bob");
  auto made = store().create_mailbox(bob, "Work/Projects/Alpha", "\\Archive");
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->name, "Work/Projects/Alpha");
  EXPECT_EQ(made->special_use, "\\Archive");
  EXPECT_EQ(made->uid_next, 1u);
  EXPECT_EQ(made->messages, 0u);
  EXPECT_EQ(names(bob), (std::vector<std::string>{"Work", "Work/Projects", "Work/Projects/Alpha"}));
  EXPECT_EQ(store().find_mailbox(bob, "Work")->special_use, "");
  EXPECT_EQ(code_of(store().create_mailbox(bob, "Work/Projects/Alpha", "")), Errc::already_exists);
  EXPECT_EQ(code_of(store().create_mailbox(bob, "Work", "")), Errc::already_exists);

  // INBOX in any case, and its children's first level.
  EXPECT_EQ(store().create_mailbox(bob, "inbox", "")->name, "INBOX");
  EXPECT_EQ(code_of(store().create_mailbox(bob, "InBox", "")), Errc::already_exists);
  EXPECT_EQ(store().create_mailbox(bob, "iNbOx/Lists", "")->name, "INBOX/Lists");
  EXPECT_EQ(store().create_mailbox(bob, "Inboxes", "")->name, "Inboxes");
  EXPECT_EQ(store().create_mailbox(bob, "Entw\xC3\xBCrfe", "\\Drafts")->name, "Entw\xC3\xBCrfe");

  for (const char* bad : {"", "/a", "a/", "a//b", "a*", "50%", "tab\there", "del\x7f", "bad\xC3", "\xC0\xAF",
                          "\xED\xA0\x80"}) {
    EXPECT_EQ(code_of(store().create_mailbox(bob, bad, "")), Errc::invalid_argument) << bad;
  }
  EXPECT_EQ(code_of(store().create_mailbox(bob, std::string(513, 'x'), "")), Errc::invalid_argument);
  EXPECT_TRUE(store().create_mailbox(bob, std::string(512, 'x'), "").ok());
  EXPECT_EQ(code_of(store().create_mailbox(bob, "Odd", "\\Bogus")), Errc::invalid_argument);
  EXPECT_EQ(code_of(store().create_mailbox(AccountId{9999}, "X", "")), Errc::not_found);

  std::vector<std::uint32_t> validities;
  auto mailboxes = store().list_mailboxes(bob);
  for (const MailboxRecord& m : *mailboxes) validities.push_back(m.uid_validity);
  std::sort(validities.begin(), validities.end());
  EXPECT_EQ(std::adjacent_find(validities.begin(), validities.end()), validities.end());
}

TEST_F(MailboxStoreTest, DeleteMailboxLeavesChildrenAndReleasesEverything) {
  AccountId bob = add_account("bob");
  put(bob, kInboxName, 1);
  DeliveryOutcome parent = put(bob, "Lists", 2, {"$Work"}, 300);
  put(bob, "Lists", 3, {}, 300);
  DeliveryOutcome child = put(bob, "Lists/Debian", 4);
  ASSERT_TRUE(store().expunge(parent.mailbox, ExpungeFilter{false, uids({2})}).ok());
  ASSERT_TRUE(store().set_subscribed(bob, "Lists", true).ok());
  const std::uint32_t old_validity = store().find_mailbox(bob, "Lists")->uid_validity;
  EXPECT_EQ(store().usage(bob)->messages, 3u);

  ASSERT_TRUE(store().delete_mailbox(bob, "Lists").ok());
  EXPECT_EQ(names(bob), (std::vector<std::string>{"INBOX", "Lists/Debian"}));
  EXPECT_EQ(store().list_messages(child.mailbox)->size(), 1u);
  EXPECT_EQ(refs(2), 0u);
  EXPECT_EQ(refs(4), 1u);
  EXPECT_EQ(store().usage(bob)->messages, 2u);
  EXPECT_EQ(store().usage(bob)->bytes, 2 * (kPrefix + 100));
  const std::string id = std::to_string(static_cast<std::int64_t>(parent.mailbox));
  for (const char* table : {"messages", "message_keywords", "message_structures", "expunged"}) {
    EXPECT_EQ(count_rows(std::string("SELECT count(*) FROM ") + table + " WHERE mailbox_id = " + id), 0) << table;
  }
  // RFC 9051 6.3.9: the subscription stays.
  EXPECT_EQ(*store().subscriptions(bob), std::vector<std::string>{"Lists"});
  // A new mailbox of the same name never sees the old UIDVALIDITY.
  auto again = store().create_mailbox(bob, "Lists", "");
  ASSERT_TRUE(again.ok());
  EXPECT_GT(again->uid_validity, old_validity);
  EXPECT_TRUE(again->subscribed);

  EXPECT_EQ(store().delete_mailbox(bob, "inbox").error().code, Errc::invalid_argument);
  EXPECT_EQ(store().delete_mailbox(bob, "Nope").error().code, Errc::not_found);
  EXPECT_EQ(store().delete_mailbox(AccountId{9999}, "Lists").error().code, Errc::not_found);
}

TEST_F(MailboxStoreTest, RenameMovesChildrenAndTheirSubscriptions) {
  AccountId bob = add_account("bob");
  DeliveryOutcome a = put(bob, "a", 1);
  DeliveryOutcome ab = put(bob, "a/b", 2);
  put(bob, "a/b/c", 3);
  put(bob, "ab", 4);  // a sibling sharing the prefix, not a child
  put(bob, "a0", 5);
  ASSERT_TRUE(store().set_subscribed(bob, "a/b", true).ok());
  ASSERT_TRUE(store().set_subscribed(bob, "ab", true).ok());
  const std::uint32_t validity = store().find_mailbox(bob, "a/b")->uid_validity;

  ASSERT_TRUE(store().rename_mailbox(bob, "a", "x/y").ok());
  EXPECT_EQ(names(bob), (std::vector<std::string>{"a0", "ab", "x", "x/y", "x/y/b", "x/y/b/c"}));
  auto moved = store().find_mailbox(bob, "x/y/b");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->id, ab.mailbox);
  EXPECT_EQ(moved->uid_validity, validity);
  EXPECT_EQ(moved->messages, 1u);
  EXPECT_TRUE(moved->subscribed);
  EXPECT_EQ(store().find_mailbox(bob, "x/y")->id, a.mailbox);
  EXPECT_EQ(*store().subscriptions(bob), (std::vector<std::string>{"ab", "x/y/b"}));

  EXPECT_EQ(store().rename_mailbox(bob, "x/y", "ab").error().code, Errc::already_exists);
  EXPECT_EQ(store().rename_mailbox(bob, "x/y", "x/y").error().code, Errc::already_exists);
  EXPECT_EQ(store().rename_mailbox(bob, "x/y", "x/y/b/d").error().code, Errc::invalid_argument);
  EXPECT_EQ(store().rename_mailbox(bob, "x/y", "inbox").error().code, Errc::already_exists);
  EXPECT_EQ(store().rename_mailbox(bob, "gone", "new").error().code, Errc::not_found);
  EXPECT_EQ(store().rename_mailbox(bob, "ab", "bad/").error().code, Errc::invalid_argument);
  // A child's new name is taken: nothing is renamed.
  ASSERT_TRUE(store().create_mailbox(bob, "z/b", "").ok());
  EXPECT_EQ(store().rename_mailbox(bob, "x/y", "z").error().code, Errc::already_exists);
  EXPECT_TRUE(store().find_mailbox(bob, "x/y/b/c").ok());
  // Up a level: "x/y/b" -> "x/b" (the old parent level keeps its place).
  ASSERT_TRUE(store().rename_mailbox(bob, "x/y/b", "x/b").ok());
  EXPECT_EQ(names(bob), (std::vector<std::string>{"a0", "ab", "x", "x/b", "x/b/c", "x/y", "z", "z/b"}));
}

TEST_F(MailboxStoreTest, RenameInboxMovesItsMessagesAndLeavesItEmpty) {
  AccountId bob = add_account("bob");
  put(bob, kInboxName, 1, {"\\Seen", "$Work"});
  put(bob, kInboxName, 2);
  put(bob, kInboxName, 1);
  DeliveryOutcome sub = put(bob, "INBOX/Sub", 3);
  auto inbox = *store().find_mailbox(bob, kInboxName);
  const QuotaUsage before = *store().usage(bob);

  ASSERT_TRUE(store().rename_mailbox(bob, "Inbox", "Old/2025").ok());
  auto old = store().find_mailbox(bob, "Old/2025");
  ASSERT_TRUE(old.ok());
  EXPECT_NE(old->id, inbox.id);
  EXPECT_EQ(old->messages, 3u);
  auto messages = *store().list_messages(old->id);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].flags, (std::vector<std::string>{"\\Seen", "$Work"}));
  EXPECT_EQ(store().find_message(old->id, Uid{1})->mime_structure, "structure-1");

  auto left = store().find_mailbox(bob, kInboxName);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->id, inbox.id);
  EXPECT_EQ(left->uid_validity, inbox.uid_validity);
  EXPECT_EQ(left->messages, 0u);
  EXPECT_EQ(left->uid_next, 4u);  // UIDs are never reused
  EXPECT_EQ(store().changes_since(inbox.id, inbox.highest_modseq)->expunged, uids({1, 2, 3}));
  EXPECT_EQ(store().find_mailbox(bob, "INBOX/Sub")->id, sub.mailbox);
  EXPECT_TRUE(store().find_mailbox(bob, "Old").ok());
  EXPECT_EQ(store().usage(bob)->bytes, before.bytes);
  EXPECT_EQ(store().usage(bob)->messages, before.messages);
  EXPECT_EQ(refs(1), 2u);
  EXPECT_EQ(put(bob, kInboxName, 4).uid, Uid{4});
}

TEST_F(MailboxStoreTest, SubscriptionsAreNamesEvenOfMissingMailboxes) {
  AccountId bob = add_account("bob");
  AccountId carol = add_account("carol");
  put(bob, kInboxName, 1);
  put(bob, "Sent", 2);
  ASSERT_TRUE(store().set_subscribed(bob, "Ghost/Town", true).ok());
  ASSERT_TRUE(store().set_subscribed(bob, "inbox", true).ok());
  ASSERT_TRUE(store().set_subscribed(bob, "inbox", true).ok());  // twice is once
  ASSERT_TRUE(store().set_subscribed(carol, "Sent", true).ok());
  EXPECT_EQ(*store().subscriptions(bob), (std::vector<std::string>{"Ghost/Town", "INBOX"}));
  auto mailboxes = *store().list_mailboxes(bob);
  ASSERT_EQ(mailboxes.size(), 2u);
  EXPECT_TRUE(mailboxes[0].subscribed);   // INBOX
  EXPECT_FALSE(mailboxes[1].subscribed);  // Sent: carol's subscription is hers
  EXPECT_TRUE(store().find_mailbox(bob, "INBOX")->subscribed);

  ASSERT_TRUE(store().set_subscribed(bob, "Ghost/Town", false).ok());
  ASSERT_TRUE(store().set_subscribed(bob, "Never", false).ok());
  EXPECT_EQ(*store().subscriptions(bob), std::vector<std::string>{"INBOX"});
  EXPECT_EQ(store().set_subscribed(bob, "a//b", true).error().code, Errc::invalid_argument);
  EXPECT_EQ(store().set_subscribed(AccountId{9999}, "X", true).error().code, Errc::not_found);
  EXPECT_EQ(code_of(store().subscriptions(AccountId{9999})), Errc::not_found);
  ASSERT_TRUE(metadata_->directory().delete_account("carol@example.test").ok());
  EXPECT_EQ(count_rows("SELECT count(*) FROM subscriptions"), 1);
}

TEST_F(MailboxStoreTest, AppendStoresFlagsStructureAndSaveDate) {
  AccountId bob = add_account("bob");
  ASSERT_TRUE(store().create_mailbox(bob, "Drafts", "\\Drafts").ok());
  Delivery append = make_delivery(bob, make_blob(1, 10), "");
  append.mailbox = "drafts";  // not INBOX: exact names only
  append.create_mailbox = false;
  EXPECT_EQ(code_of(store().deliver({append})[0]), Errc::not_found);
  EXPECT_EQ(names(bob), std::vector<std::string>{"Drafts"});

  const std::int64_t before = unix_now_seconds();
  append.mailbox = "Drafts";
  append.flags = {"\\draft", "\\Recent", "$Label1", "$label1", "\\Seen"};
  append.mime_structure = std::string("tree\0with nul", 13);
  DeliveryOutcome stored = deliver_ok(append);
  auto drafts = store().find_mailbox(bob, "Drafts");
  EXPECT_EQ(stored.uid_validity, drafts->uid_validity);
  auto message = store().find_message(stored.mailbox, stored.uid);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->flags, (std::vector<std::string>{"\\Seen", "\\Draft", "$Label1"}));
  EXPECT_EQ(message->mime_structure, append.mime_structure);
  EXPECT_GE(message->save_date, before);
  EXPECT_LE(message->save_date, unix_now_seconds());
  EXPECT_EQ(message->internal_date, 1700000000);
  EXPECT_TRUE(store().list_messages(stored.mailbox)->front().mime_structure.empty());
  EXPECT_EQ(store().list_messages(stored.mailbox)->front().flags, message->flags);
  auto with = store().read_messages(stored.mailbox, uids({1, 7}), true);
  ASSERT_TRUE(with.ok());
  ASSERT_EQ(with->size(), 1u);
  EXPECT_EQ(with->front().mime_structure, append.mime_structure);
  EXPECT_TRUE(store().read_messages(stored.mailbox, uids({1}), false)->front().mime_structure.empty());

  // Bad flags fail that delivery only.
  Delivery bad = append;
  bad.flags = {"\\Bogus"};
  Delivery good = append;
  good.flags = {};
  auto outcomes = store().deliver({bad, good});
  EXPECT_EQ(code_of(outcomes[0]), Errc::invalid_argument);
  EXPECT_TRUE(outcomes[1].ok());
  EXPECT_EQ(store().find_mailbox(bob, "Drafts")->messages, 2u);
  // Later keywords take the spelling the mailbox already uses.
  good.flags = {"$LABEL1"};
  DeliveryOutcome third = deliver_ok(good);
  EXPECT_EQ(flags_of(third.mailbox, third.uid), std::vector<std::string>{"$Label1"});
}

TEST_F(MailboxStoreTest, ReadMessagesReturnsTheExistingOnesInUidOrder) {
  AccountId bob = add_account("bob");
  MailboxId inbox{};
  for (int i = 1; i <= 300; ++i) inbox = put(bob, kInboxName, static_cast<std::uint8_t>(i % 7), {}, 10).mailbox;
  ASSERT_TRUE(store().expunge(inbox, ExpungeFilter{false, uids({5, 150})}).ok());
  std::vector<Uid> wanted = uids({300, 1, 5, 2, 150, 151, 299, 1, 1000, 0, 4294967295u});
  auto read = store().read_messages(inbox, wanted, false);
  ASSERT_TRUE(read.ok());
  std::vector<Uid> got;
  for (const MessageRecord& m : *read) got.push_back(m.uid);
  EXPECT_EQ(got, uids({1, 2, 151, 299, 300}));
  EXPECT_TRUE(store().read_messages(inbox, {}, true)->empty());
  EXPECT_EQ(code_of(store().read_messages(MailboxId{9999}, wanted, false)), Errc::not_found);
}

TEST_F(MailboxStoreTest, StatusCountsAndRecentIsClaimedOnce) {
  AccountId bob = add_account("bob");
  DeliveryOutcome first = put(bob, kInboxName, 1, {"\\Seen"});
  put(bob, kInboxName, 2, {"\\Deleted"});
  put(bob, kInboxName, 3, {"\\Seen", "\\Deleted"});
  auto status = store().status(first.mailbox);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->messages, 3u);
  EXPECT_EQ(status->unseen, 1u);
  EXPECT_EQ(status->deleted, 2u);
  EXPECT_EQ(status->size_bytes, 3 * (kPrefix + 100));
  EXPECT_EQ(status->uid_next, 4u);
  EXPECT_EQ(status->uid_validity, first.uid_validity);
  EXPECT_EQ(status->highest_modseq, 4u);
  EXPECT_EQ(status->first_recent_uid, 1u);

  auto claim = store().claim_recent(first.mailbox);
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ(claim->first, Uid{1});
  EXPECT_EQ(claim->end, Uid{4});
  EXPECT_EQ(store().status(first.mailbox)->first_recent_uid, 4u);
  claim = store().claim_recent(first.mailbox);
  EXPECT_EQ(claim->first, claim->end);
  EXPECT_EQ(code_of(store().claim_recent(MailboxId{9999})), Errc::not_found);
  EXPECT_EQ(code_of(store().status(MailboxId{9999})), Errc::not_found);

  // Concurrent claimers interleaved with deliveries: each UID is recent for
  // exactly one of them.
  constexpr int kClaimers = 4;
  constexpr int kDeliveries = 40;
  std::vector<std::vector<RecentClaim>> claims(kClaimers);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClaimers; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto c = store().claim_recent(first.mailbox);
        if (c.ok()) claims[t].push_back(*c);
      }
    });
  }
  for (int i = 0; i < kDeliveries; ++i) put(bob, kInboxName, 4);
  for (auto& thread : threads) thread.join();
  auto last = store().claim_recent(first.mailbox);
  ASSERT_TRUE(last.ok());
  claims[0].push_back(*last);
  std::vector<int> owners(4 + kDeliveries, 0);
  for (const auto& list : claims) {
    EXPECT_EQ(list.size() >= 20u, true);
    for (const RecentClaim& c : list) {
      for (auto uid = static_cast<std::uint32_t>(c.first); uid < static_cast<std::uint32_t>(c.end); ++uid) {
        ASSERT_LT(uid, owners.size());
        ++owners[uid];
      }
    }
  }
  for (std::uint32_t uid = 4; uid < owners.size(); ++uid) EXPECT_EQ(owners[uid], 1) << uid;
}

TEST_F(MailboxStoreTest, StoreFlagsAddsRemovesAndReplacesWithOneModseqPerCall) {
  AccountId bob = add_account("bob");
  MailboxId inbox = put(bob, kInboxName, 1).mailbox;
  put(bob, kInboxName, 2, {"$Work"});
  put(bob, kInboxName, 3);
  const std::uint64_t start = highest(inbox);

  auto added = store().store_flags(inbox, uids({2, 1, 99}), FlagOperation::add, {"\\Seen", "$work", "$Todo"}, {});
  ASSERT_TRUE(added.ok()) << added.error().message;
  ASSERT_EQ(added->changed.size(), 2u);
  EXPECT_TRUE(added->modified.empty());
  EXPECT_EQ(added->changed[0].uid, Uid{1});
  EXPECT_EQ(added->changed[0].modseq, start + 1);
  EXPECT_EQ(added->changed[1].modseq, start + 1);
  // "$work" took the mailbox's spelling "$Work"; keywords come sorted.
  EXPECT_EQ(added->changed[0].flags, (std::vector<std::string>{"\\Seen", "$Todo", "$Work"}));
  EXPECT_EQ(flags_of(inbox, Uid{2}), added->changed[1].flags);
  EXPECT_EQ(highest(inbox), start + 1);
  EXPECT_EQ(store().find_message(inbox, Uid{1})->modseq, start + 1);
  EXPECT_EQ(store().find_message(inbox, Uid{3})->modseq, 4u);

  // Nothing changes: no new modseq. \Recent is ignored.
  auto same = store().store_flags(inbox, uids({1, 2}), FlagOperation::add, {"\\SEEN", "\\Recent"}, {});
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->changed.empty());
  EXPECT_EQ(highest(inbox), start + 1);

  auto removed = store().store_flags(inbox, uids({1, 2, 3}), FlagOperation::remove, {"$TODO", "\\Seen"}, {});
  ASSERT_TRUE(removed.ok());
  ASSERT_EQ(removed->changed.size(), 2u);
  EXPECT_EQ(removed->changed[0].flags, std::vector<std::string>{"$Work"});
  EXPECT_EQ(removed->changed[0].modseq, start + 2);

  auto replaced = store().store_flags(inbox, uids({1, 3}), FlagOperation::replace, {"\\Flagged", "$Blue"}, {});
  ASSERT_TRUE(replaced.ok());
  ASSERT_EQ(replaced->changed.size(), 2u);
  EXPECT_EQ(flags_of(inbox, Uid{1}), (std::vector<std::string>{"\\Flagged", "$Blue"}));
  EXPECT_EQ(flags_of(inbox, Uid{3}), (std::vector<std::string>{"\\Flagged", "$Blue"}));
  ASSERT_TRUE(store().store_flags(inbox, uids({3}), FlagOperation::replace, {}, {}).ok());
  EXPECT_TRUE(flags_of(inbox, Uid{3}).empty());
  EXPECT_EQ(count_rows("SELECT count(*) FROM message_keywords WHERE uid = 3"), 0);

  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"\\Bogus"}, {"two words"}, {"par(en"}, {"brace{"}, {"star*"}, {"quo\"te"}, {"back\\slash"},
           {"bracket]"}, {""}, {std::string(129, 'k')}, {"\xC3\xA9t\xC3\xA9"}}) {
    EXPECT_EQ(code_of(store().store_flags(inbox, uids({1}), FlagOperation::add, bad, {})), Errc::invalid_argument)
        << bad[0];
  }
  EXPECT_EQ(code_of(store().store_flags(MailboxId{9999}, uids({1}), FlagOperation::add, {"\\Seen"}, {})),
            Errc::not_found);

  // At most 100 keywords per message: one call or several.
  std::vector<std::string> many;
  for (int i = 0; i < 100; ++i) many.push_back("k" + std::to_string(i));
  ASSERT_TRUE(store().store_flags(inbox, uids({2}), FlagOperation::replace, many, {}).ok());
  many.push_back("k100");
  EXPECT_EQ(code_of(store().store_flags(inbox, uids({3}), FlagOperation::replace, many, {})),
            Errc::invalid_argument);
  auto over = store().store_flags(inbox, uids({3, 2}), FlagOperation::add, {"\\Seen", "one-more"}, {});
  EXPECT_EQ(code_of(over), Errc::invalid_argument);
  EXPECT_TRUE(flags_of(inbox, Uid{3}).empty());  // the whole call failed
}

TEST_F(MailboxStoreTest, UnchangedSinceLeavesLaterChangesAlone) {
  AccountId bob = add_account("bob");
  MailboxId inbox = put(bob, kInboxName, 1).mailbox;
  put(bob, kInboxName, 2);
  put(bob, kInboxName, 3);
  ASSERT_TRUE(store().store_flags(inbox, uids({2}), FlagOperation::add, {"\\Answered"}, {}).ok());
  const std::uint64_t seen_at = 4;  // what a client knew before that change (new mailboxes start at 1)

  auto conditional = store().store_flags(inbox, uids({1, 2, 3}), FlagOperation::add, {"\\Seen"}, seen_at);
  ASSERT_TRUE(conditional.ok());
  ASSERT_EQ(conditional->changed.size(), 2u);
  EXPECT_EQ(conditional->changed[0].uid, Uid{1});
  EXPECT_EQ(conditional->changed[1].uid, Uid{3});
  EXPECT_EQ(conditional->modified, uids({2}));
  EXPECT_EQ(flags_of(inbox, Uid{2}), std::vector<std::string>{"\\Answered"});

  // RFC 7162 3.1.3: UNCHANGEDSINCE 0 fails for every message.
  auto zero = store().store_flags(inbox, uids({1, 2, 3}), FlagOperation::remove, {"\\Seen"}, 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->changed.empty());
  EXPECT_EQ(zero->modified, uids({1, 2, 3}));
  // A message that passes but would not change is in neither list.
  auto noop = store().store_flags(inbox, uids({1}), FlagOperation::add, {"\\Seen"}, highest(inbox));
  EXPECT_TRUE(noop->changed.empty() && noop->modified.empty());
}

TEST_F(MailboxStoreTest, ExpungeDeletedOnlyOrByUid) {
  AccountId bob = add_account("bob");
  MailboxId inbox{};
  for (std::uint8_t i = 1; i <= 5; ++i) inbox = put(bob, kInboxName, i, i == 2 || i == 3 || i == 5 ? std::vector<std::string>{"\\Deleted"} : std::vector<std::string>{}).mailbox;
  std::uint64_t modseq = highest(inbox);

  EXPECT_EQ(*store().expunge(inbox, ExpungeFilter{true, uids({3, 4})}), uids({3}));  // UID EXPUNGE
  EXPECT_EQ(highest(inbox), ++modseq);
  EXPECT_EQ(*store().expunge(inbox, ExpungeFilter{true, std::nullopt}), uids({2, 5}));  // EXPUNGE
  EXPECT_EQ(highest(inbox), ++modseq);
  EXPECT_TRUE(store().expunge(inbox, ExpungeFilter{true, std::nullopt})->empty());
  EXPECT_EQ(highest(inbox), modseq);  // nothing removed, no modseq spent
  EXPECT_EQ(*store().expunge(inbox, ExpungeFilter{false, uids({1, 99, 3})}), uids({1}));  // POP3 DELE + QUIT
  EXPECT_EQ(highest(inbox), ++modseq);

  auto left = *store().list_messages(inbox);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].uid, Uid{4});
  EXPECT_EQ(store().status(inbox)->messages, 1u);
  EXPECT_EQ(store().status(inbox)->size_bytes, kPrefix + 100);
  EXPECT_EQ(store().usage(bob)->messages, 1u);
  for (std::uint8_t i = 1; i <= 5; ++i) EXPECT_EQ(refs(i), i == 4 ? 1u : 0u) << int(i);
  EXPECT_EQ(count_rows("SELECT count(*) FROM message_structures"), 1);
  EXPECT_EQ(count_rows("SELECT count(*) FROM expunged"), 4);
  EXPECT_EQ(*store().expunge(inbox, ExpungeFilter{false, std::nullopt}), uids({4}));
  EXPECT_EQ(code_of(store().expunge(MailboxId{9999}, ExpungeFilter{})), Errc::not_found);
}

TEST_F(MailboxStoreTest, ModseqsRiseAcrossAppendFlagsAndExpunge) {
  AccountId bob = add_account("bob");
  MailboxId inbox = put(bob, kInboxName, 1).mailbox;
  std::uint64_t last = highest(inbox);
  auto step = [&](const char* what) {
    std::uint64_t now = highest(inbox);
    EXPECT_GT(now, last) << what;
    last = now;
  };
  put(bob, kInboxName, 2);
  step("append");
  ASSERT_TRUE(store().store_flags(inbox, uids({1}), FlagOperation::add, {"\\Deleted"}, {}).ok());
  step("store");
  ASSERT_TRUE(store().expunge(inbox, ExpungeFilter{}).ok());
  step("expunge");
  auto changes = *store().changes_since(inbox, last - 1);
  EXPECT_EQ(changes.expunged, uids({1}));
  EXPECT_TRUE(changes.changed.empty());
  put(bob, kInboxName, 3);
  step("append after expunge");
  ASSERT_TRUE(store().store_flags(inbox, uids({2, 3}), FlagOperation::add, {"$x"}, {}).ok());
  step("store again");
  auto all = *store().list_messages(inbox);
  for (const MessageRecord& m : all) EXPECT_LE(m.modseq, last);
  EXPECT_EQ(all.back().modseq, last);
}

TEST_F(MailboxStoreTest, ChangesSinceReportsNewChangedAndExpunged) {
  AccountId bob = add_account("bob");
  MailboxId inbox = put(bob, kInboxName, 1).mailbox;
  put(bob, kInboxName, 2);
  put(bob, kInboxName, 3);
  const MailboxStatus known = *store().status(inbox);

  ASSERT_TRUE(store().store_flags(inbox, uids({3}), FlagOperation::add, {"\\Flagged", "$Important"}, {}).ok());
  ASSERT_TRUE(store().expunge(inbox, ExpungeFilter{false, uids({2})}).ok());
  put(bob, kInboxName, 4);
  auto changes = store().changes_since(inbox, known.highest_modseq);
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->highest_modseq, highest(inbox));
  EXPECT_EQ(changes->uid_next, 5u);
  ASSERT_EQ(changes->changed.size(), 2u);
  EXPECT_EQ(changes->changed[0].uid, Uid{3});  // changed: below the uid_next the client knew
  EXPECT_EQ(changes->changed[0].flags, (std::vector<std::string>{"\\Flagged", "$Important"}));
  EXPECT_EQ(changes->changed[1].uid, Uid{4});  // new
  EXPECT_TRUE(changes->changed[1].flags.empty());
  EXPECT_EQ(changes->expunged, uids({2}));

  auto nothing = *store().changes_since(inbox, changes->highest_modseq);
  EXPECT_TRUE(nothing.changed.empty() && nothing.expunged.empty());
  auto everything = *store().changes_since(inbox, 0);
  EXPECT_EQ(everything.changed.size(), 3u);
  EXPECT_EQ(everything.expunged, uids({2}));
  EXPECT_EQ(code_of(store().changes_since(MailboxId{9999}, 0)), Errc::not_found);
}

TEST_F(MailboxStoreTest, CopyKeepsFlagsAndDatesWithNewUidsInOrder) {
  AccountId bob = add_account("bob");
  MailboxId inbox = put(bob, kInboxName, 1, {"\\Seen", "$Work"}).mailbox;
  put(bob, kInboxName, 2);
  put(bob, kInboxName, 3, {"\\Flagged"});
  DeliveryOutcome archive = put(bob, "Archive", 9);
  const std::uint64_t archive_modseq = highest(archive.mailbox);
  const std::int64_t before = unix_now_seconds();

  auto copied = store().copy_messages(inbox, uids({3, 1, 99}), archive.mailbox, 0, false);
  ASSERT_TRUE(copied.ok()) << copied.error().message;
  EXPECT_EQ(copied->uid_validity, archive.uid_validity);
  EXPECT_EQ(copied->source_uids, uids({1, 3}));
  EXPECT_EQ(copied->destination_uids, uids({2, 3}));
  EXPECT_TRUE(copied->expunged.empty());
  auto copy = store().find_message(archive.mailbox, Uid{2});
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->flags, (std::vector<std::string>{"\\Seen", "$Work"}));
  EXPECT_EQ(copy->internal_date, 1700000000);
  EXPECT_GE(copy->save_date, before);
  EXPECT_EQ(copy->mime_structure, "structure-1");
  EXPECT_EQ(copy->blob, make_blob(1, 0).id);
  EXPECT_GT(copy->modseq, archive_modseq);
  EXPECT_EQ(flags_of(archive.mailbox, Uid{3}), std::vector<std::string>{"\\Flagged"});
  EXPECT_EQ(store().list_messages(inbox)->size(), 3u);
  EXPECT_EQ(refs(1), 2u);
  EXPECT_EQ(refs(3), 2u);
  EXPECT_EQ(store().usage(bob)->messages, 6u);
  EXPECT_EQ(store().usage(bob)->bytes, 6 * (kPrefix + 100));
  EXPECT_EQ(store().find_mailbox(bob, "Archive")->messages, 3u);
  EXPECT_EQ(store().find_mailbox(bob, "Archive")->uid_next, 4u);

  // Nothing to copy is not an error.
  auto none = store().copy_messages(inbox, uids({42}), archive.mailbox, 0, false);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->source_uids.empty());
  EXPECT_EQ(none->uid_validity, archive.uid_validity);
  EXPECT_EQ(code_of(store().copy_messages(inbox, uids({1}), MailboxId{9999}, 0, false)), Errc::not_found);
  EXPECT_EQ(code_of(store().copy_messages(MailboxId{9999}, uids({1}), inbox, 0, false)), Errc::not_found);
}

// The light query SELECT uses answers what list_messages would, for the
// columns it keeps.
TEST_F(MailboxStoreTest, ListMessageFlagsMatchesListMessages) {
  AccountId bob = add_account("bob");
  put(bob, kInboxName, 1, {"\\Seen", "$Work"});
  put(bob, kInboxName, 2);
  DeliveryOutcome third = put(bob, kInboxName, 3, {"\\Flagged", "\\Deleted", "$a", "$b"});
  ASSERT_TRUE(store().expunge(third.mailbox, ExpungeFilter{false, uids({2})}).ok());
  ASSERT_TRUE(store().store_flags(third.mailbox, uids({1}), FlagOperation::add, {"\\Answered"}, std::nullopt).ok());
  put(bob, "Other", 4, {"$Other"});

  auto full = store().list_messages(third.mailbox);
  auto light = store().list_message_flags(third.mailbox);
  ASSERT_TRUE(full.ok() && light.ok());
  ASSERT_EQ(light->size(), 2u);
  ASSERT_EQ(full->size(), light->size());
  for (std::size_t i = 0; i < light->size(); ++i) {
    EXPECT_EQ((*light)[i].uid, (*full)[i].uid);
    EXPECT_EQ((*light)[i].modseq, (*full)[i].modseq);
    EXPECT_EQ((*light)[i].flags, (*full)[i].flags);
  }
  EXPECT_EQ((*light)[0].flags, (std::vector<std::string>{"\\Seen", "\\Answered", "$Work"}));
  EXPECT_EQ((*light)[1].uid, Uid{3});
  // The interface's default (built from list_messages) agrees too.
  auto fallback = store().MailboxStore::list_message_flags(third.mailbox);
  ASSERT_TRUE(fallback.ok());
  ASSERT_EQ(fallback->size(), 2u);
  EXPECT_EQ((*fallback)[0].flags, (*light)[0].flags);
  EXPECT_EQ(code_of(store().list_message_flags(MailboxId{9999})), Errc::not_found);
}

// RFC 8474: MAILBOXID survives RENAME, is never given again after DELETE,
// and RENAME INBOX gives the new mailbox a new one; a COPY or MOVE keeps
// the EMAILID (same blob, same header prefix). STATUS says whose it is.
TEST_F(MailboxStoreTest, ObjectIdsFollowRenameDeleteAndCopy) {
  AccountId bob = add_account("bob");
  auto id_of = [&](const std::string& name) {
    auto m = store().find_mailbox(bob, name);
    EXPECT_TRUE(m.ok()) << name;
    return m.ok() ? mailbox_object_id(m->id, m->uid_validity) : std::string();
  };
  DeliveryOutcome work = put(bob, "Work", 1);
  const std::string work_id = id_of("Work");
  ASSERT_TRUE(store().rename_mailbox(bob, "Work", "Projects/Work").ok());
  EXPECT_EQ(id_of("Projects/Work"), work_id);
  EXPECT_EQ(store().status(work.mailbox)->mailbox, work.mailbox);

  ASSERT_TRUE(store().delete_mailbox(bob, "Projects/Work").ok());
  ASSERT_TRUE(store().create_mailbox(bob, "Projects/Work", "").ok());
  EXPECT_NE(id_of("Projects/Work"), work_id);

  put(bob, kInboxName, 2);
  const std::string inbox_id = id_of(kInboxName);
  ASSERT_TRUE(store().rename_mailbox(bob, kInboxName, "Old").ok());
  EXPECT_EQ(id_of(kInboxName), inbox_id);
  EXPECT_NE(id_of("Old"), inbox_id);

  MailboxId old = store().find_mailbox(bob, "Old")->id;
  MailboxId target = store().find_mailbox(bob, "Projects/Work")->id;
  auto source = *store().find_message(old, Uid{1});
  const std::string email = email_object_id(bob, source.blob, source.header_prefix);
  ASSERT_TRUE(store().copy_messages(old, uids({1}), target, 0, true).ok());
  auto moved = *store().find_message(target, Uid{1});
  EXPECT_EQ(email_object_id(bob, moved.blob, moved.header_prefix), email);
  // Another message (other blob) has another id.
  DeliveryOutcome other = put(bob, kInboxName, 3);
  auto third = *store().find_message(other.mailbox, other.uid);
  EXPECT_NE(email_object_id(bob, third.blob, third.header_prefix), email);
}

TEST_F(MailboxStoreTest, MoveExpungesTheSourcesInTheSameTransaction) {
  AccountId bob = add_account("bob");
  MailboxId inbox = put(bob, kInboxName, 1, {"$Work"}).mailbox;
  put(bob, kInboxName, 2);
  put(bob, kInboxName, 3);
  MailboxId trash = store().create_mailbox(bob, "Trash", "\\Trash")->id;
  const std::uint64_t inbox_modseq = highest(inbox);
  const QuotaUsage before = *store().usage(bob);

  auto moved = store().copy_messages(inbox, uids({1, 3}), trash, 0, true);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->source_uids, uids({1, 3}));
  EXPECT_EQ(moved->destination_uids, uids({1, 2}));
  EXPECT_EQ(moved->expunged, uids({1, 3}));
  EXPECT_EQ(store().list_messages(inbox)->size(), 1u);
  EXPECT_EQ(flags_of(trash, Uid{1}), std::vector<std::string>{"$Work"});
  EXPECT_EQ(store().usage(bob)->bytes, before.bytes);
  EXPECT_EQ(store().usage(bob)->messages, before.messages);
  EXPECT_EQ(refs(1), 1u);
  EXPECT_EQ(refs(3), 1u);
  auto changes = *store().changes_since(inbox, inbox_modseq);
  EXPECT_EQ(changes.expunged, uids({1, 3}));
  EXPECT_GT(changes.highest_modseq, inbox_modseq);

  // A move inside one account is never refused for quota (net zero).
  auto back = store().copy_messages(trash, uids({1, 2}), inbox, 1, true);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->destination_uids, uids({4, 5}));
  EXPECT_TRUE(store().list_messages(trash)->empty());
  // Moving within one mailbox gives new UIDs.
  auto self = store().copy_messages(inbox, uids({2}), inbox, 0, true);
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(self->destination_uids, uids({6}));
  EXPECT_EQ(store().list_messages(inbox)->size(), 3u);
  EXPECT_EQ(store().usage(bob)->messages, before.messages);
  EXPECT_EQ(refs(2), 1u);
}

TEST_F(MailboxStoreTest, CopyOverQuotaCopiesNothing) {
  AccountId bob = add_account("bob");
  AccountId carol = add_account("carol");
  MailboxId inbox = put(bob, kInboxName, 1).mailbox;
  put(bob, kInboxName, 2);
  MailboxId archive = store().create_mailbox(bob, "Archive", "")->id;
  MailboxId carols = put(carol, kInboxName, 3).mailbox;
  const std::uint64_t one = kPrefix + 100;

  // bob uses 2, the copy needs 2 more: 4 fits, 3 does not.
  auto refused = store().copy_messages(inbox, uids({1, 2}), archive, 3 * one, false);
  EXPECT_EQ(code_of(refused), Errc::over_quota);
  EXPECT_TRUE(store().list_messages(archive)->empty());
  EXPECT_EQ(store().find_mailbox(bob, "Archive")->uid_next, 1u);
  EXPECT_EQ(store().find_mailbox(bob, "Archive")->highest_modseq, 1u);  // unchanged since creation
  EXPECT_EQ(store().usage(bob)->messages, 2u);
  EXPECT_EQ(refs(1), 1u);
  EXPECT_TRUE(store().copy_messages(inbox, uids({1, 2}), archive, 4 * one, false).ok());

  // A move to another account counts against that account's quota.
  auto across = store().copy_messages(inbox, uids({1}), carols, one, true);
  EXPECT_EQ(code_of(across), Errc::over_quota);
  EXPECT_EQ(store().list_messages(inbox)->size(), 2u);
  EXPECT_TRUE(store().changes_since(inbox, 0)->expunged.empty());
  auto fits = store().copy_messages(inbox, uids({1}), carols, 2 * one, true);
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(store().usage(carol)->messages, 2u);
  EXPECT_EQ(store().usage(bob)->messages, 3u);
  EXPECT_EQ(refs(1), 2u);
}

TEST_F(MailboxStoreTest, DeletingTheAccountLeavesNoImapRows) {
  AccountId bob = add_account("bob");
  MailboxId inbox = put(bob, kInboxName, 1, {"$Work"}).mailbox;
  put(bob, kInboxName, 2);
  ASSERT_TRUE(store().expunge(inbox, ExpungeFilter{false, uids({2})}).ok());
  ASSERT_TRUE(store().set_subscribed(bob, "Ghost", true).ok());
  ASSERT_TRUE(metadata_->directory().delete_account("bob@example.test").ok());
  for (const char* table : {"mailboxes", "messages", "message_keywords", "message_structures", "expunged",
                            "subscriptions", "account_usage"}) {
    EXPECT_EQ(count_rows(std::string("SELECT count(*) FROM ") + table), 0) << table;
  }
  EXPECT_EQ(refs(1), 0u);
}

}  // namespace
}  // namespace postino::sqlite
