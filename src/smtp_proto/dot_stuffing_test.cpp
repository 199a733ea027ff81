// Tests for the DATA decoder: every split point, smuggling payloads that must
// not terminate, bare CR/LF and NUL counts, size limit, Received: counting.
#include "smtp_proto/dot_stuffing.hpp"

#include <gtest/gtest.h>

using namespace postino::smtp;

namespace {

constexpr std::uint64_t kBig = 1 << 20;

struct Decoded {
  std::string body;
  std::size_t consumed = 0;
  bool done = false;
  DataStats stats;
};

Decoded decode_in_pieces(std::string_view wire, const std::vector<std::size_t>& cuts, std::uint64_t max = kBig) {
  DotDecoder decoder(max);
  Decoded d;
  std::size_t start = 0;
  std::vector<std::size_t> points = cuts;
  points.push_back(wire.size());
  for (std::size_t cut : points) {
    std::string_view piece = wire.substr(start, cut - start);
    std::size_t used = decoder.feed(piece, d.body);
    d.consumed += used;
    if (decoder.done()) break;
    EXPECT_EQ(used, piece.size());
    start = cut;
  }
  d.done = decoder.done();
  d.stats = decoder.stats();
  return d;
}

Decoded decode(std::string_view wire, std::uint64_t max = kBig) { return decode_in_pieces(wire, {}, max); }

}  // namespace

TEST(DotDecoder, UnstuffsAndStopsAtTerminator) {
  auto d = decode("Subject: x\r\n\r\n..leading dot\r\n.\r\n");
  EXPECT_TRUE(d.done);
  EXPECT_EQ(d.body, "Subject: x\r\n\r\n.leading dot\r\n");
  EXPECT_EQ(d.stats.message_bytes, d.body.size());
}

TEST(DotDecoder, EmptyMessage) {
  auto d = decode(".\r\n");
  EXPECT_TRUE(d.done);
  EXPECT_EQ(d.body, "");
  EXPECT_EQ(d.consumed, 3u);
}

TEST(DotDecoder, HandsBackPipelinedBytes) {
  std::string wire = "hello\r\n.\r\nQUIT\r\n";
  DotDecoder decoder(kBig);
  std::string out;
  std::size_t used = decoder.feed(wire, out);
  EXPECT_TRUE(decoder.done());
  EXPECT_EQ(out, "hello\r\n");
  EXPECT_EQ(wire.substr(used), "QUIT\r\n");
  EXPECT_EQ(decoder.feed("more", out), 0u);
  EXPECT_EQ(out, "hello\r\n");
}

TEST(DotDecoder, EverySplitPoint) {
  const std::string wire =
      "From: a@example.test\r\n"
      "\r\n"
      "..one\r\n"
      ".\tdot-tab\r\n"
      "...\r\n"
      "line with . dot\r\n"
      "..\r\n"
      ".\r\n"
      "NEXT\r\n";
  const std::string expected =
      "From: a@example.test\r\n"
      "\r\n"
      ".one\r\n"
      "\tdot-tab\r\n"
      "..\r\n"
      "line with . dot\r\n"
      ".\r\n";
  const std::size_t body_end = wire.size() - 6;
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    auto d = decode_in_pieces(wire, {cut});
    EXPECT_TRUE(d.done) << cut;
    EXPECT_EQ(d.body, expected) << "split at " << cut;
    EXPECT_EQ(d.consumed, body_end) << cut;
  }
  // Two split points, every pair.
  for (std::size_t a = 0; a <= wire.size(); ++a) {
    for (std::size_t b = a; b <= wire.size(); ++b) {
      auto d = decode_in_pieces(wire, {a, b});
      ASSERT_EQ(d.body, expected) << a << "," << b;
      ASSERT_EQ(d.consumed, body_end);
    }
  }
  // One byte at a time.
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < wire.size(); ++i) every.push_back(i);
  auto d = decode_in_pieces(wire, every);
  EXPECT_EQ(d.body, expected);
  EXPECT_EQ(d.consumed, body_end);
  EXPECT_EQ(d.stats.bare_lf + d.stats.bare_cr + d.stats.nul, 0u);
}

TEST(DotDecoder, SmugglingPayloadsDoNotTerminate) {
  // Each of these ends DATA in some broken MTA; none may end it here.
  for (std::string_view payload : {"\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r", "\r\n.\rX\r\n", "\n.\r\r\n"}) {
    std::string wire = "Subject: x\r\n\r\nbody" + std::string(payload) + "MAIL FROM:<evil@example.test>\r\n";
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
      auto d = decode_in_pieces(wire, {cut});
      EXPECT_FALSE(d.done) << "terminated by smuggling payload, split at " << cut;
      EXPECT_EQ(d.consumed, wire.size());
      EXPECT_GT(d.stats.bare_lf + d.stats.bare_cr, 0u);
    }
    auto finished = decode(wire + "\r\n.\r\n");
    EXPECT_TRUE(finished.done);
  }
}

