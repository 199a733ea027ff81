#include "pop3/maildrop_locks.hpp"

namespace postino::pop3 {

MaildropLocks::Lock& MaildropLocks::Lock::operator=(Lock&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    account_ = other.account_;
    other.owner_ = nullptr;
  }
  return *this;
}

void MaildropLocks::Lock::release() {
  if (owner_ == nullptr) return;
  std::lock_guard lock(owner_->mutex_);
  owner_->accounts_.erase(static_cast<std::int64_t>(account_));
  owner_ = nullptr;
}

MaildropLocks::Lock MaildropLocks::try_lock(AccountId account) {
  std::lock_guard lock(mutex_);
  if (!accounts_.insert(static_cast<std::int64_t>(account)).second) return Lock();
  return Lock(this, account);
}

bool MaildropLocks::locked(AccountId account) {
  std::lock_guard lock(mutex_);
  return accounts_.count(static_cast<std::int64_t>(account)) != 0;
}

}  // namespace postino::pop3
