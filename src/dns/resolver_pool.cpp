// Per-io_context resolvers.
#include "dns/resolver_pool.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/query.hpp>
#include <cstdlib>

#include "dns/unbound_resolver.hpp"
#include "runtime/io_pool.hpp"

namespace postino::dns {

struct ResolverPool::Entry {
  boost::asio::execution_context* context;
  std::unique_ptr<UnboundResolver> resolver;
};

ResolverPool::~ResolverPool() = default;

Result<std::unique_ptr<ResolverPool>> ResolverPool::create(runtime::IoPool& io, const DnsSettings& settings) {
  auto pool = std::make_unique<ResolverPool>();
  for (std::size_t i = 0; i < io.size(); ++i) {
    auto resolver = UnboundResolver::create(io.context(i), settings);
    if (!resolver) return resolver.take_error();
    pool->entries_.push_back({&io.context(i), std::move(*resolver)});
  }
  return pool;
}

Resolver& ResolverPool::for_executor(const boost::asio::any_io_executor& executor) {
  auto& context = boost::asio::query(executor, boost::asio::execution::context);
  for (auto& entry : entries_) {
    if (entry.context == &context) return *entry.resolver;
  }
  std::abort();  // a session outside the IoPool: wiring bug
}

}  // namespace postino::dns
