// Snapshot<T>: the current immutable value of something that reload swaps
// (TLS contexts, the config). Readers take a shared_ptr<const T> and keep it
// for their whole session; a reload never changes what a session already has.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace postino::runtime {

template <class T>
class Snapshot {
 public:
  Snapshot() = default;
  explicit Snapshot(std::shared_ptr<const T> value) : value_(std::move(value)) {}

  // Any thread. May be null when nothing is configured (no TLS).
  std::shared_ptr<const T> get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  void set(std::shared_ptr<const T> value) {
    {
      std::lock_guard lock(mutex_);
      value_.swap(value);
    }
    // `value` now holds the old snapshot; it is released here, unlocked.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> value_;
};

}  // namespace postino::runtime
