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
  EXPECT_TRUE(load.config->submission.domain_limits.empty());

  write("conf.d/15-domains.toml",
        "[submission.domain_limits.\"Students.Example.ORG\"]\nmessages_per_hour = 20\n"
        "[submission.domain_limits.\"staff.example.org\"]\nrecipients_per_hour = 0\n");
  load = load_config(file);
  ASSERT_TRUE(load.config) << load.diagnostics[0].str();
  const auto& domains = load.config->submission.domain_limits;
  ASSERT_EQ(domains.size(), 2u);
  ASSERT_TRUE(domains.count("students.example.org"));  // keys lower-cased
  EXPECT_EQ(domains.at("students.example.org").messages_per_hour, 20u);
  EXPECT_FALSE(domains.at("students.example.org").recipients_per_hour);
  EXPECT_FALSE(domains.at("staff.example.org").messages_per_hour);
  EXPECT_EQ(domains.at("staff.example.org").recipients_per_hour, 0u);

  write("conf.d/16-bad-domain.toml",
        "[submission.domain_limits.\"not a domain\"]\nmessages_per_hour = 1\n"
        "[submission.domain_limits.\"ok.example\"]\nmessages_per_day = 1\n");
  load = load_config(file);
  ASSERT_FALSE(load.config);
  std::string bad;
  for (const auto& d : load.diagnostics) bad += d.str() + "\n";
  EXPECT_NE(bad.find("not a domain name"), std::string::npos) << bad;
  EXPECT_NE(bad.find("messages_per_day"), std::string::npos) << bad;
  std::filesystem::remove(dir_ / "conf.d/16-bad-domain.toml");

  write("conf.d/20-bad.toml", "[submission]\nmessages_per_minute = 1\nmax_header_size = \"10\"\n");
  load = load_config(file);
  ASSERT_FALSE(load.config);
  std::string all;
  for (const auto& d : load.diagnostics) all += d.str() + "\n";
  EXPECT_NE(all.find("20-bad.toml:2: unknown setting 'submission.messages_per_minute'"), std::string::npos) << all;
  EXPECT_NE(all.find("submission.max_header_size"), std::string::npos) << all;
}

TEST_F(ConfigTest, OutboundSectionAndQueueTiming) {
  write("relay.secret", "s3cret\n");
  auto file = write("postino.toml", render_initial_config({.hostname = "mail.example.test"}));
  {
    auto load = load_config(file);
    ASSERT_TRUE(load.config) << load.diagnostics[0].str();
    const auto& o = load.config->outbound;
    EXPECT_EQ(o.helo_name, "mail.example.test");  // server.hostname by default
    EXPECT_EQ(o.tls_policy, smtp_client::TlsPolicy::may);
    EXPECT_FALSE(o.relayhost);
    EXPECT_TRUE(o.transport_map.empty());
    EXPECT_EQ(load.config->queue.delay_warning_after, std::chrono::hours(4));
    EXPECT_EQ(load.config->queue.max_queue_lifetime, std::chrono::hours(120));
    EXPECT_EQ(load.config->queue.retry_schedule.size(), 5u);
  }
  write("conf.d/30-outbound.toml",
        "[outbound]\n"
        "helo_name = \"Out.Example.Test\"\n"
        "tls_policy = \"encrypt\"\n"
        "smtp_port = 2525\n"
        "relayhost = \"[smtp.example.net]:587\"\n"
        "relay_auth_user = \"relay-user\"\n"
        "relay_auth_password_file = \"relay.secret\"\n"
        "connect_timeout = \"7s\"\n"
        "[outbound.tls_policies]\n"
        "\"Secure.Example\" = \"verify\"\n"
        "[outbound.transport_map]\n"
        "\"example.org\" = \"[mail.example.org]:2525\"\n"
        "\".Sub.Example\" = \"relay.example.net\"\n"
        "\"User@Example.NET\" = \"[192.0.2.10]\"\n"
        "[queue]\n"
        "delay_warning_after = \"0s\"\n"
        "poll_interval = \"1s\"\n"
        "test_clock_offset_file = \"clock\"\n");
  auto load = load_config(file);
  ASSERT_TRUE(load.config) << load.diagnostics[0].str();
  const auto& o = load.config->outbound;
  EXPECT_EQ(o.helo_name, "out.example.test");
  EXPECT_EQ(o.tls_policy, smtp_client::TlsPolicy::encrypt);
  EXPECT_EQ(o.smtp_port, 2525);
  ASSERT_TRUE(o.relayhost);
  EXPECT_EQ(o.relayhost->str(), "[smtp.example.net]:587");
  EXPECT_EQ(o.relay_auth_user, "relay-user");
  EXPECT_EQ(o.relay_auth_password, "s3cret");
  EXPECT_EQ(o.timeouts.connect, std::chrono::seconds(7));
  EXPECT_EQ(o.domain_tls_policy.at("secure.example"), smtp_client::TlsPolicy::verify);
  EXPECT_EQ(o.transport_map.at("example.org").str(), "[mail.example.org]:2525");
  EXPECT_EQ(o.transport_map.at(".sub.example").str(), "relay.example.net");
  EXPECT_EQ(o.transport_map.at("user@example.net").str(), "[192.0.2.10]");
  EXPECT_EQ(load.config->queue.delay_warning_after, std::chrono::seconds(0));
  EXPECT_EQ(load.config->queue.poll_interval, std::chrono::seconds(1));
  EXPECT_EQ(load.config->queue.clock_offset_file, (dir_ / "clock").string());
}

