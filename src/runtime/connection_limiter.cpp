// Connection caps: a mutex-protected total and a per-client map; entries are
// erased when their count drops to zero so the map tracks only live clients.
#include "runtime/connection_limiter.hpp"

#include <string_view>

#include "runtime/cidr.hpp"

namespace postino::runtime {

ConnectionLimiter::Slot::Slot(Slot&& other) noexcept
    : owner_(other.owner_), key_(other.key_), refusal_(other.refusal_) {
  other.owner_ = nullptr;
}

ConnectionLimiter::Slot& ConnectionLimiter::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    key_ = other.key_;
    refusal_ = other.refusal_;
    other.owner_ = nullptr;
  }
  return *this;
}

ConnectionLimiter::Slot::~Slot() { release(); }

void ConnectionLimiter::Slot::release() {
  if (owner_ != nullptr) {
    owner_->release(key_);
    owner_ = nullptr;
  }
}

ConnectionLimiter::ConnectionLimiter(const LimitSettings& settings)
    : max_total_(settings.max_connections), max_per_ip_(settings.max_connections_per_ip) {}

void ConnectionLimiter::update(const LimitSettings& settings) {
  std::lock_guard lock(mutex_);
  max_total_ = settings.max_connections;
  max_per_ip_ = settings.max_connections_per_ip;
}

std::size_t ConnectionLimiter::KeyHash::operator()(const Slot::Key& key) const noexcept {
  return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

ConnectionLimiter::Slot::Key ConnectionLimiter::key_of(const boost::asio::ip::address& raw) {
  const auto client = unmap_v4(raw);
  Slot::Key key{};
  if (client.is_v4()) {
    key[0] = 4;
    const auto b = client.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), key.begin() + 1);
  } else {
    key[0] = 6;
    const auto b = client.to_v6().to_bytes();
    std::copy(b.begin(), b.begin() + 8, key.begin() + 1);  // the /64
  }
  return key;
}

ConnectionLimiter::Slot ConnectionLimiter::acquire(const boost::asio::ip::address& client) {
  Slot slot;
  const Slot::Key key = key_of(client);
  std::lock_guard lock(mutex_);
  if (max_total_ != 0 && total_ >= max_total_) {
    slot.refusal_ = Refusal::total;
    return slot;
  }
  auto& count = per_ip_[key];
  if (max_per_ip_ != 0 && count >= max_per_ip_) {
    slot.refusal_ = Refusal::per_ip;
    return slot;  // count >= 1 here, so the entry stays meaningful
  }
  ++count;
  ++total_;
  slot.owner_ = this;
  slot.key_ = key;
  return slot;
}

void ConnectionLimiter::release(const Slot::Key& key) {
  std::lock_guard lock(mutex_);
  --total_;
  auto it = per_ip_.find(key);
  if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
}

std::size_t ConnectionLimiter::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t ConnectionLimiter::count_for(const boost::asio::ip::address& client) const {
  const Slot::Key key = key_of(client);
  std::lock_guard lock(mutex_);
  auto it = per_ip_.find(key);
  return it == per_ip_.end() ? 0 : it->second;
}

const char* refusal_name(ConnectionLimiter::Refusal refusal) {
  switch (refusal) {
    case ConnectionLimiter::Refusal::none: return "none";
    case ConnectionLimiter::Refusal::total: return "total";
    case ConnectionLimiter::Refusal::per_ip: return "per_ip";
  }
  return "unknown";
}

}  // namespace postino::runtime
