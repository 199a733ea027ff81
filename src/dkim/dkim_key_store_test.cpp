// DkimKeyStore: generate writes a 0600 key and marks it active; list reads
// every key back; signer_for picks the active selector, follows a rotation
// without a restart, and refuses names that could escape the folder.
#include "dkim/dkim_key_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace postino::dkim {
namespace {

class DkimKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("postino-dkim-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(DkimKeyStoreTest, GenerateListAndSign) {
  DkimKeyStore keys(root_ / "dkim");
  auto made = keys.generate("Example.Test", "Sel1", DkimAlgorithm::ed25519_sha256);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->domain, "example.test");
  EXPECT_EQ(made->selector, "sel1");
  EXPECT_EQ(made->dns_name, "sel1._domainkey.example.test");
  EXPECT_EQ(made->dns_record.rfind("v=DKIM1; k=ed25519; p=", 0), 0u);
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "dkim/example.test/sel1.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((root_ / "dkim/example.test").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  EXPECT_EQ(keys.generate("example.test", "sel1", DkimAlgorithm::ed25519_sha256).error().code, Errc::already_exists);

  auto signer = keys.signer_for("example.test");
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  ASSERT_TRUE(*signer);
  EXPECT_EQ((*signer)->selector(), "sel1");
  auto header = (*signer)->sign_message("From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n");
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_NE(header->find("d=example.test"), std::string::npos);
  EXPECT_NE(header->find("a=ed25519-sha256"), std::string::npos);

  auto none = keys.signer_for("other.test");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);

  // Rotation: a new selector becomes active and is used at once.
  ASSERT_TRUE(keys.generate("example.test", "sel2", DkimAlgorithm::ed25519_sha256).ok());
  signer = keys.signer_for("example.test");
  ASSERT_TRUE(signer.ok() && *signer);
  EXPECT_EQ((*signer)->selector(), "sel2");

  auto list = keys.list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].selector, "sel1");
  EXPECT_FALSE((*list)[0].active);
  EXPECT_EQ((*list)[1].selector, "sel2");
  EXPECT_TRUE((*list)[1].active);
  EXPECT_EQ((*list)[1].dns_record.rfind("v=DKIM1; k=ed25519", 0), 0u);
}

TEST_F(DkimKeyStoreTest, NamesCannotEscapeTheFolder) {
  DkimKeyStore keys(root_ / "dkim");
  for (const char* domain : {"..", "../etc", "a/b.test", "", "x..test"}) {
    auto made = keys.generate(domain, "s", DkimAlgorithm::ed25519_sha256);
    ASSERT_FALSE(made.ok()) << domain;
    EXPECT_EQ(made.error().code, Errc::invalid_argument) << domain;
  }
  for (const char* selector : {"..", "../x", "a/b", "", ".s", "s."}) {
    auto made = keys.generate("example.test", selector, DkimAlgorithm::ed25519_sha256);
    ASSERT_FALSE(made.ok()) << selector;
    EXPECT_EQ(made.error().code, Errc::invalid_argument) << selector;
  }
  EXPECT_FALSE(std::filesystem::exists(root_ / "etc"));
  auto none = keys.signer_for("../etc");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
}

TEST_F(DkimKeyStoreTest, RsaKeyIs2048Bits) {
  DkimKeyStore keys(root_ / "dkim");
  auto made = keys.generate("example.test", "rsa", DkimAlgorithm::rsa_sha256);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->bits, 2048u);
  EXPECT_EQ(made->dns_record.rfind("v=DKIM1; k=rsa; p=", 0), 0u);
  std::ofstream(root_ / "dkim/example.test/active") << "missing\n";
  auto broken = keys.signer_for("example.test");
  EXPECT_FALSE(broken.ok());  // an active selector without its key is an error, not silence
}

}  // namespace
}  // namespace postino::dkim
