// Settings of the directory: which backend resolves addresses and
// authenticates, and how new passwords are hashed.
#pragma once

#include <cstdint>

namespace postino {

enum class DirectoryBackend { internal };
enum class PasswordScheme { yescrypt, argon2id };

struct DirectorySettings {
  DirectoryBackend backend = DirectoryBackend::internal;
  PasswordScheme password_scheme = PasswordScheme::yescrypt;
  std::uint64_t default_quota_bytes = 500ull << 20;  // R-ST1: 500 MB
};

}  // namespace postino
