// Secret key files: random bytes from OpenSSL's CSPRNG, written to a
// temporary file, fsynced, then linked into place with link() (which fails
// if the name exists), so a concurrent creator's key wins whole and both
// processes read the same bytes.
#include "directory/secret_key_file.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace postino {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 4096;

Result<std::string> read_key(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(Errc::not_found, path.string() + " does not exist");
    return make_error(Errc::io_error, "cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::string bytes(kMaxKeyFileBytes, '\0');
  std::size_t used = 0;
  while (used < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + used, bytes.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return make_error(Errc::io_error, "cannot read " + path.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  bytes.resize(used);
  if (bytes.size() < kSecretKeyBytes) {
    return make_error(Errc::corrupt_data, path.string() + " holds " + std::to_string(bytes.size()) +
                                              " bytes; a key needs " + std::to_string(kSecretKeyBytes));
  }
  return bytes;
}

Status write_all_and_sync(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(Errc::io_error, std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return make_error(Errc::io_error, std::strerror(errno));
  return {};
}

Status sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io_error, "cannot open " + dir.string());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return make_error(Errc::io_error, "cannot sync " + dir.string());
  return {};
}

}  // namespace

std::filesystem::path scram_fake_salt_key_path(const std::filesystem::path& data_dir) {
  return data_dir / "keys" / "scram-fake-salt.key";
}

Result<std::string> load_or_create_secret_key(const std::filesystem::path& path) {
  auto existing = read_key(path);
  if (existing || existing.error().code != Errc::not_found) return existing;

  const auto dir = path.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::io_error, "cannot create " + dir.string() + ": " + ec.message());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);

  std::string key(kSecretKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    return make_error(Errc::io_error, "no random bytes for " + path.string());
  }
  std::string temp = path.string() + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io_error, "cannot create " + temp + ": " + std::strerror(errno));
  Status written = write_all_and_sync(fd, key);
  ::close(fd);
  if (!written) {
    ::unlink(temp.c_str());
    return make_error(Errc::io_error, "cannot write " + temp + ": " + written.error().message);
  }
  // link() refuses an existing name: whoever linked first wins.
  int linked = ::link(temp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    return make_error(Errc::io_error, "cannot create " + path.string() + ": " + std::strerror(link_errno));
  }
  if (auto synced = sync_directory(dir); !synced) return synced.take_error();
  return read_key(path);
}

}  // namespace postino
