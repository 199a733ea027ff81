// UnboundResolver: libunbound resolves on its own worker thread
// (ub_ctx_async(ctx, 1)) and reports answers through a pipe, ub_fd(); this
// io_context watches that fd and calls ub_process(), whose callbacks wake the
// waiting coroutines. Security: answers are untrusted, decoded in wire.cpp.
#include "dns/unbound_resolver.hpp"

#include <unbound.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <list>
#include <utility>

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.hpp"
#include "dns/wire.hpp"

namespace postino::dns {
namespace {

using asio::experimental::make_parallel_group;
using asio::experimental::wait_for_one;
using boost::system::error_code;
using std::chrono::steady_clock;

// RFC 1035 3.2.2, RFC 3596 2.1; class IN.
constexpr int kTypeA = 1;
constexpr int kTypePtr = 12;
constexpr int kTypeMx = 15;
constexpr int kTypeTxt = 16;
constexpr int kTypeAaaa = 28;
constexpr int kClassIn = 1;
constexpr int kRcodeNoError = 0;
constexpr int kRcodeServfail = 2;
constexpr int kRcodeNxdomain = 3;

struct UbCtxDeleter {
  void operator()(ub_ctx* ctx) const noexcept { ub_ctx_delete(ctx); }
};
struct UbResultDeleter {
  void operator()(ub_result* result) const noexcept { ub_resolve_free(result); }
};
using UbCtxPtr = std::unique_ptr<ub_ctx, UbCtxDeleter>;
using UbResultPtr = std::unique_ptr<ub_result, UbResultDeleter>;

const char* type_name(int rrtype) {
  switch (rrtype) {
    case kTypeA: return "A";
    case kTypePtr: return "PTR";
    case kTypeMx: return "MX";
    case kTypeTxt: return "TXT";
    case kTypeAaaa: return "AAAA";
    default: return "?";
  }
}

// One lookup's outcome before its records are decoded by type.
struct RawAnswer {
  DnsStatus status = DnsStatus::temporary_failure;
  bool secure = false;
  bool bogus = false;
  std::chrono::seconds ttl{0};
  std::string detail;
  UbResultPtr result;  // set when status == answer
};

// Whether our own coroutine was cancelled from outside (its task group), as
// opposed to a timer we cancelled to wake it. Read inline with co_await
// asio::this_coro::cancellation_state, as in runtime/stream.cpp.
bool cancelled(const asio::cancellation_state& state) { return state.cancelled() != asio::cancellation_type::none; }

template <class T>
DnsResult<std::vector<T>> decode(RawAnswer& raw, Result<T> (*parse)(Rdata), const std::string& name,
                                 int rrtype) {
  DnsResult<std::vector<T>> out;
  out.status = raw.status;
  out.secure = raw.secure;
  out.bogus = raw.bogus;
  out.ttl = raw.ttl;
  out.detail = std::move(raw.detail);
  if (raw.status != DnsStatus::answer) return out;
  const ub_result& result = *raw.result;
  for (std::size_t i = 0; result.data[i] != nullptr; ++i) {
    const int length = result.len[i];
    Result<T> record = length < 0 ? Result<T>(make_error(Errc::corrupt_data, "negative record length"))
                                  : parse(Rdata(reinterpret_cast<const std::uint8_t*>(result.data[i]),
                                                static_cast<std::size_t>(length)));
    if (!record) {
      // One bad record makes the whole answer unusable: acting on the rest
      // could, say, skip the preferred MX. A zone fix or cache expiry cures it.
      out.status = DnsStatus::temporary_failure;
      out.records.clear();
      out.detail = "malformed " + std::string(type_name(rrtype)) + " record: " + record.error().message;
      log::warn("dns_malformed_answer", {{"name", name}, {"type", type_name(rrtype)}, {"error", out.detail}});
      return out;
    }
    out.records.push_back(std::move(*record));
  }
  return out;
}

// One outstanding libunbound query. Its address is the callback's mydata,
// so it lives in a std::list and is erased only once libunbound can no longer
// call back: after the callback ran, or after a successful ub_cancel().
struct Query {
  explicit Query(asio::io_context& io) : timer(io) {}
  UnboundResolver::Impl* impl = nullptr;
  std::list<Query>::iterator self;
  int async_id = 0;
  bool done = false;       // the callback ran: error/result are set
  bool waiting = false;    // the coroutine is suspended on `timer` as a follower
  bool abandoned = false;  // the coroutine is gone but libunbound may still call back
  int error = 0;
  UbResultPtr result;
  // Deadline of the lookup; cancelled to wake the coroutine early.
  asio::steady_timer timer;
};

}  // namespace

// Waiting without a pump coroutine of its own: among the coroutines waiting
// for an answer, one (the leader) waits on ub_fd() and runs ub_process(); the
// others (followers) sleep on their own deadline timer, which the callback
// cancels when their answer arrives. When the leader leaves, it wakes a
// follower to take over. All of it runs on the one io_context thread, so
// there is no lock; nothing outlives the lookups.
struct UnboundResolver::Impl {
  Impl(asio::io_context& io, DnsSettings settings, UbCtxPtr ctx, int fd)
      : io_(io), settings_(std::move(settings)), ctx_(std::move(ctx)), descriptor_(io, fd) {}

