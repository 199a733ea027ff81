// FsBlobStore: paths, publication (rename/dedup), removal and listing of
// blob files. See fs_blob_store.hpp for the layout and durability rules.
#include "store/fs/fs_blob_store.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "store/fs/blob_file_format.hpp"
#include "store/fs/fs_blob_reader.hpp"
#include "store/fs/fs_blob_writer.hpp"
#include "store/fs/posix_file.hpp"

namespace postino {
namespace {

bool is_hex_name(const std::string& name, std::size_t size) {
  return name.size() == size &&
         std::all_of(name.begin(), name.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A fan-out directory: two lower-case hex digits.
bool is_hex_dir(const std::filesystem::directory_entry& entry) {
  std::error_code ec;
  return is_hex_name(entry.path().filename().string(), 2) && entry.is_directory(ec);
}

// Calls f(entry) for each entry of `dir`, without exceptions; stops at the
// first error f returns.
template <class F>
Status for_each_entry(const std::filesystem::path& dir, F&& f) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (auto s = f(*it); !s) return s;
  }
  if (ec) return make_error(Errc::io_error, "list " + dir.string() + ": " + ec.message());
  return {};
}

std::string parent_of(const std::string& path) { return path.substr(0, path.find_last_of('/')); }

std::chrono::system_clock::time_point mtime_of(const struct stat& st) {
  return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

}  // namespace

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::open_root(std::string root, BlobCompression compression,
                                                            int zstd_level) {
  if (auto made = posix::make_dir(root); !made) return made.take_error();
  if (auto made = posix::make_dir(root + "/tmp"); !made) return made.take_error();
  auto store = std::make_unique<FsBlobStore>(std::move(root), compression, zstd_level);
  if (auto s = store->make_fan_out(); !s) return s.take_error();
  if (auto s = store->remove_stale_temps(); !s) return s.take_error();
  return store;
}

// All 256 first-level directories, made once here rather than on the accept
// path (the two-level layout created a directory, and synced its parent, for
// nearly every message while the store was small). One fsync of the root
// covers the new entries; it runs even when none was made, because another
// process may have made them without syncing yet.
Status FsBlobStore::make_fan_out() {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    const std::string dir = root_ + "/" + kHex[i >> 4] + kHex[i & 15];
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return posix::errno_error(errno, "mkdir " + dir);
  }
  return posix::fsync_dir(root_);
}

FsBlobStore::FsBlobStore(std::string root, BlobCompression compression, int zstd_level)
    : root_(std::move(root)), tmp_(root_ + "/tmp"), compression_(compression), zstd_level_(zstd_level) {}

std::string FsBlobStore::path_of(const BlobId& id) const {
  std::string hex = id.hex();
  return root_ + "/" + hex.substr(0, 2) + "/" + hex;
}

std::string FsBlobStore::legacy_path_of(const BlobId& id) const {
  std::string hex = id.hex();
  return root_ + "/" + hex.substr(0, 2) + "/" + hex.substr(2, 2) + "/" + hex;
}

std::string FsBlobStore::existing_path(const BlobId& id, int& err) const {
  std::string path = path_of(id);
  if (::access(path.c_str(), F_OK) == 0) return path;
  err = errno;
  if (err != ENOENT) return path;
  std::string legacy = legacy_path_of(id);
  if (::access(legacy.c_str(), F_OK) == 0) {
    err = 0;
    return legacy;
  }
  err = errno == ENOTDIR ? ENOENT : errno;
  return path;
}

Result<std::unique_ptr<BlobWriter>> FsBlobStore::create() {
  std::string path = tmp_ + "/blob-XXXXXX";
  posix::UniqueFd fd(::mkostemp(path.data(), O_CLOEXEC));  // mode 0600
  if (!fd.valid()) return posix::errno_error(errno, "create temporary blob in " + tmp_);
  auto format = compression_ == BlobCompression::zstd ? blob_format::Format::zstd : blob_format::Format::plain;
  if (auto s = posix::write_all(fd.get(), blob_format::encode_header(format), path); !s) {
    ::unlink(path.c_str());
    return s.take_error();
  }
  return std::unique_ptr<BlobWriter>(
      std::make_unique<FsBlobWriter>(*this, std::move(path), std::move(fd), format, zstd_level_));
}

Result<std::unique_ptr<BlobReader>> FsBlobStore::open(const BlobId& id) {
  std::string path = path_of(id);
  posix::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT) {
    path = legacy_path_of(id);
    fd = posix::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  }
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) return make_error(Errc::not_found, "no blob " + id.hex());
    return posix::errno_error(errno, "open " + path);
  }
  auto reader = FsBlobReader::open(std::move(fd), std::move(path));
  if (!reader) return reader.take_error();
  return std::unique_ptr<BlobReader>(std::move(*reader));
}

