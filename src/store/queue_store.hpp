// QueueStore: the durable mail queue of one MTA node (R-MX1). A message is
// its envelope, its blob (the bytes as received, with our Received header)
// and per-recipient state. Postfix's model: the queue id joins every log
// line of a message's life; recipients are delivered, deferred (retried on
// a schedule) or failed independently.
// Contract: thread-safe and blocking; enqueue() returns only once the entry
// is durable (before the SMTP 250), through the engine's group commit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "store/blob_store.hpp"
#include "store/ids.hpp"

namespace postino {

enum class RecipientState { pending, delivered, failed };

// RFC 3461 NOTIFY, as bits; 0 means the parameter was absent.
enum NotifyBits : std::uint8_t { kNotifyNever = 1, kNotifySuccess = 2, kNotifyFailure = 4, kNotifyDelay = 8 };

struct QueueRecipient {
  RecipientRowId id{};
  std::string address;  // envelope RCPT TO, as given
  std::string orcpt;    // RFC 3461 ORCPT, decoded ("rfc822;user@example.org"), or empty
  std::uint8_t notify = 0;
  RecipientState state = RecipientState::pending;
  std::uint32_t attempts = 0;
  std::int64_t next_attempt_at = 0;  // unix seconds
  std::string last_reply;            // "250 2.0.0 ..." or the last error
  // The last attempt, for a DSN written later (expiry): RFC 3463 status
  // ("4.4.1"), where it went ("mx.example.org[192.0.2.1]:25", "local",
  // "none") and the RFC 3464 Diagnostic-Code value ("smtp; 450 4.2.0 ...").
  std::string last_status;
  std::string last_relay;
  std::string last_diagnostic;
};

struct QueueMessage {
  std::string id;      // queue id: upper-case hex, unique per node
  std::string sender;  // reverse-path; empty for the null sender <>
  BlobInfo blob;
  std::int64_t arrived_at = 0;  // unix seconds
  std::string client_address;   // for logs and DSNs
  std::string client_helo;
  std::string protocol;        // "ESMTPS", "LMTP", ...
  std::string envid;           // RFC 3461 ENVID (decoded), or empty
  std::string ret;             // RFC 3461 RET: "FULL", "HDRS" or empty
  std::string body_type;       // "7BIT", "8BITMIME", "BINARYMIME" or empty
  bool smtputf8 = false;
  bool held = false;
  bool delay_warned = false;   // a delay DSN went out (once per message)
  std::vector<QueueRecipient> recipients;
};

// One recipient's outcome for QueueStore::record().
struct RecipientUpdate {
  RecipientRowId recipient{};
  RecipientState state = RecipientState::pending;  // pending: deferred until next_attempt_at
  std::int64_t next_attempt_at = 0;
  std::string reply;
  std::string status;      // -> QueueRecipient::last_status
  std::string relay;       // -> last_relay
  std::string diagnostic;  // -> last_diagnostic
  // New pending recipients of the same message, due now, added only if this
  // update applies: alias targets at other domains (forwarding). Their
  // notify and orcpt are taken as given.
  std::vector<QueueRecipient> forward;
};

// A message the queue generates about another one (a DSN: bounce, delay
// warning, success notice), enqueued in the same transaction as the
// outcomes it reports, so a crash neither loses nor repeats it.
struct QueueNotice {
  QueueMessage message;  // its blob already committed
  // Enqueued only if at least one of these recipients' updates applied in
  // this batch (none skipped as no longer pending).
  std::vector<RecipientRowId> about;
  // A delay warning: enqueued only if `about_message` had no delay warning
  // yet, which this batch then records.
  bool delay_warning = false;
  std::string about_message;
};

struct QueueBatch {
  std::vector<RecipientUpdate> updates;
  std::vector<QueueNotice> notices;
};

struct QueueBatchResult {
  std::vector<std::string> removed;   // messages left with no pending recipient
  std::vector<std::string> enqueued;  // ids of the notices enqueued
};

class QueueStore {
 public:
  virtual ~QueueStore() = default;

  // Adds a message with its recipients (all pending, due now). The message's
  // blob must already be committed. Durable when it returns.
  virtual Status enqueue(const QueueMessage& message) = 0;

  // Messages not held with at least one pending recipient due at `now`,
  // oldest first, with only those due recipients; at most `limit`.
  virtual Result<std::vector<QueueMessage>> due(std::int64_t now, std::size_t limit) = 0;
  // The earliest next_attempt_at of any pending recipient of a message not
  // held, or nullopt if none (the scheduler sleeps until then).
  virtual Result<std::optional<std::int64_t>> next_due() = 0;

  virtual Status mark_delivered(RecipientRowId recipient, const std::string& reply) = 0;
  virtual Status mark_failed(RecipientRowId recipient, const std::string& reply) = 0;
  virtual Status defer(RecipientRowId recipient, std::int64_t next_attempt_at, const std::string& reply) = 0;

  // Applies many outcomes in one transaction (one fsync for a whole
  // delivery batch), then removes the touched messages left with no pending
  // recipient and returns their ids. An update for a recipient that is no
  // longer pending is skipped (a retry after a crash), not an error.
  // The batch form also adds forwarded recipients and enqueues notices,
  // all in the same transaction.
  virtual Result<QueueBatchResult> record(const QueueBatch& batch) = 0;
  Result<std::vector<std::string>> record(const std::vector<RecipientUpdate>& updates);

  // Removes the message if no recipient is pending; returns its blob (for
  // logs), or nullopt if still pending. The queue holds no BlobIndex count:
  // never drop_refs() this blob; GC collects it once nothing references it.
  virtual Result<std::optional<BlobInfo>> remove_if_done(const std::string& id) = 0;

  // Removes every message with no pending recipient and returns their ids.
  // remove_if_done() after the last outcome can be lost to a crash; the
  // runner sweeps at start and when idle so such messages do not linger.
  virtual Result<std::vector<std::string>> remove_all_done() = 0;

  // Administration (postqueue/postsuper verbs).
  virtual Result<std::vector<QueueMessage>> list() = 0;  // every message, all recipients
  virtual Result<QueueMessage> find(const std::string& id) = 0;
  virtual Status set_held(const std::string& id, bool held) = 0;
  virtual Result<BlobInfo> remove(const std::string& id) = 0;  // not_found if absent
  // Makes every pending recipient due now; returns how many.
  virtual Result<std::uint64_t> flush() = 0;

  // Blobs of queued messages. The queue holds no count in BlobIndex (its
  // database is separate, so the two could not commit together); garbage
  // collection treats these as live instead.
  virtual Result<std::vector<BlobId>> referenced_blobs() = 0;
};

inline Result<std::vector<std::string>> QueueStore::record(const std::vector<RecipientUpdate>& updates) {
  auto result = record(QueueBatch{updates, {}});
  if (!result) return result.take_error();
  return std::move(result->removed);
}

}  // namespace postino
