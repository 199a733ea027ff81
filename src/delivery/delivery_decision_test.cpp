// The queue runner's decisions: retry schedule, expiry keeping the 4.x.x
// status, DSN actions, delay warnings once, and the Postfix-shaped log line.
#include "delivery/delivery_decision.hpp"

#include <gtest/gtest.h>

#include "delivery/queue_runner.hpp"

namespace postino {
namespace {

QueueMessage message_at(std::int64_t arrived_at) {
  QueueMessage m;
  m.id = "4F2A1B";
  m.sender = "sender@example.test";
  m.arrived_at = arrived_at;
  return m;
}

QueueRecipient recipient(std::uint32_t attempts) {
  QueueRecipient r;
  r.id = RecipientRowId{7};
  r.address = "friend@remote.example";
  r.attempts = attempts;
  return r;
}

AttemptOutcome outcome(AttemptOutcome::Kind kind, std::string status, std::string text) {
  AttemptOutcome o;
  o.kind = kind;
  o.status = std::move(status);
  o.text = std::move(text);
  o.relay = "mx.remote.example[127.0.0.2]:25";
  o.diagnostic = "smtp; " + o.text;
  o.relayed = true;
  return o;
}

TEST(DeliveryDecision, DefaultScheduleMatchesTheIssue) {
  QueueRunnerSettings s;
  using std::chrono::minutes;
  EXPECT_EQ(QueueRunner::retry_delay(s, 1), minutes(5));
  EXPECT_EQ(QueueRunner::retry_delay(s, 2), minutes(10));
  EXPECT_EQ(QueueRunner::retry_delay(s, 3), minutes(20));
  EXPECT_EQ(QueueRunner::retry_delay(s, 4), minutes(40));
  EXPECT_EQ(QueueRunner::retry_delay(s, 5), minutes(60));
  EXPECT_EQ(QueueRunner::retry_delay(s, 50), minutes(60));
  EXPECT_EQ(s.max_queue_lifetime, std::chrono::hours(120));
  EXPECT_EQ(s.delay_warning_after, std::chrono::hours(4));
}

TEST(DeliveryDecision, DeferredFollowsTheScheduleThenExpires) {
  QueueRunnerSettings s;
  const std::int64_t t0 = 1700000000;
  auto deferred = outcome(AttemptOutcome::Kind::deferred, "4.4.1", "connect to mx: Connection refused");
  Decision d = decide(s, message_at(t0), recipient(0), deferred, t0);
  EXPECT_EQ(d.state, RecipientState::pending);
  EXPECT_EQ(d.next_attempt_at, t0 + 300);
  EXPECT_STREQ(d.log_status, "deferred");
  EXPECT_FALSE(d.dsn);
  d = decide(s, message_at(t0), recipient(3), deferred, t0 + 3600);
  EXPECT_EQ(d.next_attempt_at, t0 + 3600 + 2400);

  d = decide(s, message_at(t0), recipient(30), deferred, t0 + 5 * 86400);
  EXPECT_EQ(d.state, RecipientState::failed);
  EXPECT_STREQ(d.log_status, "expired");
  EXPECT_EQ(d.dsn, DsnAction::failed);
  RecipientUpdate u = make_update(recipient(30), deferred, d);
  EXPECT_EQ(u.status, "4.4.1");  // Postfix keeps the last temporary status
  EXPECT_NE(u.reply.find("expired"), std::string::npos);
}

TEST(DeliveryDecision, DeliveredAndFailed) {
  QueueRunnerSettings s;
  auto sent = outcome(AttemptOutcome::Kind::delivered, "2.0.0", "250 2.0.0 Ok: queued as X");
  Decision d = decide(s, message_at(0), recipient(0), sent, 10);
  EXPECT_EQ(d.state, RecipientState::delivered);
  EXPECT_EQ(d.dsn, DsnAction::relayed);
  sent.dsn_passed = true;  // the next hop sends success notices
  EXPECT_FALSE(decide(s, message_at(0), recipient(0), sent, 10).dsn);
  sent.relayed = false;
  sent.dsn_passed = false;
  EXPECT_EQ(decide(s, message_at(0), recipient(0), sent, 10).dsn, DsnAction::delivered);

  auto bounced = outcome(AttemptOutcome::Kind::failed, "5.1.1", "host mx said: 550 5.1.1 unknown");
  d = decide(s, message_at(0), recipient(0), bounced, 10);
  EXPECT_EQ(d.state, RecipientState::failed);
  EXPECT_STREQ(d.log_status, "bounced");
  EXPECT_EQ(d.dsn, DsnAction::failed);
}

TEST(DeliveryDecision, DelayWarningOnceAfterTheThreshold) {
  QueueRunnerSettings s;
  QueueMessage m = message_at(1000);
  EXPECT_FALSE(delay_warning_due(s, m, 1000 + 4 * 3600 - 1));
  EXPECT_TRUE(delay_warning_due(s, m, 1000 + 4 * 3600));
  m.delay_warned = true;
  EXPECT_FALSE(delay_warning_due(s, m, 1000 + 5 * 3600));
  m.delay_warned = false;
  s.delay_warning_after = std::chrono::seconds(0);
  EXPECT_FALSE(delay_warning_due(s, m, 1000 + 5 * 3600));
}

TEST(DeliveryDecision, PostfixShapedLogLineAndDsnFields) {
  QueueRunnerSettings s;
  QueueRecipient r = recipient(0);
  r.orcpt = "rfc822;alias@example.test";
  auto sent = outcome(AttemptOutcome::Kind::delivered, "2.0.0", "250 2.0.0 Ok: queued as X");
  Decision d = decide(s, message_at(100), r, sent, 103);
  EXPECT_EQ(delivery_log_line(message_at(100), r, sent, d, 103),
            "4F2A1B: to=<friend@remote.example>, orig_to=<alias@example.test>, "
            "relay=mx.remote.example[127.0.0.2]:25, delay=3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X)");
  DsnRecipient x = dsn_recipient(r, sent, DsnAction::relayed, 103, 500);
  EXPECT_EQ(x.remote_mta, "mx.remote.example");
  EXPECT_EQ(x.original, "rfc822;alias@example.test");
  EXPECT_EQ(x.will_retry_until, 0);
  EXPECT_EQ(dsn_recipient(r, sent, DsnAction::delayed, 103, 500).will_retry_until, 500);
}

TEST(DeliveryDecision, RecipientDomain) {
  EXPECT_EQ(recipient_domain("User@Example.ORG"), "example.org");
  EXPECT_EQ(recipient_domain("postmaster"), "");
  EXPECT_EQ(recipient_domain("a@"), "");
}

}  // namespace
}  // namespace postino
