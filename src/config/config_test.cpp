#include "config/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace postino;

namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("postino-config-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

}  // namespace

TEST_F(ConfigTest, InitialConfigLoadsWithOffsets) {
  auto file = write("postino.toml", render_initial_config({.hostname = "mail.example.test", .port_offset = 10000}));
  auto load = load_config(file);
  ASSERT_TRUE(load.config) << (load.diagnostics.empty() ? "" : load.diagnostics[0].str());
  const Config& c = *load.config;
  EXPECT_EQ(c.server.hostname, "mail.example.test");
  EXPECT_EQ(c.storage.data_dir, dir_.string());
  EXPECT_EQ(c.tls.certificate_file, (dir_ / "tls/cert.pem").string());
  ASSERT_NE(c.listener("smtp"), nullptr);
  EXPECT_EQ(c.listener("smtp")->port, 10025);
  EXPECT_EQ(c.listener("imaps")->port, 10993);
  EXPECT_EQ(c.listener("imaps")->tls, TlsMode::implicit);
  EXPECT_EQ(c.listener("https")->port, 10443);
  EXPECT_EQ(c.listeners.size(), 10u);
  EXPECT_EQ(c.directory.default_quota_bytes, 500ull << 20);
}

TEST_F(ConfigTest, UnknownKeysAndBadValuesHaveFileAndLine) {
  auto file = write("postino.toml",
                    "[server]\n"
                    "hostname = \"mail.example.test\"\n"
                    "colour = \"blue\"\n"
                    "[limits]\n"
                    "max_connections = -1\n"
                    "[directory]\n"
                    "default_quota = \"lots\"\n"
                    "[log]\n"
                    "level = \"chatty\"\n"
                    "[listeners.smtpx]\n"
                    "port = 1\n");
  auto load = load_config(file);
  ASSERT_FALSE(load.config);
  std::vector<std::string> lines;
  for (const auto& d : load.diagnostics) lines.push_back(d.str());
  auto has = [&](const std::string& needle) {
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("postino.toml:3: unknown setting 'server.colour'"));
  EXPECT_TRUE(has("postino.toml:5: 'limits.max_connections' must be between"));
  EXPECT_TRUE(has("postino.toml:7: 'directory.default_quota' invalid size"));
  EXPECT_TRUE(has("postino.toml:9: 'log.level' must be one of: debug, info, warn, error"));
  EXPECT_TRUE(has("'listeners.smtpx' is not a listener name"));
}

TEST_F(ConfigTest, SyntaxErrorIsReported) {
  auto file = write("postino.toml", "[server]\nhostname = \n");
  auto load = load_config(file);
  ASSERT_FALSE(load.config);
  ASSERT_EQ(load.diagnostics.size(), 1u);
  EXPECT_EQ(load.diagnostics[0].line, 2u);
}

TEST_F(ConfigTest, DropInsOverrideAndKeepTheirOwnLines) {
  auto file = write("postino.toml", render_initial_config({.hostname = "mail.example.test"}));
  write("conf.d/10-limits.toml", "[limits]\nmax_connections_per_ip = 7\n");
  write("conf.d/20-listen.toml", "[listeners.lmtp]\nenabled = false\n");
  auto load = load_config(file);
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->limits.max_connections_per_ip, 7u);
  EXPECT_EQ(load.config->listener("lmtp"), nullptr);
  EXPECT_NE(load.config->listener("smtp"), nullptr);

  write("conf.d/30-bad.toml", "\n[limits]\nbogus = 1\n");
  load = load_config(file);
  ASSERT_FALSE(load.config);
  EXPECT_NE(load.diagnostics[0].str().find("30-bad.toml:3: unknown setting 'limits.bogus'"), std::string::npos)
      << load.diagnostics[0].str();
}

TEST_F(ConfigTest, PortClashAndMissingTls) {
  auto file = write("postino.toml",
                    "[server]\nhostname = \"mx.example.test\"\n"
                    "[listeners.imap]\nport = 2000\n[listeners.pop3]\nport = 2000\n");
  auto load = load_config(file);
  ASSERT_FALSE(load.config);
  std::string all;
  for (const auto& d : load.diagnostics) all += d.str() + "\n";
  EXPECT_NE(all.find("both use 127.0.0.1:2000"), std::string::npos) << all;
  EXPECT_NE(all.find("certificate and key are required"), std::string::npos) << all;
}

TEST_F(ConfigTest, SubmissionSection) {
  auto file = write("postino.toml", render_initial_config({.hostname = "mail.example.test"}));
  auto load = load_config(file);
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->submission.messages_per_hour, 200u);  // the template's values are the defaults
  EXPECT_EQ(load.config->submission.recipients_per_hour, 1000u);
  EXPECT_EQ(load.config->submission.max_header_bytes, 256u << 10);
  EXPECT_EQ(load.config->listener("submissions")->tls, TlsMode::implicit);
  EXPECT_EQ(load.config->listener("submission")->tls, TlsMode::starttls);

  write("conf.d/10-submission.toml",
        "[submission]\nmessages_per_hour = 5\nrecipients_per_hour = 0\nmax_auth_failures = 2\n"
        "max_header_size = \"64K\"\nadd_missing_headers = false\n");
  load = load_config(file);
  ASSERT_TRUE(load.config) << load.diagnostics[0].str();
  EXPECT_EQ(load.config->submission.messages_per_hour, 5u);
  EXPECT_EQ(load.config->submission.recipients_per_hour, 0u);
  EXPECT_EQ(load.config->submission.max_auth_failures, 2u);
  EXPECT_EQ(load.config->submission.max_header_bytes, 64u << 10);
  EXPECT_FALSE(load.config->submission.add_missing_headers);

  write("conf.d/20-bad.toml", "[submission]\nmessages_per_minute = 1\nmax_header_size = \"10\"\n");
  load = load_config(file);
  ASSERT_FALSE(load.config);
  std::string all;
  for (const auto& d : load.diagnostics) all += d.str() + "\n";
  EXPECT_NE(all.find("20-bad.toml:2: unknown setting 'submission.messages_per_minute'"), std::string::npos) << all;
  EXPECT_NE(all.find("submission.max_header_size"), std::string::npos) << all;
}
