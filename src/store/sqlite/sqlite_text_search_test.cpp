// The text index behind MailboxStore::search_text: texts queued at
// delivery and indexed later by index_pending_text (pending messages are
// not_indexed, so the caller's scan keeps answers exact; batches; expunge,
// copy and blob release of pending texts), the index itself (body text
// once per blob, header text per message), BODY and TEXT lookups
// with exact substring semantics, needles the trigram index cannot serve
// (short, NUL), messages stored without text ("not indexed", never "no
// match"), and the index following its messages through expunge, copy,
// move, mailbox and account deletion, and a rolled-back delivery.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "store/sqlite/sqlite_metadata_store.hpp"
#include "store/test_temp_dir.hpp"

namespace postino::sqlite {
namespace {

BlobInfo make_blob(std::uint8_t seed) {
  BlobInfo blob;
  blob.id.sha256.fill(seed);
  blob.size_bytes = 100;
  return blob;
}

std::vector<Uid> uids(std::initializer_list<std::uint32_t> values) {
  std::vector<Uid> out;
  for (auto v : values) out.push_back(Uid{v});
  return out;
}

class TextSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteMetadataStore::open(dir_.path() + "/postino.sqlite", 2);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    metadata_ = std::move(*opened);
    ASSERT_TRUE(metadata_->directory().add_domain("example.test").ok());
    bob_ = add_account("bob");
  }
  MailboxStore& store() { return metadata_->mailboxes(); }
  AccountId add_account(const std::string& local) {
    auto added = metadata_->directory().add_account(NewAccount{local + "@example.test", "{hash}"});
    EXPECT_TRUE(added.ok());
    return added.ok() ? added->id : AccountId{};
  }
  // A delivery of blob `seed` with the given (already case-folded) texts;
  // body == nullptr: stored without text.
  Delivery delivery(AccountId account, const std::string& mailbox, std::uint8_t seed, const std::string& header,
                    std::shared_ptr<const std::string> body) {
    Delivery d;
    d.account = account;
    d.mailbox = mailbox;
    d.blob = make_blob(seed);
    d.internal_date = 1700000000;
    d.search_header = header;
    d.search_body = std::move(body);
    return d;
  }
  DeliveryOutcome put(AccountId account, const std::string& mailbox, std::uint8_t seed, const std::string& header,
                      const char* body) {
    auto outcome = put_pending(account, mailbox, seed, header, body);
    index_all();
    return outcome;
  }
  // A delivery left for the background indexer.
  DeliveryOutcome put_pending(AccountId account, const std::string& mailbox, std::uint8_t seed,
                              const std::string& header, const char* body) {
    auto outcomes = store().deliver(
        {delivery(account, mailbox, seed, header, body ? std::make_shared<const std::string>(body) : nullptr)});
    EXPECT_TRUE(outcomes.at(0).ok()) << outcomes[0].error().message;
    return outcomes[0].ok() ? *outcomes[0] : DeliveryOutcome{};
  }
  // What the background indexer does, until it is caught up.
  void index_all() {
    for (;;) {
      auto indexed = store().index_pending_text(2);
      ASSERT_TRUE(indexed.ok()) << indexed.error().message;
      if (*indexed == 0) return;
    }
  }
  TextSearchResult search(MailboxId mailbox, TextSearchScope scope, const std::string& needle,
                          std::vector<Uid> among = uids({1, 2, 3, 4, 5, 6, 7, 8, 9, 10})) {
    auto found = store().search_text(mailbox, among, scope, needle);
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() ? *found : TextSearchResult{};
  }
  std::int64_t count(const std::string& sql) {
    auto db = Connection::open(dir_.path() + "/postino.sqlite", OpenMode::read_only, 5000);
    EXPECT_TRUE(db.ok());
    auto q = db->prepare(sql);
    EXPECT_TRUE(q.ok());
    EXPECT_TRUE(*q->step());
    return q->column_int64(0);
  }
  // FTS5's own check that each index matches its content table.
  void expect_index_consistent() {
    auto db = Connection::open(dir_.path() + "/postino.sqlite", OpenMode::read_write_create, 5000);
    ASSERT_TRUE(db.ok());
    for (const char* table : {"blob_text_index", "message_text_index"}) {
      auto s = db->exec(std::string("INSERT INTO ") + table + " (" + table + ") VALUES ('integrity-check')");
      EXPECT_TRUE(s.ok()) << table << ": " << s.error().message;
    }
  }

