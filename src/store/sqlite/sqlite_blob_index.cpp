// SqliteBlobIndex: reference counting in the `blobs` table (migrations.cpp).
// zero_since is set when a count reaches 0 and cleared when it rises again,
// so GC's grace period starts at the last drop, not at creation.
#include "store/sqlite/sqlite_blob_index.hpp"

#include <algorithm>
#include <limits>

#include "store/unix_time.hpp"

namespace postino::sqlite {
namespace {

Result<BlobId> id_from_column(const Statement& q, int column) {
  auto bytes = q.column_blob(column);
  BlobId id;
  if (bytes.size() != id.sha256.size()) return make_error(Errc::corrupt_data, "blobs row with a malformed sha256");
  std::copy(bytes.begin(), bytes.end(), id.sha256.begin());
  return id;
}

Result<std::vector<BlobId>> collect_ids(Statement& q) {
  std::vector<BlobId> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.take_error();
    if (!*row) return out;
    auto id = id_from_column(q, 0);
    if (!id) return id.take_error();
    out.push_back(*id);
  }
}

}  // namespace

Status add_blob_refs(Connection& db, const BlobInfo& blob, std::uint32_t count) {
  if (count == 0) return make_error(Errc::invalid_argument, "add_refs with a count of 0");
  if (blob.size_bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return make_error(Errc::invalid_argument, "blob size out of range");
  }
  // Same hash, same content, same size: a differing size means a caller bug
  // or a collision, and the row is left alone (the WHERE makes it a no-op).
  auto q = db.prepare(
      "INSERT INTO blobs (sha256, size_bytes, ref_count, zero_since, created_at) VALUES (?1, ?2, ?3, NULL, ?4) "
      "ON CONFLICT (sha256) DO UPDATE SET ref_count = ref_count + excluded.ref_count, zero_since = NULL "
      "WHERE size_bytes = excluded.size_bytes");
  if (!q) return q.take_error();
  q->bind_blob(1, blob.id.sha256)
      .bind_int64(2, static_cast<std::int64_t>(blob.size_bytes))
      .bind_int64(3, count)
      .bind_int64(4, unix_now_seconds());
  if (auto s = q->run(); !s) return s;
  if (db.changes() == 0) return make_error(Errc::corrupt_data, "blob " + blob.id.hex() + " is known with another size");
  return {};
}

Status drop_blob_refs(Connection& db, const BlobId& id, std::uint32_t count) {
  if (count == 0) return {};
  auto q = db.prepare(
      "UPDATE blobs SET ref_count = ref_count - ?2, "
      "zero_since = CASE WHEN ref_count = ?2 THEN ?3 ELSE NULL END "
      "WHERE sha256 = ?1 AND ref_count >= ?2");
  if (!q) return q.take_error();
  q->bind_blob(1, id.sha256).bind_int64(2, count).bind_int64(3, unix_now_seconds());
  if (auto s = q->run(); !s) return s;
  if (db.changes() > 0) return {};
  auto row = db.prepare("SELECT ref_count FROM blobs WHERE sha256 = ?1");
  if (!row) return row.take_error();
  row->bind_blob(1, id.sha256);
  auto found = row->step();
  if (!found) return found.take_error();
  if (!*found) return make_error(Errc::not_found, "no blob " + id.hex());
  return make_error(Errc::invalid_argument, "blob " + id.hex() + " has only " +
                                                std::to_string(row->column_int64(0)) + " references, cannot drop " +
                                                std::to_string(count));
}

Status SqliteBlobIndex::add_refs(const BlobInfo& blob, std::uint32_t count) {
  return writer_.run<void>([&](Connection& db) { return add_blob_refs(db, blob, count); });
}

Status SqliteBlobIndex::drop_refs(const BlobId& id, std::uint32_t count) {
  return writer_.run<void>([&](Connection& db) { return drop_blob_refs(db, id, count); });
}

Result<std::uint64_t> SqliteBlobIndex::ref_count(const BlobId& id) {
  return readers_.with([&](Connection& db) -> Result<std::uint64_t> {
    auto q = db.prepare("SELECT ref_count FROM blobs WHERE sha256 = ?1");
    if (!q) return q.take_error();
    q->bind_blob(1, id.sha256);
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return std::uint64_t{0};
    return static_cast<std::uint64_t>(q->column_int64(0));
  });
}

Result<std::vector<BlobId>> SqliteBlobIndex::unreferenced(std::int64_t min_age_seconds) {
  return readers_.with([&](Connection& db) -> Result<std::vector<BlobId>> {
    auto q = db.prepare("SELECT sha256 FROM blobs WHERE ref_count = 0 AND zero_since <= ?1 ORDER BY zero_since");
    if (!q) return q.take_error();
    q->bind_int64(1, unix_now_seconds() - min_age_seconds);
    return collect_ids(*q);
  });
}

Result<bool> SqliteBlobIndex::forget_if_unreferenced(const BlobId& id) {
  return writer_.run<bool>([&](Connection& db) -> Result<bool> {
    auto q = db.prepare("DELETE FROM blobs WHERE sha256 = ?1 AND ref_count = 0");
    if (!q) return q.take_error();
    q->bind_blob(1, id.sha256);
    if (auto s = q->run(); !s) return s.take_error();
    return db.changes() > 0;
  });
}

Result<std::vector<BlobId>> SqliteBlobIndex::all_ids() {
  return readers_.with([&](Connection& db) -> Result<std::vector<BlobId>> {
    auto q = db.prepare("SELECT sha256 FROM blobs ORDER BY sha256");
    if (!q) return q.take_error();
    return collect_ids(*q);
  });
}

}  // namespace postino::sqlite
