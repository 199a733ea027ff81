// OutboundDeliverer. See outbound_deliverer.hpp. One Destination per
// destination key holds the count of connections in use (the concurrency
// limit), the deliveries waiting for a place (each with a deadline) and the
// idle cached connections. All on one io_context thread: no locks.
#include "smtp_client/outbound_deliverer.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <algorithm>
#include <deque>

#include "common/address.hpp"
#include "common/log.hpp"
#include "dns/resolver.hpp"
#include "smtp_client/route_resolver.hpp"
#include "smtp_client/smtp_client_session.hpp"

namespace postino::smtp_client {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct OutboundDeliverer::Destination {
  struct Idle {
    std::unique_ptr<SmtpClientSession> session;
    Clock::time_point since;
  };
  std::size_t active = 0;
  std::deque<asio::steady_timer*> waiters;
  std::vector<Idle> idle;
};

namespace {

// Releases a place in a destination's limit and wakes the next waiter.
class Place {
 public:
  explicit Place(std::size_t& active, std::deque<asio::steady_timer*>& waiters) : active_(active), waiters_(waiters) {
    ++active_;
  }
  ~Place() {
    --active_;
    if (!waiters_.empty()) {
      waiters_.front()->cancel();
      waiters_.pop_front();
    }
  }
  Place(const Place&) = delete;
  Place& operator=(const Place&) = delete;

