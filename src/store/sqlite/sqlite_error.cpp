// SQLite result code -> Errc. Extended codes distinguish which constraint
// failed, so callers get already_exists only for real duplicates.
#include "store/sqlite/sqlite_error.hpp"

#include <sqlite3.h>

#include <string>

namespace postino::sqlite {

Errc errc_for(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Errc::already_exists;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Errc::temporary_failure;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return Errc::invalid_argument;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Errc::corrupt_data;
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY:
      return Errc::permission_denied;
    default:
      return Errc::io_error;
  }
}

Error make_sqlite_error(int rc, std::string_view context, std::string_view engine_message) {
  std::string message(context);
  message += ": ";
  message += engine_message.empty() ? std::string_view(sqlite3_errstr(rc)) : engine_message;
  return make_error(errc_for(rc), std::move(message));
}

}  // namespace postino::sqlite
