// DSN rendering: structure (RFC 6522 multipart/report, RFC 3464 fields),
// RET=HDRS/FULL and the size limit, ORCPT and ENVID, header injection from
// peer text, NOTIFY rules. The MIME structure is checked by parsing the
// output back with a small independent reader written for this test.
#include "delivery/dsn_message.hpp"

#include <gtest/gtest.h>

#include "store/queue_store.hpp"

namespace postino {
namespace {

const std::string kOriginal =
    "Received: from client.example (client.example [192.0.2.9])\r\n"
    "From: Sender <sender@example.test>\r\n"
    "To: friend@remote.example\r\n"
    "Subject: hello\r\n"
    "\r\n"
    "Body line one.\r\n"
    "Body line two.\r\n";

DsnReport failed_report() {
  DsnReport r;
  r.reporting_mta = "mail.example.test";
  r.to = "sender@example.test";
  r.queue_id = "ABC123";
  r.arrived_at = 1700000000;
  r.now = 1700000300;
  r.boundary = "B0UNDARY";
  r.message_id = "id@mail.example.test";
  DsnRecipient x;
  x.address = "friend@remote.example";
  x.original = "rfc822;alias@example.test";
  x.action = DsnAction::failed;
  x.status = "5.1.1";
  x.remote_mta = "mx.remote.example";
  x.diagnostic = "smtp; 550 5.1.1 <friend@remote.example>: unknown user";
  x.last_attempt_at = 1700000300;
  r.recipients.push_back(x);
  return r;
}

// The parts between the boundary lines, each split into header and body.
struct Part {
  std::string header;
  std::string body;
};
std::vector<Part> parts_of(const std::string& message, const std::string& boundary) {
  std::vector<Part> out;
  const std::string delimiter = "\r\n--" + boundary;
  std::size_t pos = message.find(delimiter);
  while (pos != std::string::npos) {
    pos += delimiter.size();
    if (message.compare(pos, 2, "--") == 0) break;  // close delimiter
    pos += 2;                                       // CRLF after the boundary
    const std::size_t next = message.find(delimiter, pos);
    const std::string part = message.substr(pos, next - pos);
    const std::size_t blank = part.find("\r\n\r\n");
    out.push_back({part.substr(0, blank + 2), part.substr(blank + 4)});
    pos = next;
  }
  return out;
}

TEST(DsnMessage, FailedReportWithHeadersOnly) {
  DsnMessage dsn = render_dsn(failed_report(), kOriginal, kOriginal.size());
  const std::string& m = dsn.bytes;
  EXPECT_FALSE(dsn.eight_bit);
  EXPECT_EQ(m.find("From: MAILER-DAEMON@mail.example.test (Mail Delivery System)\r\n"), 0u);
  EXPECT_NE(m.find("\r\nTo: <sender@example.test>\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\nSubject: Undelivered Mail Returned to Sender\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\nAuto-Submitted: auto-replied\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B0UNDARY\""),
            std::string::npos);
  auto parts = parts_of(m, "B0UNDARY");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_NE(parts[0].header.find("text/plain"), std::string::npos);
  EXPECT_NE(parts[0].body.find("<friend@remote.example>: failed: smtp; 550 5.1.1"), std::string::npos);
  EXPECT_NE(parts[1].header.find("Content-Type: message/delivery-status"), std::string::npos);
  const std::string& status = parts[1].body;
  EXPECT_EQ(status.find("Reporting-MTA: dns; mail.example.test\r\n"), 0u);
  EXPECT_NE(status.find("Arrival-Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos);
  EXPECT_EQ(status.find("Original-Envelope-Id"), std::string::npos);
  EXPECT_NE(status.find("\r\n\r\nFinal-Recipient: rfc822; friend@remote.example\r\n"
                        "Original-Recipient: rfc822; alias@example.test\r\n"
                        "Action: failed\r\n"
                        "Status: 5.1.1\r\n"
                        "Remote-MTA: dns; mx.remote.example\r\n"
                        "Diagnostic-Code: smtp; 550 5.1.1 <friend@remote.example>: unknown user\r\n"
                        "Last-Attempt-Date: Tue, 14 Nov 2023 22:18:20 +0000\r\n"),
            std::string::npos)
      << status;
  EXPECT_NE(parts[2].header.find("Content-Type: text/rfc822-headers"), std::string::npos);
  EXPECT_EQ(parts[2].body, std::string(header_block_of(kOriginal)));
  EXPECT_EQ(parts[2].body.find("Body line"), std::string::npos);
  EXPECT_EQ(m.substr(m.size() - 14), "--B0UNDARY--\r\n");
}

TEST(DsnMessage, ReturnFullUnlessTooBig) {
  DsnReport report = failed_report();
  report.return_full = true;
  report.envid = "ENV-42";
  auto parts = parts_of(render_dsn(report, kOriginal, kOriginal.size()).bytes, "B0UNDARY");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_NE(parts[1].body.find("Original-Envelope-Id: ENV-42\r\n"), std::string::npos);
  EXPECT_NE(parts[2].header.find("Content-Type: message/rfc822"), std::string::npos);
  EXPECT_EQ(parts[2].body, kOriginal);

  report.return_limit_bytes = 10;  // too big to return whole: the header only
  parts = parts_of(render_dsn(report, kOriginal, kOriginal.size()).bytes, "B0UNDARY");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_NE(parts[2].header.find("text/rfc822-headers"), std::string::npos);
  EXPECT_EQ(parts[2].body.find("Body line"), std::string::npos);
}

TEST(DsnMessage, PeerTextCannotAddFieldsOrParts) {
  DsnReport report = failed_report();
  report.recipients[0].diagnostic = "smtp; 550 no\r\nX-Injected: yes\r\n--B0UNDARY\r\n";
  report.envid = "e\r\nBcc: victim@example.org";
  const std::string m = render_dsn(report, kOriginal, kOriginal.size()).bytes;
  EXPECT_EQ(m.find("\r\nX-Injected"), std::string::npos);
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(parts_of(m, "B0UNDARY").size(), 3u);
}

TEST(DsnMessage, DelayedAndUtf8AndEightBit) {
  DsnReport report = failed_report();
  report.recipients[0].action = DsnAction::delayed;
  report.recipients[0].status = "4.4.1";
  report.recipients[0].will_retry_until = 1700432000;
  report.recipients[0].address = "j\xC3\xBCrgen@remote.example";
  report.recipients[0].original.clear();
  const std::string original = "From: a@example.test\r\nSubject: gr\xC3\xBC\xC3\x9F" "e\r\n\r\nbody\r\n";
  DsnMessage dsn = render_dsn(report, original, original.size());
  EXPECT_TRUE(dsn.eight_bit);
  EXPECT_NE(dsn.bytes.find("Subject: Delayed Mail (still being retried)"), std::string::npos);
  EXPECT_NE(dsn.bytes.find("Final-Recipient: utf-8; j\\x{FC}rgen@remote.example\r\n"), std::string::npos);
  EXPECT_NE(dsn.bytes.find("Action: delayed\r\nStatus: 4.4.1\r\n"), std::string::npos);
  EXPECT_NE(dsn.bytes.find("Will-Retry-Until: "), std::string::npos);
  EXPECT_NE(dsn.bytes.find("Content-Transfer-Encoding: 8bit"), std::string::npos);
}

TEST(DsnMessage, GeneratedBoundaryIsUniqueAndNotInTheOriginal) {
  DsnReport report = failed_report();
  report.boundary.clear();
  const std::string a = render_dsn(report, kOriginal, kOriginal.size()).bytes;
  const std::string b = render_dsn(report, kOriginal, kOriginal.size()).bytes;
  const auto at = a.find("boundary=\"") + 10;
  const std::string boundary = a.substr(at, a.find('"', at) - at);
  EXPECT_GT(boundary.size(), 20u);
  EXPECT_EQ(b.find(boundary), std::string::npos);
  EXPECT_EQ(parts_of(a, boundary).size(), 3u);
}

TEST(DsnMessage, NotifyRules) {
  // Absent NOTIFY: failures and delays (as Postfix), no success notices.
  EXPECT_TRUE(dsn_wanted(0, DsnAction::failed));
  EXPECT_TRUE(dsn_wanted(0, DsnAction::delayed));
  EXPECT_FALSE(dsn_wanted(0, DsnAction::delivered));
  EXPECT_FALSE(dsn_wanted(kNotifyNever, DsnAction::failed));
  EXPECT_FALSE(dsn_wanted(kNotifyNever, DsnAction::delayed));
  EXPECT_TRUE(dsn_wanted(kNotifySuccess, DsnAction::delivered));
  EXPECT_TRUE(dsn_wanted(kNotifySuccess, DsnAction::relayed));
  EXPECT_FALSE(dsn_wanted(kNotifySuccess, DsnAction::failed));
  EXPECT_TRUE(dsn_wanted(kNotifyFailure, DsnAction::failed));
  EXPECT_FALSE(dsn_wanted(kNotifyFailure, DsnAction::delayed));
  EXPECT_TRUE(dsn_wanted(kNotifyFailure | kNotifyDelay, DsnAction::delayed));
}

TEST(DsnMessage, HeaderBlockAndDate) {
  EXPECT_EQ(header_block_of("A: 1\r\nB: 2\r\n\r\nbody"), "A: 1\r\nB: 2\r\n\r\n");
  EXPECT_EQ(header_block_of("A: 1\nB: 2\n\nbody"), "A: 1\nB: 2\n\n");
  EXPECT_EQ(header_block_of("A: 1\r\nB: 2 trunc"), "A: 1\r\n");
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1700000000), "Tue, 14 Nov 2023 22:13:20 +0000");
}

}  // namespace
}  // namespace postino