 private:
  std::size_t& active_;
  std::deque<asio::steady_timer*>& waiters_;
};

TlsPolicy policy_for(const SmtpClientSettings& settings, const std::string& key, const std::optional<NextHop>& hop) {
  const auto& map = settings.domain_tls_policy;
  if (auto it = map.find(key); it != map.end()) return it->second;
  if (hop) {
    if (auto it = map.find(hop->host); it != map.end()) return it->second;
  }
  return settings.tls_policy;
}

// 452 with 4.5.3 (or no detail) is "too many recipients" (RFC 5321
// 4.5.3.1.10); 452 4.2.2 or 4.3.1 (storage) is a plain deferral.
bool too_many_recipients(const RecipientOutcome& outcome) {
  return outcome.kind == OutcomeKind::deferred && outcome.code == 452 &&
         (outcome.enhanced == "4.5.3" || outcome.enhanced == "4.0.0");
}

}  // namespace

Result<std::unique_ptr<OutboundDeliverer>> OutboundDeliverer::create(SmtpClientSettings settings,
                                                                     dns::Resolver& resolver) {
  auto tls = ClientTlsContexts::create(settings);
  if (!tls) return tls.take_error();
  return std::make_unique<OutboundDeliverer>(std::move(settings), resolver, std::move(*tls));
}

OutboundDeliverer::OutboundDeliverer(SmtpClientSettings settings, dns::Resolver& resolver,
                                     std::shared_ptr<const ClientTlsContexts> tls)
    : settings_(std::move(settings)), resolver_(resolver), tls_(std::move(tls)) {}

OutboundDeliverer::~OutboundDeliverer() = default;

asio::awaitable<std::vector<RecipientOutcome>> OutboundDeliverer::deliver(OutboundEnvelope envelope,
                                                                         MessageSource& message) {
  co_await close_idle(false);
  std::vector<RecipientOutcome> out(envelope.recipients.size());
  // Group by destination, keeping the order of first appearance.
  std::vector<std::pair<std::string, std::vector<std::size_t>>> groups;
  for (std::size_t i = 0; i < envelope.recipients.size(); ++i) {
    const std::string key = destination_key(settings_, envelope.recipients[i].address);
    auto it = std::find_if(groups.begin(), groups.end(), [&key](const auto& g) { return g.first == key; });
    if (it == groups.end()) {
      groups.emplace_back(key, std::vector<std::size_t>{});
      it = std::prev(groups.end());
    }
    it->second.push_back(i);
  }
  const std::size_t per_transaction = std::max<std::size_t>(1, settings_.max_recipients_per_transaction);
  for (const auto& [key, indexes] : groups) {
    for (std::size_t first = 0; first < indexes.size(); first += per_transaction) {
      const std::size_t last = std::min(indexes.size(), first + per_transaction);
      std::vector<std::size_t> part(indexes.begin() + static_cast<std::ptrdiff_t>(first),
                                    indexes.begin() + static_cast<std::ptrdiff_t>(last));
      OutboundEnvelope sub = envelope;
      sub.recipients.clear();
      for (std::size_t i : part) sub.recipients.push_back(envelope.recipients[i]);
      co_await deliver_to(key, std::move(sub), std::move(part), message, out);
    }
  }
  co_return out;
}

asio::awaitable<void> OutboundDeliverer::deliver_to(const std::string& key, OutboundEnvelope envelope,
                                                    std::vector<std::size_t> indexes, MessageSource& message,
                                                    std::vector<RecipientOutcome>& out) {
  auto& slot = destinations_[key];
  if (!slot) slot = std::make_unique<Destination>();
  Destination& dest = *slot;
  auto fail_all = [&](OutcomeKind kind, const std::string& enhanced, const std::string& text) {
    for (std::size_t j = 0; j < indexes.size(); ++j) {
      RecipientOutcome& o = out[indexes[j]];
      o.recipient = envelope.recipients[j].address;
      o.kind = kind;
      o.code = 0;
      o.enhanced = enhanced;
      o.text = text;
      o.relay = "none";
    }
  };

  // Per-destination concurrency limit; waiting has a deadline too.
  const auto wait_deadline = Clock::now() + settings_.destination_wait;
  while (dest.active >= std::max<std::size_t>(1, settings_.max_connections_per_destination)) {
    if (Clock::now() >= wait_deadline) {
      fail_all(OutcomeKind::deferred, "4.4.5", "delivery temporarily suspended: too many connections to " + key);
      co_return;
    }
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_at(wait_deadline);
    dest.waiters.push_back(&timer);
    boost::system::error_code ec;
    try {
      co_await timer.async_wait(asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
      ec = e.code();
    }
    auto it = std::find(dest.waiters.begin(), dest.waiters.end(), &timer);
    if (it != dest.waiters.end()) dest.waiters.erase(it);
    const bool outside = (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
    if (outside) throw boost::system::system_error(asio::error::operation_aborted, "delivery cancelled");
  }
  Place place(dest.active, dest.waiters);

  // A cached connection, checked with RSET; else a new one.
  std::unique_ptr<SmtpClientSession> session;
  while (!dest.idle.empty() && !session) {
    Destination::Idle idle = std::move(dest.idle.back());
    dest.idle.pop_back();
    const bool fresh = Clock::now() - idle.since < settings_.connection_cache_idle;
    if (!fresh) {
      co_await idle.session->quit();
      continue;
    }
    const bool alive = co_await idle.session->reset();
    if (alive) {
      session = std::move(idle.session);
      ++stats_.connections_reused;
    } else {
      co_await idle.session->quit();
    }
  }
  if (!session) {
    const std::optional<NextHop> hop = route_override(settings_, envelope.recipients.front().address);
    const std::string domain = hop ? std::string() : key;
    auto hosts = co_await resolve_destination(resolver_, domain, hop, settings_.smtp_port, ++seed_counter_ * 2654435761u);
    if (!hosts) {
      const RouteFailure failure = split_status(hosts.error());
      fail_all(failure.permanent ? OutcomeKind::failed : OutcomeKind::deferred, failure.enhanced, failure.text);
      co_return;
    }
    SessionOptions options;
    options.tls_policy = policy_for(settings_, key, hop);
    options.authenticate = hop && settings_.relayhost && *hop == *settings_.relayhost && !settings_.relay_auth_user.empty();
    auto opened = co_await SmtpClientSession::open(std::move(*hosts), options, settings_, tls_);
    if (!opened) {
      const RouteFailure failure = split_status(opened.error());
      fail_all(OutcomeKind::deferred, failure.enhanced, failure.text);
      co_return;
    }
    session = std::move(*opened);
    ++stats_.connections_opened;
  }

  // RFC 5321 4.5.3.1.10: recipients refused with 452 while others were
  // accepted go in a further transaction on the same connection, as many as
  // it takes; each round delivers at least one, so this ends.
  std::vector<std::size_t> pending(indexes.size());
  for (std::size_t j = 0; j < pending.size(); ++j) pending[j] = j;
  for (;;) {
    OutboundEnvelope round = envelope;
    round.recipients.clear();
    for (std::size_t j : pending) round.recipients.push_back(envelope.recipients[j]);
    std::vector<RecipientOutcome> outcomes = co_await session->send(std::move(round), message);
    ++stats_.transactions;
    std::vector<std::size_t> too_many;
    bool progress = false;
    for (std::size_t k = 0; k < pending.size() && k < outcomes.size(); ++k) {
      if (outcomes[k].kind == OutcomeKind::delivered) progress = true;
      if (too_many_recipients(outcomes[k])) too_many.push_back(pending[k]);
      out[indexes[pending[k]]] = std::move(outcomes[k]);
    }
    if (too_many.empty() || !progress || !session->usable()) break;
    pending = std::move(too_many);
  }

  const bool keep = session->usable() && session->messages_sent() < settings_.max_messages_per_connection &&
                    dest.idle.size() < settings_.max_cached_connections_per_destination &&
                    settings_.connection_cache_idle.count() > 0;
  if (keep) {
    dest.idle.push_back(Destination::Idle{std::move(session), Clock::now()});
  } else {
    co_await session->quit();
  }
}

asio::awaitable<void> OutboundDeliverer::close_idle(bool all) {
  const auto now = Clock::now();
  std::vector<std::unique_ptr<SmtpClientSession>> closing;
  for (auto it = destinations_.begin(); it != destinations_.end();) {
    Destination& dest = *it->second;
    auto keep_end = std::partition(dest.idle.begin(), dest.idle.end(), [&](const Destination::Idle& idle) {
      return !all && now - idle.since < settings_.connection_cache_idle;
    });
    for (auto idle = keep_end; idle != dest.idle.end(); ++idle) closing.push_back(std::move(idle->session));
    dest.idle.erase(keep_end, dest.idle.end());
    if (dest.active == 0 && dest.idle.empty() && dest.waiters.empty()) {
      it = destinations_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& session : closing) co_await session->quit();
}

}  // namespace postino::smtp_client
