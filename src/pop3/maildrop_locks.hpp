// MaildropLocks: which accounts have a POP3 session in the TRANSACTION state
// (RFC 1939 8: the server acquires an exclusive-access lock on the maildrop).
// In-process only: POP3 sessions of one account reach the same mailbox node.
// Thread-safe; a Lock releases its account when destroyed, so every exit
// path of a session (QUIT, dropped connection, timeout, exception) unlocks.
#pragma once

#include <mutex>
#include <unordered_set>

#include "store/ids.hpp"

namespace postino::pop3 {

class MaildropLocks {
 public:
  class Lock {
   public:
    Lock() = default;
    Lock(Lock&& other) noexcept : owner_(other.owner_), account_(other.account_) { other.owner_ = nullptr; }
    Lock& operator=(Lock&& other) noexcept;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock() { release(); }
    bool held() const { return owner_ != nullptr; }
    void release();

   private:
    friend class MaildropLocks;
    Lock(MaildropLocks* owner, AccountId account) : owner_(owner), account_(account) {}
    MaildropLocks* owner_ = nullptr;
    AccountId account_{};
  };

  // The lock, or one that is not held when another session has the account.
  Lock try_lock(AccountId account);
  bool locked(AccountId account);

 private:
  std::mutex mutex_;
  std::unordered_set<std::int64_t> accounts_;
};

}  // namespace postino::pop3
