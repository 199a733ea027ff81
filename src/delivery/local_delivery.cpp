// Local delivery: alias expansion and single-instance storage into INBOX.
#include "delivery/local_delivery.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>

#include "common/address.hpp"
#include "common/log.hpp"
#include "directory/directory.hpp"
#include "mime/header_prefix.hpp"
#include "mime/search_text.hpp"
#include "mime/structure_parser.hpp"
#include "store/mailbox_store.hpp"

namespace postino {

struct LocalDelivery::Expansion {
  std::vector<AccountInfo> accounts;
  std::vector<std::string> external;
  std::optional<RecipientOutcome> failure;  // set when nothing can be delivered
};

std::string RecipientOutcome::reply() const {
  return std::to_string(code) + " " + enhanced + " " + text;
}

LocalDelivery::LocalDelivery(Directory& directory, MailboxStore& mailboxes, LocalDeliverySettings settings,
                             BlobStore* blobs)
    : directory_(directory), mailboxes_(mailboxes), settings_(settings), blobs_(blobs) {}

namespace {

// What one parse of the blob gives every recipient: its MIME structure and
// search text (mime/search_text.hpp). The bytes are read once, in chunks,
// and kept only until the text is extracted.
struct ParsedBlob {
  mime::MessageStructure structure;
  std::string header_bytes;                      // the blob's header block
  std::shared_ptr<const std::string> body_text;  // shared by the recipients' deliveries
};

// nullopt when the blob cannot be read (IMAP then parses at FETCH and
// scans at SEARCH: slower, same answer).
std::optional<ParsedBlob> parse_blob(BlobStore& blobs, const BlobInfo& blob) {
  constexpr std::size_t kChunkBytes = 256 * 1024;
  auto reader = blobs.open(blob.id);
  if (!reader) return std::nullopt;
  mime::StructureParser parser;
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>((*reader)->size_bytes()));
  for (std::uint64_t offset = 0; offset < (*reader)->size_bytes(); offset += kChunkBytes) {
    auto chunk = (*reader)->read(offset, kChunkBytes);
    if (!chunk || chunk->empty()) return std::nullopt;
    parser.feed(*chunk);
    bytes += *chunk;
  }
  ParsedBlob parsed{parser.finish(), {}, {}};
  const auto header_end = static_cast<std::size_t>(std::min<std::uint64_t>(parsed.structure.root.body_offset, bytes.size()));
  parsed.header_bytes = bytes.substr(0, header_end);
  parsed.body_text = std::make_shared<const std::string>(mime::body_search_text(bytes, parsed.structure));
  return parsed;
}

RecipientOutcome outcome(const std::string& recipient, DeliveryStatus status, std::uint16_t code,
                         std::string enhanced, std::string text) {
  RecipientOutcome o;
  o.recipient = recipient;
  o.status = status;
  o.code = code;
  o.enhanced = std::move(enhanced);
  o.text = std::move(text);
  return o;
}

RecipientOutcome temporary(const std::string& recipient, const std::string& why) {
  return outcome(recipient, DeliveryStatus::deferred, 451, "4.3.0", "<" + recipient + ">: temporary failure: " + why);
}

}  // namespace

