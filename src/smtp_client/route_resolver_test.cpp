// resolve_destination against a private unbound(8) serving a test zone
// (dns/test_unbound.hpp) and against a DNS port that never answers: MX order,
// implicit MX, null MX, NXDOMAIN, hosts without addresses, bracketed next
// hops, temporary failures.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <set>

#include "dns/test_unbound.hpp"
#include "dns/unbound_resolver.hpp"
#include "smtp_client/route_resolver.hpp"

namespace postino::smtp_client {
namespace {

namespace asio = boost::asio;
using dns::testing::SilentDnsPort;
using dns::testing::TestUnbound;

// co_spawn hands its result through a default-constructed value: Result<T>
// has none, so it travels in an optional.
asio::awaitable<std::optional<Result<std::vector<MxHost>>>> resolve_opt(dns::Resolver& resolver, std::string domain,
                                                                         std::optional<NextHop> hop,
                                                                         std::uint32_t seed) {
  co_return co_await resolve_destination(resolver, std::move(domain), std::move(hop), 25, seed);
}

std::vector<std::string> zone() {
  return {
      R"(local-zone: "test." static)",
      R"(local-data: "multi.test. IN MX 20 mx2.multi.test.")",
      R"(local-data: "multi.test. IN MX 10 mx1a.multi.test.")",
      R"(local-data: "multi.test. IN MX 10 mx1b.multi.test.")",
      R"(local-data: "mx1a.multi.test. IN A 127.0.0.11")",
      R"(local-data: "mx1b.multi.test. IN A 127.0.0.12")",
      R"(local-data: "mx1b.multi.test. IN AAAA ::1")",
      R"(local-data: "mx2.multi.test. IN A 127.0.0.13")",
      R"(local-data: "aonly.test. IN A 127.0.0.14")",
      R"(local-data: "nullmx.test. IN MX 0 .")",
      R"(local-data: "noaddr.test. IN MX 10 missing.noaddr.test.")",
      R"(local-data: "partial.test. IN MX 10 missing.partial.test.")",
      R"(local-data: "partial.test. IN MX 20 ok.partial.test.")",
      R"(local-data: "ok.partial.test. IN A 127.0.0.15")",
      R"(local-data: "relay.test. IN A 127.0.0.16")",
      R"(local-data: 'txtonly.test. IN TXT "x"')",
  };
}

class RouteResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (TestUnbound::available()) server_ = TestUnbound::start(zone()).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << "unbound not installed";
    dns::DnsSettings settings;
    settings.forwarders = {server_->forwarder()};
    settings.timeout = std::chrono::seconds(5);
    auto created = dns::UnboundResolver::create(io_, settings);
    ASSERT_TRUE(created.ok()) << created.error().message;
    resolver_ = std::move(created.value());
  }

  Result<std::vector<MxHost>> resolve(std::string domain, std::optional<NextHop> hop = std::nullopt,
                                      std::uint32_t seed = 1) {
    auto future = asio::co_spawn(io_, resolve_opt(*resolver_, std::move(domain), std::move(hop), seed),
                                 asio::use_future);
    io_.restart();
    io_.run();
    return *future.get();
  }

  static TestUnbound* server_;
  asio::io_context io_;
  std::unique_ptr<dns::UnboundResolver> resolver_;
};

TestUnbound* RouteResolverTest::server_ = nullptr;

TEST_F(RouteResolverTest, MxByPreferenceWithTiesShuffledAndAddressesIpv6First) {
  std::set<std::string> first_hosts;
  for (std::uint32_t seed = 0; seed < 16; ++seed) {
    auto hosts = resolve("multi.test", std::nullopt, seed);
    ASSERT_TRUE(hosts.ok()) << hosts.error().message;
    ASSERT_EQ(hosts->size(), 3u);
    EXPECT_EQ((*hosts)[0].preference, 10);
    EXPECT_EQ((*hosts)[1].preference, 10);
    EXPECT_EQ((*hosts)[2].name, "mx2.multi.test");
    EXPECT_EQ((*hosts)[2].addresses.at(0).to_string(), "127.0.0.13");
    for (const MxHost& h : *hosts) {
      EXPECT_EQ(h.port, 25);
      if (h.name == "mx1b.multi.test") {
        ASSERT_EQ(h.addresses.size(), 2u);
        EXPECT_EQ(h.addresses[0].to_string(), "::1");
        EXPECT_EQ(h.addresses[1].to_string(), "127.0.0.12");
      }
    }
    first_hosts.insert((*hosts)[0].name);
  }
  EXPECT_EQ(first_hosts, (std::set<std::string>{"mx1a.multi.test", "mx1b.multi.test"}));
}

