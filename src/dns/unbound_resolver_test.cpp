// UnboundResolver against a private unbound(8) serving test zones on a free
// loopback port (TestUnbound), and against a port that never answers: the
// outcomes DnsResult distinguishes, timeouts, DNSSEC bogus, concurrency and
// cancellation on one io_context.
#include "dns/unbound_resolver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "dns/test_unbound.hpp"

namespace postino::dns {
namespace {

using namespace std::chrono_literals;
using testing::SilentDnsPort;
using testing::TestUnbound;
using Clock = std::chrono::steady_clock;

constexpr int kManyHosts = 100;

std::vector<std::string> zone_lines() {
  std::vector<std::string> lines = {
      R"(local-zone: "test." static)",
      R"(local-data: "example.test. IN MX 20 mx2.example.test.")",
      R"(local-data: "example.test. IN MX 10 mx1.example.test.")",
      R"(local-data: "example.test. IN MX 5 mx0.example.test.")",
      R"(local-data: 'example.test. IN TXT "v=spf1 ip4:192.0.2.0/24 " "-all"')",
      R"(local-data: 'example.test. IN TXT "site-verification=abc"')",
      R"(local-data: "mx1.example.test. IN A 192.0.2.25")",
      R"(local-data: "MixedCase.test. IN MX 10 MX.Example.TEST.")",
      R"(local-data: "nullmx.test. IN MX 0 .")",
      R"(local-data: "aonly.test. IN A 192.0.2.10")",
      R"(local-data: "aonly.test. IN A 192.0.2.11")",
      R"(local-data: "v6.test. IN AAAA 2001:db8::25")",
      R"(local-data-ptr: "192.0.2.10 mail.example.test.")",
      R"(local-data-ptr: "2001:db8::25 mail6.example.test.")",
  };
  for (int i = 0; i < kManyHosts; ++i) {
    lines.push_back("local-data: \"h" + std::to_string(i) + ".many.test. IN A 10.0.0." + std::to_string(i) + "\"");
  }
  return lines;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  std::future<T> result = asio::co_spawn(io, std::move(task), asio::use_future);
  io.restart();
  io.run();
  return result.get();
}

std::vector<std::string> strings(const std::vector<asio::ip::address>& addresses) {
  std::vector<std::string> out;
  for (const auto& address : addresses) out.push_back(address.to_string());
  std::sort(out.begin(), out.end());
  return out;
}

class UnboundResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (TestUnbound::available()) server_ = TestUnbound::start(zone_lines());
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_) GTEST_SKIP() << "unbound is not installed (Debian package unbound)";
    resolver_ = make_resolver({server_->forwarder()}, 5s);
  }

  std::unique_ptr<UnboundResolver> make_resolver(std::vector<std::string> forwarders,
                                                 std::chrono::milliseconds timeout) {
    DnsSettings settings;
    settings.forwarders = std::move(forwarders);
    settings.timeout = timeout;
    auto resolver = UnboundResolver::create(io_, std::move(settings));
    if (!resolver) ADD_FAILURE() << resolver.error().message;
    return resolver ? std::move(*resolver) : nullptr;
  }

  static std::unique_ptr<TestUnbound> server_;
  asio::io_context io_;  // declared before the resolvers it outlives
  std::unique_ptr<UnboundResolver> resolver_;
};

std::unique_ptr<TestUnbound> UnboundResolverTest::server_;

TEST_F(UnboundResolverTest, MxSortedByPreference) {
  MxResult result = run(io_, resolver_->mx("example.test"));
  ASSERT_EQ(result.status, DnsStatus::answer) << result.detail;
  EXPECT_EQ(result.records, (std::vector<MxRecord>{{5, "mx0.example.test"}, {10, "mx1.example.test"},
                                                   {20, "mx2.example.test"}}));
  EXPECT_FALSE(result.null_mx);
  EXPECT_FALSE(result.secure);
  EXPECT_GT(result.ttl.count(), 0);
}

TEST_F(UnboundResolverTest, NamesAreLowerCasedAndTrailingDotAccepted) {
  MxResult result = run(io_, resolver_->mx("mixedcase.test."));
  ASSERT_EQ(result.status, DnsStatus::answer) << result.detail;
  EXPECT_EQ(result.records, (std::vector<MxRecord>{{10, "mx.example.test"}}));
}

