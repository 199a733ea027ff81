// Migrations: fresh open, idempotent reopen, ordered steps, rollback of a
// failed step, refusal of a database newer than the build.
#include "store/sqlite/migrations.hpp"

#include <gtest/gtest.h>

#include "store/metadata_store.hpp"
#include "store/test_temp_dir.hpp"

namespace postino::sqlite {
namespace {

Connection open_db(const std::string& path) {
  auto db = Connection::open(path, OpenMode::read_write_create, 1000);
  EXPECT_TRUE(db.ok());
  return std::move(*db);
}

bool has_table(Connection& db, const std::string& name) {
  auto q = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
  EXPECT_TRUE(q.ok());
  q->bind_text(1, name);
  auto row = q->step();
  return row.ok() && *row;
}

std::int64_t count_rows(Connection& db, const std::string& table) {
  auto q = db.prepare("SELECT count(*) FROM " + table);
  EXPECT_TRUE(q.ok());
  EXPECT_TRUE(*q->step());
  return q->column_int64(0);
}

TEST(Migrations, FreshStoreIsMigratedAndReopenIsIdempotent) {
  testing::TempDir dir;
  StoreSettings settings{.data_dir = dir.path()};
  const int newest = static_cast<int>(builtin_migrations().size());
  {
    auto store = open_metadata_store(settings);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->schema_version(), newest);
    ASSERT_TRUE((*store)->directory().add_domain("example.test").ok());
  }
  {
    auto store = open_metadata_store(settings);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->schema_version(), newest);
    EXPECT_TRUE((*store)->directory().find_domain("example.test").ok());
  }
  Connection db = open_db(dir.path() + "/metadata/postino.sqlite");
  EXPECT_EQ(count_rows(db, "schema_version"), newest);
  for (const char* table : {"domains", "accounts", "alias_targets", "blobs", "mailboxes", "messages", "message_keywords",
                            "account_usage", "deliveries", "message_structures", "expunged", "subscriptions"}) {
    EXPECT_TRUE(has_table(db, table)) << table;
  }
}

// A database written by the release with two steps gains step 3: existing
// messages keep their rows, get a save date (their internal date) and are
// recent until a session claims them; the new triggers run on old rows.
TEST(Migrations, Step3UpgradesAVersion2Database) {
  testing::TempDir dir;
  Connection db = open_db(dir.path() + "/m.sqlite");
  ASSERT_TRUE(db.exec("PRAGMA foreign_keys = ON").ok());
  ASSERT_EQ(*apply_migrations(db, builtin_migrations().subspan(0, 2)), 2);
  ASSERT_TRUE(db.exec(R"sql(
    INSERT INTO domains VALUES (1, 'example.test', 0);
    INSERT INTO accounts (id, address, domain_id, password_hash, created_at) VALUES (1, 'a@example.test', 1, 'x', 0);
    INSERT INTO blobs VALUES (zeroblob(32), 10, 2, NULL, 0);
    INSERT INTO mailboxes (id, account_id, name, uid_validity, uid_next, highest_modseq, message_count, size_bytes,
                           created_at) VALUES (1, 1, 'INBOX', 7, 3, 2, 2, 20, 0);
    INSERT INTO messages (mailbox_id, uid, blob_sha256, header_prefix, size_bytes, internal_date, modseq)
      VALUES (1, 1, zeroblob(32), x'', 10, 1600000000, 1), (1, 2, zeroblob(32), x'', 10, 1600000100, 2);
    INSERT INTO account_usage VALUES (1, 20, 2);
  )sql").ok());

  ASSERT_EQ(*apply_migrations(db, builtin_migrations()), static_cast<int>(builtin_migrations().size()));
  auto q = db.prepare("SELECT save_date FROM messages ORDER BY uid");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->step());
  EXPECT_EQ(q->column_int64(0), 1600000000);
  auto recent = db.prepare("SELECT recent_uid FROM mailboxes WHERE id = 1");
  ASSERT_TRUE(*recent->step());
  EXPECT_EQ(recent->column_int64(0), 1);
  // The expunge log trigger: a deleted message is logged with the mailbox's
  // highest_modseq, which the store raises before deleting.
  ASSERT_TRUE(db.exec("UPDATE mailboxes SET highest_modseq = 3 WHERE id = 1; "
                      "DELETE FROM messages WHERE mailbox_id = 1 AND uid = 1")
                  .ok());
  auto logged = db.prepare("SELECT uid, modseq FROM expunged WHERE mailbox_id = 1");
  ASSERT_TRUE(*logged->step());
  EXPECT_EQ(logged->column_int64(0), 1);
  EXPECT_EQ(logged->column_int64(1), 3);
  // A mailbox deletion takes its log rows and logs nothing new.
  ASSERT_TRUE(db.exec("DELETE FROM mailboxes WHERE id = 1").ok());
  EXPECT_EQ(count_rows(db, "expunged"), 0);
  EXPECT_EQ(count_rows(db, "messages"), 0);
}

TEST(Migrations, StepsApplyInOrderAndAFailedStepRollsBack) {
  testing::TempDir dir;
  Connection db = open_db(dir.path() + "/m.sqlite");
  const Migration broken[] = {
      {1, "a", "CREATE TABLE a (x INTEGER)"},
      {2, "b needs a", "CREATE TABLE b (x INTEGER); INSERT INTO b SELECT x FROM a"},
      {3, "half a step", "CREATE TABLE c (x INTEGER); THIS IS NOT SQL"},
  };
  auto version = apply_migrations(db, broken);
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.error().message.find("migration 3"), std::string::npos) << version.error().message;
  EXPECT_EQ(*read_schema_version(db), 2);
  EXPECT_TRUE(has_table(db, "b"));
  EXPECT_FALSE(has_table(db, "c"));  // the DDL before the error was rolled back

  const Migration fixed[] = {broken[0], broken[1], {3, "c", "CREATE TABLE c (x INTEGER)"}};
  version = apply_migrations(db, fixed);
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, 3);
  EXPECT_EQ(*apply_migrations(db, fixed), 3);  // nothing left to do
  EXPECT_EQ(count_rows(db, "schema_version"), 3);
}

TEST(Migrations, RefusesADatabaseNewerThanTheBuild) {
  testing::TempDir dir;
  Connection db = open_db(dir.path() + "/m.sqlite");
  const Migration two[] = {{1, "a", "CREATE TABLE a (x INTEGER)"}, {2, "b", "CREATE TABLE b (x INTEGER)"}};
  ASSERT_TRUE(apply_migrations(db, two).ok());
  auto version = apply_migrations(db, std::span<const Migration>(two, 1));
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.error().code, Errc::unsupported);
}

}  // namespace
}  // namespace postino::sqlite
