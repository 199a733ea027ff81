// A self-signed certificate for a fresh node, so that TLS works from the
// first start (`postino init`). Operators replace it with a real one.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace postino {

// Writes an ECDSA P-256 key (mode 0600) and a certificate valid for
// `days` whose subject alternative names are `hostnames`.
Status write_self_signed_certificate(const std::vector<std::string>& hostnames, const std::filesystem::path& cert_file,
                                     const std::filesystem::path& key_file, int days = 825);

}  // namespace postino
