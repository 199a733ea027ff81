// Pure parts of the outbound agent: reply assembly, EHLO keywords, next-hop
// syntax and the transport map, MX ordering (RFC 5321 5.1 shuffling), the
// dot-stuffing encoder (RFC 5321 4.5.2) checked against smtp_proto's decoder.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "smtp_client/dot_encoder.hpp"
#include "smtp_client/route_resolver.hpp"
#include "smtp_client/server_reply.hpp"
#include "smtp_proto/dot_stuffing.hpp"

namespace postino::smtp_client {
namespace {

ServerReply assemble(std::initializer_list<std::string_view> lines) {
  ReplyAssembler a;
  for (std::string_view line : lines) {
    auto done = a.feed(line);
    EXPECT_TRUE(done.ok()) << line;
  }
  return a.take();
}

TEST(ServerReply, SingleLineWithEnhancedCode) {
  ReplyAssembler a;
  auto done = a.feed("550 5.1.1 <u@example.org>: Recipient address rejected");
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  ServerReply r = a.take();
  EXPECT_EQ(r.code, 550);
  EXPECT_EQ(r.enhanced, "5.1.1");
  EXPECT_TRUE(r.permanent());
  EXPECT_EQ(r.text(), "550 5.1.1 <u@example.org>: Recipient address rejected");
}

TEST(ServerReply, MultiLineJoinsContinuations) {
  ReplyAssembler a;
  auto first = a.feed("451-4.3.0 first");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(*first);
  auto second = a.feed("451 4.3.0 second");
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(*second);
  ServerReply r = a.take();
  EXPECT_EQ(r.code, 451);
  EXPECT_EQ(r.enhanced, "4.3.0");
  EXPECT_TRUE(r.transient());
  EXPECT_EQ(r.text(), "451 4.3.0 first 4.3.0 second");
}

TEST(ServerReply, EnhancedCodeOnlyWhenItsClassMatches) {
  EXPECT_EQ(assemble({"250 2.0.0 Ok"}).enhanced, "2.0.0");
  EXPECT_EQ(assemble({"250 5.0.0 odd"}).enhanced, "");
  EXPECT_EQ(assemble({"250 Ok"}).enhanced, "");
  EXPECT_EQ(assemble({"250 2.1234.0 Ok"}).enhanced, "");
  EXPECT_EQ(assemble({"250 2.0.0"}).enhanced, "2.0.0");
  EXPECT_EQ(assemble({"354"}).code, 354);
}

TEST(ServerReply, RejectsMalformedLines) {
  for (std::string_view bad : {"", "25", "abc hello", "250x", "199 too low", "600 too high", "2500 four digits"}) {
    ReplyAssembler a;
    EXPECT_FALSE(a.feed(bad).ok()) << bad;
  }
  ReplyAssembler a;
  ASSERT_TRUE(a.feed("250-one").ok());
  EXPECT_FALSE(a.feed("251 two").ok());  // the code may not change
}

TEST(ServerReply, BoundsTheNumberOfLines) {
  ReplyAssembler a(3);
  ASSERT_TRUE(a.feed("250-a").ok());
  ASSERT_TRUE(a.feed("250-b").ok());
  ASSERT_TRUE(a.feed("250-c").ok());
  EXPECT_FALSE(a.feed("250 d").ok());
}

TEST(Ehlo, ParsesKeywordsCaseInsensitively) {
  ServerReply r = assemble({"250-mx.example.org Hello", "250-SIZE 10240000", "250-pipelining", "250-8BITMIME",
                            "250-SMTPUTF8", "250-STARTTLS", "250-CHUNKING", "250-DSN", "250-ENHANCEDSTATUSCODES",
                            "250-AUTH plain LOGIN cram-md5", "250 X-UNKNOWN foo"});
  EhloCapabilities c = parse_ehlo(r);
  EXPECT_TRUE(c.esmtp);
  EXPECT_TRUE(c.size);
  EXPECT_EQ(c.size_limit_bytes, 10240000u);
  EXPECT_TRUE(c.pipelining);
  EXPECT_TRUE(c.eight_bit_mime);
  EXPECT_TRUE(c.smtputf8);
  EXPECT_TRUE(c.starttls);
  EXPECT_TRUE(c.chunking);
  EXPECT_TRUE(c.dsn);
  EXPECT_TRUE(c.enhanced_status_codes);
  EXPECT_FALSE(c.binary_mime);
  EXPECT_EQ(c.auth, (std::set<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"}));
}

TEST(Ehlo, MinimalReplyHasNoExtensions) {
  EhloCapabilities c = parse_ehlo(assemble({"250 mx.example.org"}));
  EXPECT_TRUE(c.esmtp);
  EXPECT_FALSE(c.pipelining);
  EXPECT_FALSE(c.eight_bit_mime);
  EXPECT_FALSE(c.starttls);
  EXPECT_TRUE(c.auth.empty());
  // SIZE without a number, or an absurd one: announced, no limit.
  EhloCapabilities d = parse_ehlo(assemble({"250-x", "250-SIZE", "250 SIZE 99999999999999999999999"}));
  EXPECT_TRUE(d.size);
  EXPECT_EQ(d.size_limit_bytes, 0u);
}

TEST(NextHop, ParsesPostfixForms) {
  auto a = parse_next_hop("[mail.example.net]:587");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "mail.example.net");
  EXPECT_EQ(a->port, 587);
  EXPECT_FALSE(a->mx_lookup);
  EXPECT_EQ(a->str(), "[mail.example.net]:587");

  auto b = parse_next_hop("Example.NET");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "example.net");
  EXPECT_EQ(b->port, 25);
  EXPECT_TRUE(b->mx_lookup);
  EXPECT_EQ(b->str(), "example.net");

  auto c = parse_next_hop("example.net:2525");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->mx_lookup);
  EXPECT_EQ(c->port, 2525);