  ~Impl() {
    assert(std::all_of(queries_.begin(), queries_.end(), [](const Query& q) { return q.abandoned; }));
    // The fd belongs to ub_ctx: ub_ctx_delete closes it.
    descriptor_.release();
  }

  asio::awaitable<RawAnswer> resolve(std::string name, int rrtype);

  static void on_result(void* data, int error, ub_result* result) {
    UbResultPtr owned(result);
    auto* query = static_cast<Query*>(data);
    if (query->abandoned) {
      query->impl->queries_.erase(query->self);
      return;
    }
    query->error = error;
    query->result = std::move(owned);
    query->done = true;
    query->timer.cancel();  // wakes a follower; no-op for the leader
  }

  // Runs the callbacks of every answer that has arrived. Never blocks: the
  // pipe is read non-blocking (a message the worker is still writing is
  // awaited, which takes microseconds).
  void process() {
    if (broken_) return;
    const int rc = ub_process(ctx_.get());
    if (rc != 0) fail(ub_strerror(rc));
  }

  // The worker thread or its pipe is gone: every lookup fails temporarily
  // from now on. A reload (a new resolver) recovers.
  void fail(const char* why) {
    if (broken_) return;
    broken_ = true;
    log::error("dns_resolver_failed", {{"error", why}});
    for (Query& query : queries_) {
      if (query.waiting) query.timer.cancel();
    }
  }

  void promote_follower() {
    for (Query& query : queries_) {
      if (query.waiting && !query.done) {
        query.timer.cancel();  // it loops, finds no leader, and leads
        return;
      }
    }
  }

  // Runs on every exit from resolve(), by return, timeout or cancellation.
  void finish(Query& query) {
    query.waiting = false;
    if (leader_ == &query) leader_ = nullptr;
    bool erase = true;
    if (!query.done) {
      // With a worker thread, ub_cancel() marks the query and libunbound then
      // drops its answer without calling back. It fails only for an unknown
      // id; keep the Query then, in case a callback still names it.
      if (ub_cancel(ctx_.get(), query.async_id) != 0) erase = false;
    }
    if (erase) {
      queries_.erase(query.self);
    } else {
      query.abandoned = true;
    }
    if (leader_ == nullptr) promote_follower();
  }

  RawAnswer classify(Query& query, const std::string& name, int rrtype) {
    RawAnswer raw;
    if (query.error != 0 || !query.result) {
      raw.detail = std::string("resolver error: ") + ub_strerror(query.error);
      return raw;
    }
    const ub_result& result = *query.result;
    raw.secure = result.secure != 0;
    raw.bogus = result.bogus != 0;
    raw.ttl = std::chrono::seconds(std::max(0, result.ttl));
    if (raw.bogus) {
      raw.secure = false;
      raw.detail = std::string("DNSSEC validation failed: ") + (result.why_bogus ? result.why_bogus : "bogus");
      log::warn("dns_bogus", {{"name", name}, {"type", type_name(rrtype)}, {"why", raw.detail}});
      return raw;
    }
    if (result.rcode == kRcodeNxdomain || result.nxdomain) {
      raw.status = DnsStatus::nxdomain;
    } else if (result.rcode == kRcodeNoError) {
      const bool has_records = result.havedata && result.data != nullptr && result.data[0] != nullptr;
      raw.status = has_records ? DnsStatus::answer : DnsStatus::nodata;
      if (has_records) raw.result = std::move(query.result);
    } else {
      // SERVFAIL, and REFUSED/NOTIMP/FORMERR too: those come from our own
      // forwarder (unbound retries other servers for the rest), a local fault
      // that must not bounce mail.
      raw.detail = result.rcode == kRcodeServfail ? "SERVFAIL" : "rcode " + std::to_string(result.rcode);
    }
    return raw;
  }

