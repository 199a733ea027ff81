// Maps SQLite result codes to the shared error catalogue (common/result.hpp):
// busy/locked -> temporary_failure, unique/primary-key violations ->
// already_exists, other constraint violations -> invalid_argument,
// corruption -> corrupt_data, everything else -> io_error.
#pragma once

#include <string_view>

#include "common/result.hpp"

namespace postino::sqlite {

// `rc` is an extended result code (connections enable them).
Errc errc_for(int rc);
// "<context>: <engine message>" with the mapped code.
Error make_sqlite_error(int rc, std::string_view context, std::string_view engine_message);

}  // namespace postino::sqlite