TEST(DotDecoder, CountsBareLineEndingsAndNul) {
  auto d = decode(std::string("a\nb\rc\r\rd\r\n\n") + std::string("x\0y\r\n.\r\n", 8));
  EXPECT_TRUE(d.done);
  EXPECT_EQ(d.stats.bare_lf, 2u);
  EXPECT_EQ(d.stats.bare_cr, 3u);
  EXPECT_EQ(d.stats.nul, 1u);
  EXPECT_EQ(d.body, std::string("a\nb\rc\r\rd\r\n\nx\0y\r\n", 16));

  // A CRLF split across chunks is not bare.
  auto split = decode_in_pieces("a\r\nb\r\n.\r\n", {2});
  EXPECT_EQ(split.stats.bare_cr + split.stats.bare_lf, 0u);
  // ".\r" then not LF: the dot is deleted, the CR is bare.
  auto dot_cr = decode_in_pieces("\r\n.\rx\r\n.\r\n", {3});
  EXPECT_EQ(dot_cr.body, "\r\n\rx\r\n");
  EXPECT_EQ(dot_cr.stats.bare_cr, 1u);
}

TEST(DotDecoder, SizeLimit) {
  std::string wire = "0123456789\r\n..abc\r\n.\r\nQUIT\r\n";
  auto exact = decode(wire, 17);  // "0123456789\r\n.abc\r\n" is 18 octets
  EXPECT_TRUE(exact.done);
  EXPECT_EQ(exact.body, "0123456789\r\n.abc\r");
  EXPECT_EQ(exact.stats.message_bytes, 18u);
  EXPECT_EQ(exact.consumed, wire.size() - 6);

  DotDecoder decoder(18);
  std::string out;
  EXPECT_EQ(decoder.feed(wire, out), wire.size() - 6);
  EXPECT_FALSE(decoder.over_limit());

  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    DotDecoder small(5);
    std::string body;
    std::size_t used = small.feed(std::string_view(wire).substr(0, cut), body);
    if (!small.done()) used += small.feed(std::string_view(wire).substr(cut), body);
    EXPECT_TRUE(small.done());
    EXPECT_TRUE(small.over_limit());
    EXPECT_EQ(body, "01234") << cut;
    EXPECT_EQ(small.stats().message_bytes, 18u);
    EXPECT_EQ(used, wire.size() - 6);
  }
}

TEST(DotDecoder, CallbackSinkGetsBoundedPieces) {
  std::string big(3 * kMaxSinkPieceBytes + 5, 'z');
  std::string wire = big + "\r\n.\r\n";
  DotDecoder decoder(1ull << 30);
  std::size_t pieces = 0;
  std::size_t total = 0;
  BodySink sink = [&](std::string_view piece) {
    EXPECT_LE(piece.size(), kMaxSinkPieceBytes);
    EXPECT_FALSE(piece.empty());
    ++pieces;
    total += piece.size();
  };
  EXPECT_EQ(decoder.feed(wire, sink), wire.size());
  EXPECT_TRUE(decoder.done());
  EXPECT_EQ(total, big.size() + 2);
  EXPECT_GE(pieces, 4u);
}

TEST(DotDecoder, CountsReceivedHeadersOnlyInHeaderSection) {
  std::string wire =
      "Received: from a\r\n"
      "\tby b; date\r\n"
      "RECEIVED : from c\r\n"
      "X-Received: no\r\n"
      "Receivedx: no\r\n"
      "received:x\r\n"
      "Subject: Received: no\r\n"
      "\r\n"
      "Received: in the body\r\n"
      ".\r\n";
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    auto d = decode_in_pieces(wire, {cut});
    EXPECT_EQ(d.stats.received_headers, 3u) << cut;
  }
  // A stuffed dot at line start is not part of a field name.
  EXPECT_EQ(decode(".Received: x\r\n.\r\n").stats.received_headers, 1u);
  EXPECT_EQ(decode("\r\nReceived: x\r\n.\r\n").stats.received_headers, 0u);
}

TEST(HopCounter, WorksOnRawBytes) {
  HopCounter counter;
  counter.feed("Received: a\nReceived: b\r\nSubj");
  counter.feed("ect: x\r\n\r\nReceived: body\r\n");
  EXPECT_EQ(counter.received_count(), 2u);
  EXPECT_FALSE(counter.in_headers());
}