// Breadth-first over alias targets. A target seen before is skipped, so
// loops (a -> b -> a) end; depth and fan-out are bounded.
LocalDelivery::Expansion LocalDelivery::expand(const std::string& recipient) {
  Expansion result;
  std::set<std::string> seen;
  std::set<std::string> accounts_seen;
  std::deque<std::pair<std::string, std::uint32_t>> pending{{recipient, 0}};
  bool via_alias = false;
  while (!pending.empty()) {
    auto [address, depth] = pending.front();
    pending.pop_front();
    auto canonical = parse_address(address);
    std::string key = canonical ? canonical->canonical() : address;
    if (!seen.insert(key).second) continue;
    if (seen.size() > settings_.max_expanded_recipients) {
      result.failure = outcome(recipient, DeliveryStatus::failed, 554, "5.4.6",
                               "<" + recipient + ">: alias expansion exceeds " +
                                   std::to_string(settings_.max_expanded_recipients) + " recipients");
      return result;
    }
    auto resolved = directory_.resolve(address);
    if (!resolved) {
      if (resolved.error().code == Errc::invalid_argument) {
        if (address == recipient) {
          result.failure = outcome(recipient, DeliveryStatus::failed, 553, "5.1.3", "<" + recipient + ">: bad address syntax");
          return result;
        }
        log::warn("alias_target_invalid", {{"recipient", recipient}, {"target", address}});
        continue;
      }
      result.failure = temporary(recipient, resolved.error().message);
      return result;
    }
    switch (resolved->kind) {
      case RecipientKind::account:
        if (resolved->account.status == AccountStatus::disabled) {
          if (!via_alias) {
            result.failure = outcome(recipient, DeliveryStatus::failed, 550, "5.2.1",
                                     "<" + recipient + ">: mailbox disabled");
            return result;
          }
          log::info("alias_target_disabled", {{"recipient", recipient}, {"target", address}});
          continue;
        }
        if (accounts_seen.insert(resolved->account.address).second) result.accounts.push_back(resolved->account);
        break;
      case RecipientKind::alias:
        via_alias = true;
        if (depth + 1 > settings_.max_alias_depth) {
          result.failure = outcome(recipient, DeliveryStatus::failed, 554, "5.4.6",
                                   "<" + recipient + ">: alias nesting deeper than " +
                                       std::to_string(settings_.max_alias_depth));
          return result;
        }
        for (const auto& target : resolved->targets) pending.emplace_back(target, depth + 1);
        break;
      case RecipientKind::unknown_user:
        if (!via_alias) {
          result.failure = outcome(recipient, DeliveryStatus::failed, 550, "5.1.1", "<" + recipient + ">: user unknown");
          return result;
        }
        log::warn("alias_target_unknown", {{"recipient", recipient}, {"target", address}});
        break;
      case RecipientKind::not_local:
        // An alias target at another domain, or a recipient that an
        // authenticated submission relayed: both need the outbound agent.
        result.external.push_back(address);
        break;
    }
  }
  if (result.accounts.empty() && result.external.empty()) {
    result.failure = outcome(recipient, DeliveryStatus::failed, 550, "5.1.1",
                             "<" + recipient + ">: alias has no deliverable target");
  }
  return result;
}

struct LocalDelivery::Plan {
  std::vector<RecipientOutcome> outcomes;
  std::vector<bool> expansion_failed;
  std::vector<std::vector<std::size_t>> deliveries_of_recipient;  // indexes into the shared batch
  std::map<std::size_t, std::string> account_of;                  // batch index -> account
};

// Expands every recipient and appends one Delivery per distinct account to
// `batch` (as Postfix's duplicate filter: a person reached through two
// aliases gets one copy).
LocalDelivery::Plan LocalDelivery::plan(const DeliveryRequest& request, std::vector<Delivery>& batch) {
  Plan p;
  p.outcomes.resize(request.recipients.size());
  p.expansion_failed.assign(request.recipients.size(), false);
  p.deliveries_of_recipient.resize(request.recipients.size());
  std::map<std::string, std::size_t> delivery_of_account;
  const std::string return_path = "Return-Path: <" + request.sender + ">\r\n";
  std::optional<ParsedBlob> parsed;
  if (blobs_ != nullptr) parsed = parse_blob(*blobs_, request.blob);
  for (std::size_t i = 0; i < request.recipients.size(); ++i) {
    const std::string& recipient = request.recipients[i];
    auto expansion = expand(recipient);
    if (expansion.failure) {
      p.outcomes[i] = *expansion.failure;
      p.expansion_failed[i] = true;
      continue;
    }
    p.outcomes[i].recipient = recipient;
    p.outcomes[i].external = expansion.external;
    for (const auto& account : expansion.accounts) {
      auto [it, inserted] = delivery_of_account.emplace(account.address, batch.size());
      if (inserted) {
        Delivery d;
        d.account = account.id;
        d.blob = request.blob;
        d.header_prefix = return_path + "Delivered-To: " + account.address + "\r\n";
        d.internal_date = request.arrived_at;
        d.quota_bytes = account.quota_bytes;
        d.delivery_key = request.queue_id + "/" + account.address;
        if (parsed) {
          d.mime_structure = mime::with_header_prefix(parsed->structure, d.header_prefix).serialize();
          // The header text includes this recipient's prefix, as IMAP reads
          // the message; the body text is the blob's, the same for all.
          d.search_header = mime::header_search_text(d.header_prefix + parsed->header_bytes);
          d.search_body = parsed->body_text;
        }
        batch.push_back(std::move(d));
        p.account_of[it->second] = account.address;
      }
      p.deliveries_of_recipient[i].push_back(it->second);
    }
  }
  return p;
}

