// LocalDelivery against the real SQLite store: alias expansion (nested,
// loops, external targets), single-instance storage, quota, idempotency.
#include "delivery/local_delivery.hpp"

#include <gtest/gtest.h>

#include "directory/directory_admin.hpp"
#include "directory/internal_directory.hpp"
#include "store/metadata_store.hpp"
#include "store/test_temp_dir.hpp"

using namespace postino;

namespace {

class LocalDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreSettings settings;
    settings.data_dir = dir_.path();
    auto store = open_metadata_store(settings);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    DirectorySettings directory_settings;
    directory_settings.password_scheme = PasswordScheme::argon2id;
    admin_ = std::make_unique<DirectoryAdmin>(store_->directory(), directory_settings);
    directory_ = std::make_unique<InternalDirectory>(store_->directory(), directory_settings);
    ASSERT_TRUE(admin_->add_domain("example.test").ok());
    for (const char* user : {"alice", "bob", "carol", "off"}) add_user(std::string(user) + "@example.test");
    ASSERT_TRUE(admin_->set_status("off@example.test", AccountStatus::disabled).ok());
    ASSERT_TRUE(admin_->add_user("tiny@example.test", "pw", 100).ok());
    delivery_ = std::make_unique<LocalDelivery>(*directory_, store_->mailboxes(), settings_);
  }

  void add_user(const std::string& address) { ASSERT_TRUE(admin_->add_user(address, "pw").ok()); }
  void alias(const std::string& address, std::vector<std::string> targets) {
    auto done = admin_->add_alias(address, targets);
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  DeliveryRequest request(std::string id, std::vector<std::string> recipients, std::uint64_t size = 50) {
    DeliveryRequest r;
    r.queue_id = std::move(id);
    r.sender = "s@remote.example";
    r.blob.id.sha256[0] = static_cast<std::uint8_t>(size);
    r.blob.id.sha256[1] = static_cast<std::uint8_t>(r.queue_id.size());
    r.blob.size_bytes = size;
    r.arrived_at = 1700000000;
    r.recipients = std::move(recipients);
    return r;
  }

  std::size_t inbox_count(const std::string& address) {
    auto account = directory_->account(address);
    if (!account) return 0;
    auto inbox = store_->mailboxes().find_mailbox(account->id, kInboxName);
    if (!inbox) return 0;
    return store_->mailboxes().list_messages(inbox->id)->size();
  }

  postino::testing::TempDir dir_;
  LocalDeliverySettings settings_;
  std::unique_ptr<MetadataStore> store_;
  std::unique_ptr<DirectoryAdmin> admin_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<LocalDelivery> delivery_;
};

}  // namespace

TEST_F(LocalDeliveryTest, StoresOnceWithPerRecipientPrefix) {
  auto outcomes = delivery_->deliver(request("Q1", {"alice@example.test", "Bob@Example.Test"}));
  ASSERT_EQ(outcomes.size(), 2u);
  for (const auto& o : outcomes) EXPECT_EQ(o.status, DeliveryStatus::delivered) << o.reply();
  auto bob = directory_->account("bob@example.test");
  auto inbox = store_->mailboxes().find_mailbox(bob->id, kInboxName);
  auto message = store_->mailboxes().find_message(inbox->id, Uid{1});
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->header_prefix, "Return-Path: <s@remote.example>\r\nDelivered-To: bob@example.test\r\n");
  EXPECT_EQ(*store_->blobs().ref_count(message->blob), 2u);  // one blob, two references
}

TEST_F(LocalDeliveryTest, NestedAliasesWithALoopDeliverOneCopyEach) {
  alias("team@example.test", {"alice@example.test", "sub@example.test"});
  alias("sub@example.test", {"bob@example.test", "team@example.test", "alice@example.test"});
  auto outcomes = delivery_->deliver(request("Q2", {"team@example.test", "alice@example.test"}));
  EXPECT_EQ(outcomes[0].status, DeliveryStatus::delivered);
  EXPECT_EQ(outcomes[1].status, DeliveryStatus::delivered);
  EXPECT_EQ(inbox_count("alice@example.test"), 1u);
  EXPECT_EQ(inbox_count("bob@example.test"), 1u);
}