TEST_F(UnboundResolverTest, NullMx) {
  MxResult result = run(io_, resolver_->mx("nullmx.test"));
  ASSERT_EQ(result.status, DnsStatus::answer) << result.detail;
  EXPECT_TRUE(result.null_mx);
  EXPECT_EQ(result.records, (std::vector<MxRecord>{{0, "."}}));
}

TEST_F(UnboundResolverTest, NodataWhenNameHasOtherTypesOnly) {
  MxResult mx = run(io_, resolver_->mx("aonly.test"));
  EXPECT_EQ(mx.status, DnsStatus::nodata) << mx.detail;
  EXPECT_TRUE(mx.not_found());
  EXPECT_TRUE(mx.records.empty());
  AddressResult aaaa = run(io_, resolver_->aaaa("aonly.test"));
  EXPECT_EQ(aaaa.status, DnsStatus::nodata) << aaaa.detail;
}

TEST_F(UnboundResolverTest, Nxdomain) {
  MxResult mx = run(io_, resolver_->mx("missing.test"));
  EXPECT_EQ(mx.status, DnsStatus::nxdomain) << mx.detail;
  EXPECT_TRUE(mx.not_found());
  AddressResult a = run(io_, resolver_->a("no.such.name.test"));
  EXPECT_EQ(a.status, DnsStatus::nxdomain) << a.detail;
  TextResult txt = run(io_, resolver_->txt("missing.test"));
  EXPECT_EQ(txt.status, DnsStatus::nxdomain) << txt.detail;
}

TEST_F(UnboundResolverTest, AAndAaaa) {
  AddressResult a = run(io_, resolver_->a("aonly.test"));
  ASSERT_EQ(a.status, DnsStatus::answer) << a.detail;
  EXPECT_EQ(strings(a.records), (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}));
  AddressResult aaaa = run(io_, resolver_->aaaa("v6.test"));
  ASSERT_EQ(aaaa.status, DnsStatus::answer) << aaaa.detail;
  EXPECT_EQ(strings(aaaa.records), (std::vector<std::string>{"2001:db8::25"}));
  EXPECT_TRUE(aaaa.records[0].is_v6());
}

TEST_F(UnboundResolverTest, TxtConcatenatesStringsOfOneRecord) {
  TextResult txt = run(io_, resolver_->txt("example.test"));
  ASSERT_EQ(txt.status, DnsStatus::answer) << txt.detail;
  std::vector<std::string> records = txt.records;
  std::sort(records.begin(), records.end());
  EXPECT_EQ(records, (std::vector<std::string>{"site-verification=abc", "v=spf1 ip4:192.0.2.0/24 -all"}));
}

TEST_F(UnboundResolverTest, Ptr) {
  TextResult v4 = run(io_, resolver_->ptr(asio::ip::make_address("192.0.2.10")));
  ASSERT_EQ(v4.status, DnsStatus::answer) << v4.detail;
  EXPECT_EQ(v4.records, (std::vector<std::string>{"mail.example.test"}));
  TextResult mapped = run(io_, resolver_->ptr(asio::ip::make_address("::ffff:192.0.2.10")));
  ASSERT_EQ(mapped.status, DnsStatus::answer) << mapped.detail;
  EXPECT_EQ(mapped.records, (std::vector<std::string>{"mail.example.test"}));
  TextResult v6 = run(io_, resolver_->ptr(asio::ip::make_address("2001:db8::25")));
  ASSERT_EQ(v6.status, DnsStatus::answer) << v6.detail;
  EXPECT_EQ(v6.records, (std::vector<std::string>{"mail6.example.test"}));
  TextResult none = run(io_, resolver_->ptr(asio::ip::make_address("192.0.2.99")));
  EXPECT_TRUE(none.not_found()) << dns_status_name(none.status) << " " << none.detail;
}

