// Test helpers for DNS-dependent code: TestUnbound runs a private unbound(8)
// on 127.0.0.1 and a free port serving the test's local-data (for the
// resolver, SPF/DKIM/DMARC and delivery tests); SilentDnsPort never answers.
// Test code only: it forks, blocks and throws std::runtime_error on failure.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace postino::dns::testing {

class TestUnbound {
  struct Key {
    explicit Key() = default;
  };

 public:
  explicit TestUnbound(Key) {}
  // True when /usr/sbin/unbound exists (Debian package unbound); callers
  // GTEST_SKIP otherwise.
  static bool available();

  // Starts unbound in the foreground with its own config in a fresh temp
  // dir; `server_lines` go into its "server:" clause verbatim, e.g.
  //   local-zone: "test." static
  //   local-data: "example.test. IN MX 10 mx1.example.test."
  // Returns once it answers a query (polled, 20 s deadline). A port taken
  // meanwhile by someone else is retried with another one.
  static std::unique_ptr<TestUnbound> start(const std::vector<std::string>& server_lines);

  ~TestUnbound();  // stop()
  TestUnbound(const TestUnbound&) = delete;
  TestUnbound& operator=(const TestUnbound&) = delete;

  std::uint16_t port() const { return port_; }
  // "127.0.0.1@port", the DnsSettings::forwarders syntax.
  std::string forwarder() const;
  pid_t pid() const { return pid_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::string log() const;  // unbound's stderr so far
  // SIGTERM, then SIGKILL after 5 s; reaps the process, removes the dir.
  void stop();

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// A UDP socket and a TCP listener on one free 127.0.0.1 port that read and
// accept nothing: queries sent there time out.
class SilentDnsPort {
 public:
  SilentDnsPort();
  ~SilentDnsPort();
  SilentDnsPort(const SilentDnsPort&) = delete;
  SilentDnsPort& operator=(const SilentDnsPort&) = delete;
  std::uint16_t port() const { return port_; }
  std::string forwarder() const;

 private:
  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace postino::dns::testing