TEST_F(LocalDeliveryTest, RetryIsIdempotent) {
  auto first = delivery_->deliver(request("Q3", {"carol@example.test"}));
  auto again = delivery_->deliver(request("Q3", {"carol@example.test"}));
  EXPECT_EQ(first[0].status, DeliveryStatus::delivered);
  EXPECT_EQ(again[0].status, DeliveryStatus::delivered);
  EXPECT_EQ(inbox_count("carol@example.test"), 1u);
}

TEST_F(LocalDeliveryTest, FailuresByKind) {
  auto outcomes = delivery_->deliver(
      request("Q4", {"nobody@example.test", "off@example.test", "x@elsewhere.example", "tiny@example.test"}, 500));
  EXPECT_EQ(outcomes[0].status, DeliveryStatus::failed);
  EXPECT_EQ(outcomes[0].enhanced, "5.1.1");
  EXPECT_EQ(outcomes[1].status, DeliveryStatus::failed);
  EXPECT_EQ(outcomes[1].enhanced, "5.2.1");
  // Another domain (relayed by submission): kept for the outbound agent.
  EXPECT_EQ(outcomes[2].status, DeliveryStatus::deferred);
  EXPECT_EQ(outcomes[2].enhanced, "4.4.0");
  EXPECT_EQ(outcomes[3].status, DeliveryStatus::deferred);  // over quota: retried
  EXPECT_EQ(outcomes[3].reply().substr(0, 9), "452 4.2.2");
}

TEST_F(LocalDeliveryTest, ExternalAliasTargetsStayQueuedAfterLocalCopies) {
  alias("mixed@example.test", {"alice@example.test", "friend@elsewhere.example"});
  auto outcomes = delivery_->deliver(request("Q5", {"mixed@example.test"}));
  EXPECT_EQ(outcomes[0].status, DeliveryStatus::deferred);
  EXPECT_EQ(outcomes[0].enhanced, "4.4.0");
  EXPECT_EQ(outcomes[0].delivered_to, std::vector<std::string>{"alice@example.test"});
  // The retry does not store a second local copy.
  delivery_->deliver(request("Q5", {"mixed@example.test"}));
  EXPECT_EQ(inbox_count("alice@example.test"), 1u);
}

// The queue runner forwards external targets itself: the recipient is done
// once its local copies are stored, and the targets come back in `external`.
TEST_F(LocalDeliveryTest, ExternalAliasTargetsAreHandedToTheCallerWhenItForwards) {
  alias("mixed@example.test", {"alice@example.test", "friend@elsewhere.example", "other@far.example"});
  alias("away@example.test", {"friend@elsewhere.example"});
  DeliveryRequest r = request("Q7", {"mixed@example.test", "away@example.test"});
  r.forward_external = true;
  auto outcomes = delivery_->deliver(r);
  EXPECT_EQ(outcomes[0].status, DeliveryStatus::delivered) << outcomes[0].reply();
  EXPECT_EQ(outcomes[0].delivered_to, std::vector<std::string>{"alice@example.test"});
  EXPECT_EQ(outcomes[0].external, (std::vector<std::string>{"friend@elsewhere.example", "other@far.example"}));
  EXPECT_EQ(outcomes[1].status, DeliveryStatus::delivered) << outcomes[1].reply();
  EXPECT_TRUE(outcomes[1].delivered_to.empty());
  EXPECT_EQ(outcomes[1].external, std::vector<std::string>{"friend@elsewhere.example"});
  EXPECT_EQ(inbox_count("alice@example.test"), 1u);
}

TEST_F(LocalDeliveryTest, AliasDepthIsBounded) {
  settings_.max_alias_depth = 2;
  delivery_ = std::make_unique<LocalDelivery>(*directory_, store_->mailboxes(), settings_);
  alias("a1@example.test", {"a2@example.test"});
  alias("a2@example.test", {"a3@example.test"});
  alias("a3@example.test", {"alice@example.test"});
  auto outcomes = delivery_->deliver(request("Q6", {"a1@example.test"}));
  EXPECT_EQ(outcomes[0].status, DeliveryStatus::failed);
  EXPECT_EQ(outcomes[0].enhanced, "5.4.6");
}