  postino::testing::TempDir dir_;
  std::unique_ptr<SqliteMetadataStore> metadata_;
  AccountId bob_{};
};

TEST_F(TextSearchTest, BodyAndTextFindSubstringsExactly) {
  MailboxId inbox = put(bob_, kInboxName, 1, "subject: quarterly report", "the budget is attached. été 2026").mailbox;
  put(bob_, kInboxName, 2, "subject: lunch", "see you at noon, bring the report");
  put(bob_, kInboxName, 3, "subject: budgets", "nothing here");

  EXPECT_EQ(search(inbox, TextSearchScope::body, "report").matched, uids({2}));
  EXPECT_EQ(search(inbox, TextSearchScope::text, "report").matched, uids({1, 2}));
  EXPECT_EQ(search(inbox, TextSearchScope::body, "budget").matched, uids({1}));
  EXPECT_EQ(search(inbox, TextSearchScope::text, "budget").matched, uids({1, 3}));
  // Inside words, across spaces and punctuation, multi-byte characters.
  EXPECT_EQ(search(inbox, TextSearchScope::body, "udge").matched, uids({1}));
  EXPECT_EQ(search(inbox, TextSearchScope::body, "attached. été").matched, uids({1}));
  EXPECT_EQ(search(inbox, TextSearchScope::body, "été").matched, uids({1}));
  // All trigrams present but not as one substring: no match.
  put(bob_, kInboxName, 4, "", "abcd xbcdy");
  EXPECT_TRUE(search(inbox, TextSearchScope::body, "abcdy").matched.empty());
  EXPECT_EQ(search(inbox, TextSearchScope::body, "xbcdy").matched, uids({4}));
  EXPECT_EQ(search(inbox, TextSearchScope::body, "bring the report").matched, uids({2}));
  // A match never spans the header and the body.
  EXPECT_TRUE(search(inbox, TextSearchScope::text, "reportthe").matched.empty());
  EXPECT_TRUE(search(inbox, TextSearchScope::text, "nowhere").matched.empty());
  EXPECT_TRUE(search(inbox, TextSearchScope::text, "nowhere").not_indexed.empty());
  // Restricted to the UIDs asked about.
  EXPECT_EQ(search(inbox, TextSearchScope::text, "report", uids({2, 3})).matched, uids({2}));
  expect_index_consistent();
}

TEST_F(TextSearchTest, NeedlesAreLiteralTextNeverQuerySyntax) {
  MailboxId inbox = put(bob_, kInboxName, 1, "", "say \"hi\" (or not) * a and b or c near(d) {body}: x^2 - y").mailbox;
  for (const char* needle : {"\"hi\"", "(or not)", "* a and", "and b or", "near(d)", "{body}:", "x^2 - y", "\"\"\""}) {
    auto found = store().search_text(inbox, uids({1}), TextSearchScope::body, needle);
    ASSERT_TRUE(found.ok()) << needle << ": " << found.error().message;
    EXPECT_EQ(found->matched, std::string(needle) == "\"\"\"" ? uids({}) : uids({1})) << needle;
  }
  // Longer than the trigram bound: still exact.
  const std::string long_text = "0123456789abcdefghijklmnopqrstuvwxyz0123456789";
  MailboxId other = put(bob_, "Other", 2, "", long_text.c_str()).mailbox;
  EXPECT_EQ(search(other, TextSearchScope::body, long_text.substr(1, 40)).matched, uids({1}));
  EXPECT_TRUE(search(other, TextSearchScope::body, long_text.substr(1, 40) + "!").matched.empty());
}

