// MailboxStore: the message store's metadata (mailboxes, messages, UIDs,
// MODSEQs, quota usage). Message bytes live in the BlobStore; a message row
// references its blob (counted in the same transaction) plus a small
// per-recipient header prefix (Return-Path, Delivered-To), so one message
// delivered to N recipients is stored once (R-ST3).
// Contract: thread-safe and blocking; writes go through the engine's group
// commit, so a returned success is durable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "store/blob_store.hpp"
#include "store/ids.hpp"

namespace postino {

inline constexpr const char* kInboxName = "INBOX";

struct MailboxRecord {
  MailboxId id{};
  AccountId account{};
  std::string name;  // UTF-8, hierarchy separator '/'; "INBOX" is special
  std::uint32_t uid_validity = 0;
  std::uint32_t uid_next = 1;
  std::uint64_t highest_modseq = 0;
  std::string special_use;  // "\\Sent", "\\Trash", ... or empty
  std::uint32_t messages = 0;
};

struct MessageRecord {
  MailboxId mailbox{};
  Uid uid{};
  BlobId blob;
  std::string header_prefix;     // prepended to the blob's bytes when read
  std::uint64_t size_bytes = 0;  // prefix + blob
  std::int64_t internal_date = 0;  // unix seconds
  std::uint64_t modseq = 0;
  std::vector<std::string> flags;  // "\\Seen", keywords
};

// One local delivery: a message for one account's mailbox.
struct Delivery {
  AccountId account{};
  std::string mailbox = kInboxName;  // created on first delivery if missing
  BlobInfo blob;
  std::string header_prefix;
  std::int64_t internal_date = 0;
  std::uint64_t quota_bytes = 0;  // the account's quota; 0: unlimited
  // Identifies this delivery (queue id + recipient): a second delivery with
  // the same key to the same account is a no-op, so a crash between storing
  // and marking the queue entry done never stores a message twice. Empty:
  // not deduplicated (nothing to retry, e.g. an IMAP APPEND).
  std::string delivery_key;
};

struct DeliveryOutcome {
  MailboxId mailbox{};
  Uid uid{};
  bool duplicate = false;  // the key was already delivered; nothing stored
};

struct QuotaUsage {
  std::uint64_t bytes = 0;
  std::uint64_t messages = 0;
};

class MailboxStore {
 public:
  virtual ~MailboxStore() = default;

  // Stores each delivery in one transaction, with its blob reference; each
  // outcome is independent: over_quota (the account's usage plus this
  // message would exceed quota_bytes) fails only that delivery.
  virtual std::vector<Result<DeliveryOutcome>> deliver(const std::vector<Delivery>& deliveries) = 0;

  virtual Result<std::vector<MailboxRecord>> list_mailboxes(AccountId account) = 0;
  virtual Result<MailboxRecord> find_mailbox(AccountId account, const std::string& name) = 0;
  // Messages of a mailbox in UID order.
  virtual Result<std::vector<MessageRecord>> list_messages(MailboxId mailbox) = 0;
  virtual Result<MessageRecord> find_message(MailboxId mailbox, Uid uid) = 0;
  virtual Result<QuotaUsage> usage(AccountId account) = 0;
};

}  // namespace postino