  asio::io_context& io_;
  DnsSettings settings_;
  UbCtxPtr ctx_;
  asio::posix::stream_descriptor descriptor_;  // ub_fd(ctx_), released before ub_ctx_delete
  std::list<Query> queries_;                  // destroyed before ctx_
  Query* leader_ = nullptr;                   // the query whose coroutine watches the fd
  bool broken_ = false;
};

namespace {

struct FinishGuard {
  UnboundResolver::Impl& impl;
  Query& query;
  ~FinishGuard() { impl.finish(query); }
};

}  // namespace

asio::awaitable<RawAnswer> UnboundResolver::Impl::resolve(std::string name, int rrtype) {
  // A ub_ctx is used by one thread only: the one running io_.
  assert(io_.get_executor().running_in_this_thread());
  RawAnswer raw;
  Result<std::string> checked = check_query_name(name);
  if (!checked) {
    raw.status = DnsStatus::permanent_error;
    raw.detail = checked.error().message;
    co_return raw;
  }
  if (broken_) {
    raw.detail = "resolver unavailable";
    co_return raw;
  }

  Query& query = queries_.emplace_back(io_);
  query.self = std::prev(queries_.end());
  query.impl = this;
  const int rc =
      ub_resolve_async(ctx_.get(), checked->c_str(), rrtype, kClassIn, &query, &Impl::on_result, &query.async_id);
  if (rc != 0) {
    queries_.erase(query.self);
    raw.status = rc == UB_SYNTAX ? DnsStatus::permanent_error : DnsStatus::temporary_failure;
    raw.detail = std::string("resolver error: ") + ub_strerror(rc);
    co_return raw;
  }
  FinishGuard guard{*this, query};
  const auto deadline = steady_clock::now() + settings_.timeout;
  bool timed_out = false;
  while (!query.done && !broken_ && !timed_out) {
    query.timer.expires_at(deadline);
    if (leader_ == nullptr || leader_ == &query) {
      leader_ = &query;
      // Drain first: answers that came while nobody watched produced their
      // readiness edge already (Asio's epoll is edge-triggered).
      process();
      if (query.done || broken_) break;
      auto group = make_parallel_group(descriptor_.async_wait(asio::posix::stream_descriptor::wait_read, asio::deferred),
                                       query.timer.async_wait(asio::deferred));
      auto outcome = co_await group.async_wait(wait_for_one(), asio::use_awaitable);
      const bool timer_first = std::get<0>(outcome)[0] == 1;
      const error_code fd_ec = std::get<1>(outcome);
      const error_code timer_ec = std::get<2>(outcome);
      const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
      if (outside) throw boost::system::system_error(asio::error::operation_aborted, "dns lookup cancelled");
      if (!fd_ec) {
        process();
      } else if (fd_ec != asio::error::operation_aborted) {
        fail("watching the resolver pipe failed");
      }
      if (timer_first && !timer_ec) timed_out = true;
    } else {
      query.waiting = true;
      error_code ec;
      co_await query.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      query.waiting = false;
      const bool outside = cancelled(co_await asio::this_coro::cancellation_state);
      if (outside) throw boost::system::system_error(asio::error::operation_aborted, "dns lookup cancelled");
      if (!ec) timed_out = true;
    }
  }

  if (query.done) co_return classify(query, *checked, rrtype);
  raw.detail = broken_ ? "resolver unavailable" : "timed out after " + std::to_string(settings_.timeout.count()) + "ms";
  log::debug("dns_lookup_failed", {{"name", *checked}, {"type", type_name(rrtype)}, {"error", raw.detail}});
  co_return raw;
}

Result<std::unique_ptr<UnboundResolver>> UnboundResolver::create(asio::io_context& io, DnsSettings settings) {
  if (settings.timeout.count() <= 0) return make_error(Errc::invalid_argument, "dns timeout must be positive");
  UbCtxPtr ctx(ub_ctx_create());
  if (!ctx) return make_error(Errc::io_error, "cannot create the libunbound context");
  // Threads, not a forked process: the worker shares our memory and dies with us.
  if (int rc = ub_ctx_async(ctx.get(), 1); rc != 0) {
    return make_error(Errc::io_error, std::string("libunbound async mode: ") + ub_strerror(rc));
  }
  if (!settings.forwarders.empty()) {
    for (const std::string& forwarder : settings.forwarders) {
      if (ub_ctx_set_fwd(ctx.get(), forwarder.c_str()) != 0) {
        return make_error(Errc::invalid_argument, "dns forwarder '" + forwarder + "' is not ip or ip@port");
      }
    }
  } else {
    // Small local files, read once at startup.
    if (int rc = ub_ctx_resolvconf(ctx.get(), nullptr); rc != 0) {
      return make_error(Errc::io_error, std::string("reading /etc/resolv.conf: ") + ub_strerror(rc));
    }
    if (int rc = ub_ctx_hosts(ctx.get(), nullptr); rc != 0) {
      log::warn("dns_hosts_unreadable", {{"file", "/etc/hosts"}, {"error", ub_strerror(rc)}});
    }
  }
  // Forwarders (and resolv.conf's) are often a local resolver on 127.0.0.1,
  // which libunbound refuses to query by default.
  if (ub_ctx_set_option(ctx.get(), "do-not-query-localhost:", "no") != 0) {
    return make_error(Errc::io_error, "libunbound rejected do-not-query-localhost");
  }
  // We forward every query to the site's resolver, which owns local policy:
  // let it answer the RFC 1918 / RFC 6303 reverse zones (internal PTRs for
  // FCrDNS) and test. (RFC 6761 6.2 asks caching servers, the forwarder, to
  // answer test. locally; "transparent" passes it through to them).
  // localhost, invalid. and onion. stay answered here.
  if (ub_ctx_set_option(ctx.get(), "unblock-lan-zones:", "yes") != 0 ||
      ub_ctx_set_option(ctx.get(), "local-zone:", "test. transparent") != 0) {
    return make_error(Errc::io_error, "libunbound rejected the local-zone defaults");
  }
  if (settings.dnssec) {
    if (settings.trust_anchor_file.empty()) {
      return make_error(Errc::invalid_argument, "dnssec requires a trust anchor file");
    }
    if (::access(settings.trust_anchor_file.c_str(), R_OK) != 0) {
      return make_error(Errc::invalid_argument, "cannot read trust anchor file " + settings.trust_anchor_file);
    }
    if (ub_ctx_add_ta_file(ctx.get(), settings.trust_anchor_file.c_str()) != 0) {
      return make_error(Errc::invalid_argument, "bad trust anchor file " + settings.trust_anchor_file);
    }
  } else if (ub_ctx_set_option(ctx.get(), "module-config:", "iterator") != 0) {
    return make_error(Errc::io_error, "libunbound rejected module-config");
  }
  const int fd = ub_fd(ctx.get());
  if (fd < 0) return make_error(Errc::io_error, "libunbound has no result descriptor");
  try {
    auto impl = std::make_unique<Impl>(io, std::move(settings), std::move(ctx), fd);
    return std::make_unique<UnboundResolver>(Key{}, std::move(impl));
  } catch (const boost::system::system_error& e) {
    return make_error(Errc::io_error, std::string("watching the libunbound descriptor: ") + e.what());
  }
}

UnboundResolver::UnboundResolver(Key, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

UnboundResolver::~UnboundResolver() = default;

asio::awaitable<MxResult> UnboundResolver::mx(std::string domain) {
  RawAnswer raw = co_await impl_->resolve(domain, kTypeMx);
  MxResult out = decode<MxRecord>(raw, &parse_mx, domain, kTypeMx);
  if (out.ok()) {
    sort_mx(out.records);
    out.null_mx = is_null_mx(out.records);
  }
  co_return out;
}

asio::awaitable<AddressResult> UnboundResolver::a(std::string domain) {
  RawAnswer raw = co_await impl_->resolve(domain, kTypeA);
  co_return decode<asio::ip::address>(raw, &parse_a, domain, kTypeA);
}

asio::awaitable<AddressResult> UnboundResolver::aaaa(std::string domain) {
  RawAnswer raw = co_await impl_->resolve(domain, kTypeAaaa);
  co_return decode<asio::ip::address>(raw, &parse_aaaa, domain, kTypeAaaa);
}

asio::awaitable<TextResult> UnboundResolver::txt(std::string domain) {
  RawAnswer raw = co_await impl_->resolve(domain, kTypeTxt);
  co_return decode<std::string>(raw, &parse_txt, domain, kTypeTxt);
}

asio::awaitable<TextResult> UnboundResolver::ptr(asio::ip::address ip) {
  std::string name = reverse_name(ip);
  RawAnswer raw = co_await impl_->resolve(name, kTypePtr);
  co_return decode<std::string>(raw, &parse_ptr, name, kTypePtr);
}

}  // namespace postino::dns
