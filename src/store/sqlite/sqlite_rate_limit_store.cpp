// SqliteRateLimitStore: SQL for send_counters (schema in migrations.cpp).
#include "store/sqlite/sqlite_rate_limit_store.hpp"

#include <limits>

namespace postino::sqlite {
namespace {

Result<SendCounts> read_counts(Connection& db, const std::string& key, std::int64_t window_start) {
  auto q = db.prepare("SELECT messages, recipients FROM send_counters WHERE key = ?1 AND window_start = ?2");
  if (!q) return q.take_error();
  q->bind_text(1, key).bind_int64(2, window_start);
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return SendCounts{};
  SendCounts counts{static_cast<std::uint64_t>(q->column_int64(0)), static_cast<std::uint64_t>(q->column_int64(1))};
  (void)q->step();  // done: resets the statement
  return counts;
}

constexpr std::uint64_t kMaxCount = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

}  // namespace

Result<SendCounts> SqliteRateLimitStore::counts(const std::string& key, std::int64_t window_start) {
  return readers_.with([&](Connection& db) { return read_counts(db, key, window_start); });
}

Result<ChargeOutcome> SqliteRateLimitStore::charge(const std::string& key, std::int64_t window_start,
                                                   const SendCounts& charge, const SendLimits& limits) {
  if (key.empty()) return make_error(Errc::invalid_argument, "empty rate limit key");
  if (charge.messages > kMaxCount || charge.recipients > kMaxCount) {
    return make_error(Errc::invalid_argument, "rate limit charge too large");
  }
  return writer_.run<ChargeOutcome>([&](Connection& db) -> Result<ChargeOutcome> {
    auto current = read_counts(db, key, window_start);
    if (!current) return current.take_error();
    if (!within_send_limits(*current, charge, limits)) return ChargeOutcome{false, *current};
    auto q = db.prepare(
        "INSERT INTO send_counters (key, window_start, messages, recipients) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (key, window_start) DO UPDATE SET messages = messages + excluded.messages, "
        "recipients = recipients + excluded.recipients");
    if (!q) return q.take_error();
    q->bind_text(1, key)
        .bind_int64(2, window_start)
        .bind_int64(3, static_cast<std::int64_t>(charge.messages))
        .bind_int64(4, static_cast<std::int64_t>(charge.recipients));
    if (auto s = q->run(); !s) return s.take_error();
    auto old = db.prepare("DELETE FROM send_counters WHERE key = ?1 AND window_start < ?2");
    if (!old) return old.take_error();
    old->bind_text(1, key).bind_int64(2, window_start);
    if (auto s = old->run(); !s) return s.take_error();
    return ChargeOutcome{true, SendCounts{current->messages + charge.messages, current->recipients + charge.recipients}};
  });
}

Result<std::uint64_t> SqliteRateLimitStore::prune(std::int64_t before) {
  return writer_.run<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
    auto q = db.prepare("DELETE FROM send_counters WHERE window_start < ?1");
    if (!q) return q.take_error();
    q->bind_int64(1, before);
    if (auto s = q->run(); !s) return s.take_error();
    return static_cast<std::uint64_t>(db.changes());
  });
}

}  // namespace postino::sqlite
