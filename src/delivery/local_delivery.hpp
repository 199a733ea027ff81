// LocalDelivery: stores a received message in the mailboxes of local
// recipients. Expands aliases (nested, many targets, loop-safe), adds the
// per-recipient Return-Path and Delivered-To as a header prefix so the bytes
// are stored once for all recipients (R-ST3), enforces quota, and is
// idempotent per (queue id, account) so a retry after a crash never stores a
// second copy. Shared by the queue runner and the LMTP server.
// Contract: blocking (directory and store calls): run on the blocking pool.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "delivery/delivery_settings.hpp"
#include "store/blob_store.hpp"
#include "store/mailbox_store.hpp"

namespace postino {

class Directory;
class MailboxStore;

struct DeliveryRequest {
  std::string queue_id;  // joins the log lines; part of the idempotency key
  std::string sender;    // reverse-path without <>; empty for the null sender
  BlobInfo blob;
  std::int64_t arrived_at = 0;
  std::vector<std::string> recipients;  // envelope addresses
  // The caller forwards alias targets at other domains itself (the queue
  // runner adds them as outbound recipients): they count as done here.
  // Otherwise (LMTP) such a recipient is deferred 4.4.0, never dropped.
  bool forward_external = false;
};

enum class DeliveryStatus { delivered, deferred, failed };

struct RecipientOutcome {
  std::string recipient;
  DeliveryStatus status = DeliveryStatus::deferred;
  std::uint16_t code = 451;     // SMTP/LMTP reply code
  std::string enhanced = "4.3.0";
  std::string text;             // human part of the reply
  std::vector<std::string> delivered_to;  // accounts that got the message
  std::vector<std::string> external;      // alias targets outside our domains
  std::string reply() const;    // "250 2.0.0 text"
};

class LocalDelivery {
 public:
  // With `blobs`, each message's MIME structure is parsed once here and
  // stored with every copy, so IMAP FETCH never parses it (DESIGN.md 3),
  // and its search text is extracted once for the store's text index.
  LocalDelivery(Directory& directory, MailboxStore& mailboxes, LocalDeliverySettings settings,
                BlobStore* blobs = nullptr);
  // One outcome per request recipient, in order.
  std::vector<RecipientOutcome> deliver(const DeliveryRequest& request);
  // The same for many messages with one store transaction (one fsync) for
  // all of them: the queue runner's batches.
  std::vector<std::vector<RecipientOutcome>> deliver_many(const std::vector<DeliveryRequest>& requests);

 private:
  struct Expansion;
  struct Plan;
  Expansion expand(const std::string& recipient);
  Plan plan(const DeliveryRequest& request, std::vector<Delivery>& batch);
  std::vector<RecipientOutcome> finish(const DeliveryRequest& request, Plan& plan,
                                       const std::vector<Result<DeliveryOutcome>>& stored);

  Directory& directory_;
  MailboxStore& mailboxes_;
  LocalDeliverySettings settings_;
  BlobStore* blobs_;
};

}  // namespace postino
