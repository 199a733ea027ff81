// Where a command gets a password: one line on stdin (--password-stdin), or
// a freshly generated one that the command prints once.
#pragma once

#include <string>

#include "common/result.hpp"

namespace postino::cli {

// Reads one line from stdin, without its line ending.
Result<std::string> read_password_stdin();
// 20 random characters from an unambiguous alphabet (about 115 bits).
std::string generate_password();

}  // namespace postino::cli