TEST_F(UnboundResolverTest, InvalidNameIsPermanentError) {
  MxResult bad = run(io_, resolver_->mx("bad name.test"));
  EXPECT_EQ(bad.status, DnsStatus::permanent_error);
  EXPECT_FALSE(bad.detail.empty());
  AddressResult empty = run(io_, resolver_->a(""));
  EXPECT_EQ(empty.status, DnsStatus::permanent_error);
  AddressResult escaped = run(io_, resolver_->a("a\\.b.test"));
  EXPECT_EQ(escaped.status, DnsStatus::permanent_error);
}

// Every lookup here overlaps the others: one coroutine watches libunbound's
// descriptor while the rest wait for their own answers.
asio::awaitable<void> look_up_host(Resolver& resolver, int i, std::vector<std::string>* errors) {
  if (i % 4 == 0) {
    MxResult mx = co_await resolver.mx("example.test");
    if (!mx.ok() || mx.records.size() != 3) {
      errors->push_back("mx " + std::to_string(i) + ": " + dns_status_name(mx.status) + " " + mx.detail);
    }
    co_return;
  }
  const std::string name = "h" + std::to_string(i) + ".many.test";
  AddressResult a = co_await resolver.a(name);
  const std::string expected = "10.0.0." + std::to_string(i);
  if (!a.ok() || a.records.size() != 1 || a.records[0].to_string() != expected) {
    errors->push_back(name + ": " + dns_status_name(a.status) + " " + a.detail);
  }
}

TEST_F(UnboundResolverTest, HundredConcurrentLookupsOnOneIoContext) {
  std::vector<std::string> errors;
  int completed = 0;
  for (int i = 0; i < kManyHosts; ++i) {
    asio::co_spawn(io_, look_up_host(*resolver_, i, &errors), [&](std::exception_ptr error) {
      if (error) errors.push_back("exception");
      ++completed;
    });
  }
  io_.run();
  EXPECT_EQ(completed, kManyHosts);
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
}

// The first lookup leads (watches the descriptor); cancelling it must hand
// the watch to a follower, or the followers would wait until their timeout.
TEST_F(UnboundResolverTest, CancellingTheWatchingLookupHandsOver) {
  constexpr int kLookups = 20;
  std::vector<std::string> errors;
  int completed = 0;
  bool first_aborted = false;
  asio::cancellation_signal cancel_first;
  for (int i = 1; i <= kLookups; ++i) {
    auto handler = [&, i](std::exception_ptr error) {
      ++completed;
      if (i == 1) {
        first_aborted = error != nullptr;
      } else if (error) {
        errors.push_back("exception");
      }
    };
    if (i == 1) {
      asio::co_spawn(io_, look_up_host(*resolver_, i, &errors),
                     asio::bind_cancellation_slot(cancel_first.slot(), handler));
    } else {
      asio::co_spawn(io_, look_up_host(*resolver_, i, &errors), handler);
    }
  }
  io_.poll();  // every lookup starts and suspends
  cancel_first.emit(asio::cancellation_type::terminal);
  const auto started = Clock::now();
  io_.run();
  EXPECT_EQ(completed, kLookups);
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
  EXPECT_LT(Clock::now() - started, 4s);  // well before the 5 s lookup timeout
  // The first either was cancelled or had its answer before the signal.
  RecordProperty("first_aborted", first_aborted ? "yes" : "no");
  // The resolver still works afterwards.
  EXPECT_TRUE(run(io_, resolver_->a("aonly.test")).ok());
}

TEST_F(UnboundResolverTest, TimeoutIsTemporaryFailure) {
  SilentDnsPort silent;
  const auto timeout = 300ms;
  auto resolver = make_resolver({silent.forwarder()}, timeout);
  ASSERT_NE(resolver, nullptr);
  const auto started = Clock::now();
  AddressResult a = run(io_, resolver->a("example.test"));
  const auto elapsed = Clock::now() - started;
  EXPECT_EQ(a.status, DnsStatus::temporary_failure);
  EXPECT_NE(a.detail.find("timed out"), std::string::npos) << a.detail;
  EXPECT_GE(elapsed, timeout);
  EXPECT_LT(elapsed, timeout + 5s);  // bounded by the setting, not libunbound's retries
}