bool FsBlobStore::exists(const BlobId& id) {
  int err = 0;
  existing_path(id, err);
  return err == 0;
}

Status FsBlobStore::remove(const BlobId& id) {
  std::string path;
  {
    std::lock_guard lock(publish_mutex_);
    int err = 0;
    path = existing_path(id, err);
    if (err == ENOENT) return make_error(Errc::not_found, "no blob " + id.hex());
    if (err != 0) return posix::errno_error(err, "stat " + path);
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) return make_error(Errc::not_found, "no blob " + id.hex());
      return posix::errno_error(errno, "unlink " + path);
    }
  }
  return posix::fsync_dir(parent_of(path));
}

Result<bool> FsBlobStore::remove_if_older(const BlobId& id, std::chrono::seconds min_age) {
  std::string path;
  {
    std::lock_guard lock(publish_mutex_);
    int err = 0;
    path = existing_path(id, err);
    if (err == ENOENT) return make_error(Errc::not_found, "no blob " + id.hex());
    if (err != 0) return posix::errno_error(err, "stat " + path);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return make_error(Errc::not_found, "no blob " + id.hex());
      return posix::errno_error(errno, "stat " + path);
    }
    if (std::chrono::system_clock::now() - mtime_of(st) < min_age) return false;
    if (::unlink(path.c_str()) != 0) return posix::errno_error(errno, "unlink " + path);
  }
  if (auto s = posix::fsync_dir(parent_of(path)); !s) return s.take_error();
  return true;
}

Status FsBlobStore::publish(const std::string& temp_path, const BlobId& id) {
  std::string path;
  {
    std::lock_guard lock(publish_mutex_);
    // Dedup (in either layout): keep the existing file, mark it fresh for
    // GC. If the touch fails, a copy of ours in the new layout is just as
    // good (readers look there first).
    int err = 0;
    path = existing_path(id, err);
    bool kept = err == 0 && ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0;
    if (kept) {
      ::unlink(temp_path.c_str());
    } else {
      path = path_of(id);
      if (::rename(temp_path.c_str(), path.c_str()) != 0) {
        return posix::errno_error(errno, "rename " + temp_path + " to " + path);
      }
    }
  }
  // Also after a dedup: the other writer may not have fsynced it yet.
  return posix::fsync_dir(parent_of(path));
}

Result<std::vector<BlobId>> FsBlobStore::list() {
  std::vector<BlobId> out;
  auto add_file = [&](const std::filesystem::directory_entry& file) -> Status {
    std::string name = file.path().filename().string();
    if (!is_hex_name(name, 64)) return {};
    if (auto id = BlobId::from_hex(name); id) out.push_back(*id);
    return {};
  };
  auto s = for_each_entry(root_, [&](const std::filesystem::directory_entry& top) -> Status {
    if (!is_hex_dir(top)) return {};
    return for_each_entry(top.path(), [&](const std::filesystem::directory_entry& entry) -> Status {
      if (is_hex_dir(entry)) return for_each_entry(entry.path(), add_file);  // two-level layout
      return add_file(entry);
    });
  });
  if (!s) return s.take_error();
  // A blob in both layouts (a dedup whose touch failed) is listed once.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status FsBlobStore::remove_stale_temps() {
  auto now = std::chrono::system_clock::now();
  return for_each_entry(tmp_, [&](const std::filesystem::directory_entry& entry) -> Status {
    struct stat st {};
    std::string path = entry.path().string();
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    if (now - mtime_of(st) >= kStaleTempAge) ::unlink(path.c_str());
    return {};
  });
}

}  // namespace postino
