// OutboundDeliverer: the facade the queue runner calls to send one message
// to remote recipients: groups them by destination (transport map, relayhost
// or recipient domain), resolves each destination, takes a connection from
// the cache or opens one within the per-destination concurrency limit, and
// returns one outcome per recipient. Idle connections stay cached for
// connection_cache_idle and are reused for the next message (RFC 5321 4.1.1.5
// RSET between transactions).
// Threads: bound to one io_context; call deliver() only from coroutines on
// it (concurrent deliver() calls are fine: that is what the limit is for).
// Lifetime: call shutdown() before destruction to QUIT cached connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "smtp_client/message_source.hpp"
#include "smtp_client/outbound_types.hpp"
#include "smtp_client/smtp_client_settings.hpp"

namespace postino::dns {
class Resolver;
}

namespace postino::smtp_client {

class ClientTlsContexts;

struct DelivererStats {
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;
  std::uint64_t transactions = 0;
};

class OutboundDeliverer {
 public:
  // Errors: from ClientTlsContexts::create (unreadable CA file).
  static Result<std::unique_ptr<OutboundDeliverer>> create(SmtpClientSettings settings, dns::Resolver& resolver);

  OutboundDeliverer(SmtpClientSettings settings, dns::Resolver& resolver, std::shared_ptr<const ClientTlsContexts> tls);
  ~OutboundDeliverer();
  OutboundDeliverer(const OutboundDeliverer&) = delete;
  OutboundDeliverer& operator=(const OutboundDeliverer&) = delete;

  // Sends `message` to every recipient of `envelope` (each destination in
  // turn, in at most max_recipients_per_transaction per transaction). One
  // outcome per recipient, in envelope order. Never throws for network,
  // DNS or peer trouble (those are deferred or failed outcomes); throws
  // only on cancellation of the caller.
  boost::asio::awaitable<std::vector<RecipientOutcome>> deliver(OutboundEnvelope envelope, MessageSource& message);

  // QUITs cached connections idle for longer than connection_cache_idle
  // (all of them when `all`). deliver() does this too on each call.
  boost::asio::awaitable<void> close_idle(bool all = false);
  boost::asio::awaitable<void> shutdown() { return close_idle(true); }

  const SmtpClientSettings& settings() const { return settings_; }
  DelivererStats stats() const { return stats_; }

 private:
  struct Destination;
  boost::asio::awaitable<void> deliver_to(const std::string& key, OutboundEnvelope envelope,
                                          std::vector<std::size_t> indexes, MessageSource& message,
                                          std::vector<RecipientOutcome>& out);

  SmtpClientSettings settings_;
  dns::Resolver& resolver_;
  std::shared_ptr<const ClientTlsContexts> tls_;
  std::map<std::string, std::unique_ptr<Destination>> destinations_;
  DelivererStats stats_;
  std::uint32_t seed_counter_ = 0;
};

}  // namespace postino::smtp_client
