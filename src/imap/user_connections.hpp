// UserConnections: how many sessions each account has open, for the
// per-user connection cap (a runaway client or a shared password opening
// hundreds of sessions). Thread-safe; a Slot releases its count when it ends.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "store/ids.hpp"

namespace postino::imap {

class UserConnections {
 public:
  class Slot {
   public:
    Slot() = default;
    Slot(UserConnections* owner, AccountId account) : owner_(owner), account_(account) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_), account_(other.account_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        release();
        owner_ = other.owner_;
        account_ = other.account_;
        other.owner_ = nullptr;
      }
      return *this;
    }
    ~Slot() { release(); }

   private:
    void release();
    UserConnections* owner_ = nullptr;
    AccountId account_{};
  };

  // A slot, or nothing counted (false) when the account already has `cap`
  // sessions (0: no cap).
  bool acquire(AccountId account, std::uint32_t cap, Slot& slot);

 private:
  std::mutex mutex_;
  std::unordered_map<std::int64_t, std::uint32_t> counts_;
};

}  // namespace postino::imap
