// The queue runner's pure decisions. See delivery_decision.hpp.
#include "delivery/delivery_decision.hpp"

#include "common/address.hpp"
#include "delivery/queue_runner.hpp"

namespace postino {

std::string recipient_domain(const std::string& address) {
  const auto at = address.rfind('@');
  if (at == std::string::npos || at + 1 >= address.size()) return {};
  return ascii_lower(std::string_view(address).substr(at + 1));
}

Decision decide(const QueueRunnerSettings& settings, const QueueMessage& message, const QueueRecipient& recipient,
                const AttemptOutcome& outcome, std::int64_t now) {
  Decision d;
  switch (outcome.kind) {
    case AttemptOutcome::Kind::delivered:
      d.state = RecipientState::delivered;
      d.log_status = "sent";
      if (!outcome.dsn_passed) d.dsn = outcome.relayed ? DsnAction::relayed : DsnAction::delivered;
      return d;
    case AttemptOutcome::Kind::failed:
      d.state = RecipientState::failed;
      d.log_status = "bounced";
      d.dsn = DsnAction::failed;
      return d;
    case AttemptOutcome::Kind::deferred:
      break;
  }
  if (now - message.arrived_at >= settings.max_queue_lifetime.count()) {
    // Postfix: "status=expired, returned to sender", the DSN keeping the
    // last temporary status with Action: failed.
    d.state = RecipientState::failed;
    d.log_status = "expired";
    d.dsn = DsnAction::failed;
    return d;
  }
  d.state = RecipientState::pending;
  d.next_attempt_at = now + QueueRunner::retry_delay(settings, recipient.attempts + 1).count();
  d.log_status = "deferred";
  return d;
}

RecipientUpdate make_update(const QueueRecipient& recipient, const AttemptOutcome& outcome, const Decision& decision) {
  RecipientUpdate u;
  u.recipient = recipient.id;
  u.state = decision.state;
  u.next_attempt_at = decision.next_attempt_at;
  u.reply = outcome.text;
  if (std::string(decision.log_status) == "expired") u.reply += " (message expired in queue)";
  u.status = outcome.status;
  u.relay = outcome.relay;
  u.diagnostic = outcome.diagnostic;
  return u;
}

std::string delivery_log_line(const QueueMessage& message, const QueueRecipient& recipient,
                              const AttemptOutcome& outcome, const Decision& decision, std::int64_t now) {
  std::string line = message.id + ": to=<" + recipient.address + ">";
  const auto semi = recipient.orcpt.find(';');
  if (semi != std::string::npos && recipient.orcpt.substr(semi + 1) != recipient.address) {
    line += ", orig_to=<" + recipient.orcpt.substr(semi + 1) + ">";
  }
  line += ", relay=" + (outcome.relay.empty() ? std::string("none") : outcome.relay);
  line += ", delay=" + std::to_string(std::max<std::int64_t>(0, now - message.arrived_at));
  line += ", dsn=" + (outcome.status.empty() ? std::string("4.0.0") : outcome.status);
  line += std::string(", status=") + decision.log_status + " (" + outcome.text + ")";
  return line;
}

bool delay_warning_due(const QueueRunnerSettings& settings, const QueueMessage& message, std::int64_t now) {
  if (settings.delay_warning_after.count() <= 0 || message.delay_warned) return false;
  if (settings.delay_warning_after >= settings.max_queue_lifetime) return false;
  return now - message.arrived_at >= settings.delay_warning_after.count();
}

DsnRecipient dsn_recipient(const QueueRecipient& recipient, const AttemptOutcome& outcome, DsnAction action,
                           std::int64_t now, std::int64_t expires_at) {
  DsnRecipient r;
  r.address = recipient.address;
  r.original = recipient.orcpt;
  r.action = action;
  r.status = outcome.status.empty() ? (action == DsnAction::failed ? "5.0.0" : "4.0.0") : outcome.status;
  // Remote-MTA is the peer's name: "mx.example.org[192.0.2.1]:25" -> "mx.example.org".
  if (!outcome.relay.empty() && outcome.relay != "none" && outcome.relay != "local") {
    r.remote_mta = outcome.relay.substr(0, outcome.relay.find('['));
  }
  r.diagnostic = outcome.diagnostic;
  r.last_attempt_at = now;
  if (action == DsnAction::delayed) r.will_retry_until = expires_at;
  return r;
}

}  // namespace postino