TEST_F(LocalDeliveryTest, ManyMessagesInOneCall) {
  std::vector<DeliveryRequest> requests{request("Q7", {"alice@example.test"}), request("Q8", {"bob@example.test"}),
                                        request("Q9", {"nobody@example.test"})};
  auto outcomes = delivery_->deliver_many(requests);
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0][0].status, DeliveryStatus::delivered);
  EXPECT_EQ(outcomes[1][0].status, DeliveryStatus::delivered);
  EXPECT_EQ(outcomes[2][0].status, DeliveryStatus::failed);
}

// The one parse per message also yields the search text: the body once for
// all recipients, the header with each recipient's own prefix.
TEST_F(LocalDeliveryTest, IndexesTheTextOnceForEveryRecipient) {
  StoreSettings settings;
  settings.data_dir = dir_.path();
  auto blobs = open_blob_store(settings);
  ASSERT_TRUE(blobs.ok()) << blobs.error().message;
  LocalDelivery parsing(*directory_, store_->mailboxes(), settings_, blobs->get());
  auto blob = (*blobs)->put(
      "From: Sender <s@remote.example>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Meeting&nbsp;at <b>NOON</b></p>\r\n");
  ASSERT_TRUE(blob.ok());
  DeliveryRequest r = request("Q9", {"alice@example.test", "bob@example.test"});
  r.blob = *blob;
  for (const auto& o : parsing.deliver(r)) EXPECT_EQ(o.status, DeliveryStatus::delivered) << o.reply();
  // Without a blob store nothing is parsed, so nothing is indexed.
  for (const auto& o : delivery_->deliver(request("Q10", {"bob@example.test"}))) {
    EXPECT_EQ(o.status, DeliveryStatus::delivered) << o.reply();
  }
  // Delivery leaves the text pending (scanned by SEARCH) for the background
  // indexer, run here until caught up.
  {
    auto account = directory_->account("alice@example.test");
    auto inbox = store_->mailboxes().find_mailbox(account->id, kInboxName);
    ASSERT_TRUE(inbox.ok());
    auto pending = store_->mailboxes().search_text(inbox->id, std::vector<Uid>{Uid{1}}, TextSearchScope::body, "noon");
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(pending->not_indexed, std::vector<Uid>{Uid{1}});
  }
  for (;;) {
    auto indexed = store_->mailboxes().index_pending_text(50);
    ASSERT_TRUE(indexed.ok()) << indexed.error().message;
    if (*indexed == 0) break;
  }
  for (const char* user : {"alice", "bob"}) {
    auto account = directory_->account(std::string(user) + "@example.test");
    auto inbox = store_->mailboxes().find_mailbox(account->id, kInboxName);
    ASSERT_TRUE(inbox.ok());
    const std::vector<Uid> all{Uid{1}, Uid{2}};
    auto body = store_->mailboxes().search_text(inbox->id, all, TextSearchScope::body, "meeting at noon");
    ASSERT_TRUE(body.ok()) << body.error().message;
    EXPECT_EQ(body->matched, std::vector<Uid>{Uid{1}});
    auto subject = store_->mailboxes().search_text(inbox->id, all, TextSearchScope::text, "grüsse");
    ASSERT_TRUE(subject.ok());
    EXPECT_EQ(subject->matched, std::vector<Uid>{Uid{1}});
    auto own = store_->mailboxes().search_text(inbox->id, all, TextSearchScope::text,
                                               std::string("delivered-to: ") + user + "@");
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(own->matched, std::vector<Uid>{Uid{1}}) << user;
    auto other = store_->mailboxes().search_text(inbox->id, all, TextSearchScope::text,
                                                 std::string("delivered-to: ") + (user[0] == 'a' ? "bob" : "alice"));
    ASSERT_TRUE(other.ok());
    EXPECT_TRUE(other->matched.empty()) << user;
    EXPECT_EQ(own->not_indexed, user[0] == 'b' ? std::vector<Uid>{Uid{2}} : std::vector<Uid>{});
  }
}