  auto d = parse_next_hop("[ipv6:2001:db8::1]:25");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "2001:db8::1");
  EXPECT_FALSE(d->mx_lookup);
  EXPECT_EQ(d->str(), "[2001:db8::1]");

  auto e = parse_next_hop("192.0.2.7:2525");  // an address never has MX records
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->mx_lookup);
  EXPECT_EQ(e->str(), "[192.0.2.7]:2525");
}

TEST(NextHop, RejectsBadSyntax) {
  for (std::string_view bad : {"", "[]", "[host", "host:", "host:0", "host:65536", "host:x", "2001:db8::1",
                               "bad host", "[a]b", "-:25x"}) {
    EXPECT_FALSE(parse_next_hop(bad).ok()) << bad;
  }
}

TEST(TransportMap, AddressThenDomainThenParentThenRelayhost) {
  SmtpClientSettings s;
  s.transport_map["student@uni.example"] = *parse_next_hop("[hosted.example.com]");
  s.transport_map["uni.example"] = *parse_next_hop("[inner.uni.example]:2525");
  s.transport_map[".dept.example"] = *parse_next_hop("relay.dept.example");
  EXPECT_EQ(route_override(s, "Student@UNI.example")->host, "hosted.example.com");
  EXPECT_EQ(route_override(s, "other@uni.example")->port, 2525);
  EXPECT_EQ(route_override(s, "x@a.b.dept.example")->host, "relay.dept.example");
  EXPECT_FALSE(route_override(s, "x@dept.example").has_value());  // ".dept.example" is for subdomains
  EXPECT_FALSE(route_override(s, "x@elsewhere.example").has_value());
  EXPECT_EQ(destination_key(s, "x@Elsewhere.Example"), "elsewhere.example");
  EXPECT_EQ(destination_key(s, "other@uni.example"), "[inner.uni.example]:2525");
  s.relayhost = *parse_next_hop("[smarthost.example]:587");
  EXPECT_EQ(route_override(s, "x@elsewhere.example")->host, "smarthost.example");
  EXPECT_EQ(route_override(s, "student@uni.example")->host, "hosted.example.com");
}

TEST(MxOrder, SortsByPreferenceAndShufflesTies) {
  const std::vector<dns::MxRecord> input = {{20, "c"}, {10, "a1"}, {30, "d"}, {10, "a2"}, {10, "a3"}, {20, "c2"}};
  std::set<std::vector<std::string>> seen_first_three;
  for (std::uint32_t seed = 0; seed < 200; ++seed) {
    std::vector<dns::MxRecord> records = input;
    std::mt19937 rng(seed);
    order_mx(records, rng);
    ASSERT_EQ(records.size(), input.size());
    for (std::size_t i = 1; i < records.size(); ++i) EXPECT_LE(records[i - 1].preference, records[i].preference);
    EXPECT_EQ(records.back().exchange, "d");
    seen_first_three.insert({records[0].exchange, records[1].exchange, records[2].exchange});
  }
  // Every order of the three preference-10 hosts shows up (3! = 6).
  EXPECT_EQ(seen_first_three.size(), 6u);
}

TEST(RouteFailure, SplitsTheEnhancedCode) {
  RouteFailure a = split_status(make_error(Errc::not_found, "5.1.10 Domain x does not accept mail (nullMX)"));
  EXPECT_TRUE(a.permanent);
  EXPECT_EQ(a.enhanced, "5.1.10");
  EXPECT_EQ(a.text, "Domain x does not accept mail (nullMX)");
  RouteFailure b = split_status(make_error(Errc::temporary_failure, "no code here"));
  EXPECT_FALSE(b.permanent);
  EXPECT_EQ(b.enhanced, "4.0.0");
  EXPECT_EQ(b.text, "no code here");
}

std::string encode(std::string_view message, std::size_t piece) {
  DotEncoder encoder;
  std::string out;
  for (std::size_t i = 0; i < message.size(); i += piece) encoder.feed(message.substr(i, piece), out);
  encoder.finish(out);
  return out;
}

TEST(DotEncoder, StuffsLeadingDotsAndTerminates) {
  EXPECT_EQ(encode("", 1), ".\r\n");
  EXPECT_EQ(encode("a\r\n", 1), "a\r\n.\r\n");
  EXPECT_EQ(encode("no final newline", 4), "no final newline\r\n.\r\n");
  EXPECT_EQ(encode(".\r\n..x\r\nmid.dot\r\n", 1), "..\r\n...x\r\nmid.dot\r\n.\r\n");
  EXPECT_EQ(encode("bare\nlf\n.dot\n", 3), "bare\r\nlf\r\n..dot\r\n.\r\n");
  EXPECT_EQ(encode("ends in cr\r", 2), "ends in cr\r\n.\r\n");
}

TEST(DotEncoder, RoundTripsThroughTheServerDecoderAtEverySplit) {
  const std::string message = "From: a@b\r\n\r\n.\r\n..two\r\n.\r\nx.\r\n.end";
  const std::string canonical = "From: a@b\r\n\r\n.\r\n..two\r\n.\r\nx.\r\n.end\r\n";
  for (std::size_t piece = 1; piece <= message.size(); ++piece) {
    const std::string wire = encode(message, piece);
    smtp::DotDecoder decoder(1 << 20);
    std::string decoded;
    EXPECT_EQ(decoder.feed(wire, decoded), wire.size());
    EXPECT_TRUE(decoder.done());
    EXPECT_EQ(decoded, canonical) << "piece " << piece;
  }
}

}  // namespace
}  // namespace postino::smtp_client
