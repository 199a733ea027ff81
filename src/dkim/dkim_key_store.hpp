// DkimKeyStore: the signing keys of each domain as files under one folder
// (<data_dir>/dkim): <domain>/<selector>.pem (PKCS#8, mode 0600) and
// <domain>/active naming the selector that signs. `postino dkim generate`
// writes them; the queue runner asks for the signer of a sender domain.
// Keys are files, not database rows, so they can be backed up, rotated and
// provisioned with ordinary tools.
// Security: private keys are created with mode 0600 in folders of mode
// 0700; domain and selector names are checked (DNS labels) before they
// become path components, so no name can reach outside the folder.
// Threads: thread-safe (one mutex around the signer cache); blocking (file
// reads): call from the blocking pool.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "dkim/dkim_key.hpp"
#include "dkim/dkim_signer.hpp"

namespace postino::dkim {

inline constexpr const char* kDkimKeyFolder = "dkim";  // under the data dir

struct DkimKeyEntry {
  std::string domain;
  std::string selector;
  DkimAlgorithm algorithm = DkimAlgorithm::rsa_sha256;
  unsigned bits = 0;
  bool active = false;
  std::string dns_name;    // "<selector>._domainkey.<domain>"
  std::string dns_record;  // "v=DKIM1; k=...; p=..."
};

class DkimKeyStore {
 public:
  explicit DkimKeyStore(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }

  // A new key for domain/selector, made the domain's active selector.
  // already_exists if that selector has a key; invalid_argument for a bad
  // domain or selector.
  Result<DkimKeyEntry> generate(const std::string& domain, const std::string& selector, DkimAlgorithm algorithm);

  // Every key, by domain then selector; unreadable keys are skipped.
  Result<std::vector<DkimKeyEntry>> list() const;

  // The signer for `domain` (lower-case), or nullptr when it has no active
  // key. The loaded key is cached and reloaded when the active file or the
  // key file changes, so a new key takes effect without a restart.
  Result<std::shared_ptr<const DkimSigner>> signer_for(const std::string& domain);

 private:
  struct Cached {
    std::string selector;
    std::filesystem::file_time_type active_mtime;
    std::filesystem::file_time_type key_mtime;
    std::shared_ptr<const DkimSigner> signer;
  };

  std::filesystem::path root_;
  std::mutex mutex_;
  std::map<std::string, Cached> cache_;
};

}  // namespace postino::dkim
