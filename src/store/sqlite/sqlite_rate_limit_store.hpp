// SqliteRateLimitStore: RateLimitStore on the SQLite metadata database
// (table send_counters, migration 4). charge() is one Writer job: read,
// compare, upsert and prune in the same transaction, so concurrent charges
// (other sessions, other processes on the same file) serialise on the
// database's write lock and never overshoot a limit together.
#pragma once

#include "store/rate_limit_store.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/sqlite/writer.hpp"

namespace postino::sqlite {

class SqliteRateLimitStore final : public RateLimitStore {
 public:
  SqliteRateLimitStore(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  Result<SendCounts> counts(const std::string& key, std::int64_t window_start) override;
  Result<ChargeOutcome> charge(const std::string& key, std::int64_t window_start, const SendCounts& charge,
                               const SendLimits& limits) override;
  Result<std::uint64_t> prune(std::int64_t before) override;

 private:
  Writer& writer_;
  ReaderPool& readers_;
};

}  // namespace postino::sqlite
