// UnboundResolver: Resolver on libunbound's asynchronous API, driven by the
// io_context it belongs to, so no lookup blocks an I/O thread. DNSSEC
// validation (RFC 4033-4035) when DnsSettings::dnssec is set.
// Security: answers are untrusted input (see wire.hpp); names are checked first.
#pragma once

#include <memory>

#include "common/result.hpp"
#include "dns/dns_settings.hpp"
#include "dns/resolver.hpp"

namespace boost::asio {
class io_context;
}

namespace postino::dns {

// Threads: one UnboundResolver per io_context (one ub_ctx each, never shared
// across threads): call it only from coroutines running on that io_context's
// thread. The libunbound worker thread it starts touches no Postino state.
// Lifetime: destroy it after every lookup has completed (the task groups
// drained); destruction stops libunbound's worker thread.
class UnboundResolver final : public Resolver {
  struct Key {
    explicit Key() = default;
  };

 public:
  struct Impl;

  // Errors: invalid_argument for bad settings (forwarder syntax, timeout not
  // positive, dnssec without a readable trust anchor file); io_error when
  // /etc/resolv.conf cannot be read or libunbound cannot start.
  static Result<std::unique_ptr<UnboundResolver>> create(asio::io_context& io, DnsSettings settings);

  UnboundResolver(Key, std::unique_ptr<Impl> impl);
  ~UnboundResolver() override;
  UnboundResolver(const UnboundResolver&) = delete;
  UnboundResolver& operator=(const UnboundResolver&) = delete;

  asio::awaitable<MxResult> mx(std::string domain) override;
  asio::awaitable<AddressResult> a(std::string domain) override;
  asio::awaitable<AddressResult> aaaa(std::string domain) override;
  asio::awaitable<TextResult> txt(std::string domain) override;
  asio::awaitable<TextResult> ptr(asio::ip::address ip) override;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace postino::dns
