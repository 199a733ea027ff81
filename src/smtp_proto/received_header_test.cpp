// Tests for Received: formatting: RFC 3848 keywords, RFC 5322 dates, folding
// below 78 columns, and hostile HELO/rDNS values neutralised.
#include "smtp_proto/received_header.hpp"

#include <gtest/gtest.h>

using namespace postino::smtp;
using namespace std::chrono;

namespace {

// 2024-03-05 14:07:09 UTC, a Tuesday.
const system_clock::time_point kTime = sys_days{year{2024} / March / 5} + hours(14) + minutes(7) + seconds(9);

void expect_folded(const std::string& header) {
  ASSERT_GE(header.size(), 2u);
  EXPECT_EQ(header.substr(header.size() - 2), "\r\n");
  std::size_t start = 0;
  bool first = true;
  while (start < header.size()) {
    std::size_t end = header.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    std::string line = header.substr(start, end - start);
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos);
    std::size_t columns = line.size();
    if (!first) {
      ASSERT_FALSE(line.empty());
      EXPECT_EQ(line[0], '\t') << "continuation lines start with WSP";
      columns += 7;  // a tab counts as 8 columns
    }
    EXPECT_LT(columns, kFoldColumns) << line;
    first = false;
    start = end + 2;
  }
}

}  // namespace

TEST(ReceivedHeader, ProtocolKeywords) {
  EXPECT_EQ(received_protocol_keyword({.extended = false}), "SMTP");
  EXPECT_EQ(received_protocol_keyword({}), "ESMTP");
  EXPECT_EQ(received_protocol_keyword({.authenticated = true}), "ESMTPA");
  EXPECT_EQ(received_protocol_keyword({.tls = true}), "ESMTPS");
  EXPECT_EQ(received_protocol_keyword({.tls = true, .authenticated = true}), "ESMTPSA");
  EXPECT_EQ(received_protocol_keyword({.lmtp = true}), "LMTP");
  EXPECT_EQ(received_protocol_keyword({.lmtp = true, .tls = true}), "LMTPS");
  EXPECT_EQ(received_protocol_keyword({.lmtp = true, .tls = true, .authenticated = true}), "LMTPSA");
  EXPECT_EQ(received_protocol_keyword({.tls = true, .utf8 = true}), "UTF8SMTPS");
  EXPECT_EQ(received_protocol_keyword({.lmtp = true, .authenticated = true, .utf8 = true}), "UTF8LMTPA");
}

TEST(ReceivedHeader, Rfc5322Date) {
  EXPECT_EQ(format_rfc5322_date(kTime, minutes(0)), "Tue, 5 Mar 2024 14:07:09 +0000");
  EXPECT_EQ(format_rfc5322_date(kTime, hours(1)), "Tue, 5 Mar 2024 15:07:09 +0100");
  EXPECT_EQ(format_rfc5322_date(kTime, -(hours(14) + minutes(30))), "Mon, 4 Mar 2024 23:37:09 -1430");
  EXPECT_EQ(format_rfc5322_date(sys_days{year{1970} / January / 1}, minutes(0)), "Thu, 1 Jan 1970 00:00:00 +0000");
}

TEST(ReceivedHeader, PostfixLayout) {
  ReceivedInfo info;
  info.helo = "mail.example.test";
  info.client_rdns = "mail.example.test";
  info.client_ip = "192.0.2.1";
  info.by_host = "mx.example.org";
  info.protocol = {.tls = true};
  info.queue_id = "4B2C3D";
  info.for_recipient = "user@example.org";
  info.tls_details = "using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)";
  info.time = kTime;
  std::string h = format_received_header(info);
  EXPECT_EQ(h,
            "Received: from mail.example.test (mail.example.test [192.0.2.1])\r\n"
            "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
            "\tby mx.example.org (Postino) with ESMTPS id 4B2C3D\r\n"
            "\tfor <user@example.org>; Tue, 5 Mar 2024 14:07:09 +0000\r\n");
  expect_folded(h);
}

