// ResolverPool: one UnboundResolver per io_context of the IoPool, since a
// resolver is bound to its context's thread. A session asks for the one of
// the executor it runs on.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <vector>

#include "common/result.hpp"
#include "dns/dns_settings.hpp"
#include "dns/resolver.hpp"

namespace postino::runtime {
class IoPool;
}

namespace postino::dns {

class ResolverPool {
 public:
  static Result<std::unique_ptr<ResolverPool>> create(runtime::IoPool& io, const DnsSettings& settings);
  ResolverPool() = default;  // empty; use create()
  ~ResolverPool();

  // The resolver of the io_context behind `executor`. Programmer error
  // (abort) if the executor is not one of the pool's contexts.
  Resolver& for_executor(const boost::asio::any_io_executor& executor);

 private:
  struct Entry;
  std::vector<Entry> entries_;
};

}  // namespace postino::dns