std::vector<std::vector<RecipientOutcome>> LocalDelivery::deliver_many(const std::vector<DeliveryRequest>& requests) {
  std::vector<Delivery> batch;
  std::vector<Plan> plans;
  plans.reserve(requests.size());
  for (const auto& request : requests) plans.push_back(plan(request, batch));
  // One store call, one transaction, for every message of the batch.
  std::vector<Result<DeliveryOutcome>> stored;
  if (!batch.empty()) stored = mailboxes_.deliver(batch);
  std::vector<std::vector<RecipientOutcome>> out;
  out.reserve(requests.size());
  for (std::size_t r = 0; r < requests.size(); ++r) out.push_back(finish(requests[r], plans[r], stored));
  return out;
}

std::vector<RecipientOutcome> LocalDelivery::deliver(const DeliveryRequest& request) {
  return std::move(deliver_many({request}).front());
}

std::vector<RecipientOutcome> LocalDelivery::finish(const DeliveryRequest& request, Plan& p,
                                                    const std::vector<Result<DeliveryOutcome>>& stored) {
  std::vector<RecipientOutcome>& outcomes = p.outcomes;
  auto& expansion_failed = p.expansion_failed;
  auto& deliveries_of_recipient = p.deliveries_of_recipient;
  auto& account_of = p.account_of;
  for (std::size_t i = 0; i < request.recipients.size(); ++i) {
    if (expansion_failed[i]) continue;
    RecipientOutcome& o = outcomes[i];
    const std::string& recipient = request.recipients[i];
    bool any_temp = false;
    std::optional<RecipientOutcome> first_error;
    for (std::size_t index : deliveries_of_recipient[i]) {
      const auto& result = stored[index];
      if (result.ok()) {
        o.delivered_to.push_back(account_of[index]);
        continue;
      }
      const Error& e = result.error();
      RecipientOutcome err;
      if (e.code == Errc::over_quota) {
        err = settings_.over_quota_is_permanent
                  ? outcome(recipient, DeliveryStatus::failed, 552, "5.2.2", "<" + recipient + ">: mailbox full")
                  : outcome(recipient, DeliveryStatus::deferred, 452, "4.2.2", "<" + recipient + ">: mailbox full");
      } else {
        err = temporary(recipient, e.message);
      }
      if (err.status == DeliveryStatus::deferred) any_temp = true;
      if (!first_error) first_error = err;
      log::warn("local_delivery_failed", {{"queue_id", request.queue_id}, {"account", account_of[index]},
                                          {"error", e.message}});
    }
    if (!o.external.empty() && !request.forward_external) {
      // Alias targets at other domains need the queue's outbound agent: a
      // caller that cannot forward them keeps the recipient deferred (never
      // dropped); local copies already stored are not repeated on retry
      // (idempotency key).
      any_temp = true;
      if (!first_error) {
        first_error = outcome(recipient, DeliveryStatus::deferred, 451, "4.4.0",
                              "<" + recipient + ">: forwarding to " + std::to_string(o.external.size()) +
                                  " external target(s) is not available here");
      }
    }
    if (!first_error) {
      o.status = DeliveryStatus::delivered;
      o.code = 250;
      o.enhanced = "2.0.0";
      o.text = "<" + recipient + "> delivered";
      if (!o.external.empty()) {
        o.text = "<" + recipient + "> " + (o.delivered_to.empty() ? "" : "delivered locally and ") + "forwarded to " +
                 std::to_string(o.external.size()) + " address(es)";
      }
    } else if (o.delivered_to.empty() || !any_temp) {
      // Nothing stored (or only permanent failures): the recipient's result
      // is the error. A partial success with a temporary failure retries;
      // the idempotency key keeps the stored copies from repeating.
      auto delivered = o.delivered_to;
      o = *first_error;
      o.delivered_to = delivered;
      if (!delivered.empty() && !any_temp) {
        o.status = DeliveryStatus::delivered;
        o.code = 250;
        o.enhanced = "2.0.0";
        o.text = "<" + recipient + "> delivered to some targets";
      }
    } else {
      auto delivered = o.delivered_to;
      o = *first_error;
      o.delivered_to = delivered;
    }
  }
  return outcomes;
}

}  // namespace postino
