// RFC 8474 object ids: syntax (objectid ABNF, a letter first), determinism,
// and that each input changes the id.
#include "store/object_ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace postino {
namespace {

BlobId blob(std::uint8_t seed) {
  BlobId id;
  id.sha256.fill(seed);
  return id;
}

TEST(ObjectIds, HaveTheRfcSyntaxAndAKindLetter) {
  const std::string mailbox = mailbox_object_id(MailboxId{1}, 1700000000);
  const std::string email = email_object_id(AccountId{1}, blob(1), "Delivered-To: a@example.test\r\n");
  for (const std::string& id : {mailbox, email}) {
    EXPECT_TRUE(is_object_id(id)) << id;
    EXPECT_EQ(id.size(), 23u) << id;
  }
  EXPECT_EQ(mailbox.front(), 'F');
  EXPECT_EQ(email.front(), 'M');
}

TEST(ObjectIds, AreDeterministicAndDependOnEveryInput) {
  EXPECT_EQ(mailbox_object_id(MailboxId{7}, 42), mailbox_object_id(MailboxId{7}, 42));
  EXPECT_EQ(email_object_id(AccountId{3}, blob(9), "p"), email_object_id(AccountId{3}, blob(9), "p"));

  std::set<std::string> ids;
  ids.insert(mailbox_object_id(MailboxId{7}, 42));
  ids.insert(mailbox_object_id(MailboxId{8}, 42));
  ids.insert(mailbox_object_id(MailboxId{7}, 43));
  ids.insert(email_object_id(AccountId{3}, blob(9), "p"));
  ids.insert(email_object_id(AccountId{4}, blob(9), "p"));  // another account
  ids.insert(email_object_id(AccountId{3}, blob(8), "p"));  // another blob
  ids.insert(email_object_id(AccountId{3}, blob(9), "q"));  // another prefix
  ids.insert(email_object_id(AccountId{3}, blob(9), ""));
  EXPECT_EQ(ids.size(), 8u);
}

TEST(ObjectIds, ManyMailboxIdsDoNotCollide) {
  std::set<std::string> ids;
  for (std::int64_t i = 1; i <= 20000; ++i) ids.insert(mailbox_object_id(MailboxId{i}, 1700000000));
  EXPECT_EQ(ids.size(), 20000u);
}

TEST(ObjectIds, SyntaxCheck) {
  EXPECT_TRUE(is_object_id("a"));
  EXPECT_TRUE(is_object_id("M6d99ac3275bb4e_-Z9"));
  EXPECT_TRUE(is_object_id(std::string(255, 'x')));
  EXPECT_FALSE(is_object_id(""));
  EXPECT_FALSE(is_object_id(std::string(256, 'x')));
  EXPECT_FALSE(is_object_id("a b"));
  EXPECT_FALSE(is_object_id("a.b"));
  EXPECT_FALSE(is_object_id("\xc3\xa9"));
}

}  // namespace
}  // namespace postino