TEST_F(RouteResolverTest, ImplicitMxFromAddressRecords) {
  auto hosts = resolve("aonly.test");
  ASSERT_TRUE(hosts.ok()) << hosts.error().message;
  ASSERT_EQ(hosts->size(), 1u);
  EXPECT_EQ((*hosts)[0].name, "aonly.test");
  EXPECT_EQ((*hosts)[0].addresses.at(0).to_string(), "127.0.0.14");
}

TEST_F(RouteResolverTest, NullMxFailsPermanently) {
  auto hosts = resolve("nullmx.test");
  ASSERT_FALSE(hosts.ok());
  RouteFailure f = split_status(hosts.error());
  EXPECT_TRUE(f.permanent);
  EXPECT_EQ(f.enhanced, "5.1.10");
  EXPECT_NE(f.text.find("nullMX"), std::string::npos);
}

TEST_F(RouteResolverTest, NxdomainAndNoAddressFailPermanently) {
  auto nx = resolve("nosuch.test");
  ASSERT_FALSE(nx.ok());
  EXPECT_TRUE(split_status(nx.error()).permanent);
  EXPECT_EQ(split_status(nx.error()).enhanced, "5.1.2");
  // Neither MX nor address records: nothing to fall back to.
  auto txt = resolve("txtonly.test");
  ASSERT_FALSE(txt.ok());
  EXPECT_EQ(split_status(txt.error()).enhanced, "5.1.2");
  auto noaddr = resolve("noaddr.test");
  ASSERT_FALSE(noaddr.ok());
  EXPECT_TRUE(split_status(noaddr.error()).permanent);
  EXPECT_EQ(split_status(noaddr.error()).enhanced, "5.4.4");
}

TEST_F(RouteResolverTest, MxHostWithoutAddressIsSkipped) {
  auto hosts = resolve("partial.test");
  ASSERT_TRUE(hosts.ok()) << hosts.error().message;
  ASSERT_EQ(hosts->size(), 1u);
  EXPECT_EQ((*hosts)[0].name, "ok.partial.test");
}

TEST_F(RouteResolverTest, NextHops) {
  auto bracketed = resolve("ignored.test", *parse_next_hop("[relay.test]:2525"));
  ASSERT_TRUE(bracketed.ok()) << bracketed.error().message;
  ASSERT_EQ(bracketed->size(), 1u);
  EXPECT_EQ((*bracketed)[0].port, 2525);
  EXPECT_EQ((*bracketed)[0].addresses.at(0).to_string(), "127.0.0.16");

  auto literal = resolve("ignored.test", *parse_next_hop("[127.0.0.99]:26"));
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ((*literal)[0].addresses.at(0).to_string(), "127.0.0.99");

  auto with_mx = resolve("ignored.test", *parse_next_hop("multi.test:2526"));
  ASSERT_TRUE(with_mx.ok());
  EXPECT_EQ(with_mx->size(), 3u);
  EXPECT_EQ((*with_mx)[0].port, 2526);

  auto missing = resolve("ignored.test", *parse_next_hop("[nosuch.test]"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(split_status(missing.error()).permanent);
}

TEST(RouteResolverSilentDns, TimeoutIsTemporary) {
  SilentDnsPort silent;
  asio::io_context io;
  dns::DnsSettings settings;
  settings.forwarders = {silent.forwarder()};
  settings.timeout = std::chrono::milliseconds(300);
  auto resolver = dns::UnboundResolver::create(io, settings);
  ASSERT_TRUE(resolver.ok());
  auto future = asio::co_spawn(io, resolve_opt(**resolver, "example.test", std::nullopt, 1), asio::use_future);
  io.run();
  auto hosts = *future.get();
  ASSERT_FALSE(hosts.ok());
  RouteFailure f = split_status(hosts.error());
  EXPECT_FALSE(f.permanent);
  EXPECT_EQ(f.enhanced, "4.4.3");
}

}  // namespace
}  // namespace postino::smtp_client
