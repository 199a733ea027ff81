#include "imap/user_connections.hpp"

namespace postino::imap {

bool UserConnections::acquire(AccountId account, std::uint32_t cap, Slot& slot) {
  {
    std::lock_guard lock(mutex_);
    std::uint32_t& count = counts_[static_cast<std::int64_t>(account)];
    if (cap != 0 && count >= cap) return false;
    ++count;
  }
  slot = Slot(this, account);  // outside the lock: releasing an old slot takes it
  return true;
}

void UserConnections::Slot::release() {
  if (owner_ == nullptr) return;
  std::lock_guard lock(owner_->mutex_);
  auto it = owner_->counts_.find(static_cast<std::int64_t>(account_));
  if (it != owner_->counts_.end() && --it->second == 0) owner_->counts_.erase(it);
  owner_ = nullptr;
}

}  // namespace postino::imap