TEST_F(UnboundResolverTest, ConcurrentTimeoutsAndCancellationAgainstSilentServer) {
  SilentDnsPort silent;
  auto resolver = make_resolver({silent.forwarder()}, 400ms);
  ASSERT_NE(resolver, nullptr);
  std::vector<std::string> errors;
  int completed = 0;
  int aborted = 0;
  asio::cancellation_signal cancel_first;
  for (int i = 1; i <= 10; ++i) {
    auto handler = [&](std::exception_ptr error) {
      ++completed;
      if (error) ++aborted;
    };
    if (i == 1) {
      asio::co_spawn(io_, look_up_host(*resolver, i, &errors), asio::bind_cancellation_slot(cancel_first.slot(), handler));
    } else {
      asio::co_spawn(io_, look_up_host(*resolver, i, &errors), handler);
    }
  }
  io_.poll();
  cancel_first.emit(asio::cancellation_type::terminal);
  io_.run();
  EXPECT_EQ(completed, 10);
  EXPECT_EQ(aborted, 1);
  EXPECT_EQ(errors.size(), 9u);  // each a temporary failure
  for (const std::string& error : errors) EXPECT_NE(error.find("temporary_failure"), std::string::npos) << error;
  const auto started = Clock::now();
  resolver.reset();  // stops libunbound's worker with its queries cancelled
  EXPECT_LT(Clock::now() - started, 5s);
}

TEST_F(UnboundResolverTest, BogusDnssecIsTemporaryFailure) {
  // A trust anchor for test. that the unsigned test zone cannot satisfy.
  const std::filesystem::path anchor = server_->dir() / "anchor.key";
  std::ofstream(anchor) << "test. IN DS 12345 8 2 "
                           "49AAC11D7B6F6446702E54A1607371607A1A41855200FD2CE1CDDE32F24E8FB5\n";
  DnsSettings settings;
  settings.forwarders = {server_->forwarder()};
  settings.timeout = 5s;
  settings.dnssec = true;
  settings.trust_anchor_file = anchor.string();
  auto resolver = UnboundResolver::create(io_, std::move(settings));
  ASSERT_TRUE(resolver.ok()) << resolver.error().message;
  MxResult mx = run(io_, (*resolver)->mx("example.test"));
  EXPECT_EQ(mx.status, DnsStatus::temporary_failure) << mx.detail;
  EXPECT_TRUE(mx.bogus);
  EXPECT_FALSE(mx.secure);
  EXPECT_TRUE(mx.records.empty());
}

TEST_F(UnboundResolverTest, RejectsBadSettings) {
  DnsSettings bad_forwarder;
  bad_forwarder.forwarders = {"not-an-address"};
  EXPECT_EQ(UnboundResolver::create(io_, bad_forwarder).error().code, Errc::invalid_argument);
  DnsSettings zero_timeout;
  zero_timeout.forwarders = {server_->forwarder()};
  zero_timeout.timeout = 0ms;
  EXPECT_EQ(UnboundResolver::create(io_, zero_timeout).error().code, Errc::invalid_argument);
  DnsSettings no_anchor;
  no_anchor.dnssec = true;
  no_anchor.forwarders = {server_->forwarder()};
  EXPECT_EQ(UnboundResolver::create(io_, no_anchor).error().code, Errc::invalid_argument);
  no_anchor.trust_anchor_file = "/nonexistent/root.key";
  EXPECT_EQ(UnboundResolver::create(io_, no_anchor).error().code, Errc::invalid_argument);
}

TEST_F(UnboundResolverTest, SystemConfigurationResolvesHostsFile) {
  // No forwarders: /etc/resolv.conf and /etc/hosts. localhost comes from
  // /etc/hosts or libunbound's built-in zone, with no network involved.
  auto resolver = UnboundResolver::create(io_, DnsSettings{});
  ASSERT_TRUE(resolver.ok()) << resolver.error().message;
  AddressResult a = run(io_, (*resolver)->a("localhost"));
  ASSERT_EQ(a.status, DnsStatus::answer) << a.detail;
  EXPECT_EQ(strings(a.records), (std::vector<std::string>{"127.0.0.1"}));
}

}  // namespace
}  // namespace postino::dns
