// The queue runner's pure decisions, kept apart so they can be tested
// without a queue, a store or a network: where each recipient goes (a local
// domain's mailboxes or the outbound SMTP agent), what one attempt's outcome
// means for the queue (delivered, deferred until the next retry, failed,
// expired after the queue lifetime), which DSN it calls for, and the log
// line in Postfix's shape ("ID: to=<r>, relay=..., delay=..., dsn=...,
// status=sent (...)").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "delivery/delivery_settings.hpp"
#include "delivery/dsn_message.hpp"
#include "store/queue_store.hpp"

namespace postino {

// The lower-case domain of an envelope address ("" if it has none).
std::string recipient_domain(const std::string& address);

// The result of one delivery attempt of one recipient, whichever agent made it.
struct AttemptOutcome {
  enum class Kind { delivered, deferred, failed } kind = Kind::deferred;
  std::uint16_t code = 0;  // reply code; 0 when decided locally (DNS, connect)
  std::string status;      // RFC 3463 "2.0.0"
  std::string text;        // for the log line and `queue show`
  std::string relay;       // "mx.example.org[192.0.2.1]:25", "local", "none"
  std::string diagnostic;  // RFC 3464 Diagnostic-Code value, or empty
  bool relayed = false;    // handed to a peer (remote): a success DSN says "relayed"
  bool dsn_passed = false; // the peer took NOTIFY over (RFC 3461 5.2.2): no success DSN from us
};

struct Decision {
  RecipientState state = RecipientState::pending;
  std::int64_t next_attempt_at = 0;
  const char* log_status = "deferred";  // sent, deferred, bounced, expired
  std::optional<DsnAction> dsn;         // the DSN this outcome calls for, NOTIFY permitting
};

// `now` and `message.arrived_at` in unix seconds. A deferral after the
// queue lifetime is final (failed, "expired"), keeping its 4.x.x status as
// Postfix does. A delay warning is not decided here (once per message).
Decision decide(const QueueRunnerSettings& settings, const QueueMessage& message, const QueueRecipient& recipient,
                const AttemptOutcome& outcome, std::int64_t now);

// The RecipientUpdate for `decision`.
RecipientUpdate make_update(const QueueRecipient& recipient, const AttemptOutcome& outcome, const Decision& decision);

// "ID: to=<rcpt>, orig_to=<orcpt>, relay=..., delay=N, dsn=X.Y.Z, status=... (text)".
std::string delivery_log_line(const QueueMessage& message, const QueueRecipient& recipient,
                              const AttemptOutcome& outcome, const Decision& decision, std::int64_t now);

// Whether a message waited long enough for a delay warning (and has had none).
bool delay_warning_due(const QueueRunnerSettings& settings, const QueueMessage& message, std::int64_t now);

// RFC 3464 DSN recipient fields for one recipient's outcome.
DsnRecipient dsn_recipient(const QueueRecipient& recipient, const AttemptOutcome& outcome, DsnAction action,
                           std::int64_t now, std::int64_t expires_at);

}  // namespace postino
