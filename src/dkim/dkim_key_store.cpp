// DkimKeyStore. See dkim_key_store.hpp.
#include "dkim/dkim_key_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/address.hpp"

namespace postino::dkim {
namespace {

namespace fs = std::filesystem;

// RFC 6376 3.1: a selector is one or more dot-separated DNS labels.
Result<std::string> check_selector(const std::string& selector) {
  const std::string lower = ascii_lower(selector);
  bool ok = !lower.empty() && lower.size() <= 253 && lower.front() != '.' && lower.back() != '.';
  std::size_t label = 0;
  for (char c : lower) {
    if (c == '.') {
      ok = ok && label > 0;
      label = 0;
      continue;
    }
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') && ++label <= 63;
  }
  if (!ok) return make_error(Errc::invalid_argument, "'" + selector + "' is not a DKIM selector (DNS labels)");
  return lower;
}

Result<std::string> check_domain(const std::string& domain) {
  auto parsed = parse_domain(domain, false, false);
  if (!parsed) return make_error(Errc::invalid_argument, "'" + domain + "' is not a domain name: " + parsed.error().message);
  return *parsed;
}

std::string errno_text() { return std::strerror(errno); }

// Writes a new file with `mode`, fsynced; fails if it exists (O_EXCL).
Status write_new_file(const fs::path& path, const std::string& bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return make_error(Errc::already_exists, path.string() + " exists");
    return make_error(Errc::io_error, "create " + path.string() + ": " + errno_text());
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(path.c_str());
      return make_error(Errc::io_error, "write " + path.string() + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return make_error(Errc::io_error, "fsync " + path.string() + ": " + errno_text());
  return {};
}

Status sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io_error, "open " + dir.string() + ": " + errno_text());
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error(Errc::io_error, "fsync " + dir.string() + ": " + errno_text());
  return {};
}

Status make_private_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(Errc::io_error, "create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return make_error(Errc::io_error, "chmod " + dir.string() + ": " + ec.message());
  return {};
}

// The selector named by <domain>/active, or empty.
std::string read_active(const fs::path& domain_dir) {
  std::ifstream in(domain_dir / "active");
  std::string selector;
  std::getline(in, selector);
  while (!selector.empty() && (selector.back() == '\r' || selector.back() == ' ')) selector.pop_back();
  return check_selector(selector) ? ascii_lower(selector) : std::string();
}

}  // namespace

Result<DkimKeyEntry> DkimKeyStore::generate(const std::string& domain_text, const std::string& selector_text,
                                            DkimAlgorithm algorithm) {
  auto domain = check_domain(domain_text);
  if (!domain) return domain.take_error();
  auto selector = check_selector(selector_text);
  if (!selector) return selector.take_error();
  if (auto s = make_private_dir(root_); !s) return s.take_error();
  const fs::path dir = root_ / *domain;
  if (auto s = make_private_dir(dir); !s) return s.take_error();
  const fs::path key_path = dir / (*selector + ".pem");
  std::error_code ec;
  if (fs::exists(key_path, ec)) {
    return make_error(Errc::already_exists, "selector " + *selector + " of " + *domain + " already has a key");
  }
  auto generated = generate_dkim_key(algorithm);
  if (!generated) return generated.take_error();
  if (auto s = write_new_file(key_path, generated->private_key_pem, 0600); !s) return s.take_error();
  // The active marker is replaced atomically (write, fsync, rename).
  const fs::path tmp = dir / ".active.tmp";
  ::unlink(tmp.c_str());
  if (auto s = write_new_file(tmp, *selector + "\n", 0600); !s) return s.take_error();
  if (::rename(tmp.c_str(), (dir / "active").c_str()) != 0) {
    return make_error(Errc::io_error, "rename " + tmp.string() + ": " + errno_text());
  }
  if (auto s = sync_dir(dir); !s) return s.take_error();
  DkimKeyEntry entry;
  entry.domain = *domain;
  entry.selector = *selector;
  entry.algorithm = algorithm;
  auto key = DkimPrivateKey::from_pem(generated->private_key_pem);
  entry.bits = key ? key->bits() : 0;
  entry.active = true;
  entry.dns_name = *selector + "._domainkey." + *domain;
  entry.dns_record = generated->dns_txt_record;
  return entry;
}

Result<std::vector<DkimKeyEntry>> DkimKeyStore::list() const {
  std::vector<DkimKeyEntry> out;
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return out;
  for (const auto& domain_entry : fs::directory_iterator(root_, ec)) {
    if (!domain_entry.is_directory()) continue;
    const std::string domain = domain_entry.path().filename().string();
    if (!check_domain(domain)) continue;
    const std::string active = read_active(domain_entry.path());
    for (const auto& file : fs::directory_iterator(domain_entry.path(), ec)) {
      if (file.path().extension() != ".pem") continue;
      const std::string selector = file.path().stem().string();
      if (!check_selector(selector)) continue;
      auto key = DkimPrivateKey::from_pem_file(file.path());
      if (!key) continue;
      DkimKeyEntry entry;
      entry.domain = domain;
      entry.selector = selector;
      entry.algorithm = key->algorithm();
      entry.bits = key->bits();
      entry.active = selector == active;
      entry.dns_name = selector + "._domainkey." + domain;
      entry.dns_record = key->dns_txt_record();
      out.push_back(std::move(entry));
    }
  }
  if (ec) return make_error(Errc::io_error, "list " + root_.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const DkimKeyEntry& a, const DkimKeyEntry& b) {
    return std::tie(a.domain, a.selector) < std::tie(b.domain, b.selector);
  });
  return out;
}

Result<std::shared_ptr<const DkimSigner>> DkimKeyStore::signer_for(const std::string& domain_text) {
  auto domain = check_domain(domain_text);
  if (!domain) return std::shared_ptr<const DkimSigner>();  // not a name we could hold a key for
  const fs::path dir = root_ / *domain;
  std::error_code ec;
  const auto active_mtime = fs::last_write_time(dir / "active", ec);
  std::lock_guard lock(mutex_);
  if (ec) {
    cache_.erase(*domain);
    return std::shared_ptr<const DkimSigner>();
  }
  auto it = cache_.find(*domain);
  if (it != cache_.end() && it->second.active_mtime == active_mtime) {
    const auto key_mtime = fs::last_write_time(dir / (it->second.selector + ".pem"), ec);
    if (!ec && key_mtime == it->second.key_mtime) return it->second.signer;
  }
  const std::string selector = read_active(dir);
  if (selector.empty()) return make_error(Errc::corrupt_data, (dir / "active").string() + " names no valid selector");
  const fs::path key_path = dir / (selector + ".pem");
  const auto key_mtime = fs::last_write_time(key_path, ec);
  if (ec) return make_error(Errc::io_error, "DKIM key " + key_path.string() + ": " + ec.message());
  auto key = DkimPrivateKey::from_pem_file(key_path);
  if (!key) return key.take_error();
  auto signer = DkimSigner::create(std::move(*key), *domain, selector);
  if (!signer) return signer.take_error();
  auto shared = std::make_shared<const DkimSigner>(std::move(*signer));
  cache_[*domain] = Cached{selector, active_mtime, key_mtime, shared};
  return shared;
}

}  // namespace postino::dkim