TEST_F(TextSearchTest, ShortNeedlesAndNulAreLeftToTheScan) {
  MailboxId inbox = put(bob_, kInboxName, 1, "", "ab ééé").mailbox;
  for (const std::string needle : {"", "a", "ab", "éé"}) {
    auto found = store().search_text(inbox, uids({1}), TextSearchScope::body, needle);
    ASSERT_FALSE(found.ok()) << needle;
    EXPECT_EQ(found.error().code, Errc::unsupported);
  }
  EXPECT_EQ(search(inbox, TextSearchScope::body, "ééé").matched, uids({1}));  // 3 code points, 6 bytes
  auto nul = store().search_text(inbox, uids({1}), TextSearchScope::body, std::string("ab\0c", 4));
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().code, Errc::unsupported);
  // A text with NUL is not indexed (SQLite's text functions stop there).
  auto outcomes = store().deliver(
      {delivery(bob_, kInboxName, 2, "", std::make_shared<const std::string>(std::string("nul\0inside", 10)))});
  ASSERT_TRUE(outcomes[0].ok());
  index_all();
  EXPECT_EQ(search(inbox, TextSearchScope::body, "inside").not_indexed, uids({2}));
}

TEST_F(TextSearchTest, MessagesWithoutTextAreNotIndexedRatherThanUnmatched) {
  MailboxId inbox = put(bob_, kInboxName, 1, "", "alpha beta").mailbox;
  put(bob_, kInboxName, 2, "", nullptr);  // e.g. stored before the index existed
  put(bob_, kInboxName, 3, "", "gamma");
  auto found = search(inbox, TextSearchScope::text, "alpha");
  EXPECT_EQ(found.matched, uids({1}));
  EXPECT_EQ(found.not_indexed, uids({2}));
  EXPECT_TRUE(search(inbox, TextSearchScope::body, "alpha", uids({1, 3})).not_indexed.empty());
  // The same blob delivered later with text is indexed for that message only.
  put(bob_, kInboxName, 2, "", "delta");
  found = search(inbox, TextSearchScope::body, "delta");
  EXPECT_EQ(found.matched, uids({4}));  // UID 2 shares the blob but has no header row: scanned
  EXPECT_EQ(found.not_indexed, uids({2}));
}