TEST_F(ConfigTest, OutboundMistakesHaveFileAndLine) {
  auto file = write("postino.toml",
                    "[server]\nhostname = \"mail.example.test\"\n"
                    "[outbound]\n"
                    "tls_policy = \"sometimes\"\n"
                    "relayhost = \"[bad host]:99999\"\n"
                    "colour = 1\n"
                    "relay_auth_user = \"u\"\n"
                    "[outbound.transport_map]\n"
                    "\"not a domain\" = \"[x.example]\"\n"
                    "\"ok.example\" = \"[x.example]:0\"\n"
                    "[outbound.tls_policies]\n"
                    "\"ok.example\" = \"always\"\n");
  auto load = load_config(file);
  ASSERT_FALSE(load.config);
  std::string all;
  for (const auto& d : load.diagnostics) all += d.str() + "\n";
  EXPECT_NE(all.find("postino.toml:4: 'outbound.tls_policy' must be one of: none, may, encrypt, verify"),
            std::string::npos) << all;
  EXPECT_NE(all.find("postino.toml:5: 'outbound.relayhost'"), std::string::npos) << all;
  EXPECT_NE(all.find("postino.toml:6: unknown setting 'outbound.colour'"), std::string::npos) << all;
  EXPECT_NE(all.find("'outbound.relay_auth_user' needs relayhost"), std::string::npos) << all;
  EXPECT_NE(all.find("postino.toml:9: 'outbound.transport_map.not a domain' is not a domain"), std::string::npos)
      << all;
  EXPECT_NE(all.find("postino.toml:10: 'outbound.transport_map.ok.example'"), std::string::npos) << all;
  EXPECT_NE(all.find("postino.toml:12: 'outbound.tls_policies.ok.example' must be one of"), std::string::npos) << all;
}

TEST_F(ConfigTest, Pop3SectionIsRead) {
  auto file = write("postino.toml",
                    "[server]\nhostname = \"mail.example.test\"\n"
                    "[pop3]\nmax_line_length = 1024\nmax_bad_commands = 4\nmax_auth_failures = 2\n"
                    "login_timeout = \"30s\"\ncommand_timeout = \"15m\"\n");
  auto load = load_config(file);
  ASSERT_TRUE(load.config) << (load.diagnostics.empty() ? "" : load.diagnostics[0].str());
  const Pop3Settings& p = load.config->pop3;
  EXPECT_EQ(p.max_line_bytes, 1024u);
  EXPECT_EQ(p.max_bad_commands, 4u);
  EXPECT_EQ(p.max_auth_failures, 2u);
  EXPECT_EQ(p.login_timeout, std::chrono::seconds(30));
  EXPECT_EQ(p.command_timeout, std::chrono::minutes(15));
  auto bad = write("bad.toml", "[server]\nhostname = \"h.example.test\"\n[pop3]\nmax_line_length = 10\napop = true\n");
  auto refused = load_config(bad);
  ASSERT_FALSE(refused.config);
  ASSERT_EQ(refused.diagnostics.size(), 2u);
  EXPECT_NE(refused.diagnostics[0].str().find("bad.toml:4: 'pop3.max_line_length' must be between"), std::string::npos)
      << refused.diagnostics[0].str();
  EXPECT_NE(refused.diagnostics[1].str().find("bad.toml:5: unknown setting 'pop3.apop'"), std::string::npos)
      << refused.diagnostics[1].str();
}
