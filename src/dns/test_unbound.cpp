// TestUnbound: fork/exec of unbound -d with a generated config, readiness by
// polling a real DNS query (never a fixed sleep), stop by pid. The child gets
// PR_SET_PDEATHSIG so a crashed test leaves no server behind.
// Test code only.
#include "dns/test_unbound.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

namespace postino::dns::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kUnboundPath = "/usr/sbin/unbound";

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool bind_loopback(int fd, std::uint16_t port) {
  const sockaddr_in addr = loopback(port);
  return ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

// A TCP port on 127.0.0.1 whose UDP twin was free too, both bound; the
// caller keeps or closes them.
std::uint16_t bind_free_port(Fd& tcp, Fd& udp) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    Fd t(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    Fd u(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (t.get() < 0 || u.get() < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    if (!bind_loopback(t.get(), 0)) continue;
    sockaddr_in bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(t.get(), reinterpret_cast<sockaddr*>(&bound), &length) != 0) continue;
    const std::uint16_t port = ntohs(bound.sin_port);
    if (!bind_loopback(u.get(), port)) continue;
    tcp = std::move(t);
    udp = std::move(u);
    return port;
  }
  throw std::runtime_error("no free loopback port for UDP and TCP");
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A query for localhost. A: unbound answers it from its built-in local zone.
std::vector<std::uint8_t> probe_query(std::uint16_t id) {
  std::vector<std::uint8_t> packet = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xff),
                                      0x01, 0x00,  // RD
                                      0, 1, 0, 0, 0, 0, 0, 0};
  const std::string_view label = "localhost";
  packet.push_back(static_cast<std::uint8_t>(label.size()));
  packet.insert(packet.end(), label.begin(), label.end());
  packet.insert(packet.end(), {0, 0, 1, 0, 1});  // root, type A, class IN
  return packet;
}

// True once a reply with our id comes back within 100 ms.
bool answers(std::uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return false;
  timeval timeout{0, 100'000};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const auto id = static_cast<std::uint16_t>(std::random_device{}());
  const std::vector<std::uint8_t> query = probe_query(id);
  const sockaddr_in addr = loopback(port);
  if (::sendto(fd.get(), query.data(), query.size(), 0, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    return false;
  }
  std::array<std::uint8_t, 512> reply{};
  const ssize_t n = ::recv(fd.get(), reply.data(), reply.size(), 0);
  return n >= 12 && reply[0] == (id >> 8) && reply[1] == (id & 0xff) && (reply[2] & 0x80) != 0;
}

std::string config_text(std::uint16_t port, const std::filesystem::path& dir,
                        const std::vector<std::string>& server_lines) {
  std::ostringstream out;
  out << "server:\n"
      << "  interface: 127.0.0.1\n"
      << "  port: " << port << "\n"
      << "  do-ip6: no\n"
      << "  do-daemonize: no\n"
      << "  use-syslog: no\n"
      << "  logfile: \"\"\n"
      << "  verbosity: 1\n"
      << "  chroot: \"\"\n"
      << "  username: \"\"\n"
      << "  directory: \"" << dir.string() << "\"\n"
      << "  pidfile: \"\"\n"
      << "  num-threads: 1\n"
      // Without SO_REUSEPORT a port taken meanwhile fails the bind loudly
      // instead of silently sharing traffic with another server.
      << "  so-reuseport: no\n"
      << "  access-control: 127.0.0.0/8 allow\n"
      << "  module-config: \"iterator\"\n";
  for (const std::string& line : server_lines) out << "  " << line << "\n";
  out << "remote-control:\n"
      << "  control-enable: no\n";
  return out.str();
}

pid_t spawn_unbound(const std::filesystem::path& config, const std::filesystem::path& log) {
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  const std::string config_path = config.string();
  const std::string log_path = log.string();
  const char* argv[] = {"unbound", "-d", "-c", config_path.c_str(), nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (null_fd < 0 || log_fd < 0) ::_exit(126);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    // Keep none of the test's sockets or pipes (libunbound's among them).
    if (::close_range(3, ~0u, 0) != 0) {
      for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    }
    ::execv(kUnboundPath, const_cast<char* const*>(argv));
    ::_exit(127);
  }
  return pid;
}

enum class Startup { ready, exited, timeout };

Startup wait_until_answering(pid_t pid, std::uint16_t port, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return Startup::exited;
    if (answers(port)) return Startup::ready;
    std::this_thread::sleep_for(20ms);  // between probes only; the deadline bounds the wait
  }
  return Startup::timeout;
}

}  // namespace

bool TestUnbound::available() { return ::access(kUnboundPath, X_OK) == 0; }

std::unique_ptr<TestUnbound> TestUnbound::start(const std::vector<std::string>& server_lines) {
  std::string last_log;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto server = std::make_unique<TestUnbound>(Key{});
    std::string pattern = (std::filesystem::temp_directory_path() / "postino-unbound-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    server->dir_ = pattern;
    {
      Fd tcp(-1);
      Fd udp(-1);
      server->port_ = bind_free_port(tcp, udp);
    }  // released just before unbound binds them; a race is retried below
    const std::filesystem::path config = server->dir_ / "unbound.conf";
    std::ofstream(config) << config_text(server->port_, server->dir_, server_lines);
    server->pid_ = spawn_unbound(config, server->dir_ / "unbound.log");
    const Startup startup = wait_until_answering(server->pid_, server->port_, Clock::now() + 20s);
    if (startup == Startup::ready) return server;
    if (startup == Startup::exited) server->pid_ = -1;  // already reaped
    last_log = server->log();
    server->stop();
    const bool port_taken = last_log.find("ddress already in use") != std::string::npos ||
                            last_log.find("could not open ports") != std::string::npos;
    if (startup == Startup::timeout || !port_taken) break;
  }
  throw std::runtime_error("unbound did not start:\n" + last_log);
}

TestUnbound::~TestUnbound() { stop(); }

std::string TestUnbound::forwarder() const { return "127.0.0.1@" + std::to_string(port_); }

std::string TestUnbound::log() const { return read_file(dir_ / "unbound.log"); }

void TestUnbound::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + 5s;
    int status = 0;
    pid_t reaped = 0;
    while ((reaped = ::waitpid(pid_, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    if (reaped == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

SilentDnsPort::SilentDnsPort() {
  Fd tcp(-1);
  Fd udp(-1);
  port_ = bind_free_port(tcp, udp);
  if (::listen(tcp.get(), 64) != 0) throw std::runtime_error("listen: " + std::string(std::strerror(errno)));
  tcp_fd_ = tcp.release();
  udp_fd_ = udp.release();
}

SilentDnsPort::~SilentDnsPort() {
  ::close(tcp_fd_);
  ::close(udp_fd_);
}

std::string SilentDnsPort::forwarder() const { return "127.0.0.1@" + std::to_string(port_); }

}  // namespace postino::dns::testing