TEST_F(TextSearchTest, OneBodyTextPerBlobOneHeaderTextPerMessage) {
  AccountId alice = add_account("alice");
  auto body = std::make_shared<const std::string>("minutes of the meeting");
  std::vector<Delivery> batch{delivery(bob_, kInboxName, 7, "delivered-to: bob@example.test subject: minutes", body),
                              delivery(alice, kInboxName, 7, "delivered-to: alice@example.test subject: minutes", body)};
  auto outcomes = store().deliver(batch);
  ASSERT_TRUE(outcomes[0].ok() && outcomes[1].ok());
  EXPECT_EQ(count("SELECT count(*) FROM pending_blob_texts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM pending_message_texts"), 2);
  index_all();
  EXPECT_EQ(count("SELECT count(*) FROM pending_blob_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pending_message_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM blob_texts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 2);
  const MailboxId bob_inbox = outcomes[0]->mailbox;
  const MailboxId alice_inbox = outcomes[1]->mailbox;
  EXPECT_EQ(search(bob_inbox, TextSearchScope::body, "meeting").matched, uids({1}));
  EXPECT_EQ(search(alice_inbox, TextSearchScope::body, "meeting").matched, uids({1}));
  // The per-recipient header stays per recipient.
  EXPECT_EQ(search(bob_inbox, TextSearchScope::text, "bob@example").matched, uids({1}));
  EXPECT_TRUE(search(alice_inbox, TextSearchScope::text, "bob@example").matched.empty());
  // Another mailbox's messages never show up.
  put(bob_, "Other", 8, "", "meeting elsewhere");
  EXPECT_EQ(search(bob_inbox, TextSearchScope::body, "meeting").matched, uids({1}));
  expect_index_consistent();
}

TEST_F(TextSearchTest, ExpungeRemovesTheMessageTextAndTheLastReferenceTheBodyText) {
  MailboxId inbox = put(bob_, kInboxName, 1, "subject: one", "shared body").mailbox;
  put(bob_, kInboxName, 1, "subject: two", "shared body");
  put(bob_, kInboxName, 2, "subject: three", "own body");
  ASSERT_TRUE(store().expunge(inbox, ExpungeFilter{false, uids({1, 3})}).ok());
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM blob_texts"), 1);  // blob 1 still used by UID 2
  EXPECT_EQ(search(inbox, TextSearchScope::body, "shared").matched, uids({2}));
  EXPECT_TRUE(search(inbox, TextSearchScope::body, "own body").matched.empty());
  ASSERT_TRUE(store().expunge(inbox, ExpungeFilter{false, uids({2})}).ok());
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM blob_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM blob_text_index WHERE blob_text_index MATCH 'sha'"), 0);
  expect_index_consistent();
}

TEST_F(TextSearchTest, CopyAndMoveCarryTheIndex) {
  MailboxId inbox = put(bob_, kInboxName, 1, "subject: invoice", "please pay").mailbox;
  put(bob_, kInboxName, 2, "subject: other", "nothing");
  put(bob_, kInboxName, 3, "", nullptr);
  auto archive = store().create_mailbox(bob_, "Archive", "");
  ASSERT_TRUE(archive.ok());
  auto copied = store().copy_messages(inbox, uids({1, 3}), archive->id, 0, false);
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(search(archive->id, TextSearchScope::text, "invoice").matched, uids({1}));
  EXPECT_EQ(search(archive->id, TextSearchScope::body, "please").matched, uids({1}));
  EXPECT_EQ(search(archive->id, TextSearchScope::body, "please").not_indexed, uids({2}));  // copy of UID 3
  EXPECT_EQ(search(inbox, TextSearchScope::text, "invoice").matched, uids({1}));

  auto trash = store().create_mailbox(bob_, "Trash", "\\Trash");
  ASSERT_TRUE(trash.ok());
  ASSERT_TRUE(store().copy_messages(inbox, uids({1, 2}), trash->id, 0, true).ok());
  EXPECT_TRUE(search(inbox, TextSearchScope::text, "invoice").matched.empty());
  EXPECT_EQ(search(trash->id, TextSearchScope::text, "invoice").matched, uids({1}));
  EXPECT_EQ(search(trash->id, TextSearchScope::text, "other").matched, uids({2}));
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 3);  // Archive 1, Trash 1 and 2
  expect_index_consistent();
}

TEST_F(TextSearchTest, DeletingMailboxesAndAccountsDropsTheirText) {
  put(bob_, kInboxName, 1, "subject: keep", "kept text");
  MailboxId lists = put(bob_, "Lists", 2, "subject: list", "list text").mailbox;
  put(bob_, "Lists", 1, "subject: keep too", "kept text");
  ASSERT_TRUE(store().delete_mailbox(bob_, "Lists").ok());
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM blob_texts"), 1);
  auto gone = store().create_mailbox(bob_, "Lists", "");  // a new mailbox, a new id: nothing inherited
  ASSERT_TRUE(gone.ok());
  EXPECT_NE(gone->id, lists);
  EXPECT_TRUE(search(gone->id, TextSearchScope::text, "list").matched.empty());
  ASSERT_TRUE(metadata_->directory().delete_account("bob@example.test").ok());
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM blob_texts"), 0);
  expect_index_consistent();
}

TEST_F(TextSearchTest, AFailedDeliveryLeavesNoText) {
  MailboxId inbox = put(bob_, kInboxName, 1, "", "first").mailbox;
  Delivery big = delivery(bob_, kInboxName, 2, "header words", std::make_shared<const std::string>("second body"));
  big.quota_bytes = 150;  // 100 used + 100 more > 150
  auto outcomes = store().deliver({big});
  ASSERT_FALSE(outcomes[0].ok());
  EXPECT_EQ(count("SELECT count(*) FROM pending_blob_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pending_message_texts"), 0);
  index_all();
  EXPECT_EQ(count("SELECT count(*) FROM blob_texts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 1);
  EXPECT_TRUE(search(inbox, TextSearchScope::text, "second").matched.empty());
  expect_index_consistent();
}

// The answer IMAP SEARCH gives: the index's matches plus a scan of what it
// did not index (here the scan reads the texts the test delivered).
std::vector<Uid> full_answer(const TextSearchResult& found, TextSearchScope scope, const std::string& needle,
                             const std::map<std::uint32_t, std::pair<std::string, std::string>>& texts) {
  std::vector<Uid> out = found.matched;
  for (Uid uid : found.not_indexed) {
    const auto& [header, body] = texts.at(static_cast<std::uint32_t>(uid));
    if (body.find(needle) != std::string::npos ||
        (scope == TextSearchScope::text && header.find(needle) != std::string::npos)) {
      out.push_back(uid);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(TextSearchTest, PendingTextsAreScannedUntilIndexedAndAnswersDoNotChange) {
  const std::map<std::uint32_t, std::pair<std::string, std::string>> texts{
      {1, {"subject: quarterly report", "the budget is attached"}},
      {2, {"subject: lunch", "bring the report"}},
      {3, {"subject: budgets", "the budget is attached"}},  // same blob as UID 1
  };
  MailboxId inbox = put_pending(bob_, kInboxName, 1, texts.at(1).first, texts.at(1).second.c_str()).mailbox;
  put_pending(bob_, kInboxName, 2, texts.at(2).first, texts.at(2).second.c_str());
  put_pending(bob_, kInboxName, 1, texts.at(3).first, texts.at(3).second.c_str());
  // Delivery wrote plain rows only: nothing in the FTS5 tables yet.
  EXPECT_EQ(count("SELECT count(*) FROM pending_message_texts"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM pending_blob_texts"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM blob_texts"), 0);

  const std::vector<std::pair<TextSearchScope, std::string>> queries{
      {TextSearchScope::body, "report"}, {TextSearchScope::text, "report"}, {TextSearchScope::body, "budget"},
      {TextSearchScope::text, "budget"}, {TextSearchScope::text, "lunch"},  {TextSearchScope::text, "nowhere"}};
  std::vector<std::vector<Uid>> before;
  for (const auto& [scope, needle] : queries) {
    auto found = search(inbox, scope, needle);
    EXPECT_TRUE(found.matched.empty()) << needle;
    EXPECT_EQ(found.not_indexed, uids({1, 2, 3})) << needle;
    before.push_back(full_answer(found, scope, needle, texts));
  }
  EXPECT_EQ(before[0], uids({2}));
  EXPECT_EQ(before[3], uids({1, 3}));

  index_all();
  EXPECT_EQ(count("SELECT count(*) FROM pending_message_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pending_blob_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM blob_texts"), 2);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto found = search(inbox, queries[i].first, queries[i].second);
    EXPECT_TRUE(found.not_indexed.empty()) << queries[i].second;
    EXPECT_EQ(found.matched, before[i]) << queries[i].second;
  }
  expect_index_consistent();
}

TEST_F(TextSearchTest, TheIndexerWorksInBoundedBatches) {
  MailboxId inbox{};
  for (std::uint8_t seed = 1; seed <= 5; ++seed) inbox = put_pending(bob_, kInboxName, seed, "", "batch body").mailbox;
  for (std::size_t expected : {2, 2, 1, 0}) {
    auto indexed = store().index_pending_text(2);
    ASSERT_TRUE(indexed.ok()) << indexed.error().message;
    EXPECT_EQ(*indexed, expected);
    EXPECT_EQ(count("SELECT count(*) FROM message_texts"), count("SELECT 5 - count(*) FROM pending_message_texts"));
  }
  EXPECT_EQ(search(inbox, TextSearchScope::body, "batch").matched, uids({1, 2, 3, 4, 5}));
  // Large texts: fewer per call (about 1 MiB of body text), never none.
  const std::string large(700 * 1024, 'x');
  for (std::uint8_t seed = 10; seed < 13; ++seed) put_pending(bob_, kInboxName, seed, "", large.c_str());
  for (std::size_t expected : {2, 1, 0}) {
    auto indexed = store().index_pending_text(50);
    ASSERT_TRUE(indexed.ok()) << indexed.error().message;
    EXPECT_EQ(*indexed, expected);
  }
  EXPECT_EQ(search(inbox, TextSearchScope::body, "xxxx").matched, uids({6, 7, 8}));
  expect_index_consistent();
}

TEST_F(TextSearchTest, ExpungingPendingMessagesDropsTheirPendingTexts) {
  MailboxId inbox = put_pending(bob_, kInboxName, 1, "subject: one", "shared body").mailbox;
  put_pending(bob_, kInboxName, 1, "subject: two", "shared body");
  put_pending(bob_, kInboxName, 2, "subject: three", "own body");
  ASSERT_TRUE(store().expunge(inbox, ExpungeFilter{false, uids({1, 3})}).ok());
  EXPECT_EQ(count("SELECT count(*) FROM pending_message_texts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM pending_blob_texts"), 1);  // blob 1 still used by UID 2
  EXPECT_EQ(search(inbox, TextSearchScope::body, "own body").not_indexed, uids({2}));
  index_all();
  EXPECT_EQ(search(inbox, TextSearchScope::body, "shared").matched, uids({2}));
  put_pending(bob_, kInboxName, 3, "subject: four", "gone before indexing");
  ASSERT_TRUE(store().expunge(inbox, ExpungeFilter{false, uids({2, 4})}).ok());
  EXPECT_EQ(count("SELECT count(*) FROM pending_message_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pending_blob_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM message_texts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM blob_texts"), 0);
  expect_index_consistent();
}

TEST_F(TextSearchTest, CopiesOfPendingMessagesAreIndexedToo) {
  MailboxId inbox = put_pending(bob_, kInboxName, 1, "subject: invoice", "please pay").mailbox;
  auto archive = store().create_mailbox(bob_, "Archive", "");
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE(store().copy_messages(inbox, uids({1}), archive->id, 0, false).ok());
  EXPECT_EQ(search(archive->id, TextSearchScope::text, "invoice").not_indexed, uids({1}));
  // The source goes before the indexer runs: the copy keeps the blob and its text.
  ASSERT_TRUE(store().expunge(inbox, ExpungeFilter{false, uids({1})}).ok());
  index_all();
  EXPECT_EQ(search(archive->id, TextSearchScope::text, "invoice").matched, uids({1}));
  EXPECT_EQ(search(archive->id, TextSearchScope::body, "please").matched, uids({1}));
  EXPECT_EQ(count("SELECT count(*) FROM pending_blob_texts"), 0);
  expect_index_consistent();
}

TEST_F(TextSearchTest, AnIdleIndexerWritesNothing) {
  put(bob_, kInboxName, 1, "", "indexed already");
  const WriterStats before = metadata_->writer_stats();
  auto indexed = store().index_pending_text(50);
  ASSERT_TRUE(indexed.ok());
  EXPECT_EQ(*indexed, 0u);
  EXPECT_EQ(metadata_->writer_stats().jobs, before.jobs);
}

}  // namespace
}  // namespace postino::sqlite
