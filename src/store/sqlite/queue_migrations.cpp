// The schema history of the queue database (<data_dir>/queue/queue.sqlite),
// separate from the metadata database so the queue stays on local disk
// whatever the metadata engine is (R-MX1). Append steps; never edit one.
#include <array>

#include "store/sqlite/migrations.hpp"

namespace postino::sqlite {
namespace {

// Conventions as in migrations.cpp (STRICT, unix seconds in *_at). A
// recipient's state is 'pending', 'delivered' or 'failed'; only pending ones
// are scheduled, and the partial index holds exactly those, by due time.
// Recipient ids are AUTOINCREMENT so an id a delivery agent still holds is
// never given to another recipient after its message was removed.
constexpr const char* kQueueSchema1 = R"sql(
CREATE TABLE queue_messages (
  id              TEXT PRIMARY KEY CHECK (id <> ''),
  sender          TEXT NOT NULL,
  blob_sha256     BLOB NOT NULL CHECK (length(blob_sha256) = 32),
  blob_size_bytes INTEGER NOT NULL CHECK (blob_size_bytes >= 0),
  arrived_at      INTEGER NOT NULL,
  client_address  TEXT NOT NULL,
  client_helo     TEXT NOT NULL,
  protocol        TEXT NOT NULL,
  envid           TEXT NOT NULL,
  ret             TEXT NOT NULL,
  body_type       TEXT NOT NULL,
  smtputf8        INTEGER NOT NULL CHECK (smtputf8 IN (0, 1)),
  held            INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX queue_messages_by_arrival ON queue_messages(arrived_at, id);
CREATE INDEX queue_messages_by_blob ON queue_messages(blob_sha256);

CREATE TABLE queue_recipients (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id      TEXT NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
  address         TEXT NOT NULL CHECK (address <> ''),
  orcpt           TEXT NOT NULL,
  notify          INTEGER NOT NULL CHECK (notify BETWEEN 0 AND 15),
  state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_reply      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX queue_recipients_by_message ON queue_recipients(message_id, id);
CREATE INDEX queue_recipients_due ON queue_recipients(next_attempt_at, message_id) WHERE state = 'pending';
)sql";

// DSN bookkeeping: the last attempt of each recipient (status, relay,
// Diagnostic-Code) for a DSN written at expiry, and whether a message's
// delay warning went out.
constexpr const char* kQueueSchema2 = R"sql(
ALTER TABLE queue_messages ADD COLUMN delay_warned INTEGER NOT NULL DEFAULT 0 CHECK (delay_warned IN (0, 1));
ALTER TABLE queue_recipients ADD COLUMN last_status TEXT NOT NULL DEFAULT '';
ALTER TABLE queue_recipients ADD COLUMN last_relay TEXT NOT NULL DEFAULT '';
ALTER TABLE queue_recipients ADD COLUMN last_diagnostic TEXT NOT NULL DEFAULT '';
)sql";

constexpr std::array kQueueMigrations{
    Migration{1, "queue messages and recipients", kQueueSchema1},
    Migration{2, "last attempt per recipient, delay warnings", kQueueSchema2},
};

}  // namespace

std::span<const Migration> queue_migrations() { return kQueueMigrations; }

}  // namespace postino::sqlite