TEST(ReceivedHeader, AuthenticatedSenderAsPostfix) {
  ReceivedInfo info;
  info.helo = "laptop.example.test";
  info.client_ip = "192.0.2.7";
  info.by_host = "mail.example.org";
  info.protocol = {.tls = true, .authenticated = true};
  info.queue_id = "4B2C3D";
  info.for_recipient = "bob@example.net";
  info.tls_details = "using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)";
  info.authenticated_sender = "alice@example.org";
  info.time = kTime;
  std::string h = format_received_header(info);
  EXPECT_EQ(h,
            "Received: from laptop.example.test (unknown [192.0.2.7])\r\n"
            "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n"
            "\t(Authenticated sender: alice@example.org)\r\n"
            "\tby mail.example.org (Postino) with ESMTPSA id 4B2C3D\r\n"
            "\tfor <bob@example.net>; Tue, 5 Mar 2024 14:07:09 +0000\r\n");
  expect_folded(h);
  // A login name cannot close the comment or add lines.
  info.authenticated_sender = "a) b\r\nX-Evil: 1";
  h = format_received_header(info);
  EXPECT_NE(h.find("(Authenticated sender: a??b??X-Evil:?1)"), std::string::npos) << h;
  expect_folded(h);
}

TEST(ReceivedHeader, UnknownRdnsIpv6NoRecipient) {
  ReceivedInfo info;
  info.helo = "[IPv6:2001:db8::1]";
  info.client_ip = "2001:db8::1";
  info.by_host = "mx.example.org";
  info.queue_id = "Q1";
  info.time = kTime;
  std::string h = format_received_header(info);
  EXPECT_EQ(h,
            "Received: from [IPv6:2001:db8::1] (unknown [IPv6:2001:db8::1])\r\n"
            "\tby mx.example.org (Postino) with ESMTP id Q1;\r\n"
            "\tTue, 5 Mar 2024 14:07:09 +0000\r\n");
  expect_folded(h);
}

TEST(ReceivedHeader, HostileHeloIsNeutralised) {
  ReceivedInfo info;
  info.helo = "evil)\r\nX-Injected: yes\r\n(by trusted.test";
  info.client_rdns = "a b(c)";
  info.client_ip = "192.0.2.1";
  info.by_host = "mx.example.org";
  info.queue_id = "Q\r\n";
  info.for_recipient = "\"john doe\"@example.org";
  info.time = kTime;
  std::string h = format_received_header(info);
  EXPECT_EQ(h.find("X-Injected: yes\r\n"), std::string::npos);
  EXPECT_EQ(h.find("\r\nX"), std::string::npos);
  EXPECT_NE(h.find("from evil???X-Injected:?yes???by?trusted.test"), std::string::npos) << h;
  EXPECT_NE(h.find("(a?b?c?"), std::string::npos) << h;
  EXPECT_NE(h.find("<\"john doe\"@example.org>;"), std::string::npos) << h;
  expect_folded(h);
}

TEST(ReceivedHeader, LongPartsFoldBelow78Columns) {
  ReceivedInfo info;
  info.helo = "a-very-long-host-name-label.another-long-label.example.test";
  info.client_rdns = "reverse-dns-name-that-is-also-rather-long.example.test";
  info.client_ip = "2001:db8:1234:5678:9abc:def0:1234:5678";
  info.by_host = "mx1.mail-cluster.example.org";
  info.protocol = {.lmtp = true, .tls = true, .authenticated = true};
  info.queue_id = "4B2C3D5E6F";
  info.for_recipient = "some.long.recipient.name@subdomain.example.org";
  info.tls_details =
      "using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature "
      "RSA-PSS (2048 bits) server-digest SHA256";
  info.time = kTime;
  info.utc_offset = hours(2);
  std::string h = format_received_header(info);
  expect_folded(h);
  EXPECT_NE(h.find("with LMTPSA id 4B2C3D5E6F"), std::string::npos) << h;
  EXPECT_NE(h.find("Tue, 5 Mar 2024 16:07:09 +0200\r\n"), std::string::npos) << h;
  // Unfolding (RFC 5322 2.2.3) gives back the words in order.
  std::string unfolded;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h.compare(i, 3, "\r\n\t") == 0) { unfolded += ' '; i += 2; continue; }
    unfolded += h[i];
  }
  EXPECT_NE(unfolded.find("(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519"),
            std::string::npos);
}
