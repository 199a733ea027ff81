// Per-installation secret keys kept as files in the data directory's keys/
// folder (mode 0600), created on first use: e.g. the key of the SCRAM fake
// salts that hide which users exist (sasl::ScramServerOptions).
// Security: the file is created with O_EXCL and fsynced before use, so two
// processes starting together end up with the same key; a file that is too
// short or unreadable is an error, never silently replaced.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "common/result.hpp"

namespace postino {

inline constexpr std::size_t kSecretKeyBytes = 32;

// data_dir/keys/scram-fake-salt.key
std::filesystem::path scram_fake_salt_key_path(const std::filesystem::path& data_dir);

// The key's raw bytes; creates the folder and a random key when missing.
// io_error when it cannot be read or written, corrupt_data when shorter than
// kSecretKeyBytes.
Result<std::string> load_or_create_secret_key(const std::filesystem::path& path);

}  // namespace postino
