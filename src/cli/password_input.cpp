// Password input for administrative commands. Never echoed, never logged.
#include "cli/password_input.hpp"

#include <openssl/rand.h>

#include <iostream>

namespace postino::cli {

Result<std::string> read_password_stdin() {
  std::string line;
  if (!std::getline(std::cin, line)) return make_error(Errc::invalid_argument, "no password on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return make_error(Errc::invalid_argument, "empty password on standard input");
  return line;
}

std::string generate_password() {
  static constexpr char kAlphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  constexpr unsigned kAlphabetSize = sizeof(kAlphabet) - 1;  // 57
  std::string out;
  while (out.size() < 20) {
    unsigned char byte;
    RAND_bytes(&byte, 1);
    if (byte >= 256 - 256 % kAlphabetSize) continue;  // rejection sampling: no modulo bias
    out += kAlphabet[byte % kAlphabetSize];
  }
  return out;
}

}  // namespace postino::cli
